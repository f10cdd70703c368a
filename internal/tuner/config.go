package tuner

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/internal/sim"
	"github.com/soakline/soakline/pkg/artifact"
)

// The parameter keys the tuner moves are the bot's override keys, defined
// once in internal/sim (sim.Keys, with their defaults): the flat keys of
// runtime_overrides.json plus the nested engine.concurrency_limit, spelled
// exactly as the bot reads them.

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
// for the flat keys and 1..64 for the concurrency limit, one entry per
// override key of sim.Keys, each with that key's default (sim.Default: the
// legacy "best cell"). The legacy toolkit had three disagreeing tables;
// every clamp here uses this one.
func DefaultBounds() map[string]Bound {
	b := map[string]Bound{
		sim.KeyMinIntervalMs:      {Min: 50, Max: 300},
		sim.KeyReplaceRatePerMin:  {Min: 120, Max: 360, Integer: true},
		sim.KeyBaseSpreadBpsDelta: {Min: 0, Max: 0.6},
		sim.KeyImpactCapRatio:     {Min: 0.04, Max: 0.12},
		sim.KeyTailAgeMs:          {Min: 400, Max: 1000},
		sim.KeyMaxDeltaRatio:      {Min: 0.10, Max: 0.20},
		sim.KeyConcurrencyLimit:   {Min: 1, Max: 64, Integer: true},
	}
	for k, v := range b {
		v.Default, _ = sim.Default(k)
		b[k] = v
	}
	return b
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
// new value (legacy defect §9.1). In a give-back rule (Rule.GiveBack) Step is
// a magnitude: the key moves toward its default by at most Step and never
// past it.
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
	// GiveBack marks a two-way rule's return leg: each action moves its key
	// back toward the key's default (by at most |Step|, never past it), and
	// only when no protective rule proposed the key in the same iteration.
	GiveBack bool
	// Guard, when set, is recorded in Decision.Guards when the rule fires
	// and proposes something (LATENCY_SOFT records latency_buffer).
	Guard string
	// Signal, when set, is a partial-freeze signal the rule raises
	// whenever its conditions hold, whether or not its steps are applied
	// (LATENCY_HARD raises latency_hard); the debounce decides what it
	// freezes.
	Signal string
}

// ActionString describes a's step as r applies it.
func (r Rule) ActionString(a Action) string {
	if r.GiveBack {
		return fmt.Sprintf("%s toward default by %g", a.Key, math.Abs(a.Step))
	}
	return a.String()
}

// Level is one fail level of the policy: the per-iteration value of KPI
// must not breach Value in Direction (">=" or "<=").
type Level struct {
	KPI       string  `json:"kpi"`
	Direction string  `json:"direction"`
	Value     float64 `json:"value"`
}

// Breached reports whether v breaches the level.
func (l Level) Breached(v float64) bool {
	if l.Direction == ">=" {
		return v < l.Value
	}
	return v > l.Value
}

func (l Level) String() string { return fmt.Sprintf("%s %s %s", l.KPI, l.Direction, fmtNum(l.Value)) }

// Targets are the KPI levels the tuner tunes toward — the policy's the gate
// judges by (TargetsFromPolicy), or the built-in policy's (DefaultTargets) —
// and the policy's fail levels, whose breach breaks a steady-state freeze.
// The rule thresholds are these levels plus the margins of DefaultRules.
type Targets struct {
	MakerTakerMin  float64 `json:"maker_taker_min"`
	P95LatencyMax  float64 `json:"p95_latency_ms_max"`
	RiskMax        float64 `json:"risk_ratio_max"`
	NetBpsMin      float64 `json:"net_bps_min"`
	AdverseP95Max  float64 `json:"adverse_bps_p95_max"`
	SlippageP95Max float64 `json:"slippage_bps_p95_max"`
	// Fail are the policy's fail levels, one per KPI rule.
	Fail []Level `json:"fail"`
	// Source says where the levels came from: "built-in production policy",
	// or the policy's name, source and digest, and whether warn levels
	// were taken (--strict).
	Source string `json:"source"`
}

