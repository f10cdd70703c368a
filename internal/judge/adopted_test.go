package judge

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/pkg/artifact"
)

func adopted() *artifact.Adoption {
	return &artifact.Adoption{Status: artifact.AdoptionAdopted, Keys: 7, Records: 1}
}

func unreported() *artifact.Adoption {
	return &artifact.Adoption{Status: artifact.AdoptionUnreported, Keys: 7}
}

func mismatched() *artifact.Adoption {
	return &artifact.Adoption{Status: artifact.AdoptionMismatch, Keys: 7, Records: 1, Mismatches: []artifact.Mismatch{
		{Key: "engine.concurrency_limit", Wrote: 12, Reported: artifact.F(10)},
		{Key: "impact_cap_ratio", Wrote: 0.1, Reported: artifact.F(0.1000002)},
		{Key: "min_interval_ms", Wrote: 65},
		{Key: "tail_age_ms", Wrote: 700, Reported: artifact.F(600)},
	}}
}

// TestAdoptionCheck pins the overrides_adopted check: its status by the
// policy's adoption rule, its evidence and the verdict it leads to.
func TestAdoptionCheck(t *testing.T) {
	all := func(a func() *artifact.Adoption) func(int, *artifact.IterationSummary) {
		return func(_ int, it *artifact.IterationSummary) { it.Adoption = a() }
	}
	tests := []struct {
		name     string
		policy   string // adoption section; "" is the seed's
		edit     func(int, *artifact.IterationSummary)
		status   string // "" means no check
		verdict  string
		evidence []int
		reason   []string // substrings of the reason
	}{
		{name: "all adopted", edit: all(adopted), status: "PASS", verdict: "PASS",
			reason: []string{"the system under test reported the overrides soak-run wrote in 8 of 8 iterations of iterations 3-10"}},
		{name: "one mismatch fails", status: "FAIL", verdict: "FAIL", evidence: []int{7},
			edit: func(i int, it *artifact.IterationSummary) {
				it.Adoption = adopted()
				if i == 7 {
					it.Adoption = mismatched()
				}
			},
			reason: []string{"other values than soak-run wrote in 1 of 8 iterations (7)",
				", first in iteration 7: engine.concurrency_limit wrote 12, reported 10, impact_cap_ratio wrote 0.1, reported 0.1000002, min_interval_ms wrote 65, not reported, and 1 more (on_mismatch: fail)",
				"(on_mismatch: fail)", "adopted in 7"}},
		{name: "all unreported warns", edit: all(unreported), status: "WARN", verdict: "WARN", evidence: []int{3, 4, 5, 6, 7, 8, 9, 10},
			reason: []string{"it reported no effective_params in 8 of 8 iterations (3, 4, 5, 6, 7, 8, 9, 10) (on_unreported: warn)"}},
		{name: "a missing record among records counts as unreported", status: "WARN", verdict: "WARN", evidence: []int{10},
			edit: func(i int, it *artifact.IterationSummary) {
				if i < 10 {
					it.Adoption = adopted()
				}
			},
			reason: []string{"it reported no effective_params in 1 of 8 iterations (10), 1 of them without an adoption record (on_unreported: warn)"}},
		{name: "mismatch and unreported: the worse wins", status: "FAIL", verdict: "FAIL", evidence: []int{4, 9},
			edit: func(i int, it *artifact.IterationSummary) {
				it.Adoption = adopted()
				switch i {
				case 9:
					it.Adoption = mismatched()
				case 4:
					it.Adoption = unreported()
				}
			},
			reason: []string{"(on_mismatch: fail); it reported no effective_params in 1 of 8 iterations (4) (on_unreported: warn)"}},
		{name: "on_mismatch warn", policy: "adoption: {on_mismatch: warn}\n", edit: all(mismatched), status: "WARN", verdict: "WARN", evidence: []int{3, 4, 5, 6, 7, 8, 9, 10}},
		{name: "on_mismatch skip", policy: "adoption: {on_mismatch: skip}\n", edit: all(mismatched), status: "SKIP", verdict: "PASS",
			reason: []string{"nothing to judge over iterations 3-10", "(on_mismatch: skip, not counted)"}},
		{name: "on_unreported inconclusive", policy: "adoption: {on_unreported: inconclusive}\n", edit: all(unreported), status: "INCONCLUSIVE", verdict: "INCONCLUSIVE", evidence: []int{3, 4, 5, 6, 7, 8, 9, 10}},
		{name: "on_unreported fail", policy: "adoption: {on_unreported: fail}\n", edit: all(unreported), status: "FAIL", verdict: "FAIL", evidence: []int{3, 4, 5, 6, 7, 8, 9, 10}},
		{name: "on_unreported skip with some adopted", policy: "adoption: {on_unreported: skip}\n", status: "PASS", verdict: "PASS",
			edit: func(i int, it *artifact.IterationSummary) {
				it.Adoption = unreported()
				if i%2 == 0 {
					it.Adoption = adopted()
				}
			},
			reason: []string{"in 4 of 8 iterations of iterations 3-10; it reported no effective_params in 4 of 8 iterations (3, 5, 7, 9) (on_unreported: skip, not counted)"}},
		{name: "failed iterations are not judged here", policy: "max_failed_iterations: 1\n", status: "PASS", verdict: "PASS",
			edit: func(i int, it *artifact.IterationSummary) {
				it.Adoption = adopted()
				if i == 5 {
					it.Status, it.Adoption, it.Failure = artifact.StatusFailed, nil, &artifact.Failure{Reason: "crash"}
				}
			},
			reason: []string{"in 7 of 7 iterations"}},
		{name: "mismatch before the window does not count", status: "PASS", verdict: "PASS",
			edit: func(i int, it *artifact.IterationSummary) {
				it.Adoption = adopted()
				if i == 2 {
					it.Adoption = mismatched()
				}
			}},
		{name: "no records: no check", verdict: "PASS"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pol := policy.Default(false)
			if tc.policy != "" {
				pol = mustParse(t, tc.policy+"kpis:\n"+
					"  - {kpi: maker_taker_ratio, direction: '>=', fail: 0.83}\n  - {kpi: p95_latency_ms, direction: '<=', fail: 340}\n"+
					"  - {kpi: risk_ratio, direction: '<=', fail: 0.4}\n  - {kpi: net_bps, direction: '>=', fail: 2.5}\n")
			}
			v, err := Evaluate(soakOf(10, tc.edit), pol, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if v.Verdict != tc.verdict {
				t.Errorf("verdict %s (%s), want %s", v.Verdict, v.Reason, tc.verdict)
			}
			var c *artifact.Check
			for i := range v.Checks {
				if v.Checks[i].Name == CheckAdopted {
					c = &v.Checks[i]
				}
			}
			if tc.status == "" {
				if c != nil {
					t.Fatalf("unexpected check %+v", *c)
				}
				if !slicesContain(v.DataQuality, "overrides_adopted not judged: no iteration of the window records whether the system under test ran with its overrides (summaries from the legacy toolkit or an older soak-run)") {
					t.Errorf("no data-quality note: %q", v.DataQuality)
				}
				return
			}
			if c == nil {
				t.Fatalf("no %s check among %+v", CheckAdopted, v.Checks)
			}
			if c.Status != tc.status {
				t.Errorf("status %s, want %s (%s)", c.Status, tc.status, c.Reason)
			}
			if diff := cmp.Diff(tc.evidence, c.Iterations); diff != "" {
				t.Errorf("evidence (-want +got):\n%s", diff)
			}
			if c.Value == nil || int(*c.Value) != len(tc.evidence) {
				t.Errorf("value %s, want %d", fmtValue(c.Value), len(tc.evidence))
			}
			for _, r := range tc.reason {
				if !strings.Contains(c.Reason, r) {
					t.Errorf("reason %q\nlacks %q", c.Reason, r)
				}
			}
			if tc.status == "FAIL" && !strings.Contains(v.Reason, CheckAdopted) {
				t.Errorf("verdict reason does not name the check: %s", v.Reason)
			}
		})
	}
}

