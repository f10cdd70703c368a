package sim

import (
	"maps"
	"math"
	"slices"
)

// The canonical override keys the simulated bot reads. They are the flat keys
// of runtime_overrides.json, except the concurrency limit, which the bot reads
// from its nested engine section; no other spelling of a key is honoured, so a
// tuner that writes somewhere else has no effect (legacy defect §9.1 shows up
// as a soak that does not move, not as a silent pass).
const (
	KeyMinIntervalMs      = "min_interval_ms"
	KeyReplaceRatePerMin  = "replace_rate_per_min"
	KeyBaseSpreadBpsDelta = "base_spread_bps_delta"
	KeyTailAgeMs          = "tail_age_ms"
	KeyImpactCapRatio     = "impact_cap_ratio"
	KeyMaxDeltaRatio      = "max_delta_ratio"
	KeyConcurrencyLimit   = "engine.concurrency_limit"
)

// Keys lists the canonical override keys in sorted order. It is the one
// list of them: the tuner (internal/tuner) moves these keys, and its bounds
// table has one entry per key with the key's default from here.
var Keys = []string{
	KeyBaseSpreadBpsDelta,
	KeyConcurrencyLimit,
	KeyImpactCapRatio,
	KeyMaxDeltaRatio,
	KeyMinIntervalMs,
	KeyReplaceRatePerMin,
	KeyTailAgeMs,
}

// defaults are the legacy toolkit's "best cell" (spec §2.3) plus the
// concurrency limit the legacy tuner assumed (10).
var defaults = map[string]float64{
	KeyMinIntervalMs:      60,
	KeyReplaceRatePerMin:  300,
	KeyBaseSpreadBpsDelta: 0.05,
	KeyTailAgeMs:          600,
	KeyImpactCapRatio:     0.10,
	KeyMaxDeltaRatio:      0.15,
	KeyConcurrencyLimit:   10,
}

// Defaults returns a fresh copy of the default parameters (the legacy "best
// cell"): min_interval_ms 60, replace_rate_per_min 300, base_spread_bps_delta
// 0.05, tail_age_ms 600, impact_cap_ratio 0.10, max_delta_ratio 0.15,
// engine.concurrency_limit 10.
func Defaults() map[string]float64 { return maps.Clone(defaults) }

// Default returns the default value of key and whether key is canonical.
func Default(key string) (float64, bool) {
	v, ok := defaults[key]
	return v, ok
}

// Resolve returns the parameters the simulated bot runs with: the defaults,
// overridden by every canonical key present in params. Unknown keys are
// returned, sorted, so the caller can report them; they have no effect.
func Resolve(params map[string]float64) (resolved map[string]float64, unknown []string) {
	resolved = Defaults()
	for k, v := range params {
		if _, ok := defaults[k]; ok {
			resolved[k] = v
		} else {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	return resolved, unknown
}

// Effective returns the parameters the simulated bot runs with for the
// overrides params, as it uses them: Resolve's values, with the
// concurrency limit rounded to a whole number of at least 1, the interval,
// replace rate and tail age at least 1 and the two ratios at least 0 (no
// override within the tuner's bounds is changed by this). Run reports them
// in its effective_params record, so a value the model cannot use as
// written shows up as a mismatch instead of passing silently.
func Effective(params map[string]float64) map[string]float64 {
	p, _ := Resolve(params)
	for k, v := range p {
		p[k] = effective(k, v)
	}
	return p
}

// effective is the value of canonical key k that the model uses for v.
func effective(k string, v float64) float64 {
	switch k {
	case KeyMinIntervalMs, KeyReplaceRatePerMin, KeyTailAgeMs:
		return math.Max(v, 1)
	case KeyImpactCapRatio, KeyMaxDeltaRatio:
		return math.Max(v, 0)
	case KeyConcurrencyLimit:
		return math.Max(math.Round(v), 1)
	}
	return v
}
