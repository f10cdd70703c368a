package tuner

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/soakline/soakline/internal/events"
	"github.com/soakline/soakline/internal/kpi"
	"github.com/soakline/soakline/internal/sim"
	"github.com/soakline/soakline/pkg/artifact"
)

// soak runs total iterations of simulate → KPIs → Decide → apply and returns
// the per-iteration KPIs and decisions. tune=false keeps the defaults.
func soak(t testing.TB, cfg sim.Config, tune bool) ([]artifact.Summary, []Decision) {
	t.Helper()
	params := sim.Defaults()
	var st State
	var sums []artifact.Summary
	var decs []Decision
	for it := 1; it <= cfg.Iterations; it++ {
		var k kpi.Accumulator
		if err := sim.Run(cfg, it, params, func(ev *events.Event) error { k.Add(ev); return nil }); err != nil {
			t.Fatal(err)
		}
		s := k.Summary()
		sums = append(sums, s)
		d := Decide(&st, Input{Iteration: it, Total: cfg.Iterations, KPIs: s, Params: maps.Clone(params)})
		decs = append(decs, d)
		if tune {
			params = d.Params
		}
	}
	return sums, decs
}

type means struct{ MT, P95, Risk, Net float64 }

func lastMeans(s []artifact.Summary, n int) means {
	var m means
	w := s[len(s)-n:]
	for _, x := range w {
		m.MT += *x.MakerTakerRatio / float64(n)
		m.P95 += *x.P95LatencyMs / float64(n)
		m.Risk += *x.RiskRatio / float64(n)
		m.Net += *x.NetBps / float64(n)
	}
	return m
}

func (m means) inside(t Targets) bool {
	return m.MT >= t.MakerTakerMin && m.P95 <= t.P95LatencyMax && m.Risk <= t.RiskMax && m.Net >= t.NetBpsMin
}

func (m means) String() string {
	return fmt.Sprintf("maker %.3f p95 %.1f risk %.3f net %.2f", m.MT, m.P95, m.Risk, m.Net)
}

// TestClosedLoopConverges is the property the suite exists for: from the
// defaults the first iteration misses a target, 24 tuned iterations end with
// the last-8 means inside all four, and the same soak without tuning does
// not.
func TestClosedLoopConverges(t *testing.T) {
	seeds := 10
	if testing.Short() || raceEnabled {
		seeds = 2
	}
	targets := DefaultConfig().Targets
	for seed := 1; seed <= seeds; seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			cfg := sim.Config{Seed: uint64(seed), Iterations: 24}
			tuned, decs := soak(t, cfg, true)
			fixed, _ := soak(t, cfg, false)
			first := lastMeans(tuned[:1], 1)
			if first.inside(targets) {
				t.Errorf("iteration 1 already inside the targets: %v", first)
			}
			m, m0 := lastMeans(tuned, 8), lastMeans(fixed, 8)
			if !m.inside(targets) {
				t.Errorf("tuned last-8 means outside the targets: %v", m)
			}
			if m0.inside(targets) {
				t.Errorf("untuned last-8 means inside the targets: %v", m0)
			}
			if !slices.ContainsFunc(decs, func(d Decision) bool { return d.FreezeReady }) {
				t.Error("no steady-state freeze in the whole soak")
			}
			t.Logf("iteration 1: %v; last-8 tuned: %v; untuned: %v", first, m, m0)
		})
	}
}

