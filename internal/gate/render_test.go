package gate

import (
	"strings"
	"testing"

	"github.com/soakline/soakline/pkg/artifact"
)

// TestDeltaMarkdownOmitted: a bounded list of proposals says how many it
// leaves out, per outcome; a complete one says nothing.
func TestDeltaMarkdownOmitted(t *testing.T) {
	pair := artifact.DeltaPair{Iteration: 7, Outcome: artifact.DeltaFail, Reason: "k: proposed +1 but neither applied nor held back by a guard", Proposed: map[string]float64{"k": 1}}
	dv := &artifact.DeltaVerify{Checked: true, ProposedCount: 1000, FullApplyCount: 900, PartialOKCount: 99, FailCount: 1, Status: artifact.CheckPass,
		Pairs: []artifact.DeltaPair{pair}, PairsOmitted: map[string]int{artifact.DeltaFullApply: 900, artifact.DeltaPartialOK: 99}}
	v := &artifact.Verdict{DeltaVerification: dv, Source: artifact.Source{Path: "soak"}}
	got := string(deltaMarkdown(v))
	want := "1 of 1000 proposals listed: the first failed or signature-stuck ones, the first partial_ok ones and the last ones; not listed: 99 partial_ok, 900 full_apply."
	if !strings.Contains(got, want) {
		t.Errorf("DELTA_VERIFY_REPORT.md lacks %q:\n%s", want, got)
	}
	if !strings.Contains(got, "| 7 | k +1 |") {
		t.Errorf("the listed pair is missing:\n%s", got)
	}
	dv.PairsOmitted = nil
	if got := string(deltaMarkdown(v)); strings.Contains(got, "proposals listed") {
		t.Errorf("a complete list claims to be bounded:\n%s", got)
	}
}
