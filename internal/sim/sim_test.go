package sim

import (
	"errors"
	"maps"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/soakline/soakline/internal/events"
	"github.com/soakline/soakline/internal/kpi"
	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/pkg/artifact"
)

func collect(t testing.TB, cfg Config, it int, p map[string]float64) []events.Event {
	t.Helper()
	var evs []events.Event
	if err := Run(cfg, it, p, func(ev *events.Event) error { evs = append(evs, *ev); return nil }); err != nil {
		t.Fatal(err)
	}
	return evs
}

func kpis(t testing.TB, cfg Config, it int, p map[string]float64) artifact.Summary {
	t.Helper()
	var k kpi.Accumulator
	if err := Run(cfg, it, p, func(ev *events.Event) error { k.Add(ev); return nil }); err != nil {
		t.Fatal(err)
	}
	if k.Skipped() != 0 {
		t.Fatalf("kpi skipped %d invalid events", k.Skipped())
	}
	return k.Summary()
}

func TestRunDeterministic(t *testing.T) {
	cfg := Config{Seed: 7, Events: 2000}
	a := collect(t, cfg, 3, nil)
	b := collect(t, cfg, 3, Defaults())
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed and iteration differ (-want +got):\n%s", diff)
	}
	if len(a) != 2001 || a[0].Kind != events.KindParams {
		t.Errorf("got %d events starting with kind %v, want effective_params and 2000 market events", len(a), a[0].Kind)
	}
	if cmp.Equal(a, collect(t, cfg, 4, nil)) {
		t.Error("iterations 3 and 4 gave the same events")
	}
	if cmp.Equal(a, collect(t, Config{Seed: 8, Events: 2000}, 3, nil)) {
		t.Error("seeds 7 and 8 gave the same events")
	}
}

func TestRunEventsAreConsistent(t *testing.T) {
	var last int64
	kinds := map[events.Kind]int{}
	for _, ev := range collect(t, Config{Seed: 1}, 1, nil) {
		kinds[ev.Kind]++
		if ev.TMs < last {
			t.Fatalf("time went back: %d after %d", ev.TMs, last)
		}
		last = ev.TMs
		if ev.Kind != events.KindFill {
			continue
		}
		if ev.SlippageBps > 0 || ev.AdverseBps > 0 {
			t.Fatalf("a cost is positive: %+v", ev)
		}
		if (ev.Liquidity == events.Maker) != (ev.FeesBps > 0) {
			t.Fatalf("maker fills earn the rebate, taker fills pay the fee: %+v", ev)
		}
		if ev.Qty <= 0 || ev.Price <= 0 {
			t.Fatalf("bad size or price: %+v", ev)
		}
	}
	for _, k := range []events.Kind{events.KindOrder, events.KindFill, events.KindBlock, events.KindWS} {
		if kinds[k] == 0 {
			t.Errorf("no events of kind %d", k)
		}
	}
	if last > DefaultDurationMs*11/10 {
		t.Errorf("iteration lasted %d ms, want about %d", last, DefaultDurationMs)
	}
}

