package judge

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/pkg/artifact"
)

// outcome is what a case pins: the verdict, freeze_ready, pass count and
// each non-PASS check's status.
type outcome struct {
	Verdict     string
	FreezeReady bool
	PassIters   int
	Checks      map[string]string // check name -> status, non-PASS only
}

func summarizeVerdict(v *artifact.Verdict) outcome {
	o := outcome{Verdict: v.Verdict, FreezeReady: v.FreezeReady, PassIters: v.PassIterationsLastN, Checks: map[string]string{}}
	for _, c := range v.Checks {
		if c.Status != artifact.CheckPass {
			o.Checks[c.Name] = c.Status
		}
	}
	return o
}

var noDelta = map[string]string{CheckDeltaRatio: "SKIP", CheckDeltaStuck: "SKIP"}

func with(extra map[string]string) map[string]string {
	m := map[string]string{}
	for k, v := range noDelta {
		m[k] = v
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func mustParse(t *testing.T, doc string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse("test.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEvaluate(t *testing.T) {
	seed := policy.Default(false)
	nan := math.NaN()
	sustained := func(t *testing.T) *policy.Policy {
		return mustParse(t, `kpis:
  - {kpi: p95_latency_ms, direction: at_most, fail: 340, warn: 300, sustained: {consecutive: 3}}
  - {kpi: net_bps, direction: at_least, fail: 2.5, sustained: {k: 2, n: 4}}
`)
	}
	tests := []struct {
		name   string
		soak   *soakdir.Soak
		policy func(t *testing.T) *policy.Policy
		opts   Options
		want   outcome
		reason string // substring of the verdict's reason
	}{
		{
			name: "all good passes",
			soak: soakOf(24, nil),
			want: outcome{Verdict: "PASS", FreezeReady: true, PassIters: 8, Checks: noDelta},
		},
		{
			name: "120 iterations whose last 8 fail",
			soak: soakOf(120, func(i int, it *artifact.IterationSummary) {
				if i > 112 {
					it.Summary.MakerTakerRatio = artifact.F(0.7)
				}
			}),
			want:   outcome{Verdict: "FAIL", Checks: with(map[string]string{"maker_taker_ratio_mean": "FAIL"})},
			reason: "maker_taker_ratio_mean: mean 0.7 over iterations 113-120 (n=8) is below the fail level 0.83",
		},
		{
			name: "a good whole-run average does not hide a late degradation",
			soak: soakOf(100, func(i int, it *artifact.IterationSummary) {
				if i > 96 {
					it.Summary.NetBps = artifact.F(-2)
				}
			}),
			want: outcome{Verdict: "FAIL", PassIters: 4, Checks: with(map[string]string{"net_bps_mean": "FAIL"})},
		},
		{
			name:   "fewer iterations than the window",
			soak:   soakOf(5, nil),
			want:   outcome{Verdict: "INCONCLUSIVE", PassIters: 5, Checks: with(map[string]string{"window": "INCONCLUSIVE"})},
			reason: "window: only 5 of the 8 iterations the window needs",
		},
		{
			// Issue 12 item 4: a FAIL was reported as INCONCLUSIVE.
			name:   "a short window does not hide a failed KPI",
			soak:   soakOf(3, func(i int, it *artifact.IterationSummary) { it.Summary.RiskRatio = artifact.F(0.9) }),
			want:   outcome{Verdict: "FAIL", Checks: with(map[string]string{"window": "INCONCLUSIVE", "risk_ratio_mean": "FAIL"})},
			reason: "1 of 8 checks failed: risk_ratio_mean: mean 0.9 over iterations 1-3 (n=3) is above the fail level 0.05; also inconclusive: window",
		},
		{
			// Issue 12 item 4: an untuned 4-iteration soak, every KPI failing.
			name: "every KPI failing in a short window is FAIL, failing checks named first",
			soak: soakOf(4, func(i int, it *artifact.IterationSummary) {
				it.Summary = artifact.Summary{MakerTakerRatio: artifact.F(0.6), P95LatencyMs: artifact.F(400), RiskRatio: artifact.F(0.5), NetBps: artifact.F(1)}
			}),
			want: outcome{Verdict: "FAIL", Checks: with(map[string]string{"window": "INCONCLUSIVE", "maker_taker_ratio_mean": "FAIL",
				"p95_latency_ms_mean": "FAIL", "risk_ratio_mean": "FAIL", "net_bps_mean": "FAIL"})},
			reason: "4 of 8 checks failed: maker_taker_ratio_mean: ",
		},
		{
			name: "warn and inconclusive: inconclusive outranks warn",
			soak: soakOf(8, func(i int, it *artifact.IterationSummary) {
				it.Summary.NetBps = nil
			}),
			policy: func(t *testing.T) *policy.Policy {
				return mustParse(t, "kpis: [{kpi: p95_latency_ms, direction: at_most, fail: 340, warn: 100}, {kpi: net_bps, direction: at_least, fail: 2.5}]\n")
			},
			want:   outcome{Verdict: "INCONCLUSIVE", PassIters: 0, Checks: with(map[string]string{"p95_latency_ms_mean": "WARN", "net_bps_mean": "INCONCLUSIVE"})},
			reason: "1 of 6 checks inconclusive: net_bps_mean",
		},
		{
			name: "no iterations",
			soak: &soakdir.Soak{Path: "empty"},
			want: outcome{Verdict: "INCONCLUSIVE", Checks: with(map[string]string{"window": "INCONCLUSIVE",
				"maker_taker_ratio_mean": "INCONCLUSIVE", "p95_latency_ms_mean": "INCONCLUSIVE", "risk_ratio_mean": "INCONCLUSIVE", "net_bps_mean": "INCONCLUSIVE"})},
		},
		{
			name: "KPI missing in the window is inconclusive, never zero",
			soak: soakOf(12, func(i int, it *artifact.IterationSummary) {
				if i == 11 {
					it.Summary.NetBps = nil
				}
			}),
			want:   outcome{Verdict: "INCONCLUSIVE", PassIters: 7, Checks: with(map[string]string{"net_bps_mean": "INCONCLUSIVE"})},
			reason: "net_bps missing or unusable in iteration(s) 11 (on_missing: inconclusive)",
		},
		{
			name: "KPI missing before the window does not matter",
			soak: soakOf(12, func(i int, it *artifact.IterationSummary) {
				if i == 2 {
					it.Summary.NetBps = nil
				}
			}),
			want: outcome{Verdict: "PASS", FreezeReady: true, PassIters: 8, Checks: noDelta},
		},
		{
			name: "missing under on_missing fail",
			soak: soakOf(8, func(i int, it *artifact.IterationSummary) { it.Summary.P95LatencyMs = nil }),
			policy: func(t *testing.T) *policy.Policy {
				return mustParse(t, "kpis: [{kpi: p95_latency_ms, direction: at_most, fail: 340, on_missing: fail}]\n")
			},
			want: outcome{Verdict: "FAIL", Checks: with(map[string]string{"p95_latency_ms_mean": "FAIL"})},
		},
		{
			name: "missing under on_missing skip judges the rest",
			soak: soakOf(8, func(i int, it *artifact.IterationSummary) {
				if i%2 == 0 {
					it.Summary.P95LatencyMs = nil
				}
			}),
			policy: func(t *testing.T) *policy.Policy {
				return mustParse(t, "kpis: [{kpi: p95_latency_ms, direction: at_most, fail: 340, on_missing: skip}]\n")
			},
			want: outcome{Verdict: "PASS", FreezeReady: true, PassIters: 4, Checks: noDelta},
		},
		{
			name: "never measured under skip is a SKIP, not a PASS of the check",
			soak: soakOf(8, func(i int, it *artifact.IterationSummary) { it.Summary.P95LatencyMs = nil }),
			policy: func(t *testing.T) *policy.Policy {
				return mustParse(t, "kpis: [{kpi: p95_latency_ms, direction: at_most, fail: 340, on_missing: skip}, {kpi: net_bps, direction: at_least, fail: 2.5}]\n")
			},
			want: outcome{Verdict: "PASS", FreezeReady: true, Checks: with(map[string]string{"p95_latency_ms_mean": "SKIP"})},
		},
		{
			name: "NaN is a data error",
			soak: soakOf(8, func(i int, it *artifact.IterationSummary) {
				if i == 4 {
					it.Summary.NetBps = &nan
				}
			}),
			want:   outcome{Verdict: "INCONCLUSIVE", PassIters: 7, Checks: with(map[string]string{"net_bps_mean": "INCONCLUSIVE"})},
			reason: "net_bps missing or unusable in iteration(s) 4",
		},
		{
			name: "ratio above 1 is a data error",
			soak: soakOf(8, func(i int, it *artifact.IterationSummary) {
				if i == 8 {
					it.Summary.RiskRatio = artifact.F(1.3)
				}
			}),
			want: outcome{Verdict: "INCONCLUSIVE", PassIters: 7, Checks: with(map[string]string{"risk_ratio_mean": "INCONCLUSIVE"})},
		},
		{
			name: "a failing KPI outranks an inconclusive one",
			soak: soakOf(8, func(i int, it *artifact.IterationSummary) {
				it.Summary.NetBps = nil
				it.Summary.RiskRatio = artifact.F(0.6)
			}),
			want: outcome{Verdict: "FAIL", Checks: with(map[string]string{"net_bps_mean": "INCONCLUSIVE", "risk_ratio_mean": "FAIL"})},
		},
		{
			name: "gaps are judged by iteration, and noted",
			soak: func() *soakdir.Soak {
				s := soakOf(20, nil)
				s.Iterations = append(s.Iterations[:5], s.Iterations[9:]...)
				s.Warnings = []string{"iterations 6-9 are missing"}
				return s
			}(),
			want: outcome{Verdict: "PASS", FreezeReady: true, PassIters: 8, Checks: noDelta},
		},
		{
			name: "a failed iteration is named and fails the gate",
			soak: soakOf(10, func(i int, it *artifact.IterationSummary) {
				if i == 9 {
					it.Status = artifact.StatusFailed
					it.Failure = &artifact.Failure{Reason: "command exited 3"}
					it.Summary = artifact.Summary{}
				}
			}),
			want:   outcome{Verdict: "FAIL", PassIters: 7, Checks: with(map[string]string{CheckFailed: "FAIL"})},
			reason: "failed_iterations: 1 failed iteration(s) in the window, at most 0 allowed (9: command exited 3)",
		},
		{
			name: "a failed iteration's credential is not copied into the verdict",
			soak: soakOf(10, func(i int, it *artifact.IterationSummary) {
				if i == 9 {
					it.Status = artifact.StatusFailed
					it.Failure = &artifact.Failure{Reason: "connect https://bot:hunter2pass@db.example/x failed"}
					it.Summary = artifact.Summary{}
				}
			}),
			want:   outcome{Verdict: "FAIL", PassIters: 7, Checks: with(map[string]string{CheckFailed: "FAIL"})},
			reason: "failed_iterations: 1 failed iteration(s) in the window, at most 0 allowed (9: connect https://<redacted>@db.example/x failed)",
		},
		{
			name: "a tolerated failed iteration is left out of the KPIs",
			soak: soakOf(10, func(i int, it *artifact.IterationSummary) {
				if i == 9 {
					it.Status = artifact.StatusFailed
					it.Summary = artifact.Summary{}
				}
			}),
			policy: func(t *testing.T) *policy.Policy {
				p := policy.Default(false)
				p.MaxFailedIterations = 1
				return p
			},
			want: outcome{Verdict: "PASS", FreezeReady: true, PassIters: 7, Checks: noDelta},
		},
		{
			name: "warn level",
			soak: soakOf(8, func(i int, it *artifact.IterationSummary) { it.Summary.MakerTakerRatio = artifact.F(0.84) }),
			policy: func(t *testing.T) *policy.Policy {
				return mustParse(t, "kpis: [{kpi: maker_taker_ratio, direction: at_least, fail: 0.83, warn: 0.85}]\n")
			},
			want: outcome{Verdict: "WARN", PassIters: 8, Checks: with(map[string]string{"maker_taker_ratio_mean": "WARN"})},
		},
		{
			name: "one flaky iteration does not fail a sustained rule",
			soak: soakOf(8, func(i int, it *artifact.IterationSummary) {
				if i == 5 {
					it.Summary.P95LatencyMs = artifact.F(2000)
					it.Summary.NetBps = artifact.F(-50)
				}
			}),
			policy: sustained,
			want:   outcome{Verdict: "PASS", FreezeReady: true, PassIters: 7, Checks: noDelta},
		},
		{
			name: "three consecutive breaches fail it",
			soak: soakOf(8, func(i int, it *artifact.IterationSummary) {
				if i >= 4 && i <= 6 {
					it.Summary.P95LatencyMs = artifact.F(400)
				}
			}),
			policy: sustained,
			want:   outcome{Verdict: "FAIL", PassIters: 5, Checks: with(map[string]string{"p95_latency_ms_mean": "FAIL"})},
			reason: "p95_latency_ms exceeded the fail level 340 in 3 iteration(s) (4, 5, 6), sustained rule 3 consecutive met",
		},
		{
			name: "three breaches that are not consecutive pass, sustained warn level warns",
			soak: soakOf(8, func(i int, it *artifact.IterationSummary) {
				switch i {
				case 2, 4, 6:
					it.Summary.P95LatencyMs = artifact.F(400)
				case 3, 5:
					it.Summary.P95LatencyMs = artifact.F(320)
				}
			}),
			policy: sustained,
			want:   outcome{Verdict: "WARN", PassIters: 5, Checks: with(map[string]string{"p95_latency_ms_mean": "WARN"})},
		},
		{
			name: "k of the last n",
			soak: soakOf(8, func(i int, it *artifact.IterationSummary) {
				if i == 5 || i == 8 {
					it.Summary.NetBps = artifact.F(1)
				}
			}),
			policy: sustained,
			want:   outcome{Verdict: "FAIL", PassIters: 6, Checks: with(map[string]string{"net_bps_mean": "FAIL"})},
		},
		{
			name: "k of the last n ignores older breaches",
			soak: soakOf(8, func(i int, it *artifact.IterationSummary) {
				if i == 2 || i == 3 {
					it.Summary.NetBps = artifact.F(1)
				}
			}),
			policy: sustained,
			want:   outcome{Verdict: "PASS", FreezeReady: true, PassIters: 6, Checks: noDelta},
		},
		{
			name: "fixed warm-up leaving too few iterations",
			soak: soakOf(12, nil),
			opts: Options{Warmup: &policy.Warmup{N: 6}},
			want: outcome{Verdict: "INCONCLUSIVE", PassIters: 6, Checks: with(map[string]string{"window": "INCONCLUSIVE"})},
		},
		{
			name: "last-n overrides the window",
			soak: soakOf(12, func(i int, it *artifact.IterationSummary) {
				if i <= 9 {
					it.Summary.NetBps = artifact.F(0)
				}
			}),
			opts: Options{LastN: 3},
			want: outcome{Verdict: "PASS", FreezeReady: true, PassIters: 3, Checks: noDelta},
		},
		{
			name: "statistics: p95 and max over the window",
			soak: soakOf(10, func(i int, it *artifact.IterationSummary) {
				it.Summary.P95LatencyMs = artifact.F(float64(100 * (i - 2)))
			}),
			policy: func(t *testing.T) *policy.Policy {
				// Window values 100..800: type-7 p95 = 765, max 800, median 450.
				return mustParse(t, `kpis:
  - {kpi: p95_latency_ms, statistic: p95, direction: at_most, fail: 765}
  - {kpi: p95_latency_ms, statistic: max, direction: at_most, fail: 799}
  - {kpi: p95_latency_ms, statistic: median, direction: at_most, fail: 450}
  - {kpi: p95_latency_ms, statistic: last, direction: at_least, fail: 800}
  - {kpi: p95_latency_ms, statistic: min, direction: at_least, fail: 100}
`)
			},
			want: outcome{Verdict: "FAIL", Checks: with(map[string]string{"p95_latency_ms_max": "FAIL"})},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pol := seed
			if tc.policy != nil {
				pol = tc.policy(t)
			}
			before := string(pol.CanonicalJSON())
			v, err := Evaluate(tc.soak, pol, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, summarizeVerdict(v)); diff != "" {
				t.Errorf("(-want +got)\n%s\nreason: %s", diff, v.Reason)
			}
			if tc.reason != "" && !strings.Contains(v.Reason, tc.reason) {
				t.Errorf("reason %q does not contain %q", v.Reason, tc.reason)
			}
			if string(pol.CanonicalJSON()) != before {
				t.Errorf("Evaluate changed the policy")
			}
			checkInvariants(t, v)
		})
	}
}

// checkInvariants holds for every verdict.
func checkInvariants(t *testing.T, v *artifact.Verdict) {
	t.Helper()
	if v.Reason == "" || strings.Contains(v.Reason, "\n") {
		t.Errorf("reason must be one non-empty line: %q", v.Reason)
	}
	if v.FreezeReady != (v.Verdict == artifact.VerdictPass) {
		t.Errorf("freeze_ready %t with verdict %s", v.FreezeReady, v.Verdict)
	}
	if v.PassIterationsLastN > v.Window.N {
		t.Errorf("pass iterations %d > window %d", v.PassIterationsLastN, v.Window.N)
	}
	for _, c := range v.Checks {
		if c.Name == "" || c.Status == "" || c.Reason == "" || strings.Contains(c.Reason, "\n") || c.Direction == "" {
			t.Errorf("incomplete check %+v", c)
		}
		if c.Value != nil && (math.IsNaN(*c.Value) || math.IsInf(*c.Value, 0)) {
			t.Errorf("check %s has a non-finite value", c.Name)
		}
	}
	if _, err := artifact.Marshal(v); err != nil {
		t.Errorf("verdict does not encode: %v", err)
	}
}

func TestEvaluateEvidence(t *testing.T) {
	s := soakOf(120, func(i int, it *artifact.IterationSummary) {
		if i > 112 {
			it.Summary.MakerTakerRatio = artifact.F(0.5 + 0.01*float64(i-112))
		}
		if i == 117 {
			it.Summary.RiskRatio = artifact.F(1.3)
		}
	})
	v, err := Evaluate(s, policy.Default(false), Options{ToolVersion: "test", GeneratedAt: "2026-01-01T00:00:00Z"})
	if err != nil {
		t.Fatal(err)
	}
	var mt artifact.Check
	for _, c := range v.Checks {
		if c.Name == "maker_taker_ratio_mean" {
			mt = c
		}
	}
	want := artifact.Check{
		Name: "maker_taker_ratio_mean", KPI: "maker_taker_ratio", Statistic: "mean", Direction: ">=", Threshold: 0.83,
		Value: artifact.F(0.545), N: 8, WindowFirst: 113, WindowLast: 120, Status: "FAIL",
		Reason: "mean 0.545 over iterations 113-120 (n=8) is below the fail level 0.83",
	}
	if diff := cmp.Diff(want, mt); diff != "" {
		t.Errorf("check (-want +got)\n%s", diff)
	}
	if diff := cmp.Diff([]int{113, 114, 115, 116, 117, 118, 119, 120}, v.IterationsAnalyzed); diff != "" {
		t.Errorf("iterations_analyzed (-want +got)\n%s", diff)
	}
	if got := v.KPILastN["maker_taker_ratio"]; got.Trend != "up" || *got.Min != 0.51 || *got.Max != 0.58 || *got.Median != 0.545 {
		t.Errorf("kpi_last_n.maker_taker_ratio = %+v", got)
	}
	if got := v.KPIAll["maker_taker_ratio"].N; got != 120 {
		t.Errorf("kpi_all n = %d, want 120", got)
	}
	if got := v.KPILastN["risk_ratio"].N; got != 7 {
		t.Errorf("risk_ratio n = %d, want 7 (1.3 is not a ratio)", got)
	}
	if !slicesContain(v.DataQuality, "iteration 117: risk_ratio = 1.3 is outside its range [0, 1]") {
		t.Errorf("data_quality does not name the bad ratio: %q", v.DataQuality)
	}
	// No maker_share_pct KPI and no fills: no maker_share_pct (it is never
	// made up from maker_taker_ratio) and no pooled share.
	if v.MakerTakerHMean == nil || v.MakerSharePct != nil || v.MakerTakerPooled != nil || v.MakerShareSource != "" {
		t.Errorf("signals: hmean %v share %v pooled %v (%s)", v.MakerTakerHMean, v.MakerSharePct, v.MakerTakerPooled, v.MakerShareSource)
	}
	if v.IterationsTotal != 120 || v.ToolVersion != "test" || v.GeneratedAt == "" || !strings.HasPrefix(v.Policy.Digest, "sha256:") {
		t.Errorf("provenance: %+v %s %s", v.Policy, v.ToolVersion, v.GeneratedAt)
	}
}

func slicesContain(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func TestAutoWarmup(t *testing.T) {
	// A soak that starts far off target and settles from iteration 9.
	s := soakOf(40, func(i int, it *artifact.IterationSummary) {
		if i <= 8 {
			it.Summary.NetBps = artifact.F(-20 + 2*float64(i))
		} else {
			it.Summary.NetBps = artifact.F(4 + 0.1*float64(i%3))
		}
	})
	v, err := Evaluate(s, policy.Default(false), Options{Warmup: &policy.Warmup{Auto: true}})
	if err != nil {
		t.Fatal(err)
	}
	if v.Window.Warmup != "auto" || v.Window.WarmupCut < 6 || v.Window.WarmupCut > 9 {
		t.Errorf("auto warm-up cut at %d (%s), want about 8", v.Window.WarmupCut, v.Window.Warmup)
	}
	if v.Verdict != artifact.VerdictPass {
		t.Errorf("verdict %s: %s", v.Verdict, v.Reason)
	}
	// A flat soak has no warm-up.
	v, _ = Evaluate(soakOf(40, nil), policy.Default(false), Options{Warmup: &policy.Warmup{Auto: true}})
	if v.Window.WarmupCut != 0 {
		t.Errorf("flat soak: cut at %d", v.Window.WarmupCut)
	}
}

func TestEvaluateRejects(t *testing.T) {
	if _, err := Evaluate(soakOf(8, nil), policy.Default(false), Options{LastN: -1}); err == nil {
		t.Errorf("negative last-n accepted")
	}
	bad := policy.Default(false)
	bad.Window = 0
	if _, err := Evaluate(soakOf(8, nil), bad, Options{}); err == nil {
		t.Errorf("invalid policy accepted")
	}
}

// TestPassCountLastN pins issue 12 item 9: pass_count_last_n keeps the
// legacy meaning, the KPI goals met (PASS or WARN), and the window's
// passing iterations have a name of their own.
func TestPassCountLastN(t *testing.T) {
	for _, tc := range []struct {
		name           string
		soak           *soakdir.Soak
		policy         string
		goals, iterats int
	}{
		{"every goal met", soakOf(12, nil), "", 4, 8},
		{"one goal missed in the whole window", soakOf(12, func(i int, it *artifact.IterationSummary) { it.Summary.NetBps = artifact.F(1) }), "", 3, 0},
		{"one bad iteration, every goal met on the mean", soakOf(12, func(i int, it *artifact.IterationSummary) {
			if i == 12 {
				it.Summary.NetBps = artifact.F(2)
			}
		}), "", 4, 7},
		{"an inconclusive goal is not met", soakOf(12, func(i int, it *artifact.IterationSummary) {
			if i == 12 {
				it.Summary.RiskRatio = nil
			}
		}), "", 3, 7},
		{"a warned goal is met", soakOf(8, nil), "kpis: [{kpi: net_bps, direction: at_least, fail: 2.5, warn: 5}, {kpi: risk_ratio, direction: at_most, fail: 0.4}]\n", 2, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pol := policy.Default(false)
			if tc.policy != "" {
				pol = mustParse(t, tc.policy)
			}
			v, err := Evaluate(tc.soak, pol, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if v.PassCountLastN != tc.goals || v.PassIterationsLastN != tc.iterats {
				t.Errorf("pass_count_last_n %d, pass_iterations_last_n %d; want %d, %d (%s)", v.PassCountLastN, v.PassIterationsLastN, tc.goals, tc.iterats, v.Reason)
			}
		})
	}
}

// TestExactComparisons pins issue 12 item 7 at the check level: statuses
// are decided on unrounded values, sums do not flip on binary noise, and a
// check's stored value and reason never contradict its status.
func TestExactComparisons(t *testing.T) {
	net := []float64{-0.5682, 2.1689, 3.9793, 4.3233, -0.5036, 0.0102, 4.7299, 5.8602} // decimal mean exactly 2.5
	for _, tc := range []struct {
		name   string
		edit   func(i int, it *artifact.IterationSummary)
		check  string
		status string
		value  float64
		shown  string
	}{
		{"a mean of exactly 2.5 meets >= 2.5", func(i int, it *artifact.IterationSummary) { it.Summary.NetBps = artifact.F(net[i-1]) },
			"net_bps_mean", "PASS", 2.5, "mean 2.5 over iterations 1-8 (n=8) meets >= 2.5"},
		{"a hair below fails, shown with every digit", func(i int, it *artifact.IterationSummary) { it.Summary.MakerTakerRatio = artifact.F(0.8299999) },
			"maker_taker_ratio_mean", "FAIL", 0.8299999, "mean 0.8299999 (< 0.83) over iterations 1-8 (n=8) is below the fail level 0.83"},
		{"a hair above an at-most level fails", func(i int, it *artifact.IterationSummary) { it.Summary.P95LatencyMs = artifact.F(340.0000001) },
			"p95_latency_ms_mean", "FAIL", 340.0000001, "mean 340.0000001 (> 340) over iterations 1-8 (n=8) is above the fail level 340"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := Evaluate(soakOf(8, tc.edit), policy.Default(false), Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range v.Checks {
				if c.Name != tc.check {
					continue
				}
				if c.Status != tc.status || c.Value == nil || *c.Value != tc.value || c.Reason != tc.shown {
					t.Errorf("%s %v %q, want %s %v %q", c.Status, *c.Value, c.Reason, tc.status, tc.value, tc.shown)
				}
				if numfmt.Meets(*c.Value, c.Direction, c.Threshold) != (c.Status == artifact.CheckPass) {
					t.Errorf("stored value %v contradicts %s", *c.Value, c.Status)
				}
				if m := v.KPILastN[c.KPI].Mean; m == nil || *m != tc.value {
					t.Errorf("kpi_last_n.%s.mean = %v, want %v", c.KPI, m, tc.value)
				}
				// The other statistics beside it (CHANGELOG.md's KPI
				// table shows them next to the status) keep their side
				// of the levels too (review R1).
				st := v.KPILastN[c.KPI]
				for name, p := range map[string]*float64{"median": st.Median, "min": st.Min, "max": st.Max} {
					if c.KPI == "net_bps" { // values of their own, not all tc.value
						continue
					}
					if p == nil || numfmt.CompareLevel(*p, c.Threshold) != numfmt.CompareLevel(tc.value, c.Threshold) {
						t.Errorf("kpi_last_n.%s.%s = %v: on the other side of %v than %v", c.KPI, name, p, c.Threshold, tc.value)
					}
				}
			}
		})
	}
}

// TestUseMockAndLoadPolicy: USE_MOCK is read one way by every stage, and
// LoadPolicy picks what soak-gate judges by.
func TestUseMockAndLoadPolicy(t *testing.T) {
	for env, want := range map[string]bool{"": false, "0": false, "false": false, " FALSE ": false, "1": true, "yes": true, " true": true} {
		if got := UseMock(env); got != want {
			t.Errorf("UseMock(%q) = %t, want %t", env, got, want)
		}
	}
	for _, tc := range []struct {
		mock     bool
		name     string
		settings bool
	}{{false, "production", false}, {true, "mock", true}} {
		p, err := LoadPolicy("", tc.mock)
		if err != nil || p.Name != tc.name {
			t.Fatalf("LoadPolicy(\"\", %t) = %v, %v", tc.mock, p, err)
		}
		v, err := Evaluate(soakOf(8, nil), p, Options{})
		if err != nil || v.Settings.Mock != tc.settings {
			t.Errorf("mock %t: settings.mock = %t (%v)", tc.mock, v.Settings.Mock, err)
		}
	}
	if _, err := LoadPolicy("no-such-policy.yaml", true); err == nil || !strings.Contains(err.Error(), "no-such-policy.yaml") {
		t.Errorf("a missing policy file: %v", err)
	}
	// A file policy named "mock" is not the built-in mock policy.
	p := mustParse(t, "name: mock\nkpis: [{kpi: net_bps, direction: at_least, fail: 2.5}]\n")
	if v, err := Evaluate(soakOf(8, nil), p, Options{}); err != nil || v.Settings.Mock {
		t.Errorf("a file policy named mock recorded as the mock policy (%v)", err)
	}
}
