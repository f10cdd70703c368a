package judge

import (
	"strings"
	"testing"

	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/pkg/artifact"
)

// TestToolkitScale: the Python toolkit's risk_ratio is risk blocks / all
// blocks, ours risk blocks / all attempted actions. A toolkit soak is judged
// by the rule's toolkit levels (the seed's 0.40 in the built-in policy), not
// by 0.05 on the other scale; without toolkit levels, or with a window that
// mixes both definitions, the check is INCONCLUSIVE, never PASS or FAIL.
func TestToolkitScale(t *testing.T) {
	toolkit := func(risk float64, from int) func(int, *artifact.IterationSummary) {
		return func(i int, it *artifact.IterationSummary) {
			it.Summary.RiskRatio = artifact.F(risk)
			if i >= from {
				it.Legacy, it.Mode = true, artifact.ModeLegacy
			}
		}
	}
	noToolkit := policy.Default(false)
	for i := range noToolkit.KPIs {
		noToolkit.KPIs[i].Toolkit = nil
	}
	tests := []struct {
		name   string
		edit   func(int, *artifact.IterationSummary)
		pol    *policy.Policy
		status string
		reason string
		level  float64
	}{
		{"toolkit soak within its level", toolkit(0.30, 1), policy.Default(false), artifact.CheckPass, "judged by the rule's toolkit levels", 0.40},
		{"toolkit soak past its level", toolkit(0.45, 1), policy.Default(false), artifact.CheckFail, "above the fail level 0.4", 0.40},
		{"soakline soak on its own scale", toolkit(0.30, 99), policy.Default(false), artifact.CheckFail, "above the fail level 0.05", 0.05},
		{"no toolkit levels", toolkit(0.30, 1), noToolkit, artifact.CheckInconclusive, "no toolkit levels for it (kpis[2].toolkit)", 0.05},
		{"a mixed window", toolkit(0.03, 10), policy.Default(false), artifact.CheckInconclusive, "the window mixes 3 iteration(s) of the Python toolkit", 0.05},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := Evaluate(soakOf(12, tc.edit), tc.pol, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var c *artifact.Check
			for i := range v.Checks {
				if v.Checks[i].Name == "risk_ratio_mean" {
					c = &v.Checks[i]
				}
			}
			if c == nil {
				t.Fatalf("no risk_ratio_mean check in %+v", v.Checks)
			}
			if c.Status != tc.status || !strings.Contains(c.Reason, tc.reason) || c.Threshold != tc.level {
				t.Errorf("got %s at level %g: %q; want %s at %g containing %q", c.Status, c.Threshold, c.Reason, tc.status, tc.level, tc.reason)
			}
			if tc.status == artifact.CheckInconclusive && v.Verdict != artifact.VerdictInconclusive {
				t.Errorf("verdict %s, want INCONCLUSIVE", v.Verdict)
			}
		})
	}
}

// TestCompareToolkitScale: --compare leaves a baseline run out of the
// risk_ratio comparison when it is on the other definition's scale (the
// toolkit's risk blocks / all blocks against soakline's per action), in
// either direction; runs on the same scale are compared.
func TestCompareToolkitScale(t *testing.T) {
	runs := func(toolkit bool, risk float64) []BaselineRun {
		rs := fiveRuns()
		for i := range rs {
			rs[i].Toolkit, rs[i].Means["risk_ratio"] = toolkit, risk
		}
		return rs
	}
	asToolkit := func(i int, it *artifact.IterationSummary) {
		it.Legacy, it.Mode, it.Summary.RiskRatio = true, artifact.ModeLegacy, artifact.F(0.30)
	}
	tests := []struct {
		name   string
		edit   func(int, *artifact.IterationSummary)
		runs   []BaselineRun
		status string
		reason string
	}{
		{"soakline soak, toolkit baseline", nil, runs(true, 0.01), artifact.CheckSkip, "risk_ratio on another scale (the Python toolkit's is risk blocks / all blocks)"},
		{"toolkit soak, soakline baseline", asToolkit, runs(false, 0.03), artifact.CheckSkip, "risk_ratio on another scale"},
		{"both the toolkit's", asToolkit, runs(true, 0.30), artifact.CheckPass, "the mean of 5 baseline soaks"},
		{"both soakline's", nil, runs(false, 0.03), artifact.CheckPass, "the mean of 5 baseline soaks"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := Evaluate(soakOf(8, tc.edit), policy.Default(false), Options{Baseline: NewBaseline(tc.runs)})
			if err != nil {
				t.Fatal(err)
			}
			if c := compareCheck(t, v, "risk_ratio"); c.Status != tc.status || !strings.Contains(c.Reason, tc.reason) {
				t.Errorf("compare_risk_ratio: %s %q; want %s containing %q", c.Status, c.Reason, tc.status, tc.reason)
			}
		})
	}
	legacy, err := BaselineFromSnapshot("old/POST_SOAK_SNAPSHOT.json", []byte(legacySnapshot))
	if err != nil || !legacy.Toolkit {
		t.Errorf("a toolkit snapshot's run: Toolkit %t, %v", legacy.Toolkit, err)
	}
}
