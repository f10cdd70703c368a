package tuner

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/soakline/soakline/pkg/artifact"
)

// The parameter keys the tuner moves: the bot's flat runtime keys plus the
// nested engine.concurrency_limit, spelled exactly as the bot reads them.
const (
	KeyMinIntervalMs      = "min_interval_ms"
	KeyReplaceRatePerMin  = "replace_rate_per_min"
	KeyBaseSpreadBpsDelta = "base_spread_bps_delta"
	KeyTailAgeMs          = "tail_age_ms"
	KeyImpactCapRatio     = "impact_cap_ratio"
	KeyMaxDeltaRatio      = "max_delta_ratio"
	KeyConcurrencyLimit   = "engine.concurrency_limit"
)

// The KPI names rules test, as in artifact.Summary's JSON.
const (
	KPIMakerTaker = "maker_taker_ratio"
	KPIP95Latency = "p95_latency_ms"
	KPIRisk       = "risk_ratio"
	KPINet        = "net_bps"
	KPIAdverseP95 = "adverse_bps_p95"
	KPISlipP95    = "slippage_bps_p95"
)

// KPIValue returns the named KPI of s, or nil when it is missing or unknown.
func KPIValue(s artifact.Summary, name string) *float64 {
	switch name {
	case KPIMakerTaker:
		return s.MakerTakerRatio
	case KPIP95Latency:
		return s.P95LatencyMs
	case KPIRisk:
		return s.RiskRatio
	case KPINet:
		return s.NetBps
	case KPIAdverseP95:
		return s.AdverseBpsP95
	case KPISlipP95:
		return s.SlippageBpsP95
	}
	return nil
}

// Bound is the range of one parameter and its value when absent.
type Bound struct {
	Min, Max float64
	Default  float64 // the legacy "best cell"; used when the current params lack the key
	Integer  bool    // values are whole numbers (deltas round away from zero to at least 1)
}

// Span is Max − Min.
func (b Bound) Span() float64 { return b.Max - b.Min }

// DefaultBounds is the one bounds table: the bot's RUNTIME_LIMITS (spec §2.3)
// for the flat keys and 1..64 for the concurrency limit. The legacy toolkit
// had three disagreeing tables; every clamp here uses this one.
func DefaultBounds() map[string]Bound {
	return map[string]Bound{
		KeyMinIntervalMs:      {Min: 50, Max: 300, Default: 60},
		KeyReplaceRatePerMin:  {Min: 120, Max: 360, Default: 300, Integer: true},
		KeyBaseSpreadBpsDelta: {Min: 0, Max: 0.6, Default: 0.05},
		KeyImpactCapRatio:     {Min: 0.04, Max: 0.12, Default: 0.10},
		KeyTailAgeMs:          {Min: 400, Max: 1000, Default: 600},
		KeyMaxDeltaRatio:      {Min: 0.10, Max: 0.20, Default: 0.15},
		KeyConcurrencyLimit:   {Min: 1, Max: 64, Default: 10, Integer: true},
	}
}

// Cond is one comparison of a KPI with a threshold.
type Cond struct {
	KPI   string
	Op    string // one of < <= > >=
	Value float64
}

func (c Cond) holds(v float64) bool {
	switch c.Op {
	case "<":
		return v < c.Value
	case "<=":
		return v <= c.Value
	case ">":
		return v > c.Value
	case ">=":
		return v >= c.Value
	}
	return false
}

func (c Cond) String() string { return fmt.Sprintf("%s %s %s", c.KPI, c.Op, fmtNum(c.Value)) }

// Action is one parameter step of a rule. The delta is Step + Frac×current:
// always relative to the current value and ADDED to it, never written as the
// new value (legacy defect §9.1).
type Action struct {
	Key  string
	Step float64 // additive step, in the key's unit
	Frac float64 // step as a fraction of the current value
}

func (a Action) String() string {
	switch {
	case a.Frac != 0 && a.Step != 0:
		return fmt.Sprintf("%s %+g%% %+g", a.Key, a.Frac*100, a.Step)
	case a.Frac != 0:
		return fmt.Sprintf("%s %+g%%", a.Key, a.Frac*100)
	}
	return fmt.Sprintf("%s %+g", a.Key, a.Step)
}

// Rule fires when all its conditions hold (and all their KPIs are present).
type Rule struct {
	Name    string
	When    []Cond
	Actions []Action
	Why     string
}

// Targets are the soak's KPI goals (the seed's; the default gate's).
type Targets struct {
	MakerTakerMin float64 `json:"maker_taker_min"`
	P95LatencyMax float64 `json:"p95_latency_ms_max"`
	RiskMax       float64 `json:"risk_ratio_max"`
	NetBpsMin     float64 `json:"net_bps_min"`
}