// Met reports whether s meets the four gate targets; a missing KPI is not met.
func (t Targets) Met(s artifact.Summary) bool {
	return s.MakerTakerRatio != nil && *s.MakerTakerRatio >= t.MakerTakerMin &&
		s.P95LatencyMs != nil && *s.P95LatencyMs <= t.P95LatencyMax &&
		s.RiskRatio != nil && *s.RiskRatio <= t.RiskMax &&
		s.NetBps != nil && *s.NetBps >= t.NetBpsMin
}

// Breaches returns the fail levels s breaches, as "kpi=value breaches
// kpi >= level" texts in policy order. A missing KPI breaches nothing here
// (the gate decides what a missing KPI means).
func (t Targets) Breaches(s artifact.Summary) []string {
	var out []string
	for _, l := range t.Fail {
		if v, ok := s.KPI(l.KPI); ok && !math.IsNaN(v) && l.Breached(v) {
			out = append(out, fmt.Sprintf("%s=%s breaches the fail level %s", l.KPI, fmtNum(roundTo(v, 4)), l))
		}
	}
	return out
}

// The built-in targets: the production policy's fail levels (the seed's
// gate) and the two driver thresholds the gate does not judge.
const (
	DefaultAdverseP95Max  = 3.5
	DefaultSlippageP95Max = 2.5
)

// DefaultTargets returns the built-in production policy's targets
// (policy.Default(false)) and the adverse (3.5 bps) and slippage (2.5 bps)
// p95 driver thresholds.
func DefaultTargets() Targets {
	t, _, err := TargetsFromPolicy(policy.Default(false), false)
	if err != nil {
		panic(err) // the built-in policy is the tuner's own
	}
	t.Source = "built-in production policy"
	return t
}

// kpiSense is the direction the tuner moves each KPI it tunes toward: the
// direction a policy rule on it must have.
var kpiSense = map[string]string{
	KPIMakerTaker: policy.AtLeast, KPINet: policy.AtLeast,
	KPIP95Latency: policy.AtMost, KPIRisk: policy.AtMost, KPIAdverseP95: policy.AtMost, KPISlipP95: policy.AtMost,
}

// TargetsFromPolicy returns the targets of pol: for each KPI the rules
// test, the strictest level among pol's rules on it — the fail level, or
// with strict (soak-gate --strict, where a WARN fails) the warn level when
// the rule has one. A KPI pol does not judge keeps the built-in target
// (production policy; adverse 3.5 and slippage 2.5 bps p95), and notes
// says so. A rule on one of those KPIs whose direction is the opposite of
// the tuner's (say maker_taker_ratio <= x) is an error: the tuner cannot
// tune toward it.
func TargetsFromPolicy(pol *policy.Policy, strict bool) (Targets, []string, error) {
	levels := map[string]float64{}
	var t Targets
	for _, r := range pol.Rules() {
		t.Fail = append(t.Fail, Level{KPI: r.KPI, Direction: r.Direction, Value: r.Fail})
		sense, tuned := kpiSense[r.KPI]
		if !tuned {
			continue
		}
		if r.Direction != sense {
			return Targets{}, nil, fmt.Errorf("policy %s: rule %s %s %s: the tuner moves %s the other way (%s) and cannot tune toward it",
				pol.Name, r.KPI, r.Direction, fmtNum(r.Fail), r.KPI, sense)
		}
		lv := r.Fail
		if strict && r.Warn != nil {
			lv = *r.Warn
		}
		old, seen := levels[r.KPI]
		switch {
		case !seen, sense == policy.AtLeast && lv > old, sense == policy.AtMost && lv < old:
			levels[r.KPI] = lv
		}
	}
	builtin := map[string]float64{KPIAdverseP95: DefaultAdverseP95Max, KPISlipP95: DefaultSlippageP95Max}
	prod := policy.Default(false)
	for _, k := range []string{KPIMakerTaker, KPIP95Latency, KPIRisk, KPINet} {
		builtin[k], _ = prod.Fail(k)
	}
	var notes []string
	for _, k := range []string{KPIMakerTaker, KPIP95Latency, KPIRisk, KPINet} {
		if _, ok := levels[k]; !ok {
			levels[k] = builtin[k]
			notes = append(notes, fmt.Sprintf("policy %s judges no %s: the tuner keeps the built-in target %s %s %s", pol.Name, k, k, kpiSense[k], fmtNum(builtin[k])))
		}
	}
	for _, k := range []string{KPIAdverseP95, KPISlipP95} {
		if _, ok := levels[k]; !ok {
			levels[k] = builtin[k]
		}
	}
	t.MakerTakerMin, t.P95LatencyMax, t.RiskMax = levels[KPIMakerTaker], levels[KPIP95Latency], levels[KPIRisk]
	t.NetBpsMin, t.AdverseP95Max, t.SlippageP95Max = levels[KPINet], levels[KPIAdverseP95], levels[KPISlipP95]
	t.Source = fmt.Sprintf("policy %s (%s, %s)", pol.Name, pol.Source, pol.Digest())
	if strict {
		t.Source += ", warn levels (--strict)"
	}
	return t, notes, nil
}

