package tuner

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/soakline/soakline/pkg/artifact"
)

// Guard names, as recorded in Outcome.Guard and Decision.Guards.
const (
	GuardFinalIteration = "final_iteration"
	GuardFreeze         = "freeze"
	GuardPartialFreeze  = "partial_freeze"
	GuardOscillation    = "oscillation"
	GuardCooldown       = "cooldown"
	GuardVelocity       = "velocity"
	GuardBounds         = "bounds"
	GuardDebounce       = "debounce"
	GuardLatencyBuffer  = "latency_buffer"
)

// Input is what the tuner sees after one iteration.
type Input struct {
	Iteration  int                // 1-based
	Total      int                // planned iterations; the last one proposes but does not apply
	KPIs       artifact.Summary   // the iteration's KPIs; nil fields are missing
	Params     map[string]float64 // the parameters the iteration ran with
	ClockMs    int64              // soak clock at the end of the iteration; 0 means Iteration×DurationMs
	DurationMs int64              // duration of one iteration on the soak clock
}

func (in Input) now() int64 {
	if in.ClockMs != 0 {
		return in.ClockMs
	}
	return int64(in.Iteration) * in.DurationMs
}

// Change is one applied delta of a key.
type Change struct {
	Iteration int     `json:"iteration"`
	Delta     float64 `json:"delta"`
}

// Debounce is a signal filter with hysteresis on the soak clock: it opens
// once the signal has held for the open time and closes once it has been
// absent for the close time. Each Update is one observation; a signal holds
// from the first observation that showed it (so a single bad iteration never
// opens it, whatever the iteration's length). The legacy guards.py reset its
// timer on every call and never changed state (spec §5.6); this one keeps the
// time the signal took its current value.
type Debounce struct {
	Open    bool  `json:"open"`
	Signal  bool  `json:"signal"`
	SinceMs int64 `json:"since_ms"` // when Signal took its current value
	Seen    bool  `json:"seen"`
}

// Update observes signal at nowMs and reports whether the state changed.
func (d *Debounce) Update(signal bool, nowMs, openMs, closeMs int64) bool {
	if !d.Seen || signal != d.Signal {
		d.Signal, d.SinceMs, d.Seen = signal, nowMs, true
	}
	held := nowMs - d.SinceMs
	switch {
	case signal && !d.Open && held >= openMs:
		d.Open = true
		return true
	case !signal && d.Open && held >= closeMs:
		d.Open = false
		return true
	}
	return false
}

// PartialFreeze is the state of the subsystem freeze.
type PartialFreeze struct {
	Active     bool     `json:"active"`
	Subsystems []string `json:"subsystems,omitempty"`
	Reason     string   `json:"reason,omitempty"`
	SinceMs    int64    `json:"since_ms,omitempty"`
}

// State is everything the tuner remembers between iterations. It encodes to
// JSON deterministically (encoding/json sorts map keys), so a resumed soak
// restores it exactly.
type State struct {
	Iteration     int                 `json:"iteration"` // last iteration decided
	Changes       map[string][]Change `json:"changes,omitempty"`
	HeldUntil     map[string]int      `json:"held_until,omitempty"`     // oscillation holds, inclusive
	CooldownUntil map[string]int      `json:"cooldown_until,omitempty"` // inclusive
	SteadyStreak  int                 `json:"steady_streak"`
	FrozenUntil   int                 `json:"frozen_until,omitempty"` // inclusive
	FreezeReady   bool                `json:"freeze_ready"`
	Debounce      Debounce            `json:"debounce"`
	PartialFreeze PartialFreeze       `json:"partial_freeze"`
}

// Outcome is what happened to one key.
type Outcome struct {
	Key     string   `json:"key"`
	Delta   float64  `json:"delta"` // proposed
	Applied bool     `json:"applied"`
	Old     float64  `json:"old"`
	New     float64  `json:"new"` // equals Old when skipped
	Guard   string   `json:"guard,omitempty"`
	Reason  string   `json:"reason,omitempty"`
	Rules   []string `json:"rules"`
}