// TestScenarioVerdicts pins the verdicts the sim package documents for a
// tuned 24-iteration soak under the default gate (last-8 means).
func TestScenarioVerdicts(t *testing.T) {
	targets := DefaultConfig().Targets
	type verdict struct{ MT, P95, Risk, Net bool } // true: target met
	all := verdict{true, true, true, true}
	tests := []struct {
		sc   sim.Scenario
		want verdict
		care verdict // the targets the scenario's verdict rests on; the others vary by seed
	}{
		{sim.Steady, verdict{true, true, true, true}, all},
		{sim.LatencySpike, verdict{true, false, true, true}, verdict{P95: true}},
		{sim.RegimeShift, verdict{false, true, true, false}, verdict{MT: true, Net: true}},
		{sim.SlowDegradation, verdict{false, false, true, false}, verdict{P95: true}},
		{sim.FlakyIteration, verdict{true, true, true, true}, all},
	}
	seeds := 3
	if testing.Short() || raceEnabled {
		seeds = 1
	}
	for _, tc := range tests {
		for seed := 1; seed <= seeds; seed++ {
			t.Run(fmt.Sprintf("%s/seed=%d", tc.sc, seed), func(t *testing.T) {
				t.Parallel()
				s, _ := soak(t, sim.Config{Seed: uint64(seed), Iterations: 24, Scenario: tc.sc}, true)
				m := lastMeans(s, 8)
				got := verdict{m.MT >= targets.MakerTakerMin, m.P95 <= targets.P95LatencyMax, m.Risk <= targets.RiskMax, m.Net >= targets.NetBpsMin}
				// A target the verdict does not rest on counts as its want.
				got = verdict{pick(tc.care.MT, got.MT, tc.want.MT), pick(tc.care.P95, got.P95, tc.want.P95),
					pick(tc.care.Risk, got.Risk, tc.want.Risk), pick(tc.care.Net, got.Net, tc.want.Net)}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("last-8 %v (-want +got):\n%s", m, diff)
				}
				switch tc.sc {
				case sim.SlowDegradation:
					// The whole-run mean hides what the window shows.
					if all := lastMeans(s, len(s)); all.P95 > targets.P95LatencyMax {
						t.Errorf("whole-run mean p95 %.1f already fails", all.P95)
					}
				case sim.FlakyIteration:
					bad := s[len(s)-3]
					if *bad.P95LatencyMs <= targets.P95LatencyMax {
						t.Errorf("the flaky iteration is not bad: p95 %.1f", *bad.P95LatencyMs)
					}
				}
			})
		}
	}
}

// BenchmarkSoak24 is a default auto-tuned soak: 24 × (simulate 30k events,
// compute KPIs, decide).
func BenchmarkSoak24(b *testing.B) {
	cfg := sim.Config{Seed: 1, Iterations: 24}
	for b.Loop() {
		soak(b, cfg, true)
	}
}

// BenchmarkDecide measures one decision.
func BenchmarkDecide(b *testing.B) {
	in := Input{Iteration: 5, Total: 24, KPIs: artifact.Summary{
		MakerTakerRatio: artifact.F(0.8), P95LatencyMs: artifact.F(345), RiskRatio: artifact.F(0.45),
		NetBps: artifact.F(2.0), AdverseBpsP95: artifact.F(3.6), SlippageBpsP95: artifact.F(2.6),
	}}
	for b.Loop() {
		var st State
		Decide(&st, in)
	}
}

// TestClosedLoopTwoWay pins issue 13 items 1 and 2 on simulated soaks: a
// steady tuned soak gives something back once the KPIs have room (the
// legacy tuner only ratcheted), and in no scenario does the freeze hold a
// proposal back in an iteration that breaches a fail level (regime-shift
// seeds 1-3 froze iterations 13-14 at net 0.58-0.73 bps).
func TestClosedLoopTwoWay(t *testing.T) {
	seeds := 3
	if testing.Short() || raceEnabled {
		seeds = 1
	}
	cfg := DefaultConfig()
	for _, sc := range sim.Scenarios {
		for seed := 1; seed <= seeds; seed++ {
			t.Run(fmt.Sprintf("%s/seed=%d", sc, seed), func(t *testing.T) {
				t.Parallel()
				sums, decs := soak(t, sim.Config{Seed: uint64(seed), Iterations: 24, Scenario: sc}, true)
				gaveBack := false
				for i, d := range decs {
					for _, o := range d.Outcomes {
						gaveBack = gaveBack || (o.GiveBack && o.Applied)
					}
					if br := cfg.Targets.Breaches(sums[i]); len(br) > 0 && slices.Contains(d.Guards, GuardFreeze) {
						t.Errorf("iteration %d: the freeze held proposals back while %v", i+1, br)
					}
				}
				if sc == sim.Steady && !gaveBack {
					t.Errorf("a steady soak gave nothing back: final params %v", decs[len(decs)-1].Params)
				}
			})
		}
	}
}

// pick returns got if care, else want.
func pick(care, got, want bool) bool {
	if care {
		return got
	}
	return want
}
