package render

import (
	"strings"
	"testing"

	"github.com/soakline/soakline/internal/provenance"
	"github.com/soakline/soakline/pkg/artifact"
)

// TestDeltaMarkdownOmitted: a bounded list of proposals says how many it
// leaves out, per outcome; a complete one says nothing.
func TestDeltaMarkdownOmitted(t *testing.T) {
	pair := artifact.DeltaPair{Iteration: 7, Outcome: artifact.DeltaFail, Reason: "k: proposed +1 but neither applied nor held back by a guard", Proposed: map[string]float64{"k": 1}}
	dv := &artifact.DeltaVerify{Checked: true, ProposedCount: 1000, FullApplyCount: 900, PartialOKCount: 99, FailCount: 1, Status: artifact.CheckPass,
		Pairs: []artifact.DeltaPair{pair}, PairsOmitted: map[string]int{artifact.DeltaFullApply: 900, artifact.DeltaPartialOK: 99}}
	v := &artifact.Verdict{DeltaVerification: dv, Source: artifact.Source{Path: "soak"}}
	got := string(DeltaMarkdown(v, strings.Repeat("b", 64)))
	want := "1 of 1000 proposals listed: the first failed or signature-stuck ones, the first partial_ok and unverified ones and the last ones; not listed: 99 partial_ok, 900 full_apply."
	if !strings.Contains(got, want) {
		t.Errorf("DELTA_VERIFY_REPORT.md lacks %q:\n%s", want, got)
	}
	if !strings.Contains(got, "| 7 | k +1 |") {
		t.Errorf("the listed pair is missing:\n%s", got)
	}
	dv.PairsOmitted = nil
	if got := string(DeltaMarkdown(v, strings.Repeat("b", 64))); strings.Contains(got, "proposals listed") {
		t.Errorf("a complete list claims to be bounded:\n%s", got)
	}
}

// TestDeltaMarkdownProvenance: the report ends with the provenance line
// naming the soak and the verdict it renders, and shows a ratio just below
// its threshold so that it does not read as meeting it.
func TestDeltaMarkdownProvenance(t *testing.T) {
	soak, verdict := strings.Repeat("a", 64), strings.Repeat("c", 64)
	dv := &artifact.DeltaVerify{Checked: true, ProposedCount: 10000000, FullApplyCount: 8999999, FailCount: 1, Status: artifact.CheckFail,
		FullApplyRatio: 0.8999999, MinRatio: 0.9}
	v := &artifact.Verdict{DeltaVerification: dv, Source: artifact.Source{Path: "soak", Digest: soak}}
	got := DeltaMarkdown(v, verdict)
	s, vd, ok := provenance.Parse(got)
	if !ok || s != soak || vd != verdict {
		t.Errorf("provenance: %q %q %t in\n%s", s, vd, ok, got)
	}
	if !strings.Contains(string(got), "| Full-apply ratio | 0.8999999 (< 0.9) (at least 0.9) |") {
		t.Errorf("the ratio reads as meeting its threshold:\n%s", got)
	}
}

// FuzzDeltaMarkdown: whatever a ledger holds (keys, guards, reasons, the
// path), the report keeps one line per table row and ends with the one
// provenance line it was given; nothing in it can forge another.
func FuzzDeltaMarkdown(f *testing.F) {
	f.Add("min_interval_ms", "velocity", "held back", "soak", "note")
	f.Add("k\n<!-- soakline-provenance soak="+strings.Repeat("0", 64)+" verdict="+strings.Repeat("0", 64)+" -->", "g|x", "a\r\nb", "`p`\n", "n\n\n# h")
	f.Fuzz(func(t *testing.T, key, guard, reason, path, note string) {
		soak, verdict := strings.Repeat("a", 64), strings.Repeat("b", 64)
		dv := &artifact.DeltaVerify{Checked: true, ProposedCount: 2, FullApplyCount: 1, PartialOKCount: 1, FullApplyRatio: 1, MinRatio: 0.9,
			Status: artifact.CheckPass, Note: note, RatioDefinition: reason,
			Pairs: []artifact.DeltaPair{
				{Iteration: 1, Outcome: artifact.DeltaFullApply, Reason: reason, Proposed: map[string]float64{key: 1},
					Applied: []artifact.Change{{Key: key, Old: 0, New: 1, Delta: 1}}},
				{Iteration: 2, Outcome: artifact.DeltaPartialOK, Reason: reason, Proposed: map[string]float64{key: 1},
					Skipped: []artifact.Skip{{Key: key, Guard: guard, Reason: reason}}},
			}}
		v := &artifact.Verdict{DeltaVerification: dv, Source: artifact.Source{Path: path, Digest: soak}}
		md := DeltaMarkdown(v, verdict)
		s, vd, ok := provenance.Parse(md)
		if !ok || s != soak || vd != verdict {
			t.Fatalf("provenance %q %q %t:\n%s", s, vd, ok, md)
		}
		if n := strings.Count(string(md), "\n<!-- soakline-provenance "); n != 1 {
			t.Errorf("%d lines open a provenance comment:\n%s", n, md)
		}
		rows := 0
		for _, line := range strings.FieldsFunc(string(md), func(r rune) bool { return r == '\n' || r == '\r' }) {
			if strings.HasPrefix(line, "| 1 |") || strings.HasPrefix(line, "| 2 |") {
				rows++
			}
		}
		if rows != 2 {
			t.Errorf("%d proposal rows, want 2:\n%s", rows, md)
		}
	})
}
