package release

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/internal/provenance"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// The sealed chain. A bundle's evidence is one verdict and what was derived
// from it: POST_SOAK_SNAPSHOT.json (the verdict) records the digests of the
// soak it judged (the iteration files, TUNING_REPORT.json and
// runtime_overrides.json) and the digest of its policy;
// DELTA_VERIFY_REPORT.json records the same soak and policy and is the
// delta verification the snapshot holds; every Markdown report ends with a
// provenance line naming the soak's digest and the sha256 of the snapshot
// it renders; the overrides are the bytes whose digest the snapshot
// records. CheckChain checks all of it against facts computed
// independently: by release-bundle from the soak on disk, by verify from
// the manifest.

// Facts are what the evidence must agree with.
type Facts struct {
	SoakDigest      string // sha256 over the iteration files (soakdir.Soak.Digest)
	LedgerDigest    string // sha256 of TUNING_REPORT.json, "" when the soak has none
	OverridesDigest string // sha256 of runtime_overrides.json, "" when there is none
}

// Evidence is the evidence of one bundle, by role.
type Evidence struct {
	// Snapshot is POST_SOAK_SNAPSHOT.json as bytes and decoded.
	Snapshot     []byte
	Verdict      *artifact.Verdict
	DeltaReport  []byte            // DELTA_VERIFY_REPORT.json; nil: not checked
	Reports      map[string][]byte // the Markdown reports, by bundle file name
	ReportsNamed []string          // the report names to check, in order
}

// ReportFiles are the Markdown reports a bundle carries, each with a
// provenance line.
var ReportFiles = []string{AuditFile, RecommendationsFile, FailuresFile}

// CheckChain returns one Problem per file of e that is not derived from
// the verdict e.Verdict about the soak f describes, naming what does not
// match and why. A verdict without a soak digest is not evidence about any
// soak: its caller re-judges (release-bundle) or refuses (verify).
func CheckChain(e Evidence, f Facts) []Problem {
	var ps []Problem
	add := func(file, why string, args ...any) {
		ps = append(ps, Problem{File: file, What: Mismatch, Why: fmt.Sprintf(why, args...)})
	}
	v := e.Verdict
	src := v.Source
	// 1. The verdict is about this soak: its iteration files, its ledger
	// and its overrides, as they are now.
	switch {
	case src.Digest == "":
		add(artifact.SnapshotFile, "records no digest of the iteration files it judged: not evidence about this soak")
	case src.Digest != f.SoakDigest:
		add(artifact.SnapshotFile, "judged other iteration files (soak digest %s, this soak %s)", short(src.Digest), short(f.SoakDigest))
	}
	if src.Digest != "" {
		if src.LedgerDigest != f.LedgerDigest {
			add(artifact.SnapshotFile, "judged another TUNING_REPORT.json (ledger digest %s, this soak %s)", orNone(src.LedgerDigest), orNone(f.LedgerDigest))
		}
		if src.OverridesDigest != f.OverridesDigest {
			add(ProfileFile, "not the runtime_overrides.json the verdict was judged with (sha256 %s, the verdict records %s)", orNone(f.OverridesDigest), orNone(src.OverridesDigest))
		}
	}
	// 1b. The verdict is what its own checks say.
	for _, why := range verdictInconsistencies(v) {
		add(artifact.SnapshotFile, "%s", why)
	}
	// 2. The delta report is the snapshot's delta verification: same
	// soak, same policy, same content.
	if e.DeltaReport != nil {
		checkDelta(e.DeltaReport, v, add)
	}
	// 3. Every report renders this snapshot of this soak.
	snapSum := artifact.Hash(e.Snapshot)
	for _, name := range e.ReportsNamed {
		data, ok := e.Reports[name]
		if !ok {
			continue
		}
		soak, verdict, ok := provenance.Parse(data)
		switch {
		case !ok:
			add(name, "has no provenance line (a report soakline did not write, or one edited by hand): not shown to render this verdict")
		case soak != f.SoakDigest:
			add(name, "rendered from another soak (soak digest %s, this soak %s)", short(soak), short(f.SoakDigest))
		case verdict != snapSum:
			add(name, "renders another verdict (snapshot sha256 %s, the bundled %s has %s)", short(verdict), artifact.SnapshotFile, short(snapSum))
		}
	}
	return ps
}

