package release

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/pkg/artifact"
)

// Release is everything the generated bundle documents are written from.
// Each line of CHANGELOG.md and rollback_plan.md comes from these fields.
type Release struct {
	Version    string
	Date       string // YYYY-MM-DD, "" when no date source was given
	DateSource string // SOURCE_DATE_EPOCH, --now or "commit time"
	Tool       string // tool version
	BundleDir  string // the bundle's directory name, for commands

	Git *GitInfo // nil outside a git repository
	// Commits are the commits since Git.PreviousTag (all commits when it
	// is ""), newest first; used only when Git is set.
	Commits []Commit

	Snapshot *Snapshot
	// Forced is set when --allow-fail let through what is otherwise
	// refused: a verdict that is neither PASS nor WARN, or Stale.
	Forced bool
	// Stale is set when the snapshot records the digest of the iteration
	// files it judged and that is not Source.Digest: its verdict is about
	// other data than the soak holds now.
	Stale  bool
	Delta  *artifact.DeltaVerify
	Ledger *artifact.TuningReport // nil: the soak has no TUNING_REPORT.json
	Source BundleSource

	// Profile is this release's overrides (after redaction), ProfileSHA256
	// the digest of the bundled file; Redacted the removed credentials.
	Profile       *artifact.Overrides
	ProfileSHA256 string
	Redacted      []string
	// OverridesFrom is where the soak's overrides were read.
	OverridesFrom string

	Previous *Previous // --previous, nil when not given

	Policy   *ResolvedPolicy
	Triggers []CanaryTrigger
}

// MaxChangelogCommits bounds the commit list; the rest is counted.
const MaxChangelogCommits = 200

// forcedBanner is the first lines of a bundle built with --allow-fail:
// each reason it would have been refused, one line each.
func forcedBanner(b *md, r *Release) {
	v := r.Snapshot.Verdict
	if !Passing(v.Verdict) {
		b.line("> **NOT A VALIDATED RELEASE.** This bundle was built with `--allow-fail` although the soak's verdict is **%s**: %s", v.Verdict, dash(v.Reason))
	}
	if r.Stale {
		if !Passing(v.Verdict) {
			b.line(">")
		}
		b.line("> **NOT A VALIDATED RELEASE.** This bundle was built with `--allow-fail` although %s was judged on other iteration files than the soak holds now (snapshot digest %s, soak digest %s): its verdict **%s** is not about the bundled data.",
			artifact.SnapshotFile, shortText(v.Source.Digest, 12), shortText(r.Source.Digest, 12), v.Verdict)
	}
	b.blank()
}

// DigestUnchecked reports whether the snapshot records no digest of the
// iteration files it judged (the Python toolkit's never does), so that
// whether it is about the bundled soak could not be checked.
func (r *Release) DigestUnchecked() bool { return r.Snapshot.Source.Digest == "" }