// Margins between a target and the rule thresholds built on it. A
// protective rule fires a margin INSIDE the target (the tuner aims there,
// so that noise around the aim stays inside the target); a give-back rule
// fires only when the KPI beats the target by the larger room margin. The
// band between the two is where nothing fires: the rules' hysteresis.
const (
	MarginMakerTaker = 0.02 // MAKER_BOOST below target + 0.02
	MarginNetBps     = 0.2  // NET_LOW below target + 0.2 bps
	MarginLatencyMs  = 10   // LATENCY_SOFT (the latency buffer) from target − 10 ms
	HardLatencyMs    = 20   // LATENCY_HARD above target + 20 ms (the soft band's top)
	// The risk margins are factors of the target: risk_ratio is a rate
	// (risk-limit hits per attempted action) whose scale depends on the
	// bot, so an additive margin would mean something else at each level.
	AggressiveRisk = 1.5 // RISK_AGGRESSIVE from 1.5 × target; RISK_MODERATE from the target

	RoomMakerTaker = 0.05 // maker share at least target + 0.05
	RoomNetBps     = 0.5  // net at least target + 0.5 bps
	RoomLatencyMs  = 50   // p95 at most target − 50 ms
	RoomRisk       = 0.75 // risk at most 0.75 × target
	RoomAdverseBps = 0.25 // adverse p95 at most its threshold − 0.25 bps
	RoomSlipBps    = 0.2  // slippage p95 at most its threshold − 0.2 bps
)

// Config holds every threshold of the tuner. NewConfig derives the rules
// from the targets; tests replace single fields to drive one guard.
type Config struct {
	Rules   []Rule           // in priority order: on opposite-sign proposals the earlier rule wins
	Bounds  map[string]Bound // the one bounds table
	Targets Targets          // all four met and nothing proposed → "steady" iteration

	VelocityWindow      int     // iterations in the velocity window, the current one included
	VelocityMaxSpanFrac float64 // max Σ|Δ| of one key over the window, as a fraction of its bounds span

	OscillationWindow int // iterations back in which a reversal of direction is an oscillation
	OscillationHold   int // iterations a key (or its give-backs) is then held

	CooldownIters int // a give-back waits this many iterations after the key's last protective step

	FreezeAfterSteady int // consecutive steady iterations that freeze tuning
	FreezeIters       int // iterations the freeze lasts, the triggering one included

	DebounceOpenIters     int // a partial-freeze signal must be seen in this many consecutive iterations to open it
	DebounceCloseIters    int // and be absent in this many to close it
	PartialFreezeMinIters int // a partial freeze lasts at least this many iterations, the opening one included

	Decimals int // deltas and values are rounded to this many decimals
}

// DefaultConfig is NewConfig(DefaultTargets()).
func DefaultConfig() Config { return NewConfig(DefaultTargets()) }

