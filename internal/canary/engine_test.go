package canary

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/soakline/soakline/internal/release"
	"github.com/soakline/soakline/pkg/artifact"
)

func testPlan() *release.CanaryPlan {
	return &release.CanaryPlan{
		Kind: artifact.KindCanaryPlan,
		Triggers: []release.CanaryTrigger{
			{Name: "lat_fail", KPI: "p95_latency_ms", Level: "fail", Condition: "> 340", Threshold: 340, Action: "rollback", Query: "q{$selector}", Count: 2, Of: 3},
			{Name: "lat_warn", KPI: "p95_latency_ms", Level: "warn", Condition: "> 300", Threshold: 300, Action: "hold", Query: "q{$selector}", Count: 1, Of: 1},
			{Name: "lat_missing", KPI: "p95_latency_ms", Level: "missing", Condition: "no data", Action: "hold", Query: "q{$selector}", Count: 2, Of: 2},
		},
		Watch: &release.CanaryWatch{Grace: 2, Alpha: 0.05, MinSamples: 4, KPIs: []release.CanaryKPI{
			{KPI: "p95_latency_ms", Query: "q{$selector}", Direction: "<=", MinEffect: 20, OnMissing: "inconclusive"},
		}},
	}
}

// TestEvaluate runs sequences of frames through Evaluate and checks each
// decision: a trigger fires at its count of the last "of" evaluations, a
// rollback outranks a hold, a hold is for good, missing data and an
// unreachable Prometheus hold only after the grace, and promotion needs the
// minimum duration and a clean evaluation with data.
func TestEvaluate(t *testing.T) {
	const none = math.MaxFloat64 // no value in the frame
	const down = -1.0            // Prometheus unreachable
	tests := []struct {
		name   string
		values []float64
		want   string // one letter per evaluation: C continue, H hold, R rollback, P promote
	}{
		{"clean promotes at the minimum duration", []float64{250, 250, 250, 250}, "CCCP"},
		{"one breach of a 2-of-3 rule does not fire (its warn level holds)", []float64{350, 250, 250, 250}, "HHHH"},
		{"2 of 3 fires (the first breach also passes the warn level)", []float64{290, 350, 290, 350}, "CHHR"},
		{"rollback outranks a hold", []float64{350, 350}, "HR"},
		{"warn holds for good", []float64{250, 310, 250, 250, 250}, "CHHHH"},
		{"one interval without data waits", []float64{250, none, 250, 250}, "CCCP"},
		{"two without data hold", []float64{250, none, none, 250, 250}, "CCHHH"},
		{"unreachable once waits", []float64{250, down, 250, 250}, "CCCP"},
		{"unreachable twice holds", []float64{250, down, down, 250}, "CCHH"},
		{"not clean at the minimum: continue", []float64{250, 250, 250, none, 250}, "CCCCP"},
		{"NaN is no data", []float64{250, math.NaN(), math.NaN()}, "CCH"},
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := &Config{Plan: testPlan(), Canary: `track="canary"`, Interval: time.Minute, SampleStep: 10 * time.Second, MinDuration: 4 * time.Minute, MaxDuration: time.Hour}
			var hist []Evaluation
			var got strings.Builder
			for i, v := range tc.values {
				f := Frame{Time: start.Add(time.Duration(i+1) * time.Minute), Values: map[string]float64{}}
				switch {
				case v == down:
					f.Unreachable = "connection refused"
				case v != none:
					f.Values["p95_latency_ms"] = v
				}
				ev := Evaluate(cfg, hist, start, f)
				hist = append(hist, ev)
				got.WriteByte(ev.Decision[0])
			}
			if got.String() != tc.want {
				for _, ev := range hist {
					t.Logf("%d %s %v", ev.Index, ev.Decision, ev.Reasons)
				}
				t.Fatalf("decisions %s, want %s", got.String(), tc.want)
			}
		})
	}
}

// TestCompare: a canary shifted beyond min_effect in the bad direction is
// Regressed; the same shift in the good direction, or below min_effect,
// passes; too few samples is NoData.
func TestCompare(t *testing.T) {
	cfg := &Config{Plan: testPlan(), Canary: `track="canary"`, Baseline: `track="baseline"`, SampleStep: time.Minute}
	base := []float64{250, 252, 248, 251, 249, 250, 253, 247}
	shifted := func(d float64) []float64 {
		out := make([]float64, len(base))
		for i, v := range base {
			out[i] = v + d
		}
		return out
	}
	for _, tc := range []struct {
		name string
		cur  []float64
		want string
	}{
		{"slower by 40", shifted(40), Regressed},
		{"faster by 40", shifted(-40), Pass},
		{"slower by 10 (below min_effect 20)", shifted(10), Pass},
		{"three samples", shifted(40)[:3], NoData},
	} {
		f := Frame{Canary: map[string][]float64{"p95_latency_ms": tc.cur}, Baseline: map[string][]float64{"p95_latency_ms": base}}
		got := compare(cfg, watched(cfg.Plan), f)
		if got[0].Class != tc.want {
			t.Errorf("%s: %s (%s), want %s", tc.name, got[0].Class, got[0].Why, tc.want)
		}
	}
}