// Changelog renders CHANGELOG.md.
func Changelog(r *Release) []byte {
	var b md
	v := &r.Snapshot.Verdict
	if r.Forced {
		forcedBanner(&b, r)
	}
	b.line("# Changelog: %s", r.Version)
	b.blank()
	b.line("- Version: %s", r.Version)
	if r.Date != "" {
		b.line("- Date: %s (from %s)", r.Date, r.DateSource)
	} else {
		b.line("- Date: not recorded (set SOURCE_DATE_EPOCH or --now)")
	}
	if r.Git != nil {
		dirty := ""
		if r.Git.Dirty {
			dirty = " (with uncommitted changes to tracked files)"
		}
		b.line("- Commit: %s%s", r.Git.Commit, Markdown(dirty))
	} else {
		b.line("- Commit: not built inside a git repository")
	}
	b.line("- Verdict: **%s** — %s", v.Verdict, dash(v.Reason))
	b.line("- Freeze ready: %s", yesNo(v.FreezeReady))
	b.line("- Judged window: %s", WindowText(v))
	b.line("- Policy: %s", policyText(v.Policy))
	if r.Snapshot.Legacy {
		b.line("- Snapshot: written by the Python toolkit; it records no checks or thresholds")
	}
	switch {
	case r.DigestUnchecked():
		b.line("- Judged data: not checked; the snapshot records no digest of the iteration files it judged (the soak's digest is %s)", dash(r.Source.Digest))
	case r.Stale:
		b.line("- Judged data: **other iteration files** than the soak holds now (snapshot digest %s, soak digest %s)", r.Snapshot.Source.Digest, r.Source.Digest)
	default:
		b.line("- Judged data: the soak's iteration files (digest %s)", r.Source.Digest)
	}
	b.line("- Built by: release-bundle %s", r.Tool)
	if p := r.Previous; p != nil {
		previousLine(&b, p)
	}
	b.blank()

	b.line("## KPIs of the judged window")
	b.blank()
	if rows := kpiRows(v); len(rows) > 0 {
		b.table(kpiHead, rows)
	} else {
		b.line("The snapshot holds no KPI statistics.")
	}
	b.blank()
	var other [][]string
	for _, c := range v.Checks {
		if c.KPI != "" {
			continue
		}
		other = append(other, []string{c.Name, numfmt.CheckValue(&c), checkCond(&c), c.Status, c.Reason})
	}
	if len(other) > 0 {
		b.line("Other checks:")
		b.blank()
		b.table([]string{"check", "value", "policy", "status", "reason"}, other)
		b.blank()
	}
	if d := r.Delta; d != nil {
		b.line("Delta verification (DELTA_VERIFY_REPORT.json): %d proposed, %d fully applied, %d held back by a guard, %d failed, %d signature-stuck; full-apply ratio %s.",
			d.ProposedCount, d.FullApplyCount, d.PartialOKCount, d.FailCount, d.SignatureStuckCount, numfmt.Value.Format(d.FullApplyRatio, d.MinRatio))
		if d.Note != "" {
			b.line("Note: %s", d.Note)
		}
		b.blank()
	}

	b.line("## Tuning applied during the soak")
	b.blank()
	tuningSection(&b, r.Ledger)

	b.line("## Commits")
	b.blank()
	commitSection(&b, r)
	return []byte(b.String())
}

// previousLine says which bundle a rollback returns to and whether it
// verified; for one read as legacy, each thing that could not be verified.
func previousLine(b *md, p *Previous) {
	ver := p.Version
	if ver == "" {
		ver = "unknown version"
	}
	if p.Verified() {
		b.line("- Previous release (the rollback target): %s, %s; verified (SHA256SUMS sha256 %s)", code(p.Path), ver, p.SumsSHA256)
		return
	}
	b.line("- Previous release (the rollback target): %s, %s; **previous bundle not verified**: %s; its profile's sha256 is %s", code(p.Path), ver, p.LegacyText(), p.ProfileSHA256)
	for _, u := range p.Unverified {
		b.line("  - not verified: %s", u)
	}
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}

func policyText(p artifact.Policy) string {
	if p.Name == "" && p.Digest == "" {
		return "not recorded"
	}
	s := p.Name
	if p.Source != "" {
		s += " (" + p.Source + ")"
	}
	if p.Digest != "" {
		s += ", " + p.Digest
	}
	return s
}

// ParamChange is a parameter's path through the soak's tuning.
type ParamChange struct {
	Key        string
	First      float64 // value before the first change
	Last       float64 // value after the last change
	Iterations []int
}