// TestRunReportsParams pins the simulator's side of the adoption
// contract: the first event is an effective_params record holding the
// parameters the model runs with, canonical keys only.
func TestRunReportsParams(t *testing.T) {
	over := map[string]float64{KeyTailAgeMs: 700, KeyConcurrencyLimit: 10.4, KeyImpactCapRatio: 0.06, "engine": 3}
	evs := collect(t, Config{Seed: 1, Events: 10}, 1, over)
	want := Defaults()
	want[KeyTailAgeMs] = 700
	want[KeyConcurrencyLimit] = 10 // the model rounds it: reported as run, not as written
	want[KeyImpactCapRatio] = 0.06
	if diff := cmp.Diff(events.Event{Kind: events.KindParams, Params: events.ParamsOf(want)}, evs[0]); diff != "" {
		t.Errorf("first event (-want +got):\n%s", diff)
	}
	for _, e := range evs[1:] {
		if e.Kind == events.KindParams {
			t.Fatalf("a second effective_params record: %+v", e)
		}
	}
	if diff := cmp.Diff(want, Effective(over)); diff != "" {
		t.Errorf("Effective (-want +got):\n%s", diff)
	}
	// Within the tuner's bounds nothing changes (DefaultBounds: concurrency
	// integer in [1, 64], the others well above their floors).
	in := map[string]float64{KeyMinIntervalMs: 50, KeyReplaceRatePerMin: 120, KeyBaseSpreadBpsDelta: 0, KeyTailAgeMs: 400,
		KeyImpactCapRatio: 0.04, KeyMaxDeltaRatio: 0.10, KeyConcurrencyLimit: 1}
	if diff := cmp.Diff(in, Effective(in)); diff != "" {
		t.Errorf("Effective changed in-bounds values (-want +got):\n%s", diff)
	}
	// The record does not count as a KPI event.
	if s := kpis(t, Config{Seed: 1, Events: 10}, 1, nil); s.Events != 10 {
		t.Errorf("kpi counted %d events, want 10", s.Events)
	}
}

func TestRunErrors(t *testing.T) {
	boom := errors.New("boom")
	n := 0
	err := Run(Config{}, 1, nil, func(*events.Event) error { n++; return boom })
	if !errors.Is(err, boom) || n != 1 {
		t.Errorf("emit error: got %v after %d events, want boom after 1", err, n)
	}
	if err := Run(Config{}, 1, nil, func(*events.Event) error { return ErrStop }); err != nil {
		t.Errorf("ErrStop: got %v, want nil", err)
	}
	for name, cfg := range map[string]Config{"events": {Events: -1}, "duration": {DurationMs: -1}, "scenario": {Scenario: "nope"}} {
		if err := Run(cfg, 1, nil, func(*events.Event) error { return nil }); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if err := Run(Config{}, 0, nil, func(*events.Event) error { return nil }); err == nil {
		t.Error("iteration 0: no error")
	}
}

func TestResolve(t *testing.T) {
	got, unknown := Resolve(map[string]float64{KeyTailAgeMs: 700, "engine": 1, "risk.impact_cap_ratio": -0.01})
	want := Defaults()
	want[KeyTailAgeMs] = 700
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Resolve (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"engine", "risk.impact_cap_ratio"}, unknown); diff != "" {
		t.Errorf("unknown keys (-want +got):\n%s", diff)
	}
	if len(Keys) != len(Defaults()) {
		t.Errorf("Keys has %d entries, Defaults %d", len(Keys), len(Defaults()))
	}
}

// target is the built-in policy's fail level of kpi.
func target(kpi string) float64 {
	v, _ := policy.Default(false).Fail(kpi)
	return v
}

// TestDefaultsOutsideTargets pins the calibration the closed loop relies on:
// the defaults miss every target of the default gate.
func TestDefaultsOutsideTargets(t *testing.T) {
	s := kpis(t, Config{Seed: 1}, 1, nil)
	if *s.MakerTakerRatio >= target("maker_taker_ratio") || *s.P95LatencyMs <= target("p95_latency_ms") || *s.RiskRatio <= target("risk_ratio") || *s.NetBps >= target("net_bps") {
		t.Errorf("defaults meet a target: maker %.3f p95 %.1f risk %.3f net %.2f",
			*s.MakerTakerRatio, *s.P95LatencyMs, *s.RiskRatio, *s.NetBps)
	}
}

