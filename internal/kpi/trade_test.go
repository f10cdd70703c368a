package kpi

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/soakline/soakline/internal/events"
)

func at(t int64, e events.Event) events.Event { e.TMs = t; return e }

// TestTradeKPIs pins pnl_per_hour, fill_rate and quote_uptime_pct on a
// stream small enough to check by hand.
func TestTradeKPIs(t *testing.T) {
	evs := []events.Event{
		at(1000, order(events.ActionPlace, 5, 0)),                 // book 0→1: 1000 ms without a quote
		at(1500, order(events.ActionPlace, 5, 0)),                 // 1→2
		at(2000, fill(events.Maker, 1, 100, 10, 0, 0, 0, 0, 100)), // +10 bps of 100 = +0.1 quote; fill_rate 1 / (1 + 1 replace + 3 cancels)
		at(3000, order(events.ActionCancel, 5, 1)),                // 2→1
		at(4000, order(events.ActionCancel, 5, 1)),                // 1→0
		at(4000, order(events.ActionCancel, 5, 1)),                // stays 0 (never below)
		at(6000, order(events.ActionReplace, 5, 1)),               // no change
		at(7000, order(events.ActionPlace, 5, 0)),                 // 0→1: 3000 ms without
		at(9000, fill(events.Taker, 2, 50, -4, -2, 0, 0, 0, 0)),   // -6 bps of 100 = -0.06 quote
		at(10000, ws(3)), // T = 10000 ms
	}
	got := summarize(evs)
	// Net PnL 0.1 − 0.06 = 0.04 quote over 10 s: 14.4 quote per hour.
	want := map[string]float64{"pnl_per_hour": 14.4, "fill_rate": 0.2, "quote_uptime_pct": 60}
	for k, w := range want {
		if v, ok := got.KPI(k); !ok || v != w {
			t.Errorf("%s = %v (measured %v), want %v", k, v, ok, w)
		}
	}
	// Ending without a quote counts to T.
	got = summarize([]events.Event{at(0, order(events.ActionPlace, 1, 0)), at(2500, order(events.ActionCancel, 1, 1)), at(10000, ws(1))})
	if v, ok := got.KPI("quote_uptime_pct"); !ok || v != 25 {
		t.Errorf("uptime ending empty = %v %v, want 25", v, ok)
	}
	// A cancel that goes back in time (tolerated by the reader) never
	// counts negative time.
	got = summarize([]events.Event{at(0, order(events.ActionPlace, 1, 0)), at(900, order(events.ActionCancel, 1, 1)),
		at(500, order(events.ActionPlace, 1, 0)), at(1000, ws(1))})
	if v, ok := got.KPI("quote_uptime_pct"); !ok || v != 100 {
		t.Errorf("uptime with a reordered place = %v %v, want 100", v, ok)
	}
}

// TestTradeKPIsMissing: each of the three is missing, never 0, without its
// inputs.
func TestTradeKPIsMissing(t *testing.T) {
	tests := []struct {
		name    string
		in      []events.Event
		missing []string
	}{
		{"no events", nil, []string{"pnl_per_hour", "fill_rate", "quote_uptime_pct"}},
		{"no time (all at t_ms 0)", []events.Event{order(events.ActionPlace, 1, 0), fill(events.Maker, 1, 1, 1, 0, 0, 0, 0, 1)},
			[]string{"pnl_per_hour", "quote_uptime_pct"}},
		{"no fills", []events.Event{at(5, order(events.ActionPlace, 1, 0))}, []string{"pnl_per_hour", "fill_rate"}},
		{"no orders", []events.Event{at(5, fill(events.Taker, 1, 1, 1, 0, 0, 0, 0, 0))}, []string{"fill_rate", "quote_uptime_pct"}},
	}
	for _, tt := range tests {
		s := summarize(tt.in)
		for _, k := range tt.missing {
			if v, ok := s.KPI(k); ok {
				t.Errorf("%s: %s = %v, want missing", tt.name, k, v)
			}
		}
	}
}

// TestTradeKPIsParallel: the parallel reader computes the same three KPIs
// as Add, with place and cancel orders spread over many chunks.
func TestTradeKPIsParallel(t *testing.T) {
	var b strings.Builder
	w := events.NewWriter(&b)
	var a Accumulator
	for i := range 20000 {
		var e events.Event
		switch i % 7 {
		case 0, 3:
			e = order(events.ActionPlace, 1, 0)
		case 1, 4, 5:
			e = order(events.ActionCancel, 1, 2)
		case 2:
			e = fill(events.Maker, 1, 100, 3, 0, 0, -1, 0, 4)
		default:
			e = ws(2)
		}
		e.TMs = int64(i * 3)
		if i%11 == 0 {
			e.TMs += 40 // a little out of order
		}
		if err := w.Write(&e); err != nil {
			t.Fatal(err)
		}
		a.Add(&e)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := a.Summary()
	got, err := fromReader("events.jsonl", strings.NewReader(b.String()), events.BatchOptions{Workers: 4, ChunkSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parallel (-Add +parallel):\n%s", diff)
	}
	if want.QuoteUptimePct == nil || *want.QuoteUptimePct == 100 || *want.QuoteUptimePct == 0 {
		t.Errorf("uptime %v: the stream should have both states", want.QuoteUptimePct)
	}
}

// TestExplainTrade: soak-run kpis --explain shows the trading KPIs with
// their inputs, and why one is missing.
func TestExplainTrade(t *testing.T) {
	var a Accumulator
	for _, e := range []events.Event{at(0, order(events.ActionPlace, 1, 0)), at(30, fill(events.Maker, 2, 100, 5, 0, 0, 0, 0, 30)),
		at(50, order(events.ActionCancel, 1, 40)), at(90, ws(12))} {
		a.Add(&e)
	}
	var b strings.Builder
	if err := Explain(&b, a.Summary(), a.Inputs()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"pnl_per_hour       4000       = Σ net_bps·qty·price 1000 / 10^4 / T 90 ms in hours\n",
		"fill_rate          0.5        = maker fills 1 / (maker fills 1 + replaces 0 + cancels 1)\n",
		"quote_uptime_pct   55.5556    = 100 * (T 90 ms - 40 ms without a quote) / T\n",
		"risk_ratio         0          = risk blocks 0 / (order events 2 + blocks 0: min_interval 0, concurrency 0, risk 0, throttle 0)\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("Explain does not say %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	var empty Accumulator
	e := ws(1)
	empty.Add(&e)
	if err := Explain(&b, empty.Summary(), empty.Inputs()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"pnl_per_hour       missing    no fills", "quote_uptime_pct   missing    no order events",
		"risk_ratio         missing    no order events and no blocks"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("Explain does not say %q:\n%s", want, b.String())
		}
	}
}
