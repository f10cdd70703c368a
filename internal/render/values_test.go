package render

import (
	"strings"
	"testing"

	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/pkg/artifact"
)

// TestCheckValuesAgreeWithStatus: a failing 0.8299999 beside a level of
// 0.83 is never shown as 0.83 in POST_SOAK_AUDIT.md, FAILURES.md or
// RECOMMENDATIONS.md, and levels are shown as they are compared
// (review R1).
func TestCheckValuesAgreeWithStatus(t *testing.T) {
	maker, warn := 0.8299999, 0.85
	v := &artifact.Verdict{SchemaVersion: 1, Kind: artifact.KindVerdict, Verdict: "FAIL", Reason: "r",
		Source: artifact.Source{Path: "soak", Digest: strings.Repeat("1", 64)}}
	v.Checks = []artifact.Check{
		{Name: "maker_taker_ratio_mean", KPI: "maker_taker_ratio", Statistic: "mean", Direction: ">=", Threshold: 0.83, Warn: &warn,
			Value: &maker, N: 8, Status: "FAIL", WindowFirst: 1, WindowLast: 1},
		{Name: "ratio", Direction: ">=", Threshold: 0.8333333333, Value: artifact.F(0.83333), N: 3, Status: "FAIL"},
	}
	it := &artifact.IterationSummary{Iteration: 1, Status: artifact.StatusOK, Summary: artifact.Summary{NetBps: artifact.F(3), MakerTakerRatio: &maker}}
	files, err := Render(Input{Soak: &soakdir.Soak{Iterations: []*artifact.IterationSummary{it}}, Verdict: v})
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, f := range files {
		switch f.Name {
		case AuditFile, FailuresFile, RecommendationsFile:
		default:
			continue
		}
		seen++
		doc := string(f.Data)
		for _, line := range strings.Split(doc, "\n") {
			if strings.Contains(line, "maker_taker_ratio") && (strings.Contains(line, "| 0.83 |") || strings.Contains(line, " = 0.83 ")) {
				t.Errorf("%s shows the failing 0.8299999 as 0.83: %q", f.Name, line)
			}
			if strings.Contains(line, "threshold >= 0.833 ") || strings.Contains(line, "threshold >= 0.833:") || strings.Contains(line, "| >= 0.833 |") {
				t.Errorf("%s rounds the level 0.8333333333 to 0.833: %q", f.Name, line)
			}
		}
		if f.Name == AuditFile && (!strings.Contains(doc, "0.8299999 (< 0.83)") || !strings.Contains(doc, ">= 0.8333333333")) {
			t.Errorf("%s lacks the exact value or level:\n%s", f.Name, doc)
		}
		if f.Name == FailuresFile && !strings.Contains(doc, "0.8299999 (< 0.83)") {
			t.Errorf("%s lacks the exact value:\n%s", f.Name, doc)
		}
	}
	if seen != 3 {
		t.Fatalf("rendered %d of the three markdown reports", seen)
	}
}