// Decision is the tuner's answer for one iteration.
type Decision struct {
	Iteration     int                `json:"iteration"`
	Proposed      map[string]float64 `json:"proposed_deltas"`
	Outcomes      []Outcome          `json:"outcomes"` // sorted by key
	Rationale     []string           `json:"rationale"`
	Guards        []string           `json:"guards"`            // sorted, unique
	Missing       []string           `json:"missing,omitempty"` // "RULE: kpi" for rules a missing KPI kept silent
	Steady        bool               `json:"steady"`            // all targets met this iteration
	FreezeReady   bool               `json:"freeze_ready"`      // a steady-state freeze has happened in this soak
	Params        map[string]float64 `json:"params"`            // the parameters for the next iteration
	ChangedKeys   []string           `json:"changed_keys"`      // applied keys, sorted
	PartialFreeze PartialFreeze      `json:"partial_freeze"`
}

// Decide decides with DefaultConfig.
func Decide(st *State, in Input) Decision { return DefaultConfig().Decide(st, in) }

type proposal struct {
	delta float64
	rules []string
}

// Decide proposes deltas from in.KPIs by the rule table, runs the guards and
// returns the decision; st is updated in place. It is pure otherwise: no
// clock, no randomness, no map order in its output.
func (c Config) Decide(st *State, in Input) Decision {
	if st.Changes == nil {
		st.Changes = map[string][]Change{}
	}
	if st.HeldUntil == nil {
		st.HeldUntil = map[string]int{}
	}
	if st.CooldownUntil == nil {
		st.CooldownUntil = map[string]int{}
	}
	it, now := in.Iteration, in.now()
	d := Decision{Iteration: it, Proposed: map[string]float64{}, Outcomes: []Outcome{}, Rationale: []string{}, Guards: []string{}, ChangedKeys: []string{}}
	guards := map[string]bool{}

	// 1. Current values: the input's, the bound's default where absent.
	cur := maps.Clone(in.Params)
	if cur == nil {
		cur = map[string]float64{}
	}
	for k, b := range c.Bounds {
		if _, ok := cur[k]; !ok {
			cur[k] = b.Default
		}
	}

	// 2. Rules, in priority order. A rule whose KPI is missing stays silent
	// and says so; it never reads a missing KPI as zero or as a default.
	props := map[string]*proposal{}
	for _, r := range c.Rules {
		fired, missing := true, false
		var seen []string
		for _, cd := range r.When {
			v := KPIValue(in.KPIs, cd.KPI)
			if v == nil {
				missing = true
				d.Missing = append(d.Missing, r.Name+": "+cd.KPI)
				continue
			}
			seen = append(seen, fmt.Sprintf("%s=%s %s %s", cd.KPI, fmtNum(roundTo(*v, 4)), cd.Op, fmtNum(cd.Value)))
			fired = fired && cd.holds(*v)
		}
		if missing || !fired {
			continue
		}
		if r.Name == "LATENCY_SOFT" {
			guards[GuardLatencyBuffer] = true
		}
		var acts []string
		for _, a := range r.Actions {
			b, ok := c.Bounds[a.Key]
			delta := a.Step + a.Frac*cur[a.Key]
			if ok && b.Integer {
				delta = math.Copysign(math.Max(1, math.Round(math.Abs(delta))), delta)
			}
			delta = roundTo(delta, c.Decimals)
			acts = append(acts, fmt.Sprintf("%s %+g", a.Key, delta))
			p := props[a.Key]
			switch {
			case p == nil:
				props[a.Key] = &proposal{delta: delta, rules: []string{r.Name}}
			case (p.delta > 0) != (delta > 0):
				// Opposite directions: the earlier (higher priority) rule
				// already holds the key.
				d.Rationale = append(d.Rationale, fmt.Sprintf("CONFLICT: %s %+g from %s dropped; %s keeps %+g", a.Key, delta, r.Name, p.rules[0], p.delta))
			default:
				// Same direction: the larger step, not the sum, so that
				// agreeing rules do not compound.
				if math.Abs(delta) > math.Abs(p.delta) {
					p.delta = delta
				}
				p.rules = append(p.rules, r.Name)
			}
		}
		d.Rationale = append(d.Rationale, fmt.Sprintf("%s: %s -> %s (%s)", r.Name, strings.Join(seen, ", "), strings.Join(acts, ", "), r.Why))
	}
	slices.Sort(d.Missing)
	d.Missing = slices.Compact(d.Missing)
	for k, p := range props {
		d.Proposed[k] = p.delta
	}

	// 3. Steady iterations and the full freeze.
	d.Steady = c.Targets.Met(in.KPIs)
	if d.Steady {
		st.SteadyStreak++
	} else {
		st.SteadyStreak = 0
	}
	if st.FrozenUntil < it && c.FreezeAfterSteady > 0 && st.SteadyStreak >= c.FreezeAfterSteady {
		st.FrozenUntil = it + c.FreezeIters - 1
		st.FreezeReady = true
		d.Rationale = append(d.Rationale, fmt.Sprintf("FREEZE: %d consecutive steady iterations -> tuning frozen through iteration %d (freeze_ready)", st.SteadyStreak, st.FrozenUntil))
	}
	frozen := st.FrozenUntil >= it

	// 4. Oscillation: a proposal that reverses the key's last applied
	// direction within the window (A→B→A) holds the key.
	oscKeys := map[string]bool{}
	for k, p := range props {
		for _, ch := range st.Changes[k] {
			if ch.Iteration > it-c.OscillationWindow && (ch.Delta > 0) != (p.delta > 0) {
				oscKeys[k] = true
			}
		}
	}

	// 5. Partial freeze: hard latency or an oscillation, debounced on the
	// soak clock.
	hard := in.KPIs.P95LatencyMs != nil && *in.KPIs.P95LatencyMs > c.LatencyHardMs
	var reasons []string
	if len(oscKeys) > 0 {
		reasons = append(reasons, "oscillation")
	}
	if hard {
		reasons = append(reasons, "latency_hard")
	}
	signal := len(reasons) > 0
	c.updatePartialFreeze(st, &d, signal, reasons, now, guards)
	d.PartialFreeze = st.PartialFreeze
	d.PartialFreeze.Subsystems = slices.Clone(st.PartialFreeze.Subsystems)

	// 6. Guards per key, in a fixed order, then the bounds.
	next := maps.Clone(cur)
	for _, k := range sortedKeys(props) {
		p := props[k]
		o := Outcome{Key: k, Delta: p.delta, Old: cur[k], New: cur[k], Rules: p.rules}
		b, bounded := c.Bounds[k]
		switch {
		case it >= in.Total && in.Total > 0:
			o.Guard, o.Reason = GuardFinalIteration, "final iteration: proposed, not applied"
		case frozen:
			o.Guard, o.Reason = GuardFreeze, fmt.Sprintf("steady-state freeze through iteration %d", st.FrozenUntil)
		case st.PartialFreeze.Active && slices.Contains(st.PartialFreeze.Subsystems, Subsystem(k)):
			o.Guard, o.Reason = GuardPartialFreeze, fmt.Sprintf("subsystem %s frozen (%s)", Subsystem(k), st.PartialFreeze.Reason)
		case st.HeldUntil[k] >= it:
			o.Guard, o.Reason = GuardOscillation, fmt.Sprintf("held after oscillation through iteration %d", st.HeldUntil[k])
		case oscKeys[k]:
			st.HeldUntil[k] = it + c.OscillationHold - 1
			o.Guard, o.Reason = GuardOscillation, fmt.Sprintf("direction reversal within %d iterations (A->B->A); held through iteration %d", c.OscillationWindow, st.HeldUntil[k])
		case st.CooldownUntil[k] >= it:
			o.Guard, o.Reason = GuardCooldown, fmt.Sprintf("cooling down through iteration %d", st.CooldownUntil[k])
		case bounded && c.velocityExceeded(st, k, p.delta, it, b):
			o.Guard, o.Reason = GuardVelocity, fmt.Sprintf("sum of |delta| over %d iterations would exceed %g of span %g", c.VelocityWindow, c.VelocityMaxSpanFrac, b.Span())
		case !bounded:
			o.Guard, o.Reason = GuardBounds, "no bounds for key"
		default:
			nv := roundTo(math.Min(b.Max, math.Max(b.Min, cur[k]+p.delta)), c.Decimals)
			if b.Integer {
				nv = math.Round(nv)
			}
			if nv == cur[k] {
				o.Guard, o.Reason = GuardBounds, fmt.Sprintf("at bound [%s, %s]", fmtNum(b.Min), fmtNum(b.Max))
				break
			}
			if nv != roundTo(cur[k]+p.delta, c.Decimals) {
				o.Guard, o.Reason = GuardBounds, fmt.Sprintf("clamped to [%s, %s]", fmtNum(b.Min), fmtNum(b.Max))
			}
			o.Applied, o.New = true, nv
			next[k] = nv
			applied := roundTo(nv-cur[k], c.Decimals)
			st.Changes[k] = append(st.Changes[k], Change{Iteration: it, Delta: applied})
			if math.Abs(applied) > c.CooldownSpanFrac*b.Span() {
				st.CooldownUntil[k] = it + c.CooldownIters
			}
			d.ChangedKeys = append(d.ChangedKeys, k)
		}
		if o.Guard != "" {
			guards[o.Guard] = true
		}
		d.Outcomes = append(d.Outcomes, o)
	}

	// 7. Forget what no window can see any more.
	keep := max(c.VelocityWindow, c.OscillationWindow)
	for k, chs := range st.Changes {
		chs = slices.DeleteFunc(chs, func(ch Change) bool { return ch.Iteration <= it-keep })
		if len(chs) == 0 {
			delete(st.Changes, k)
		} else {
			st.Changes[k] = chs
		}
	}
	for k, u := range st.HeldUntil {
		if u < it {
			delete(st.HeldUntil, k)
		}
	}
	for k, u := range st.CooldownUntil {
		if u < it {
			delete(st.CooldownUntil, k)
		}
	}

	st.Iteration = it
	d.FreezeReady = st.FreezeReady
	d.Params = next
	d.Guards = sortedKeys(guards)
	return d
}