func TestCheckPlan(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(p *release.CanaryPlan)
		want string
	}{
		{"no watch", func(p *release.CanaryPlan) { p.Watch = nil }, "no KPI queries"},
		{"count above of", func(p *release.CanaryPlan) { p.Triggers[0].Count = 4 }, "want 1 <= count <= of"},
		{"bad action", func(p *release.CanaryPlan) { p.Triggers[0].Action = "page" }, `action "page"`},
		{"condition and threshold disagree", func(p *release.CanaryPlan) { p.Triggers[0].Threshold = 1 }, "does not match threshold"},
		{"query without selector", func(p *release.CanaryPlan) { p.Watch.KPIs[0].Query = "up" }, "does not use $selector"},
		{"bad direction", func(p *release.CanaryPlan) { p.Watch.KPIs[0].Direction = "=" }, "direction"},
		{"trigger query not watched", func(p *release.CanaryPlan) { p.Triggers[1].Query = "other{$selector}" }, "not the one watch.kpis has"},
		{"bad level", func(p *release.CanaryPlan) { p.Triggers[0].Level = "page" }, `level "page"`},
	} {
		p := testPlan()
		tc.edit(p)
		if err := CheckPlan(p); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	if err := CheckPlan(testPlan()); err != nil {
		t.Error(err)
	}
}

// TestExplainGroupsByKPI: a trigger is listed under its own KPI, not under
// a KPI whose name is a prefix of its name (slippage_bps and
// slippage_bps_p95).
func TestExplainGroupsByKPI(t *testing.T) {
	ev := Evaluation{Index: 1, Decision: Continue,
		KPIs: []KPIValue{{KPI: "slippage_bps", Value: ptr(1)}, {KPI: "slippage_bps_p95", Value: ptr(9)}},
		Triggers: []TriggerResult{
			{Name: "slippage_bps_p95_mean_fail", KPI: "slippage_bps_p95", Level: "fail", Action: "rollback", Condition: "> 8", Breached: true, Hits: 1, Count: 2, Of: 2},
		}}
	var b strings.Builder
	explain(&b, &ev)
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(line, "  slippage_bps = ") && strings.Contains(line, "> 8") {
			t.Fatalf("slippage_bps_p95's trigger listed under slippage_bps: %q", line)
		}
	}
	if !strings.Contains(b.String(), "slippage_bps_p95 = 9 [rollback if > 8: breached 1/2 of 2]") {
		t.Fatalf("explain:\n%s", b.String())
	}
}

// FuzzPlan: whatever plan CheckPlan accepts, Evaluate decides without a
// panic, and a decision is one of the four.
func FuzzPlan(f *testing.F) {
	seed, _ := json.Marshal(testPlan())
	f.Add(seed, 350.0)
	f.Add([]byte(`{"kind":"canary_plan","watch":{"grace":1,"alpha":0.5,"min_samples":1,"kpis":[{"kpi":"a","query":"x{$selector}","direction":">="}]},"triggers":[{"name":"t","kpi":"a","level":"fail","condition":"< 1e308","threshold":1e308,"action":"hold","query":"x{$selector}","count":1,"of":1}]}`), -1.0)
	f.Fuzz(func(t *testing.T, data []byte, v float64) {
		var p release.CanaryPlan
		if json.Unmarshal(data, &p) != nil || CheckPlan(&p) != nil {
			return
		}
		cfg := &Config{Plan: &p, Canary: `a="b"`, Baseline: `a="c"`, Interval: time.Minute, SampleStep: time.Minute, MinDuration: time.Minute, MaxDuration: time.Hour}
		start := time.Unix(0, 0)
		var hist []Evaluation
		for i := 0; i < 3; i++ {
			f := Frame{Time: start.Add(time.Duration(i+1) * time.Minute), Values: map[string]float64{}, Canary: map[string][]float64{}, Baseline: map[string][]float64{}}
			for _, k := range p.Watch.KPIs {
				f.Values[k.KPI] = v
				f.Canary[k.KPI] = []float64{v, v + 1, v - 1, v}
				f.Baseline[k.KPI] = []float64{v, v, v, v}
			}
			ev := Evaluate(cfg, hist, start, f)
			switch ev.Decision {
			case Continue, Hold, Rollback, Promote:
			default:
				t.Fatalf("decision %q", ev.Decision)
			}
			hist = append(hist, ev)
		}
	})
}
