package canary

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/soakline/soakline/pkg/artifact"
)

func testPlan() *artifact.CanaryPlan {
	return &artifact.CanaryPlan{
		Kind: artifact.KindCanaryPlan,
		Triggers: []artifact.CanaryTrigger{
			{Name: "lat_fail", KPI: "p95_latency_ms", Level: "fail", Condition: "> 340", Threshold: 340, Action: "rollback", Query: "q{$selector}", Count: 2, Of: 3},
			{Name: "lat_warn", KPI: "p95_latency_ms", Level: "warn", Condition: "> 300", Threshold: 300, Action: "hold", Query: "q{$selector}", Count: 1, Of: 1},
			{Name: "lat_missing", KPI: "p95_latency_ms", Level: "missing", Condition: "no data", Action: "hold", Query: "q{$selector}", Count: 2, Of: 2},
		},
		Watch: &artifact.CanaryWatch{Grace: 2, Alpha: 0.05, MinSamples: 4, KPIs: []artifact.CanaryKPI{
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
		edit func(p *artifact.CanaryPlan)
		want string
	}{
		{"no watch", func(p *artifact.CanaryPlan) { p.Watch = nil }, "no KPI queries"},
		{"count above of", func(p *artifact.CanaryPlan) { p.Triggers[0].Count = 4 }, "want 1 <= count <= of"},
		{"bad action", func(p *artifact.CanaryPlan) { p.Triggers[0].Action = "page" }, `action "page"`},
		{"condition and threshold disagree", func(p *artifact.CanaryPlan) { p.Triggers[0].Threshold = 1 }, "does not match threshold"},
		{"query without selector", func(p *artifact.CanaryPlan) { p.Watch.KPIs[0].Query = "up" }, "does not use $selector"},
		{"bad direction", func(p *artifact.CanaryPlan) { p.Watch.KPIs[0].Direction = "=" }, "direction"},
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
