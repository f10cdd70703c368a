// Package kpi computes an iteration's KPIs from its events; it is the one
// place they are computed, for the simulator, for real mode and for
// soak-run kpis FILE. (The legacy toolkit's EDGE_REPORT.json is read by
// internal/legacy.)
//
// # Definitions
//
// docs/bot-contract.md is the bot authors' statement of these definitions
// (its KPI table, with a worked example that TestWorkedExample checks
// against this code); a change here changes that page.
//
// Every KPI is a pointer in artifact.Summary; nil means not measured
// (missing), never zero. Every stored KPI is rounded to 4 decimals
// (math.Round(x*1e4)/1e4), so output is stable. Percentiles are exact, by
// nearest rank: the smallest observed value with at least 95% of the values
// at or below it (the ⌈0.95·n⌉-th smallest), found by selection.
//
//   - maker_taker_ratio (0..1): maker volume / (maker + taker volume), volume
//     = qty*price in quote currency; maker_taker_source "fills_volume". If the
//     total volume is 0 but there are fills: maker fills / fills, source
//     "fills_count". No fills: missing, no source.
//   - maker_share_pct (0..100): 100 * maker fills / fills. Missing without
//     fills.
//   - p95_latency_ms (ms): p95 of latency_ms over all order events (place,
//     replace, cancel). Missing without order events.
//   - risk_ratio (0..1): risk-limit hits per attempted action: blocks for
//     reason risk / (order events + blocks of every reason), the share of
//     the order actions the bot attempted (sent, or refused by any check)
//     that the risk check refused. Blocks of other reasons are attempts in
//     both numerator's and denominator's population, so more min_interval,
//     concurrency or throttle blocks do not lower it (the legacy toolkit's
//     risk blocks / blocks did: a longer min interval halved it with the
//     sizing unchanged). Missing without order events and blocks.
//   - gross_bps, fees_eff_bps, slippage_bps, adverse_bps, inventory_bps
//     (bps, signed: a cost is negative): the notional-weighted mean of the
//     per-fill contributions, Σ(bps_i·notional_i) / Σ notional_i with
//     notional = qty*price (missing too if Σ notional is 0 or overflows
//     float64). net_bps = gross + fees + slippage + adverse + inventory,
//     summed unrounded and then rounded: the notional-weighted mean of the
//     per-fill nets, so every aggregate of net_bps starts from the same
//     number (the rounded components may add up to 0.0003 bps off it).
//     All missing without fills.
//   - adverse_bps_p95, slippage_bps_p95 (bps, >= 0): p95 over fills of the
//     per-fill cost magnitude max(0, -adverse_bps) resp. max(0,
//     -slippage_bps). Missing without fills.
//   - cancel_ratio (0..1): cancels / (place + replace + cancel). Missing
//     without order events.
//   - order_age_p95_ms (ms): p95 of age_ms over replace and cancel orders and
//     maker fills (a taker fill never rested: its age_ms, optional, is not
//     used). Missing without any of those.
//   - ws_lag_p95_ms (ms): p95 of lag_ms over ws events. Missing without ws
//     events.
//
// Fills (counts and volumes, present when there are fills), Blocks (counts
// per reason and total, present when there are blocks or order events) and
// Events (the number of events used) are filled in too. An effective_params
// record is not a KPI event: it is ignored and not counted.
package kpi

import (
	"math"
	"sync"

	"github.com/soakline/soakline/internal/events"
	"github.com/soakline/soakline/pkg/artifact"
)

// Decimals is the number of decimals every stored KPI is rounded to.
const Decimals = 4

const scale = 1e4 // 10^Decimals

// Percentile is the nearest-rank fraction used for the p95 KPIs.
const Percentile = 0.95