// verdictInconsistencies lists how v contradicts itself: a verdict that is
// not the documented precedence over its checks' statuses (FAIL over
// INCONCLUSIVE over WARN over PASS; SKIP counts for none), a check status
// soakline does not write, and a PASS
// check whose value does not meet its own level (its fail level, and its
// warn level when it has one). Comparisons ("compare_*", whose value is a
// shift that may pass when it is not significant) and sustained rules
// (judged iteration by iteration) are exempt from the last. A snapshot
// edited from FAIL to PASS without its soak (a forced bundle made to look
// validated, its sums regenerated) is caught here unless every value was
// edited too.
func verdictInconsistencies(v *artifact.Verdict) []string {
	var out []string
	sev := map[string]int{artifact.CheckSkip: -1, artifact.CheckPass: 0, artifact.CheckWarn: 1, artifact.CheckInconclusive: 2, artifact.CheckFail: 3}
	names := []string{artifact.VerdictPass, artifact.VerdictWarn, artifact.VerdictInconclusive, artifact.VerdictFail}
	worst := 0
	for i := range v.Checks {
		c := &v.Checks[i]
		s, ok := sev[c.Status]
		if !ok {
			out = append(out, fmt.Sprintf("check %q has the status %q, which soakline does not write", c.Name, c.Status))
			continue
		}
		worst = max(worst, s)
		if c.Status != artifact.CheckPass || c.Value == nil || c.Sustained != "" || strings.HasPrefix(c.Name, "compare_") {
			continue
		}
		for _, l := range numfmt.Levels(c) {
			if !numfmt.Meets(*c.Value, c.Direction, l) {
				out = append(out, fmt.Sprintf("check %q says PASS, but its value %s does not meet %s %s",
					c.Name, numfmt.CheckValue(c), c.Direction, numfmt.Level.Format(l)))
				break
			}
		}
	}
	if want := names[worst]; v.Verdict != want {
		out = append(out, fmt.Sprintf("says %s, but its checks say %s (FAIL over INCONCLUSIVE over WARN over PASS): edited after it was judged", v.Verdict, want))
	}
	return out
}

func checkDelta(data []byte, v *artifact.Verdict, add func(file, why string, args ...any)) {
	const name = artifact.DeltaVerifyFile
	env, err := artifact.PeekEnvelope(name, data)
	if err != nil || env.Kind != artifact.KindDeltaVerify {
		add(name, "not a delta report of soakline's (no kind %q): not shown to be about this soak", artifact.KindDeltaVerify)
		return
	}
	var d artifact.DeltaVerify
	if err := artifact.Decode(name, data, artifact.KindDeltaVerify, &d); err != nil {
		add(name, "%v", errText(err))
		return
	}
	switch {
	case d.Source == nil || d.Source.Digest == "":
		add(name, "records no soak digest: not shown to be about this soak")
		return
	case d.Source.Digest != v.Source.Digest:
		add(name, "computed from another soak (soak digest %s, the verdict's %s)", short(d.Source.Digest), short(v.Source.Digest))
		return
	case d.Source.LedgerDigest != v.Source.LedgerDigest:
		add(name, "computed from another TUNING_REPORT.json (ledger digest %s, the verdict's %s)", orNone(d.Source.LedgerDigest), orNone(v.Source.LedgerDigest))
		return
	case d.PolicyDigest != v.Policy.Digest:
		add(name, "computed under another policy (policy digest %s, the verdict's %s)", orNone(d.PolicyDigest), orNone(v.Policy.Digest))
		return
	}
	if v.DeltaVerification == nil {
		add(name, "the verdict holds no delta verification to compare it with")
		return
	}
	got, err1 := artifact.Marshal(&d)
	want, err2 := artifact.Marshal(v.DeltaVerification)
	if err1 != nil || err2 != nil || !bytes.Equal(got, want) {
		add(name, "differs from the delta verification in %s (proposed %d, full_apply %d there; %d, %d here)",
			artifact.SnapshotFile, v.DeltaVerification.ProposedCount, v.DeltaVerification.FullApplyCount, d.ProposedCount, d.FullApplyCount)
	}
}

// DeltaReport renders the snapshot's delta verification as
// DELTA_VERIFY_REPORT.json, as soak-gate --out writes it.
func DeltaReport(v *artifact.Verdict) ([]byte, error) {
	if v.DeltaVerification == nil {
		return nil, fmt.Errorf("the verdict holds no delta verification")
	}
	return artifact.Marshal(v.DeltaVerification)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return short(s)
}

func errText(err error) string {
	if ae, ok := err.(*fileerr.Error); ok {
		if ae.Line > 0 {
			return fmt.Sprintf("line %d: %v", ae.Line, ae.Err)
		}
		return ae.Err.Error()
	}
	return err.Error()
}