func (c Config) velocityExceeded(st *State, k string, delta float64, it int, b Bound) bool {
	sum := math.Abs(delta)
	for _, ch := range st.Changes[k] {
		if ch.Iteration > it-c.VelocityWindow {
			sum += math.Abs(ch.Delta)
		}
	}
	return sum > c.VelocityMaxSpanFrac*b.Span()+1e-9
}

func (c Config) updatePartialFreeze(st *State, d *Decision, signal bool, reasons []string, now int64, guards map[string]bool) {
	db := &st.Debounce
	changed := db.Update(signal, now, c.DebounceOpenMs, c.DebounceCloseMs)
	pf := &st.PartialFreeze
	switch {
	case db.Open && !pf.Active:
		subs := []string{"rebid"}
		if slices.Contains(reasons, "oscillation") {
			subs = append(subs, "rescue_taker")
		}
		*pf = PartialFreeze{Active: true, Subsystems: subs, Reason: strings.Join(reasons, "+"), SinceMs: now}
		d.Rationale = append(d.Rationale, fmt.Sprintf("PARTIAL_FREEZE: %s held >= %d ms -> freeze %s", pf.Reason, c.DebounceOpenMs, strings.Join(subs, ",")))
	case db.Open && pf.Active:
		if slices.Contains(reasons, "oscillation") && !slices.Contains(pf.Subsystems, "rescue_taker") {
			pf.Subsystems = append(pf.Subsystems, "rescue_taker")
		}
		for _, r := range reasons {
			if !strings.Contains(pf.Reason, r) {
				pf.Reason += "+" + r
			}
		}
	case !db.Open && pf.Active:
		if now-pf.SinceMs < c.PartialFreezeMinMs {
			d.Rationale = append(d.Rationale, fmt.Sprintf("PARTIAL_FREEZE: kept, minimum duration %d ms not reached", c.PartialFreezeMinMs))
			break
		}
		d.Rationale = append(d.Rationale, fmt.Sprintf("PARTIAL_FREEZE: cleared after %d ms without signal", c.DebounceCloseMs))
		*pf = PartialFreeze{}
	case signal && !db.Open:
		guards[GuardDebounce] = true
		d.Rationale = append(d.Rationale, fmt.Sprintf("DEBOUNCE: %s for %d ms < %d ms, partial freeze not opened", strings.Join(reasons, "+"), now-db.SinceMs, c.DebounceOpenMs))
	}
	if !signal && db.Open && !changed {
		guards[GuardDebounce] = true
		d.Rationale = append(d.Rationale, fmt.Sprintf("DEBOUNCE: signal absent for %d ms < %d ms, partial freeze kept", now-db.SinceMs, c.DebounceCloseMs))
	}
	if pf.Active {
		guards[GuardPartialFreeze] = true
	}
}
