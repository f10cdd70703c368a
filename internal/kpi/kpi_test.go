package kpi

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/soakline/soakline/internal/events"
	"github.com/soakline/soakline/pkg/artifact"
)

var f = artifact.F

func order(a events.Action, lat, age float64) events.Event {
	return events.Event{Kind: events.KindOrder, Action: a, LatencyMs: lat, AgeMs: age}
}

func fill(l events.Liquidity, qty, price, gross, fees, slip, adv, inv, age float64) events.Event {
	return events.Event{Kind: events.KindFill, Liquidity: l, Qty: qty, Price: price, GrossBps: gross, FeesBps: fees,
		SlippageBps: slip, AdverseBps: adv, InventoryBps: inv, AgeMs: age}
}

func block(r events.Reason) events.Event { return events.Event{Kind: events.KindBlock, Reason: r} }

func ws(lag float64) events.Event { return events.Event{Kind: events.KindWS, LagMs: lag} }

func summarize(evs []events.Event) artifact.Summary {
	var a Accumulator
	for i := range evs {
		a.Add(&evs[i])
	}
	return a.Summary()
}

func TestSummary(t *testing.T) {
	orders := []events.Event{
		order(events.ActionPlace, 10, 0),
		order(events.ActionPlace, 20, 0),
		order(events.ActionReplace, 30, 100),
		order(events.ActionCancel, 40, 200),
	}
	fills := []events.Event{
		// notional 100 and 300
		fill(events.Maker, 1, 100, 10, -2, -1, -3, 0.5, 50),
		fill(events.Taker, 2, 150, 2, -6, -4, 1, -0.5, 300),
	}
	blocks := []events.Event{block(events.ReasonRisk), block(events.ReasonRisk), block(events.ReasonThrottle), block(events.ReasonMinInterval)}
	lags := []events.Event{ws(25), ws(5), ws(15)}
	cat := func(xs ...[]events.Event) []events.Event {
		var out []events.Event
		for _, x := range xs {
			out = append(out, x...)
		}
		return out
	}
	oneToTwenty := make([]events.Event, 20)
	for i := range oneToTwenty {
		oneToTwenty[i] = ws(float64(20 - i))
	}
	tests := []struct {
		name string
		in   []events.Event
		want artifact.Summary
	}{
		{"empty", nil, artifact.Summary{}},
		{"everything", cat(orders, fills, blocks, lags), artifact.Summary{
			MakerTakerRatio:  f(0.25),
			MakerTakerSource: "fills_volume",
			P95LatencyMs:     f(40),
			RiskRatio:        f(0.25),  // 2 risk blocks / (4 orders + 4 blocks)
			GrossBps:         f(4),     // (10*100 + 2*300) / 400
			FeesBps:          f(-5),    // (-200 - 1800) / 400
			SlippageBps:      f(-3.25), // (-100 - 1200) / 400
			AdverseBps:       f(0),     // (-300 + 300) / 400
			InventoryBps:     f(-0.25), // (50 - 150) / 400
			NetBps:           f(-4.5),
			AdverseBpsP95:    f(3), // costs {3, 0}
			SlippageBpsP95:   f(4), // costs {1, 4}
			CancelRatio:      f(0.25),
			OrderAgeP95Ms:    f(200), // replace 100, cancel 200, maker fill 50: the taker fill's 300 is not an order age
			WSLagP95Ms:       f(25),
			MakerSharePct:    f(50),
			FillRate:         f(0.3333), // 1 maker fill / (1 maker fill + 1 replace + 1 cancel); no t_ms: no pnl_per_hour, no uptime
			Fills:            &artifact.Fills{MakerCount: 1, TakerCount: 1, MakerVolume: 100, TakerVolume: 300},
			Blocks:           &artifact.Blocks{MinInterval: 1, Risk: 2, Throttle: 1, Total: 4},
			Events:           13,
		}},
		{"orders only: risk 0, no fill KPIs", orders, artifact.Summary{
			P95LatencyMs:  f(40),
			RiskRatio:     f(0),
			CancelRatio:   f(0.25),
			OrderAgeP95Ms: f(200),
			FillRate:      f(0), // no fills over a replace and a cancel
			Blocks:        &artifact.Blocks{},
			Events:        4,
		}},
		{"places only: no order age", orders[:2], artifact.Summary{
			P95LatencyMs: f(20),
			RiskRatio:    f(0),
			CancelRatio:  f(0),
			Blocks:       &artifact.Blocks{},
			Events:       2,
		}},
		{"blocks only", blocks, artifact.Summary{
			RiskRatio: f(0.5),
			Blocks:    &artifact.Blocks{MinInterval: 1, Risk: 2, Throttle: 1, Total: 4},
			Events:    4,
		}},
		{"blocks without risk", []events.Event{block(events.ReasonConcurrency)}, artifact.Summary{
			RiskRatio: f(0),
			Blocks:    &artifact.Blocks{Concurrency: 1, Total: 1},
			Events:    1,
		}},
		{"ws only", lags, artifact.Summary{WSLagP95Ms: f(25), Events: 3}},
		{"nearest rank of 1..20 is 19", oneToTwenty, artifact.Summary{WSLagP95Ms: f(19), Events: 20}},
		{"fills only, maker thirds", []events.Event{
			fill(events.Maker, 1, 1, 1, 0, 0, 0, 0, 7),
			fill(events.Taker, 1, 1, 0, 0, 0, 0, 0, 7),
			fill(events.Taker, 1, 1, 0, 0, 0, 0, 0, 7),
		}, artifact.Summary{
			MakerTakerRatio:  f(0.3333),
			MakerTakerSource: "fills_volume",
			GrossBps:         f(0.3333),
			FeesBps:          f(0),
			SlippageBps:      f(0),
			AdverseBps:       f(0),
			InventoryBps:     f(0),
			NetBps:           f(0.3333),
			AdverseBpsP95:    f(0),
			SlippageBpsP95:   f(0),
			OrderAgeP95Ms:    f(7),
			MakerSharePct:    f(33.3333),
			FillRate:         f(1),
			Fills:            &artifact.Fills{MakerCount: 1, TakerCount: 2, MakerVolume: 1, TakerVolume: 2},
			Events:           3,
		}},
		{"zero volume falls back to counts", []events.Event{
			fill(events.Maker, 1e-200, 1e-200, 1, 0, 0, 0, 0, 1),
			fill(events.Maker, 1e-200, 1e-200, 1, 0, 0, 0, 0, 1),
			fill(events.Taker, 1e-200, 1e-200, 1, 0, 0, 0, 0, 1),
			fill(events.Taker, 1e-200, 1e-200, 1, 0, 0, 0, 0, 1),
		}, artifact.Summary{
			MakerTakerRatio:  f(0.5),
			MakerTakerSource: "fills_count",
			AdverseBpsP95:    f(0),
			SlippageBpsP95:   f(0),
			OrderAgeP95Ms:    f(1),
			MakerSharePct:    f(50),
			FillRate:         f(1),
			Fills:            &artifact.Fills{MakerCount: 2, TakerCount: 2},
			Events:           4,
		}},
		{"invalid events skipped", []events.Event{
			{Kind: events.KindWS, LagMs: math.NaN()},
			{Kind: events.KindFill, Liquidity: events.Maker, Qty: -1, Price: 1},
			{},
			ws(3),
		}, artifact.Summary{WSLagP95Ms: f(3), Events: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summarize(tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestSummaryRepeatable(t *testing.T) {
	var a Accumulator
	for i := 0; i < 100; i++ {
		e := ws(float64((i * 37) % 100))
		a.Add(&e)
	}
	first := a.Summary()
	if diff := cmp.Diff(first, a.Summary()); diff != "" {
		t.Errorf("second Summary (-first +second):\n%s", diff)
	}
	if a.Skipped() != 0 || a.Events() != 100 {
		t.Errorf("skipped %d events %d", a.Skipped(), a.Events())
	}
	a.Reset()
	if diff := cmp.Diff(artifact.Summary{}, a.Summary()); diff != "" {
		t.Errorf("after Reset (-want +got):\n%s", diff)
	}
}

// TestNetAddsUp checks that net_bps is the exact decimal sum of the stored
// components.
// TestNetIsTheMeanOfFillNets: net_bps is the notional-weighted mean of the
// per-fill nets, rounded once (issue 13 item 8: it was the sum of the
// components each rounded first, up to 0.0003 bps off). Four components of
// 0.00004 bps round to 0 each; their net is 0.00016, stored as 0.0002.
func TestNetIsTheMeanOfFillNets(t *testing.T) {
	var a Accumulator
	e := fill(events.Maker, 1, 1, 0.00004, 0.00004, 0, 0.00004, 0.00004, 1)
	a.Add(&e)
	s := a.Summary()
	if *s.GrossBps != 0 || *s.NetBps != 0.0002 {
		t.Errorf("gross %v net %v, want 0 and 0.0002 (4 × 0.00004 = 0.00016)", *s.GrossBps, *s.NetBps)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 2000; trial++ {
		var a Accumulator
		var wsum, nsum float64
		for i := 0; i < 1+rng.IntN(5); i++ {
			r := func() float64 { return (rng.Float64() - 0.5) * math.Pow(10, float64(rng.IntN(5))) } // within ±MaxBps
			e := fill(events.Liquidity(1+rng.IntN(2)), rng.Float64()+0.01, 100*rng.Float64()+1, r(), -math.Abs(r()), r(), r(), r(), 1)
			a.Add(&e)
			n := e.Qty * e.Price
			wsum += (e.GrossBps + e.FeesBps + e.SlippageBps + e.AdverseBps + e.InventoryBps) * n
			nsum += n
		}
		s := a.Summary()
		if want := Round(wsum / nsum); math.Abs(*s.NetBps-want) > 1.5e-4 || *s.NetBps != Round(*s.NetBps) {
			t.Fatalf("net %v, the weighted mean of the fill nets %v", *s.NetBps, want)
		}
		if sum := *s.GrossBps + *s.FeesBps + *s.SlippageBps + *s.AdverseBps + *s.InventoryBps; math.Abs(sum-*s.NetBps) > 3.5e-4 {
			t.Fatalf("components add up to %v, net %v: more than the documented 0.0003 apart", sum, *s.NetBps)
		}
	}
}

func TestFromFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "events.jsonl")
	content := `{"kind":"order","t_ms":1,"action":"place","latency_ms":5}
{"kind":"order","t_ms":2,"action":"cancel","latency_ms":7,"age_ms":9}
`
	if err := os.WriteFile(good, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := FromFile(good)
	if err != nil {
		t.Fatal(err)
	}
	want := artifact.Summary{P95LatencyMs: f(7), RiskRatio: f(0), CancelRatio: f(0.5), OrderAgeP95Ms: f(9), Blocks: &artifact.Blocks{}, Events: 2,
		FillRate: f(0), QuoteUptimePct: f(50)} // no quote in [0, 1) ms, one in [1, 2)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	bad := filepath.Join(dir, "bad.jsonl")
	if err := os.WriteFile(bad, []byte(content+`{"kind":"fill","t_ms":3,"liquidity":"maker","price":1,"age_ms":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = FromFile(bad)
	if want := bad + ": line 3: fill: missing qty"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
	if _, err := FromFile(filepath.Join(dir, "nope")); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("missing file: err = %v", err)
	}
}

// TestExplainMissing: a KPI without inputs is explained as missing, with
// the reason, never as 0.
func TestExplainMissing(t *testing.T) {
	var a Accumulator
	for _, e := range []events.Event{ws(5), ws(7)} {
		a.Add(&e)
	}
	var b strings.Builder
	if err := Explain(&b, a.Summary(), a.Inputs()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"maker_taker_ratio  missing    no fills\n",
		"p95_latency_ms     missing    no samples over order events\n",
		"risk_ratio         missing    no order events and no blocks\n",
		"net_bps            missing    no fills\n",
		"order_age_p95_ms   missing    no samples over 0 replace + 0 cancel orders and 0 maker fills\n",
		"ws_lag_p95_ms      7          = nearest-rank p95 of lag_ms over ws events: value number 2 of 2 in ascending order\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}