// Accumulator computes KPIs from a stream of events. Its memory is what
// exact percentiles need: each sample (order latency, age, a fill's two
// costs, ws lag) that is exactly m/100 ms or m/10⁴ bps (what bots and the
// simulator write) is counted on a grid by m (the parallel reader's
// workers; see grid), others in a table of up to 8192 distinct values per
// KPI, and only samples beyond that are stored one by one (see samples);
// everything else is a running sum. The zero value is ready to use. It is
// not safe for concurrent use.
type Accumulator struct {
	events  int64
	skipped int64

	orders                   int64
	places, replaces, cancel int64

	makerN, takerN     int64
	makerVol, takerVol float64
	notional           float64
	compSum            [5]float64 // Σ bps*notional: gross, fees, slippage, adverse, inventory

	blocks [5]int64 // by events.Reason

	clock tradeClock // the iteration's time and the book's live quotes (trade.go)

	latency  samples
	age      samples
	adverse  samples
	slippage samples
	lag      samples
}

// Add adds one event. An event that fails (*events.Event).Validate is not
// used: it is counted by Skipped and otherwise ignored, so that non-finite
// or out-of-range values never reach a KPI. Events read by events.Scan are
// always valid.
func (a *Accumulator) Add(e *events.Event) {
	if e.Validate() != nil {
		a.skipped++
		return
	}
	if e.Kind == events.KindParams {
		// What the bot ran with, not what it did: soak-run compares it
		// with the overrides; it is no KPI's input and not counted.
		return
	}
	a.events++
	a.clock.seeT(e.TMs)
	switch e.Kind {
	case events.KindOrder:
		a.orders++
		a.latency.add(e.LatencyMs)
		if tr, ok := transitionOf(e); ok {
			a.clock.apply(tr)
		}
		switch e.Action {
		case events.ActionPlace:
			a.places++
		case events.ActionReplace:
			a.replaces++
			a.age.add(e.AgeMs)
		case events.ActionCancel:
			a.cancel++
			a.age.add(e.AgeMs)
		}
	case events.KindFill:
		if e.Liquidity == events.Maker {
			a.makerN++
		} else {
			a.takerN++
		}
		f := fillTermOf(e)
		a.addFill(&f)
		a.adverse.add(max(0, -e.AdverseBps))
		a.slippage.add(max(0, -e.SlippageBps))
		if e.Liquidity == events.Maker {
			a.age.add(e.AgeMs) // a taker fill had no resting quote
		}
	case events.KindBlock:
		a.blocks[e.Reason]++
	case events.KindWS:
		a.lag.add(e.LagMs)
	}
}

// fillTerm is what a fill adds to the Accumulator's floating-point sums.
// Those sums depend on the order of the additions, so parsing in parallel
// keeps the terms and adds them in stream order (see merge).
type fillTerm struct {
	maker    bool
	notional float64    // qty*price
	comp     [5]float64 // bps*notional: gross, fees, slippage, adverse, inventory
}

// fillTermOf computes a fill's terms. The conversions round each product
// to float64, so that no compiler may fuse it with the later addition:
// every path computes bit-identical sums.
func fillTermOf(e *events.Event) fillTerm {
	n := float64(e.Qty * e.Price)
	return fillTerm{maker: e.Liquidity == events.Maker, notional: n, comp: [5]float64{
		float64(e.GrossBps * n), float64(e.FeesBps * n), float64(e.SlippageBps * n),
		float64(e.AdverseBps * n), float64(e.InventoryBps * n)}}
}

// addFill adds a fill's terms to the sums.
func (a *Accumulator) addFill(f *fillTerm) {
	if f.maker {
		a.makerVol += f.notional
	} else {
		a.takerVol += f.notional
	}
	a.notional += f.notional
	for i, c := range f.comp {
		a.compSum[i] += c
	}
}

// Reset empties a for reuse, keeping the memory of its sample buffers.
func (a *Accumulator) Reset() {
	keep := [...]samples{a.latency, a.age, a.adverse, a.slippage, a.lag}
	*a = Accumulator{}
	for i, p := range [...]*samples{&a.latency, &a.age, &a.adverse, &a.slippage, &a.lag} {
		*p = keep[i]
		p.reset()
	}
}

// Events returns the number of events added and used.
func (a *Accumulator) Events() int64 { return a.events }

// Skipped returns the number of invalid events Add ignored.
func (a *Accumulator) Skipped() int64 { return a.skipped }