func fmtValue(p *float64) string {
	if p == nil {
		return "absent"
	}
	return numfmt.Value.Format(*p)
}

// TestDescribeMismatches pins the words soak-gate's adoption reason and
// soak-run's note share: every digit, no exponent, three keys at most.
func TestDescribeMismatches(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	tests := []struct {
		name string
		ms   []artifact.Mismatch
		want []string
	}{
		{"one", []artifact.Mismatch{{Key: "min_interval_ms", Wrote: 65, Reported: f(60)}}, []string{"min_interval_ms wrote 65, reported 60"}},
		{"small and close values keep every digit", []artifact.Mismatch{{Key: "k", Wrote: 1e-7, Reported: f(0.30000000000000004)}}, []string{"k wrote 0.0000001, reported 0.30000000000000004"}},
		{"not reported", []artifact.Mismatch{{Key: "engine.concurrency_limit", Wrote: 12}}, []string{"engine.concurrency_limit wrote 12, not reported"}},
		{"more than three", []artifact.Mismatch{{Key: "a", Wrote: 1}, {Key: "b", Wrote: 2}, {Key: "c", Wrote: 3}, {Key: "d", Wrote: 4}, {Key: "e", Wrote: 5}},
			[]string{"a wrote 1, not reported", "b wrote 2, not reported", "c wrote 3, not reported", "and 2 more"}},
		{"none", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, DescribeMismatches(tc.ms)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
