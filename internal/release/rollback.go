package release

import (
	"sort"
	"strings"

	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/pkg/artifact"
)

// ParamDiff is one parameter of the difference between two profiles.
type ParamDiff struct {
	Key      string
	Previous *float64 // nil: absent from the previous profile
	Current  *float64 // nil: absent from this release's profile
}

// DiffProfiles compares the previous and the current overrides key by key
// and returns the keys that differ, sorted.
func DiffProfiles(prev, cur *artifact.Overrides) []ParamDiff {
	keys := map[string]bool{}
	get := func(o *artifact.Overrides, k string) *float64 {
		if o == nil {
			return nil
		}
		if v, ok := o.Params[k]; ok {
			return &v
		}
		return nil
	}
	for _, o := range []*artifact.Overrides{prev, cur} {
		if o != nil {
			for k := range o.Params {
				keys[k] = true
			}
		}
	}
	var out []ParamDiff
	for k := range keys {
		p, c := get(prev, k), get(cur, k)
		if p != nil && c != nil && *p == *c {
			continue
		}
		out = append(out, ParamDiff{Key: k, Previous: p, Current: c})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func (d ParamDiff) change() string {
	switch {
	case d.Previous == nil:
		return "added by this release (remove it)"
	case d.Current == nil:
		return "removed by this release (restore it)"
	}
	return numfmt.Doc.Format(*d.Previous - *d.Current)
}

// RollbackPlan renders rollback_plan.md: what to restore and from where,
// the commands, how to check the rollback worked, when to escalate, and
// the automatic triggers from the gate's policy.
func RollbackPlan(r *Release) []byte {
	var b md
	rollbackIntro(&b, r)
	restore, wantSHA := restoreSection(&b, r)
	quickRollback(&b, r, restore, wantSHA)
	escalation(&b, r)
	b.line("## Automatic rollback triggers")
	b.blank()
	triggerSection(&b, r.Policy, r.Triggers)
	return []byte(b.String())
}

// rollbackIntro is the plan's title, goal and the profile it replaces.
func rollbackIntro(b *md, r *Release) {
	if r.Forced {
		forcedBanner(b, r)
	}
	b.line("# Rollback plan: %s", r.Version)
	b.blank()
	b.line("Goal: the bot back on the previous parameters in under 10 minutes. Every step has a time budget; when one overruns or fails, escalate (see below).")
	b.blank()
	b.line("This release runs the profile %s of this bundle (sha256 %s).", code(ProfileFile), r.ProfileSHA256)
	if len(r.Redacted) > 0 {
		b.line("Removed from it because they look like credentials: %s. Take them from your secret store, never from a bundle.", codeList(r.Redacted))
	}
	b.blank()
}

// restoreSection is "What to restore, and from where": the previous
// release's profile and how it differs, or the copy taken before the
// deployment. It returns the shell word of the file to restore and the
// sha256 the restored file must have ("" when cmp checks it instead).
func restoreSection(b *md, r *Release) (restore, wantSHA string) {
	b.line("## What to restore, and from where")
	b.blank()
	if p := r.Previous; p != nil {
		restorePath := strings.TrimSuffix(p.Path, "/") + "/" + ProfileFile
		restore = shellWord(restorePath)
		wantSHA = p.ProfileSHA256
		ver := p.Version
		if ver == "" {
			ver = "unknown version"
		}
		if p.Verified() {
			b.line("The previous release's profile: %s (bundle %s, sha256 %s; the bundle's SHA256SUMS has sha256 %s).", code(restorePath), ver, p.ProfileSHA256, p.SumsSHA256)
		} else {
			b.line("The previous release's profile: %s (bundle %s, sha256 %s).", code(restorePath), ver, p.ProfileSHA256)
			b.blank()
			previousUnverified(b, p)
		}
		b.blank()
		if len(p.CredentialKeys) > 0 {
			b.line("Keys of the previous profile that look like credentials are left out of the comparison (their values are not shown): %s.", codeList(p.CredentialKeys))
			b.blank()
		}
		if len(p.NotCompared) > 0 {
			b.line("Keys of the previous profile that are not numbers are not compared: %s.", codeList(p.NotCompared))
			b.blank()
		}
		diff := DiffProfiles(p.Profile, r.Profile)
		if len(diff) == 0 {
			b.line("It holds the same parameter values as this release: restoring it changes no parameter.")
		} else {
			b.line("Parameters that differ (restore the previous value):")
			b.blank()
			rows := make([][]string, len(diff))
			for i, d := range diff {
				rows[i] = []string{d.Key, fmtPtr(d.Previous), fmtPtr(d.Current), d.change()}
			}
			b.table([]string{"parameter", "previous (restore)", "this release", "previous − this"}, rows)
		}
		b.blank()
		if len(p.RedactedKeys) > 0 {
			// The previous profile as bundled is not the file the bot ran
			// with: restoring it as is would leave the bot without them.
			restore, wantSHA = shellSuffixed("OVERRIDES", ".before-", r.Version), ""
			b.line("**Credentials were removed from the previous profile when it was bundled** (%s): as shipped it is not the file the bot ran with. Restore instead the copy of the overrides taken before this release was deployed (a pre-deployment step of the canary checklist), %s: it holds them. Only without that copy, restore the previous profile and put these keys back from your secret store before the restart (its sha256 then differs from the bundle's).",
				codeList(p.RedactedKeys), code("$OVERRIDES.before-"+r.Version))
			b.blank()
		}
	} else {
		restore = shellSuffixed("OVERRIDES", ".before-", r.Version)
		b.line("No previous bundle was given (`release-bundle --previous`). Restore the copy of the overrides taken before this release was deployed (a pre-deployment step of the canary checklist): %s.", code("$OVERRIDES.before-"+r.Version))
		b.blank()
		if r.Ledger != nil {
			if changes, _ := TuningChanges(r.Ledger); len(changes) > 0 {
				b.line("Without that copy, the soak's ledger records the values its tuning started from:")
				b.blank()
				rows := make([][]string, len(changes))
				for i, c := range changes {
					rows[i] = []string{c.Key, numfmt.Doc.Format(c.First), numfmt.Doc.Format(c.Last)}
				}
				b.table([]string{"parameter", "before the soak's tuning", "this release"}, rows)
				b.blank()
			}
		}
	}
	return restore, wantSHA
}

// quickRollback is the procedure, step by step with time budgets.
func quickRollback(b *md, r *Release, restore, wantSHA string) {
	b.line("## Quick rollback (under 10 minutes)")
	b.blank()
	b.line("Set %s to the overrides file the bot reads", code("OVERRIDES"))
	if r.OverridesFrom != "" {
		b.line("(during the soak: %s)", code(r.OverridesFrom))
	}
	b.line("in the shell that runs these commands:")
	b.blank()
	b.line("```sh")
	b.sh("", `: "${OVERRIDES:?set OVERRIDES to the overrides file the bot reads}"`)
	b.line("```")
	b.blank()
	b.line("1. Check what you restore (1 min):")
	b.blank()
	b.line("   ```sh")
	if p := r.Previous; p != nil && p.Verified() {
		b.sh("   ", "release-bundle", "verify", shellWord(p.Path))
	}
	if p := r.Previous; p != nil && len(p.RedactedKeys) == 0 {
		b.sh("   ", "sha256sum", restore, "  # expect", shellWord(p.ProfileSHA256))
	} else {
		b.sh("   ", "test", "-s", restore)
	}
	b.line("   ```")
	b.blank()
	if p := r.Previous; p != nil && !p.Verified() {
		b.line("   The previous bundle does not verify (see above): %s would fail on it; the profile's sha256 is the check there is.", code("release-bundle verify"))
		b.blank()
	}
	b.line("2. Keep the current file for the post-mortem (1 min):")
	b.blank()
	b.line("   ```sh")
	b.sh("   ", "cp", "-p", `"$OVERRIDES"`, shellSuffixed("OVERRIDES", ".rollback-from-", r.Version))
	b.line("   ```")
	b.blank()
	b.line("3. Restore it atomically (1 min):")
	b.blank()
	b.line("   ```sh")
	b.sh("   ", "cp", restore, `"$OVERRIDES.tmp"`, "&&", "mv", `"$OVERRIDES.tmp"`, `"$OVERRIDES"`)
	b.line("   ```")
	b.blank()
	b.line("4. Restart the bot with your service manager so that it reads the restored file (3 min).")
	b.blank()
	b.line("5. Check that the rollback worked (3 min):")
	b.blank()
	b.line("   ```sh")
	if wantSHA != "" {
		b.sh("   ", "sha256sum", `"$OVERRIDES"`, "  # expect", shellWord(wantSHA))
	} else {
		b.sh("   ", "cmp", restore, `"$OVERRIDES"`)
	}
	b.line("   ```")
	b.blank()
	b.line("   - the bot is up and healthy (the mm-bot answers GET /healthz), and GET /admin/config shows the restored values;")
	b.line("   - no automatic trigger below fires in the next three evaluations (15 minutes).")
	b.blank()
}

// escalation is "When to escalate".
func escalation(b *md, r *Release) {
	b.line("## When to escalate")
	b.blank()
	b.line("Escalate to the bot's on-call owner, and stop the bot if it keeps trading on the wrong parameters, when:")
	b.blank()
	b.line("- a step overruns its budget, or the procedure passes 10 minutes;")
	b.line("- the file to restore is missing or fails its checksum;")
	b.line("- the bot does not come back healthy after the restart;")
	b.line("- a trigger still fires three evaluations (15 minutes) after the restore.")
	b.blank()
	b.line("Keep %s and this bundle for the post-mortem.", code("$OVERRIDES.rollback-from-"+r.Version))
	b.blank()
}

func codeList(xs []string) Markdown {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(code(x))
	}
	return Markdown(strings.Join(out, ", "))
}

// previousUnverified writes what could not be verified of a previous
// bundle read as legacy: how it was read, then one item per line. Every
// item is escaped (it may quote the bundle's own files).
func previousUnverified(b *md, p *Previous) {
	b.line("**The previous bundle was not verified**: it does not verify (%s), so it was %s. Its profile and version are used for the diff below; what could not be verified:", code("release-bundle verify"), p.LegacyText())
	b.blank()
	for _, u := range p.Unverified {
		b.line("- %s", u)
	}
}