// TestParameterDirections checks each documented effect's direction by
// moving one parameter from the defaults.
func TestParameterDirections(t *testing.T) {
	type kpiFunc func(artifact.Summary, []events.Event) float64
	fills := func(_ artifact.Summary, evs []events.Event) float64 {
		return count(evs, func(e events.Event) bool { return e.Kind == events.KindFill })
	}
	cancels := func(_ artifact.Summary, evs []events.Event) float64 {
		return count(evs, func(e events.Event) bool { return e.Action == events.ActionCancel })
	}
	blocks := func(r events.Reason) kpiFunc {
		return func(_ artifact.Summary, evs []events.Event) float64 {
			return count(evs, func(e events.Event) bool { return e.Reason == r })
		}
	}
	maker := func(s artifact.Summary, _ []events.Event) float64 { return *s.MakerTakerRatio }
	p95 := func(s artifact.Summary, _ []events.Event) float64 { return *s.P95LatencyMs }
	risk := func(s artifact.Summary, _ []events.Event) float64 { return *s.RiskRatio }
	adv := func(s artifact.Summary, _ []events.Event) float64 { return *s.AdverseBpsP95 }
	slip := func(s artifact.Summary, _ []events.Event) float64 { return *s.SlippageBpsP95 }
	uptime := func(s artifact.Summary, _ []events.Event) float64 { return *s.QuoteUptimePct }
	pnl := func(s artifact.Summary, _ []events.Event) float64 { return *s.PnLPerHour }
	takers := func(s artifact.Summary, _ []events.Event) float64 { return float64(s.Fills.TakerCount) }
	tests := []struct {
		name string
		key  string
		val  float64
		kpi  kpiFunc
		up   bool
	}{
		{"wider spread raises maker share", KeyBaseSpreadBpsDelta, 0.3, maker, true},
		{"wider spread means fewer fills", KeyBaseSpreadBpsDelta, 0.3, fills, false},
		{"longer min interval lowers latency", KeyMinIntervalMs, 120, p95, false},
		{"longer min interval means fewer cancels", KeyMinIntervalMs, 120, cancels, false},
		{"longer min interval means more slippage", KeyMinIntervalMs, 200, slip, true},
		{"lower replace rate lowers latency", KeyReplaceRatePerMin, 200, p95, false},
		{"lower replace rate means more slippage", KeyReplaceRatePerMin, 150, slip, true},
		{"longer tail age means more slippage", KeyTailAgeMs, 900, slip, true},
		{"smaller impact cap lowers risk", KeyImpactCapRatio, 0.07, risk, false},
		{"smaller impact cap lowers adverse", KeyImpactCapRatio, 0.06, adv, false},
		{"smaller max delta lowers risk", KeyMaxDeltaRatio, 0.10, risk, false},
		{"smaller max delta means more rescues", KeyMaxDeltaRatio, 0.10, takers, true},
		{"wider spread lowers adverse", KeyBaseSpreadBpsDelta, 0.5, adv, false},
		{"lower concurrency lowers uptime", KeyConcurrencyLimit, 1, uptime, false},
		{"longer min interval lowers uptime", KeyMinIntervalMs, 300, uptime, false},
		{"lower concurrency costs PnL per hour", KeyConcurrencyLimit, 1, pnl, false},
		{"longer min interval costs PnL per hour", KeyMinIntervalMs, 300, pnl, false},
		{"smaller orders earn less per hour", KeyImpactCapRatio, 0.05, pnl, false},
		{"lower concurrency lowers latency", KeyConcurrencyLimit, 5, p95, false},
		{"lower concurrency means more concurrency blocks", KeyConcurrencyLimit, 5, blocks(events.ReasonConcurrency), true},
	}
	cfg := Config{Seed: 3}
	base := collect(t, cfg, 1, nil)
	baseK := kpis(t, cfg, 1, nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := Defaults()
			p[tc.key] = tc.val
			got := tc.kpi(kpis(t, cfg, 1, p), collect(t, cfg, 1, p))
			was := tc.kpi(baseK, base)
			if (got > was) != tc.up {
				t.Errorf("%s %v: %.4f -> %.4f, want up=%v", tc.key, tc.val, was, got, tc.up)
			}
		})
	}
}

func count(evs []events.Event, f func(events.Event) bool) float64 {
	n := 0
	for _, e := range evs {
		if f(e) {
			n++
		}
	}
	return float64(n)
}