// NewConfig returns the defaults around targets t:
//
//   - rules: DefaultRules(t); bounds: DefaultBounds
//   - velocity: Σ|Δ| per key over 3 iterations ≤ 25 % of the key's span
//   - oscillation: window 4 iterations, hold 4 (see the package doc)
//   - cooldown: a give-back waits 3 iterations after the key's last
//     protective step
//   - freeze: 3 consecutive steady iterations freeze tuning for 4
//   - debounce: the partial-freeze signal opens it after 2 consecutive
//     iterations and closes it after 2 without; the partial freeze lasts at
//     least 3 iterations
//   - 6 decimals
func NewConfig(t Targets) Config {
	return Config{
		Rules:                 DefaultRules(t),
		Bounds:                DefaultBounds(),
		Targets:               t,
		VelocityWindow:        3,
		VelocityMaxSpanFrac:   0.25,
		OscillationWindow:     4,
		OscillationHold:       4,
		CooldownIters:         3,
		FreezeAfterSteady:     3,
		FreezeIters:           4,
		DebounceOpenIters:     2,
		DebounceCloseIters:    2,
		PartialFreezeMinIters: 3,
		Decimals:              6,
	}
}

// DefaultRules returns the rule table around targets t, highest priority
// first: the protective rules (the legacy propose_micro_tuning table, spec
// §4.2, with its defects fixed) and then the give-back rules, one per
// parameter, that move it back toward its default when every KPI it
// protects has room. With the built-in targets the maker, net and latency
// thresholds are the legacy ones (maker < 0.85, net < 2.7, p95 330–360 ms);
// the risk thresholds are on risk_ratio's per-action scale (0.05, 0.075).
func DefaultRules(t Targets) []Rule {
	// Thresholds are rounded so that 0.83 + 0.02 prints as 0.85.
	th := func(x float64) float64 { return roundTo(x, 9) }
	soft, hard := th(t.P95LatencyMax-MarginLatencyMs), th(t.P95LatencyMax+HardLatencyMs)
	riskHigh := th(t.RiskMax * AggressiveRisk)
	latRoom := Cond{KPIP95Latency, "<=", th(t.P95LatencyMax - RoomLatencyMs)}
	riskRoom := Cond{KPIRisk, "<=", th(t.RiskMax * RoomRisk)}
	makerRoom := Cond{KPIMakerTaker, ">=", th(t.MakerTakerMin + RoomMakerTaker)}
	netRoom := Cond{KPINet, ">=", th(t.NetBpsMin + RoomNetBps)}
	advRoom := Cond{KPIAdverseP95, "<=", th(t.AdverseP95Max - RoomAdverseBps)}
	slipRoom := Cond{KPISlipP95, "<=", th(t.SlippageP95Max - RoomSlipBps)}
	return []Rule{
		{Name: "LATENCY_HARD", When: []Cond{{KPIP95Latency, ">", hard}},
			Actions: []Action{{Key: sim.KeyConcurrencyLimit, Frac: -0.15}, {Key: sim.KeyTailAgeMs, Step: 75}},
			Why:     "hard latency: shed in-flight orders and refresh quotes less often", Signal: SignalLatencyHard},
		{Name: "RISK_AGGRESSIVE", When: []Cond{{KPIRisk, ">=", riskHigh}},
			Actions: []Action{{Key: sim.KeyImpactCapRatio, Step: -0.01}, {Key: sim.KeyMaxDeltaRatio, Step: -0.01}},
			Why:     "risk limits hit often: smaller orders and inventory steps"},
		{Name: "ADVERSE", When: []Cond{{KPIAdverseP95, ">", t.AdverseP95Max}},
			Actions: []Action{{Key: sim.KeyImpactCapRatio, Step: -0.01}, {Key: sim.KeyMaxDeltaRatio, Step: -0.01}},
			Why:     "adverse selection driver: smaller size and skew"},
		{Name: "LATENCY_SOFT", When: []Cond{{KPIP95Latency, ">=", soft}, {KPIP95Latency, "<=", hard}},
			Actions: []Action{{Key: sim.KeyConcurrencyLimit, Frac: -0.10}, {Key: sim.KeyTailAgeMs, Step: 50}, {Key: sim.KeyBaseSpreadBpsDelta, Step: 0.01}},
			Why:     "latency buffer: fewer in-flight orders and a spread buffer against stale quotes", Guard: GuardLatencyBuffer},
		{Name: "RISK_MODERATE", When: []Cond{{KPIRisk, ">=", t.RiskMax}, {KPIRisk, "<", riskHigh}},
			Actions: []Action{{Key: sim.KeyImpactCapRatio, Step: -0.01}},
			Why:     "risk above target: trim order size"},
		{Name: "SLIPPAGE", When: []Cond{{KPISlipP95, ">", t.SlippageP95Max}},
			Actions: []Action{{Key: sim.KeyBaseSpreadBpsDelta, Step: 0.02}, {Key: sim.KeyTailAgeMs, Step: -30}},
			Why:     "slippage driver: wider spread, younger quotes"},
		{Name: "MAKER_BOOST", When: []Cond{{KPIMakerTaker, "<", th(t.MakerTakerMin + MarginMakerTaker)}},
			Actions: []Action{{Key: sim.KeyBaseSpreadBpsDelta, Step: 0.03}, {Key: sim.KeyReplaceRatePerMin, Frac: -0.05}},
			Why:     fmt.Sprintf("maker share below %s: quote wider, chase less", fmtNum(th(t.MakerTakerMin+MarginMakerTaker)))},
		{Name: "NET_LOW", When: []Cond{{KPINet, "<", th(t.NetBpsMin + MarginNetBps)}},
			Actions: []Action{{Key: sim.KeyBaseSpreadBpsDelta, Step: 0.02}},
			Why:     "net edge below target plus margin: capture more spread"},
		{Name: "GIVE_BACK_CONCURRENCY", When: []Cond{latRoom}, GiveBack: true,
			Actions: []Action{{Key: sim.KeyConcurrencyLimit, Step: 1}},
			Why:     "latency has room: in-flight orders back toward the default"},
		{Name: "GIVE_BACK_TAIL_AGE", When: []Cond{latRoom, slipRoom}, GiveBack: true,
			Actions: []Action{{Key: sim.KeyTailAgeMs, Step: 25}},
			Why:     "latency and slippage have room: quote refresh age back toward the default"},
		{Name: "GIVE_BACK_SIZE", When: []Cond{riskRoom, advRoom}, GiveBack: true,
			Actions: []Action{{Key: sim.KeyImpactCapRatio, Step: 0.005}, {Key: sim.KeyMaxDeltaRatio, Step: 0.005}},
			Why:     "risk and adverse selection have room: order size and skew back toward the default"},
		{Name: "GIVE_BACK_MIN_INTERVAL", When: []Cond{latRoom}, GiveBack: true,
			Actions: []Action{{Key: sim.KeyMinIntervalMs, Step: 3}},
			Why:     "latency has room: update interval back toward the default"},
		{Name: "GIVE_BACK_SPREAD", When: []Cond{makerRoom, netRoom}, GiveBack: true,
			Actions: []Action{{Key: sim.KeyBaseSpreadBpsDelta, Step: 0.01}},
			Why:     "maker share and net edge have room: spread back toward the default (more fills)"},
		{Name: "GIVE_BACK_REPLACE_RATE", When: []Cond{makerRoom, latRoom}, GiveBack: true,
			Actions: []Action{{Key: sim.KeyReplaceRatePerMin, Step: 5}},
			Why:     "maker share and latency have room: replace rate back toward the default"},
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
			acts[j] = r.ActionString(a)
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
	case sim.KeyBaseSpreadBpsDelta, sim.KeyReplaceRatePerMin, sim.KeyMinIntervalMs, "rebid_threshold_bps":
		return "rebid"
	case sim.KeyImpactCapRatio, sim.KeyTailAgeMs, sim.KeyConcurrencyLimit, "concurrency_limit", sim.KeyMaxDeltaRatio:
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

func fmtNum(x float64) string { return numfmt.Level.Format(x) }