// Met reports whether s meets every target; a missing KPI is not met.
func (t Targets) Met(s artifact.Summary) bool {
	return s.MakerTakerRatio != nil && *s.MakerTakerRatio >= t.MakerTakerMin &&
		s.P95LatencyMs != nil && *s.P95LatencyMs <= t.P95LatencyMax &&
		s.RiskRatio != nil && *s.RiskRatio <= t.RiskMax &&
		s.NetBps != nil && *s.NetBps >= t.NetBpsMin
}

// Config holds every threshold of the tuner. DefaultConfig documents the
// defaults; tests replace single fields to drive one guard.
type Config struct {
	Rules   []Rule           // in priority order: on opposite-sign proposals the earlier rule wins
	Bounds  map[string]Bound // the one bounds table
	Targets Targets          // all met → "steady" iteration

	LatencySoftMs float64 // latency buffer band starts (rule LATENCY_SOFT)
	LatencyHardMs float64 // hard latency: rule LATENCY_HARD and a partial-freeze signal

	VelocityWindow      int     // iterations in the velocity window, the current one included
	VelocityMaxSpanFrac float64 // max Σ|Δ| of one key over the window, as a fraction of its bounds span

	OscillationWindow int // iterations back in which a reversal of direction is an oscillation
	OscillationHold   int // iterations a key is held after an oscillation

	CooldownSpanFrac float64 // an applied |Δ| above this fraction of the span starts a cooldown
	CooldownIters    int     // iterations the key is then held

	FreezeAfterSteady int // consecutive steady iterations that freeze tuning
	FreezeIters       int // iterations the freeze lasts, the triggering one included

	DebounceOpenMs     int64 // a partial-freeze signal must hold this long (soak clock) to open
	DebounceCloseMs    int64 // and be absent this long to close
	PartialFreezeMinMs int64 // a partial freeze lasts at least this long

	Decimals int // deltas and values are rounded to this many decimals
}

// DefaultConfig returns the defaults:
//
//   - rules: DefaultRules; bounds: DefaultBounds
//   - targets: maker_taker ≥ 0.83, p95 latency ≤ 340 ms, risk ≤ 0.40, net ≥ 2.5 bps
//   - latency buffer 330–360 ms, hard above 360 ms
//   - velocity: Σ|Δ| per key over 3 iterations ≤ 25 % of the key's span
//   - oscillation: a reversal within 4 iterations holds the key for 3
//   - cooldown: a step above 15 % of the span holds the key for 2 iterations
//   - freeze: 3 consecutive steady iterations freeze tuning for 4
//   - debounce 2500 ms open / 4000 ms close, partial freeze at least 3000 ms
//     (the seed's guards.py values)
//   - 6 decimals
func DefaultConfig() Config {
	c := Config{
		Bounds:              DefaultBounds(),
		Targets:             Targets{MakerTakerMin: 0.83, P95LatencyMax: 340, RiskMax: 0.40, NetBpsMin: 2.5},
		LatencySoftMs:       330,
		LatencyHardMs:       360,
		VelocityWindow:      3,
		VelocityMaxSpanFrac: 0.25,
		OscillationWindow:   4,
		OscillationHold:     3,
		CooldownSpanFrac:    0.15,
		CooldownIters:       2,
		FreezeAfterSteady:   3,
		FreezeIters:         4,
		DebounceOpenMs:      2500,
		DebounceCloseMs:     4000,
		PartialFreezeMinMs:  3000,
		Decimals:            6,
	}
	c.Rules = DefaultRules(c.LatencySoftMs, c.LatencyHardMs)
	return c
}