func TestRegimeAt(t *testing.T) {
	steady := RegimeAt(Steady, 1, 24)
	tests := []struct {
		name string
		sc   Scenario
		it   int
		want Regime
	}{
		{"steady", Steady, 24, steady},
		{"spike before last quarter", LatencySpike, 18, steady},
		{"spike in last quarter", LatencySpike, 19, Regime{VolBps: 1, ExchangeLatencyMs: 120 + SpikeExtraLatencyMs, AdverseMult: 1}},
		{"shift before middle", RegimeShift, 12, steady},
		{"shift after middle", RegimeShift, 13, Regime{VolBps: ShiftVolMultiplier, ExchangeLatencyMs: 120, AdverseMult: 1}},
		{"degradation at start", SlowDegradation, 8, steady},
		{"degradation at end", SlowDegradation, 24, Regime{VolBps: 1, ExchangeLatencyMs: 120 + DegradeLatencyMs, AdverseMult: 1 + DegradeAdverseMult}},
		{"flaky before", FlakyIteration, 21, steady},
		{"flaky", FlakyIteration, 22, Regime{VolBps: FlakyVolMultiplier, ExchangeLatencyMs: 120 + FlakyExtraLatencyMs, AdverseMult: 1}},
		{"flaky after", FlakyIteration, 23, steady},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, RegimeAt(tc.sc, tc.it, 24)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	for _, s := range Scenarios {
		if _, err := ParseScenario(string(s)); err != nil {
			t.Error(err)
		}
	}
}

func BenchmarkRun(b *testing.B) {
	p := Defaults()
	cfg := Config{Seed: 1}
	n := 0
	for b.Loop() {
		if err := Run(cfg, 1, maps.Clone(p), func(*events.Event) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkSoak24 simulates a default 24-iteration soak (no KPIs, no tuning).
func BenchmarkSoak24(b *testing.B) {
	cfg := Config{Seed: 1}
	for b.Loop() {
		for it := 1; it <= DefaultIterations; it++ {
			if err := Run(cfg, it, nil, func(*events.Event) error { return nil }); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// meanKPI is the mean of a KPI over seeds 1..n of iteration 1.
func meanKPI(t *testing.T, n int, p map[string]float64, f func(artifact.Summary) float64) float64 {
	t.Helper()
	var sum float64
	for seed := 1; seed <= n; seed++ {
		sum += f(kpis(t, Config{Seed: uint64(seed), Events: 20000}, 1, p))
	}
	return sum / float64(n)
}

// TestTradeOffs pins the trade-offs issue 13 found missing in the first
// model (each assertion fails on it): throughput costs of concurrency and
// the minimum interval, an interior PnL optimum in the spread, adverse
// selection that falls as the spread widens, a maker share that is not
// hypersensitive to the spread, and block counts that come from the
// parameters rather than a fixed share of the events.
func TestTradeOffs(t *testing.T) {
	fills := func(s artifact.Summary) float64 { return float64(s.Fills.MakerCount + s.Fills.TakerCount) }
	pnl := func(s artifact.Summary) float64 { return *s.PnLPerHour }
	taker := func(s artifact.Summary) float64 { return 1 - *s.MakerTakerRatio }
	blockShare := func(s artifact.Summary) float64 { return float64(s.Blocks.Total) / float64(s.Events) }
	with := func(k string, v float64) map[string]float64 { return map[string]float64{k: v} }
	const n = 4
	t.Run("concurrency 1 costs fills and PnL", func(t *testing.T) {
		// The first model gave the same fills and PnL at 1 and 10.
		if a, b := meanKPI(t, n, with(KeyConcurrencyLimit, 1), fills), meanKPI(t, n, nil, fills); a >= 0.95*b {
			t.Errorf("fills at concurrency 1: %.0f, at 10: %.0f; want at least 5%% fewer", a, b)
		}
		if a, b := meanKPI(t, n, with(KeyConcurrencyLimit, 1), pnl), meanKPI(t, n, nil, pnl); a >= 0.95*b {
			t.Errorf("pnl_per_hour at concurrency 1: %.0f, at 10: %.0f", a, b)
		}
	})
	t.Run("PnL per hour has an interior optimum in the spread", func(t *testing.T) {
		lo := meanKPI(t, n, nil, pnl)
		mid := meanKPI(t, n, with(KeyBaseSpreadBpsDelta, 0.8), pnl)
		hi := meanKPI(t, n, with(KeyBaseSpreadBpsDelta, 2.5), pnl)
		if !(mid > lo && mid > hi) {
			t.Errorf("pnl_per_hour at spread delta 0.05, 0.8, 2.5: %.0f %.0f %.0f; want the middle highest", lo, mid, hi)
		}
	})
	t.Run("adverse selection falls as the spread widens", func(t *testing.T) {
		p, _ := Resolve(nil)
		base := NewModel(p, RegimeAt(Steady, 1, 24))
		p[KeyBaseSpreadBpsDelta] = 0.6
		wide := NewModel(p, RegimeAt(Steady, 1, 24))
		if !(wide.AdverseMean < base.AdverseMean && wide.InformedShare < base.InformedShare) {
			t.Errorf("adverse mean %.3f -> %.3f, informed share %.3f -> %.3f at spread delta 0.6: want both lower",
				base.AdverseMean, wide.AdverseMean, base.InformedShare, wide.InformedShare)
		}
	})
	t.Run("taker share is not hypersensitive to the spread", func(t *testing.T) {
		// The first model: taker share ∝ exp(−Δs/0.25), 0.37 of it 0.25
		// bps wider. Here it may fall, e-fold over no less than 0.4 bps.
		a, b := meanKPI(t, n, nil, taker), meanKPI(t, n, with(KeyBaseSpreadBpsDelta, 0.30), taker)
		if b < math.Exp(-0.25/0.4)*a || b >= a {
			t.Errorf("taker share of volume %.3f -> %.3f for 0.25 bps of spread: want a fall to no less than %.3f of it", a, b, math.Exp(-0.25/0.4))
		}
	})
	t.Run("risk_ratio is not moved by other block kinds", func(t *testing.T) {
		// risk_ratio is risk-limit hits per attempted action. The legacy
		// risk blocks / blocks halved when min_interval_ms went 60 -> 300
		// or the concurrency limit 10 -> 1 with the sizing unchanged
		// (issue 13 item 5: 0.48 -> 0.24); now each stays within 10 %,
		// and smaller orders lower it clearly.
		rr := func(s artifact.Summary) float64 { return *s.RiskRatio }
		base := meanKPI(t, n, nil, rr)
		for _, p := range []map[string]float64{with(KeyMinIntervalMs, 300), with(KeyConcurrencyLimit, 1)} {
			if a := meanKPI(t, n, p, rr); math.Abs(a-base) > 0.1*base {
				t.Errorf("%v: risk_ratio %.4f -> %.4f, want within 10%%", p, base, a)
			}
		}
		if a := meanKPI(t, n, with(KeyImpactCapRatio, 0.06), rr); a > 0.7*base {
			t.Errorf("smaller orders: risk_ratio %.4f -> %.4f, want a clear fall", base, a)
		}
	})
	t.Run("blocks are not a fixed share of the events", func(t *testing.T) {
		a, b := meanKPI(t, n, nil, blockShare), meanKPI(t, n, with(KeyMinIntervalMs, 300), blockShare)
		if b < 1.5*a {
			t.Errorf("block share of events %.4f at min interval 60, %.4f at 300: want the longer interval to block more", a, b)
		}
	})
}

// TestRegimeShiftOutOfReach backs the documented regime-shift verdict: after
// the shift no parameters within the tuner's bounds (internal/tuner's
// DefaultBounds: the corners of each range with a middle spread, and 100
// random points inside the ranges that matter) meet all four targets of the default gate (maker 0.83, p95
// 340 ms, risk 0.05, net 2.5 bps): the net edge comes back only with young
// quotes (short tail, high replace rate, short interval), whose load puts
// p95 over 340. So the tuned soak's FAIL is the market's, not the tuner's
// speed (issue 13 item 7: in the first model spread 0.6 and smaller sizes
// passed).
func TestRegimeShiftOutOfReach(t *testing.T) {
	cfg := Config{Seed: 1, Events: 10000, Scenario: RegimeShift}
	grid := []struct {
		key  string
		vals []float64
	}{
		{KeyBaseSpreadBpsDelta, []float64{0.3, 0.6}},
		{KeyImpactCapRatio, []float64{0.04, 0.12}},
		{KeyMaxDeltaRatio, []float64{0.10, 0.20}},
		{KeyConcurrencyLimit, []float64{1, 64}},
		{KeyMinIntervalMs, []float64{50, 300}},
		{KeyReplaceRatePerMin, []float64{120, 360}},
		{KeyTailAgeMs, []float64{400, 1000}},
	}
	var best artifact.Summary
	bestNet := math.Inf(-1)
	var walk func(i int, p map[string]float64)
	walk = func(i int, p map[string]float64) {
		if i == len(grid) {
			s := kpis(t, cfg, 20, p)
			if *s.MakerTakerRatio >= target("maker_taker_ratio") && *s.NetBps >= target("net_bps") && *s.P95LatencyMs <= target("p95_latency_ms") && *s.RiskRatio <= target("risk_ratio") {
				t.Errorf("%v reaches maker %.3f, p95 %.1f, risk %.3f, net %.2f after the shift", p, *s.MakerTakerRatio, *s.P95LatencyMs, *s.RiskRatio, *s.NetBps)
			}
			if *s.NetBps > bestNet {
				best, bestNet = s, *s.NetBps
			}
			return
		}
		for _, v := range grid[i].vals {
			p[grid[i].key] = v
			walk(i+1, p)
		}
	}
	walk(0, map[string]float64{})
	// And points inside the ranges, where the trade-offs balance.
	rng := rand.New(rand.NewPCG(9, 9))
	u := func(a, b float64) float64 { return a + (b-a)*rng.Float64() }
	for range 100 {
		p := map[string]float64{KeyBaseSpreadBpsDelta: u(0.4, 0.6), KeyImpactCapRatio: u(0.04, 0.08), KeyMaxDeltaRatio: u(0.10, 0.20),
			KeyConcurrencyLimit: math.Round(u(2, 20)), KeyMinIntervalMs: u(50, 150), KeyReplaceRatePerMin: math.Round(u(120, 360)), KeyTailAgeMs: u(400, 800)}
		grid = nil
		walk(0, p)
	}
	t.Logf("best net after the shift: %.2f bps at maker %.3f", bestNet, *best.MakerTakerRatio)
}

// TestRunExtremeParams: parameters at and beyond the ends of any sane range
// still give exactly the asked number of valid events (a qty of 0 or a
// probability above 1 would not), in time order.
func TestRunExtremeParams(t *testing.T) {
	for _, p := range []map[string]float64{
		{KeyImpactCapRatio: 0, KeyMaxDeltaRatio: 0},
		{KeyImpactCapRatio: 50, KeyMaxDeltaRatio: 50},
		{KeyMinIntervalMs: 1, KeyReplaceRatePerMin: 1, KeyTailAgeMs: 1, KeyConcurrencyLimit: 1},
		{KeyMinIntervalMs: 1e6, KeyReplaceRatePerMin: 1e6, KeyTailAgeMs: 1e6, KeyConcurrencyLimit: 1e6},
		{KeyBaseSpreadBpsDelta: -10},
		{KeyBaseSpreadBpsDelta: 1000},
	} {
		for _, n := range []int{1, 7, 3000} {
			cfg := Config{Seed: 5, Events: n, Scenario: RegimeShift}
			evs := collect(t, cfg, 20, p)
			if len(evs) != n+1 {
				t.Errorf("%v, %d events: got %d", p, n, len(evs)-1)
			}
			var last int64
			for _, e := range evs {
				if err := e.Validate(); err != nil {
					t.Fatalf("%v: invalid event %+v: %v", p, e, err)
				}
				if e.TMs < last {
					t.Fatalf("%v: time went back", p)
				}
				last = e.TMs
			}
		}
	}
}