// Summary returns the KPIs of the events added so far. It reorders the
// stored samples (selection works in place) but does not change them, so it
// may be called again, also after further Adds.
func (a *Accumulator) Summary() artifact.Summary {
	var s artifact.Summary
	s.Events = a.events
	fills := a.makerN + a.takerN
	if fills > 0 {
		s.Fills = &artifact.Fills{MakerCount: a.makerN, TakerCount: a.takerN, MakerVolume: a.makerVol, TakerVolume: a.takerVol}
		if tot := a.makerVol + a.takerVol; tot > 0 && !math.IsInf(tot, 0) {
			s.MakerTakerRatio = round(a.makerVol / tot)
			s.MakerTakerSource = "fills_volume"
		} else {
			s.MakerTakerRatio = round(float64(a.makerN) / float64(fills))
			s.MakerTakerSource = "fills_count"
		}
		s.MakerSharePct = round(100 * float64(a.makerN) / float64(fills))
		var c [5]float64
		ok := a.notional > 0 && !math.IsInf(a.notional, 0)
		for i := range c {
			if ok {
				c[i] = a.compSum[i] / a.notional
				ok = !math.IsNaN(c[i]) && !math.IsInf(c[i], 0)
			}
		}
		if ok { // else the weighted mean is undefined (notional 0 or overflowing): missing
			s.GrossBps, s.FeesBps, s.SlippageBps, s.AdverseBps, s.InventoryBps, s.NetBps = Components(c)
		}
	}
	if a.orders > 0 {
		s.CancelRatio = round(float64(a.cancel) / float64(a.orders))
	}
	// The p95 KPIs: a missing one (no samples) stays nil. Selections over
	// large samples run concurrently; each is deterministic.
	p := [...]**float64{&s.P95LatencyMs, &s.OrderAgeP95Ms, &s.AdverseBpsP95, &s.SlippageBpsP95, &s.WSLagP95Ms}
	xs := [...]*samples{&a.latency, &a.age, &a.adverse, &a.slippage, &a.lag}
	var wg sync.WaitGroup
	for i := range xs {
		if xs[i].len() < parallelSelectMin {
			*p[i] = p95(xs[i])
			continue
		}
		wg.Go(func() { *p[i] = p95(xs[i]) })
	}
	wg.Wait()
	var b artifact.Blocks
	b.MinInterval = a.blocks[events.ReasonMinInterval]
	b.Concurrency = a.blocks[events.ReasonConcurrency]
	b.Risk = a.blocks[events.ReasonRisk]
	b.Throttle = a.blocks[events.ReasonThrottle]
	b.Total = b.MinInterval + b.Concurrency + b.Risk + b.Throttle
	if attempts := a.orders + b.Total; attempts > 0 {
		s.RiskRatio = round(float64(b.Risk) / float64(attempts))
		s.Blocks = &b
	}
	a.tradeKPIs(&s)
	return s
}

// parallelSelectMin is the sample size from which Summary selects on its
// own goroutine.
const parallelSelectMin = 1 << 18

// p95 returns the nearest-rank p95 of xs, rounded, or nil if xs is empty.
func p95(xs *samples) *float64 {
	if xs.len() == 0 {
		return nil
	}
	return round(xs.nearestRank(Percentile))
}

// Round rounds x to Decimals decimals (half away from zero, never -0);
// values too large to round (or not finite) are returned unchanged.
func Round(x float64) float64 {
	y := x * scale
	if math.Abs(y) >= 1<<52 || math.IsNaN(y) {
		return x
	}
	return math.Round(y)/scale + 0 // + 0 turns -0 into 0
}

func round(x float64) *float64 { return artifact.F(Round(x)) }

// Components rounds gross, fees, slippage, adverse and inventory and returns
// them with their net, the rounded sum of the unrounded components (so that
// net_bps is the notional-weighted mean of the per-fill nets, the number
// pnl_per_hour is computed from; the rounded components may add up to up to
// 0.0003 bps off it). net is nil if the sum overflows float64.
func Components(c [5]float64) (gross, fees, slippage, adverse, inventory, net *float64) {
	var sum float64
	for _, x := range c {
		sum += x
	}
	if !math.IsInf(sum, 0) && !math.IsNaN(sum) {
		net = round(sum)
	}
	return round(c[0]), round(c[1]), round(c[2]), round(c[3]), round(c[4]), net
}
