package sim

import (
	"fmt"
	"math"
	"slices"
)

// Scenario names a market regime over the whole soak.
type Scenario string

// The scenarios. Each is a function of the iteration number and the planned
// number of iterations only, so every iteration stays independently
// reproducible.
const (
	// Steady is a calm market for the whole soak.
	Steady Scenario = "steady"
	// LatencySpike raises the exchange's own acknowledgement latency by
	// SpikeExtraLatencyMs in the final quarter of the soak (iterations after
	// total − ceil(total/4)). Queueing on our side is then a small part of the
	// latency, so no tuning can bring p95 back under the hard band.
	LatencySpike Scenario = "latency-spike"
	// RegimeShift multiplies volatility by ShiftVolMultiplier from the middle
	// of the soak on (iterations > total/2): more risk blocks, more adverse
	// selection and more rescue (taker) fills.
	RegimeShift Scenario = "regime-shift"
	// SlowDegradation lets the exchange latency and adverse selection drift up
	// linearly from the first third of the soak to its end. Each iteration is
	// a little worse than the one before; the whole-run mean hides it, the
	// last-8 window does not.
	SlowDegradation Scenario = "slow-degradation"
	// FlakyIteration is Steady except for exactly one bad iteration, number
	// total−2 (inside the last-8 window): a latency burst and a volatility
	// burst for that iteration only.
	FlakyIteration Scenario = "flaky-iteration"
)

// Scenarios lists every scenario, sorted.
var Scenarios = []Scenario{FlakyIteration, LatencySpike, RegimeShift, SlowDegradation, Steady}

// Scenario parameters; see the scenario constants.
const (
	SpikeExtraLatencyMs  = 240
	ShiftVolMultiplier   = 1.8
	DegradeLatencyMs     = 110 // extra exchange latency reached at the last iteration
	DegradeAdverseMult   = 0.9 // extra adverse-selection multiple reached at the last iteration
	FlakyExtraLatencyMs  = 230
	FlakyVolMultiplier   = 1.3
	baseExchangeLatency  = 120.0
	baseVolBpsPerSqrtSec = 1.0
)

// ParseScenario returns the scenario named s; "" is Steady.
func ParseScenario(s string) (Scenario, error) {
	if s == "" {
		return Steady, nil
	}
	if slices.Contains(Scenarios, Scenario(s)) {
		return Scenario(s), nil
	}
	return "", fmt.Errorf("unknown scenario %q (want one of %v)", s, Scenarios)
}

// Regime is the state of the simulated market during one iteration.
type Regime struct {
	VolBps            float64 // mid-price volatility, bps per square root of a second
	ExchangeLatencyMs float64 // median exchange acknowledgement latency, before our own queueing
	AdverseMult       float64 // multiplier on adverse-selection cost
}

// RegimeAt returns the market regime of iteration (1-based) of a soak of total
// planned iterations under scenario sc. A total below 1 is read as 1.
func RegimeAt(sc Scenario, iteration, total int) Regime {
	total = max(total, 1)
	r := Regime{VolBps: baseVolBpsPerSqrtSec, ExchangeLatencyMs: baseExchangeLatency, AdverseMult: 1}
	switch sc {
	case LatencySpike:
		if iteration > total-(total+3)/4 {
			r.ExchangeLatencyMs += SpikeExtraLatencyMs
		}
	case RegimeShift:
		if iteration > total/2 {
			r.VolBps *= ShiftVolMultiplier
		}
	case SlowDegradation:
		start := float64(total) / 3
		if f := float64(iteration); f > start {
			d := math.Min(1, (f-start)/(float64(total)-start))
			r.ExchangeLatencyMs += DegradeLatencyMs * d
			r.AdverseMult += DegradeAdverseMult * d
		}
	case FlakyIteration:
		if iteration == total-2 {
			r.ExchangeLatencyMs += FlakyExtraLatencyMs
			r.VolBps *= FlakyVolMultiplier
		}
	}
	return r
}