// DefaultRules returns the rule table, highest priority first. It is the
// legacy propose_micro_tuning table (spec §4.2) with its defects fixed; see
// the package documentation for each change.
func DefaultRules(softMs, hardMs float64) []Rule {
	return []Rule{
		{Name: "LATENCY_HARD", When: []Cond{{KPIP95Latency, ">", hardMs}},
			Actions: []Action{{Key: KeyConcurrencyLimit, Frac: -0.15}, {Key: KeyTailAgeMs, Step: 75}},
			Why:     "hard latency: shed in-flight orders and refresh quotes less often"},
		{Name: "RISK_AGGRESSIVE", When: []Cond{{KPIRisk, ">=", 0.60}},
			Actions: []Action{{Key: KeyImpactCapRatio, Step: -0.01}, {Key: KeyMaxDeltaRatio, Step: -0.01}, {Key: KeyMinIntervalMs, Step: 5}},
			Why:     "risk blocks dominate: smaller orders, slower updates"},
		{Name: "ADVERSE", When: []Cond{{KPIAdverseP95, ">", 3.5}},
			Actions: []Action{{Key: KeyImpactCapRatio, Step: -0.01}, {Key: KeyMaxDeltaRatio, Step: -0.01}},
			Why:     "adverse selection driver: smaller size and skew"},
		{Name: "LATENCY_SOFT", When: []Cond{{KPIP95Latency, ">=", softMs}, {KPIP95Latency, "<=", hardMs}},
			Actions: []Action{{Key: KeyConcurrencyLimit, Frac: -0.10}, {Key: KeyTailAgeMs, Step: 50}, {Key: KeyBaseSpreadBpsDelta, Step: 0.01}},
			Why:     "latency buffer: fewer in-flight orders and a spread buffer against stale quotes"},
		{Name: "RISK_MODERATE", When: []Cond{{KPIRisk, ">=", 0.40}, {KPIRisk, "<", 0.60}},
			Actions: []Action{{Key: KeyImpactCapRatio, Step: -0.01}, {Key: KeyMinIntervalMs, Step: 5}},
			Why:     "risk above target: trim order size"},
		{Name: "SLIPPAGE", When: []Cond{{KPISlipP95, ">", 2.5}},
			Actions: []Action{{Key: KeyBaseSpreadBpsDelta, Step: 0.02}, {Key: KeyTailAgeMs, Step: -30}},
			Why:     "slippage driver: wider spread, younger quotes"},
		{Name: "MAKER_BOOST", When: []Cond{{KPIMakerTaker, "<", 0.85}},
			Actions: []Action{{Key: KeyBaseSpreadBpsDelta, Step: 0.03}, {Key: KeyReplaceRatePerMin, Frac: -0.05}},
			Why:     "maker share below 0.85: quote wider, chase less"},
		{Name: "NET_LOW", When: []Cond{{KPINet, "<", 2.7}},
			Actions: []Action{{Key: KeyBaseSpreadBpsDelta, Step: 0.02}},
			Why:     "net edge below target plus margin: capture more spread"},
		{Name: "RISK_NORMALIZE", When: []Cond{{KPIRisk, "<", 0.35}, {KPINet, ">=", 3.0}},
			Actions: []Action{{Key: KeyImpactCapRatio, Step: 0.005}, {Key: KeyMinIntervalMs, Step: -3}},
			Why:     "risk well inside target and edge healthy: give size back"},
	}
}

// WriteRules prints the rule table and the bounds, one line each, in a
// stable order, for --help output and reports.
func (c Config) WriteRules(w io.Writer) error {
	var b strings.Builder
	b.WriteString("priority  rule             trigger                                  steps\n")
	for i, r := range c.Rules {
		conds := make([]string, len(r.When))
		for j, cd := range r.When {
			conds[j] = cd.String()
		}
		acts := make([]string, len(r.Actions))
		for j, a := range r.Actions {
			acts[j] = a.String()
		}
		fmt.Fprintf(&b, "%-9d %-16s %-40s %s\n", i+1, r.Name, strings.Join(conds, " and "), strings.Join(acts, ", "))
	}
	b.WriteString("\nkey                        min      max      default\n")
	for _, k := range sortedKeys(c.Bounds) {
		bd := c.Bounds[k]
		fmt.Fprintf(&b, "%-26s %-8s %-8s %s\n", k, fmtNum(bd.Min), fmtNum(bd.Max), fmtNum(bd.Default))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Subsystem returns the legacy guards.py subsystem of key (spec §5.6):
// "rebid", "rescue_taker", "edge" (never frozen) or "unknown".
// max_delta_ratio, which guards.py left unmapped, is edge: it sizes orders
// like impact_cap_ratio.
func Subsystem(key string) string {
	switch key {
	case KeyBaseSpreadBpsDelta, KeyReplaceRatePerMin, KeyMinIntervalMs, "rebid_threshold_bps":
		return "rebid"
	case KeyImpactCapRatio, KeyTailAgeMs, KeyConcurrencyLimit, "concurrency_limit", KeyMaxDeltaRatio:
		return "edge"
	}
	if strings.HasPrefix(key, "rescue_") {
		return "rescue_taker"
	}
	return "unknown"
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func roundTo(x float64, decimals int) float64 {
	p := math.Pow10(decimals)
	r := math.Round(x*p) / p
	if r == 0 {
		return 0 // no -0 in output
	}
	return r
}

func fmtNum(x float64) string { return fmt.Sprintf("%g", x) }