// TuningChanges folds the ledger into one entry per changed parameter,
// sorted by key; keysOnly lists parameters a legacy ledger names as changed
// without values.
func TuningChanges(l *artifact.TuningReport) (changes []ParamChange, keysOnly map[string][]int) {
	byKey := map[string]*ParamChange{}
	keysOnly = map[string][]int{}
	for _, e := range l.Iterations {
		if len(e.Changes) == 0 && e.Applied {
			for _, k := range e.ChangedKeys {
				keysOnly[k] = append(keysOnly[k], e.Iteration)
			}
		}
		for _, c := range e.Changes {
			pc := byKey[c.Key]
			if pc == nil {
				pc = &ParamChange{Key: c.Key, First: c.Old}
				byKey[c.Key] = pc
			}
			pc.Last = c.New
			pc.Iterations = append(pc.Iterations, e.Iteration)
		}
	}
	for _, pc := range byKey {
		changes = append(changes, *pc)
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].Key < changes[j].Key })
	return changes, keysOnly
}

func tuningSection(b *md, l *artifact.TuningReport) {
	if l == nil {
		b.line("The soak directory has no TUNING_REPORT.json: no tuning is recorded.")
		b.blank()
		return
	}
	applied := 0
	for _, e := range l.Iterations {
		if e.Applied {
			applied++
		}
	}
	b.line("The ledger (TUNING_REPORT.json) has %d entries; %d applied changes.", len(l.Iterations), applied)
	b.blank()
	changes, keysOnly := TuningChanges(l)
	if len(changes) > 0 {
		rows := make([][]string, len(changes))
		for i, c := range changes {
			rows[i] = []string{c.Key, numfmt.Doc.Format(c.First), numfmt.Doc.Format(c.Last), numfmt.Doc.Format(c.Last - c.First), compactInts(c.Iterations)}
		}
		b.table([]string{"parameter", "first", "last", "change", "changed after iterations"}, rows)
		b.blank()
	}
	if len(keysOnly) > 0 {
		keys := slices.Sorted(maps.Keys(keysOnly))
		b.line("Changed without recorded values (a legacy ledger records key names only):")
		b.blank()
		for _, k := range keys {
			b.line("- %s: after iterations %s", code(k), compactInts(keysOnly[k]))
		}
		b.blank()
	}
	if len(changes) == 0 && len(keysOnly) == 0 {
		b.line("No parameter was changed during the soak.")
		b.blank()
	}
	guards := map[string][]int{}
	for _, e := range l.Iterations {
		for _, g := range e.Guards {
			guards[g] = append(guards[g], e.Iteration)
		}
	}
	if len(guards) > 0 {
		names := slices.Sorted(maps.Keys(guards))
		b.line("Guards that held changes back:")
		b.blank()
		for _, g := range names {
			b.line("- %s: after iterations %s", g, compactInts(guards[g]))
		}
		b.blank()
	}
}

func commitSection(b *md, r *Release) {
	if r.Git == nil {
		b.line("Not built inside a git repository: no commit list.")
		return
	}
	total := len(r.Commits)
	if r.Git.PreviousTag != "" {
		b.line("%d commits since %s (merges left out).", total, code(r.Git.PreviousTag))
	} else {
		b.line("No earlier tag: the whole history, %d commits (merges left out).", total)
	}
	if total == 0 {
		return
	}
	shown := r.Commits
	if len(shown) > MaxChangelogCommits {
		shown = shown[:MaxChangelogCommits]
	}
	for _, g := range GroupCommits(shown) {
		b.blank()
		b.line("### %s", g.Title)
		b.blank()
		for _, c := range g.Commits {
			b.line("- %s (%s)", commitLine(c), shortHash(c.Hash))
		}
	}
	if total > len(shown) {
		b.blank()
		b.line("… and %d older commits not listed.", total-len(shown))
	}
}

func commitLine(c Conventional) string {
	s := c.Description
	if c.Type != "" {
		prefix := c.Type
		if c.Scope != "" {
			prefix += "(" + c.Scope + ")"
		}
		s = prefix + ": " + s
	}
	if c.BreakingNote != "" {
		s += " — BREAKING CHANGE: " + c.BreakingNote
	}
	return strings.TrimSpace(s)
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// Describe returns a one-line description of the release for logs.
func (r *Release) Describe() string {
	return fmt.Sprintf("%s (verdict %s)", r.Version, r.Snapshot.Verdict.Verdict)
}
