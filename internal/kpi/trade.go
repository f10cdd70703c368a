package kpi

import (
	"fmt"
	"math"

	"github.com/soakline/soakline/internal/events"
	"github.com/soakline/soakline/pkg/artifact"
)

// The three trading KPIs (pnl_per_hour, fill_rate, quote_uptime_pct) need
// the iteration's time: tradeClock follows it.
//
//   - The iteration's time T is the largest t_ms of its events (the bot's
//     clock starts at 0 when the iteration starts trading).
//   - The book starts empty at t_ms 0. An order event place adds a live
//     quote, cancel removes one (never below none), replace keeps the count;
//     fills do not change it (a bot re-quotes a filled quote with a place).
//     The time from an event that leaves no quote live to the next place
//     (or to T) is time without a quote; the time before the first place
//     counts too.
//
// Order events whose t_ms goes back (the tolerated OrderToleranceMs) count a
// gap of at most 0, never a negative one.
type tradeClock struct {
	maxT     int64 // largest t_ms seen
	live     int64 // quotes on the book
	downFrom int64 // when the book last became empty (valid while live == 0)
	downMs   int64 // closed time without a quote
}

// transition is an order event's effect on the book: +1 place, -1 cancel.
type transition struct {
	t     int64
	delta int8
}

// seeT records an event's time.
func (c *tradeClock) seeT(t int64) { c.maxT = max(c.maxT, t) }

// apply applies one place (+1) or cancel (-1) at t.
func (c *tradeClock) apply(tr transition) {
	switch {
	case tr.delta > 0:
		if c.live == 0 {
			c.downMs += max(0, tr.t-c.downFrom)
		}
		c.live++
	case c.live > 0:
		c.live--
		if c.live == 0 {
			c.downFrom = tr.t
		}
	}
}

// transitionOf returns the book transition of an order event, if any.
func transitionOf(e *events.Event) (transition, bool) {
	switch e.Action {
	case events.ActionPlace:
		return transition{e.TMs, +1}, true
	case events.ActionCancel:
		return transition{e.TMs, -1}, true
	}
	return transition{}, false
}

// noQuoteMs is the time without a quote up to T.
func (c *tradeClock) noQuoteMs() int64 {
	down := c.downMs
	if c.live == 0 {
		down += max(0, c.maxT-c.downFrom)
	}
	return min(down, c.maxT)
}

// uptimePct is 100 × (T − time without a quote) / T; ok is false when T is 0.
func (c *tradeClock) uptimePct() (float64, bool) {
	if c.maxT <= 0 {
		return 0, false
	}
	return 100 * float64(c.maxT-c.noQuoteMs()) / float64(c.maxT), true
}

// explainTrade writes Explain's lines of the trading KPIs.
func explainTrade(line func(name string, v *float64, why string), s artifact.Summary, in Inputs) {
	fills := in.MakerFills + in.TakerFills
	orders := in.Places + in.Replaces + in.Cancel
	switch {
	case fills == 0:
		line("pnl_per_hour", nil, "no fills")
	case in.TimeMs == 0:
		line("pnl_per_hour", nil, "no time: the largest t_ms is 0")
	default:
		c := in.ComponentSums
		line("pnl_per_hour", s.PnLPerHour, fmt.Sprintf("= Σ net_bps·qty·price %s / 10^4 / T %d ms in hours",
			num(c[0]+c[1]+c[2]+c[3]+c[4]), in.TimeMs))
	}
	if ends := in.MakerFills + in.Replaces + in.Cancel; ends == 0 {
		line("fill_rate", nil, "no maker fills, replaces or cancels")
	} else {
		line("fill_rate", s.FillRate, fmt.Sprintf("= maker fills %d / (maker fills %d + replaces %d + cancels %d)",
			in.MakerFills, in.MakerFills, in.Replaces, in.Cancel))
	}
	switch {
	case orders == 0:
		line("quote_uptime_pct", nil, "no order events")
	case in.TimeMs == 0:
		line("quote_uptime_pct", nil, "no time: the largest t_ms is 0")
	default:
		line("quote_uptime_pct", s.QuoteUptimePct, fmt.Sprintf("= 100 * (T %d ms - %d ms without a quote) / T", in.TimeMs, in.NoQuoteMs))
	}
}

// tradeKPIs fills in pnl_per_hour, fill_rate and quote_uptime_pct (see the
// package documentation).
func (a *Accumulator) tradeKPIs(s *artifact.Summary) {
	if s.NetBps != nil && a.clock.maxT > 0 {
		var quote float64 // Σ net_bps·notional / 1e4: the net PnL in quote currency
		for _, c := range a.compSum {
			quote += c
		}
		quote /= 1e4
		if v := quote / (float64(a.clock.maxT) / 3.6e6); !math.IsInf(v, 0) && !math.IsNaN(v) {
			s.PnLPerHour = round(v)
		}
	}
	if ends := a.makerN + a.replaces + a.cancel; ends > 0 {
		s.FillRate = round(float64(a.makerN) / float64(ends))
	}
	if a.orders > 0 {
		if u, ok := a.clock.uptimePct(); ok {
			s.QuoteUptimePct = round(u)
		}
	}
}
