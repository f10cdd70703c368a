package kpi

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/soakline/soakline/internal/events"
	"github.com/soakline/soakline/internal/stats"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/botevents"
)

// Inputs are the counts and sums the KPI formulas take (see the package
// doc), so a bot author can reconcile each KPI with their own numbers.
type Inputs struct {
	Events                   int64 // events used (effective_params not counted)
	Places, Replaces, Cancel int64 // order events by action

	MakerFills, TakerFills       int64
	MakerNotional, TakerNotional float64 // Σ qty·price by liquidity, in stream order
	Notional                     float64 // Σ qty·price over all fills, in stream order
	// ComponentSums are Σ bps·qty·price over fills of gross_bps, fees_bps,
	// slippage_bps, adverse_bps and inventory_bps, in that order.
	ComponentSums [5]float64

	// Blocks by reason: min_interval, concurrency, risk, throttle.
	MinInterval, Concurrency, Risk, Throttle int64

	// Sample counts of the percentile KPIs.
	LatencySamples, AgeSamples, AdverseSamples, SlippageSamples, LagSamples int64

	// The trading KPIs' time (trade.go): T, the largest t_ms, and the
	// time without a quote on the book.
	TimeMs, NoQuoteMs int64
}

// Inputs returns the inputs of the KPIs of the events added so far.
func (a *Accumulator) Inputs() Inputs {
	return Inputs{
		Events: a.events, Places: a.places, Replaces: a.replaces, Cancel: a.cancel,
		MakerFills: a.makerN, TakerFills: a.takerN, MakerNotional: a.makerVol, TakerNotional: a.takerVol,
		Notional: a.notional, ComponentSums: a.compSum,
		MinInterval: a.blocks[events.ReasonMinInterval], Concurrency: a.blocks[events.ReasonConcurrency],
		Risk: a.blocks[events.ReasonRisk], Throttle: a.blocks[events.ReasonThrottle],
		LatencySamples: int64(a.latency.len()), AgeSamples: int64(a.age.len()), AdverseSamples: int64(a.adverse.len()),
		SlippageSamples: int64(a.slippage.len()), LagSamples: int64(a.lag.len()),
		TimeMs: a.clock.maxT, NoQuoteMs: a.clock.noQuoteMs(),
	}
}

// Rank returns the 1-based rank of the nearest-rank p95 of n > 0 values,
// ⌈0.95·n⌉: the one the p95 KPIs select.
func Rank(n int64) int64 { return int64(stats.NearestRankIndex(int(n), Percentile)) + 1 }

// num formats x as the shortest decimal that reads back as x.
func num(x float64) string {
	if math.IsInf(x, 0) || math.IsNaN(x) {
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return string(botevents.AppendFloat(nil, x))
}

// Explain writes one line per KPI of s: its value (or "missing") and its
// formula with the inputs in, from in. The lines are for people; the
// summary on stdout is the artifact.
func Explain(w io.Writer, s artifact.Summary, in Inputs) error {
	var b strings.Builder
	line := func(name string, v *float64, why string) {
		val := "missing"
		if v != nil {
			val = num(*v)
		}
		fmt.Fprintf(&b, "%-18s %-10s %s\n", name, val, why)
	}
	fills := in.MakerFills + in.TakerFills
	orders := in.Places + in.Replaces + in.Cancel
	blocks := in.MinInterval + in.Concurrency + in.Risk + in.Throttle
	p95 := func(field string, n int64, over string) string {
		if n == 0 {
			return "no samples over " + over
		}
		return fmt.Sprintf("= nearest-rank p95 of %s over %s: value number %d of %d in ascending order", field, over, Rank(n), n)
	}
	fmt.Fprintf(&b, "events used: %d (orders %d: place %d, replace %d, cancel %d; fills %d: maker %d, taker %d; blocks %d; ws %d)\n",
		in.Events, orders, in.Places, in.Replaces, in.Cancel, fills, in.MakerFills, in.TakerFills, blocks, in.LagSamples)

	switch {
	case fills == 0:
		line("maker_taker_ratio", nil, "no fills")
	case s.MakerTakerSource == "fills_count":
		line("maker_taker_ratio", s.MakerTakerRatio, fmt.Sprintf("= maker fills %d / fills %d (fill notional is 0 or overflows)", in.MakerFills, fills))
	default:
		line("maker_taker_ratio", s.MakerTakerRatio, fmt.Sprintf("= maker notional %s / (maker notional %s + taker notional %s)",
			num(in.MakerNotional), num(in.MakerNotional), num(in.TakerNotional)))
	}
	if fills == 0 {
		line("maker_share_pct", nil, "no fills")
	} else {
		line("maker_share_pct", s.MakerSharePct, fmt.Sprintf("= 100 * maker fills %d / fills %d", in.MakerFills, fills))
	}
	line("p95_latency_ms", s.P95LatencyMs, p95("latency_ms", in.LatencySamples, "order events"))
	if orders+blocks == 0 {
		line("risk_ratio", nil, "no order events and no blocks")
	} else {
		line("risk_ratio", s.RiskRatio, fmt.Sprintf("= risk blocks %d / (order events %d + blocks %d: min_interval %d, concurrency %d, risk %d, throttle %d)",
			in.Risk, orders, blocks, in.MinInterval, in.Concurrency, in.Risk, in.Throttle))
	}
	comps := [5]struct {
		name, field string
		v           *float64
	}{{"gross_bps", "gross_bps", s.GrossBps}, {"fees_eff_bps", "fees_bps", s.FeesBps}, {"slippage_bps", "slippage_bps", s.SlippageBps},
		{"adverse_bps", "adverse_bps", s.AdverseBps}, {"inventory_bps", "inventory_bps", s.InventoryBps}}
	for i, c := range comps {
		if fills == 0 {
			line(c.name, nil, "no fills")
			continue
		}
		line(c.name, c.v, fmt.Sprintf("= Σ %s·qty·price %s / Σ qty·price %s", c.field, num(in.ComponentSums[i]), num(in.Notional)))
	}
	if fills == 0 {
		line("net_bps", nil, "no fills")
	} else {
		line("net_bps", s.NetBps, "= gross_bps + fees_eff_bps + slippage_bps + adverse_bps + inventory_bps, summed before rounding")
	}
	line("adverse_bps_p95", s.AdverseBpsP95, p95("max(0, -adverse_bps)", in.AdverseSamples, "fills"))
	line("slippage_bps_p95", s.SlippageBpsP95, p95("max(0, -slippage_bps)", in.SlippageSamples, "fills"))
	if orders == 0 {
		line("cancel_ratio", nil, "no order events")
	} else {
		line("cancel_ratio", s.CancelRatio, fmt.Sprintf("= cancels %d / order events %d", in.Cancel, orders))
	}
	line("order_age_p95_ms", s.OrderAgeP95Ms, p95("age_ms", in.AgeSamples,
		fmt.Sprintf("%d replace + %d cancel orders and %d maker fills", in.Replaces, in.Cancel, in.MakerFills)))
	line("ws_lag_p95_ms", s.WSLagP95Ms, p95("lag_ms", in.LagSamples, "ws events"))
	explainTrade(line, s, in)
	_, err := io.WriteString(w, b.String())
	return err
}
