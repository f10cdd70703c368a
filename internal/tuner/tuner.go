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

// Partial-freeze signals, as recorded in PartialFreeze.Reason.
const (
	SignalLatencyHard = "latency_hard" // a rule's Signal: p95 above the hard level
	SignalOscillation = "oscillation"  // a protective step reversed the key's last change
)

// Input is what the tuner sees after one iteration.
type Input struct {
	Iteration int                // 1-based
	Total     int                // planned iterations; the last one proposes but does not apply
	KPIs      artifact.Summary   // the iteration's KPIs; nil fields are missing
	Params    map[string]float64 // the parameters the iteration ran with
}

// Change is one applied delta of a key.
type Change struct {
	Iteration int     `json:"iteration"`
	Delta     float64 `json:"delta"`
	GiveBack  bool    `json:"give_back,omitempty"` // applied by a give-back rule
}

// Debounce is a signal filter with hysteresis in iterations: it opens once
// the signal has been seen in the open count of consecutive iterations and
// closes once it has been absent in the close count. Each Update is one
// iteration. The legacy guards.py reset its timer on every call and never
// changed state (spec §5.6); its millisecond thresholds were shorter than
// one iteration, so they meant "two iterations" — which is what they are
// now, said in iterations.
type Debounce struct {
	Open   bool `json:"open"`
	Signal bool `json:"signal"`
	Count  int  `json:"count"` // consecutive iterations with the current Signal
}

// Update observes signal for one iteration and reports whether the state
// changed.
func (d *Debounce) Update(signal bool, openIters, closeIters int) bool {
	if d.Count == 0 || signal != d.Signal {
		d.Signal, d.Count = signal, 0
	}
	d.Count++
	switch {
	case signal && !d.Open && d.Count >= openIters:
		d.Open = true
		return true
	case !signal && d.Open && d.Count >= closeIters:
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
	Since      int      `json:"since,omitempty"` // the iteration that opened it
}

// State is everything the tuner remembers between iterations. It encodes to
// JSON deterministically (encoding/json sorts map keys), so a resumed soak
// restores it exactly.
type State struct {
	Iteration int                 `json:"iteration"` // last iteration decided
	Changes   map[string][]Change `json:"changes,omitempty"`
	// HeldUntil holds a key in both directions after two protective rules
	// pulled it back and forth (inclusive iteration).
	HeldUntil map[string]int `json:"held_until,omitempty"`
	// GiveBackHeldUntil holds a key's give-backs after a protective step
	// had to undo its last give-back (inclusive).
	GiveBackHeldUntil map[string]int `json:"give_back_held_until,omitempty"`
	// CooldownUntil holds a key's give-backs after a protective step
	// (inclusive).
	CooldownUntil map[string]int `json:"cooldown_until,omitempty"`
	SteadyStreak  int            `json:"steady_streak"`
	FrozenUntil   int            `json:"frozen_until,omitempty"` // inclusive
	FreezeReady   bool           `json:"freeze_ready"`
	Debounce      Debounce       `json:"debounce"`
	PartialFreeze PartialFreeze  `json:"partial_freeze"`
	// Targets are the targets the soak tunes toward, recorded by the
	// caller (soak-run) so that a resumed soak keeps them; Decide does not
	// read them.
	Targets *Targets `json:"targets,omitempty"`
}

// Outcome is what happened to one key.
type Outcome struct {
	Key      string   `json:"key"`
	Delta    float64  `json:"delta"` // proposed
	Applied  bool     `json:"applied"`
	Old      float64  `json:"old"`
	New      float64  `json:"new"` // equals Old when skipped
	Guard    string   `json:"guard,omitempty"`
	Reason   string   `json:"reason,omitempty"`
	Rules    []string `json:"rules"`
	GiveBack bool     `json:"give_back,omitempty"` // proposed by a give-back rule
}

// Decision is the tuner's answer for one iteration.
type Decision struct {
	Iteration     int                `json:"iteration"`
	Proposed      map[string]float64 `json:"proposed_deltas"`
	Outcomes      []Outcome          `json:"outcomes"` // sorted by key
	Rationale     []string           `json:"rationale"`
	Guards        []string           `json:"guards"`                  // sorted, unique
	Missing       []string           `json:"missing,omitempty"`       // "RULE: kpi" for rules a missing KPI kept silent
	Steady        bool               `json:"steady"`                  // all targets met and no rule proposed anything
	FreezeReady   bool               `json:"freeze_ready"`            // a steady-state freeze has happened and was not broken since
	FreezeBroken  []string           `json:"freeze_broken,omitempty"` // the fail-level breaches that lifted a freeze this iteration
	Params        map[string]float64 `json:"params"`                  // the parameters for the next iteration
	ChangedKeys   []string           `json:"changed_keys"`            // applied keys, sorted
	PartialFreeze PartialFreeze      `json:"partial_freeze"`
}

// Decide decides with DefaultConfig.
func Decide(st *State, in Input) Decision { return DefaultConfig().Decide(st, in) }

type proposal struct {
	delta    float64
	rules    []string
	giveBack bool
}

// Decide proposes deltas from in.KPIs by the rule table, runs the guards and
// returns the decision; st is updated in place. It is pure otherwise: no
// clock, no randomness, no map order in its output. Its steps are the
// methods below, in this order.
func (c Config) Decide(st *State, in Input) Decision {
	for _, m := range []*map[string]int{&st.HeldUntil, &st.GiveBackHeldUntil, &st.CooldownUntil} {
		if *m == nil {
			*m = map[string]int{}
		}
	}
	if st.Changes == nil {
		st.Changes = map[string][]Change{}
	}
	it := in.Iteration
	d := Decision{Iteration: it, Proposed: map[string]float64{}, Outcomes: []Outcome{}, Rationale: []string{}, Guards: []string{}, ChangedKeys: []string{}}
	guards := map[string]bool{}

	// 1. Current values: the input's, the bound's default where absent.
	cur := c.current(in.Params)
	// 2. Rules, in priority order.
	props, signals := c.propose(in.KPIs, cur, &d, guards)
	// 3. Steady iterations, the full freeze, and its break.
	frozen := c.freeze(st, &d, in.KPIs, len(props) == 0, it)
	// 4. Oscillation.
	pingPong, undone := c.oscillations(st, props, it)
	// 5. Partial freeze: the rules' signals (hard latency) or an
	// oscillation, debounced in iterations.
	if len(pingPong)+len(undone) > 0 {
		signals = append([]string{SignalOscillation}, signals...)
	}
	c.updatePartialFreeze(st, &d, signals, it, guards)
	d.PartialFreeze = st.PartialFreeze
	d.PartialFreeze.Subsystems = slices.Clone(st.PartialFreeze.Subsystems)
	// 6. Guards per key, in a fixed order, then the bounds.
	d.Params = c.apply(st, &d, in, cur, props, frozen, pingPong, undone, guards)
	// 7. Forget what no window can see any more.
	c.forget(st, it)

	st.Iteration = it
	d.FreezeReady = st.FreezeReady
	d.Guards = sortedKeys(guards)
	return d
}

// current returns the values the iteration ran with: params, and the
// bound's default for a key params lacks.
func (c Config) current(params map[string]float64) map[string]float64 {
	cur := maps.Clone(params)
	if cur == nil {
		cur = map[string]float64{}
	}
	for k, b := range c.Bounds {
		if _, ok := cur[k]; !ok {
			cur[k] = b.Default
		}
	}
	return cur
}

// propose runs the rules in priority order and returns their proposals by
// key and the partial-freeze signals of the rules that fired. A rule whose
// KPI is missing stays silent and says so in d.Missing; it never reads a
// missing KPI as zero or as a default. It fills d.Proposed, d.Missing and
// the rules' lines of d.Rationale, and marks the rules' guards.
func (c Config) propose(kpis artifact.Summary, cur map[string]float64, d *Decision, guards map[string]bool) (map[string]*proposal, []string) {
	props := map[string]*proposal{}
	var signals []string
	for _, r := range c.Rules {
		fired, missing := true, false
		var seen []string
		for _, cd := range r.When {
			v, ok := kpis.KPI(cd.KPI)
			if !ok {
				missing = true
				d.Missing = append(d.Missing, r.Name+": "+cd.KPI)
				continue
			}
			seen = append(seen, fmt.Sprintf("%s=%s %s %s", cd.KPI, fmtNum(roundTo(v, 4)), cd.Op, fmtNum(cd.Value)))
			fired = fired && cd.holds(v)
		}
		if missing || !fired {
			continue
		}
		if r.Signal != "" && !slices.Contains(signals, r.Signal) {
			signals = append(signals, r.Signal)
		}
		var acts []string
		for _, a := range r.Actions {
			b, ok := c.Bounds[a.Key]
			if r.GiveBack {
				delta, why := c.giveBack(a, b, ok, cur[a.Key], props[a.Key])
				if why != "" {
					continue // at its default, unbounded, or a protective rule has the key
				}
				acts = append(acts, fmt.Sprintf("%s %+g", a.Key, delta))
				props[a.Key] = &proposal{delta: delta, rules: []string{r.Name}, giveBack: true}
				continue
			}
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
		if len(acts) == 0 {
			continue // a give-back rule with nothing left to give back
		}
		if r.Guard != "" {
			guards[r.Guard] = true
		}
		d.Rationale = append(d.Rationale, fmt.Sprintf("%s: %s -> %s (%s)", r.Name, strings.Join(seen, ", "), strings.Join(acts, ", "), r.Why))
	}
	slices.Sort(d.Missing)
	d.Missing = slices.Compact(d.Missing)
	for k, p := range props {
		d.Proposed[k] = p.delta
	}
	return props, signals
}

// freeze counts steady iterations and runs the full freeze: a steady
// iteration meets every target and leaves no rule anything to do
// (quiet); a breach of a policy fail level lifts a freeze at once. It
// reports whether iteration it is frozen.
func (c Config) freeze(st *State, d *Decision, kpis artifact.Summary, quiet bool, it int) bool {
	d.Steady = c.Targets.Met(kpis) && quiet
	if d.Steady {
		st.SteadyStreak++
	} else {
		st.SteadyStreak = 0
	}
	if st.FrozenUntil >= it {
		if br := c.Targets.Breaches(kpis); len(br) > 0 {
			d.FreezeBroken = br
			d.Rationale = append(d.Rationale, fmt.Sprintf("FREEZE_BROKEN: %s -> the freeze through iteration %d is lifted, tuning resumes now", strings.Join(br, "; "), st.FrozenUntil))
			st.FrozenUntil, st.FreezeReady, st.SteadyStreak = it-1, false, 0
		}
	}
	if st.FrozenUntil < it && c.FreezeAfterSteady > 0 && st.SteadyStreak >= c.FreezeAfterSteady {
		st.FrozenUntil = it + c.FreezeIters - 1
		st.FreezeReady = true
		st.SteadyStreak = 0 // a new freeze needs a new streak
		d.Rationale = append(d.Rationale, fmt.Sprintf("FREEZE: %d consecutive steady iterations -> tuning frozen through iteration %d (freeze_ready)", c.FreezeAfterSteady, st.FrozenUntil))
	}
	return st.FrozenUntil >= it
}

// oscillations finds the protective proposals that reverse the key's last
// change within the oscillation window. A give-back reverses the
// protective step before it by design and is never an oscillation (the
// cooldown times it). A protective step that undoes the key's last
// give-back shows the give-back was premature: it applies, and the key's
// give-backs are held (undone). A protective step that undoes another
// protective step (two rules pulling one key, A→B→A) holds the key
// (pingPong).
func (c Config) oscillations(st *State, props map[string]*proposal, it int) (pingPong, undone map[string]bool) {
	pingPong, undone = map[string]bool{}, map[string]bool{}
	for k, p := range props {
		if p.giveBack {
			continue
		}
		chs := st.Changes[k]
		if len(chs) == 0 {
			continue
		}
		last := chs[len(chs)-1]
		if last.Iteration <= it-c.OscillationWindow || (last.Delta > 0) == (p.delta > 0) {
			continue
		}
		if last.GiveBack {
			undone[k] = true
		} else {
			pingPong[k] = true
		}
	}
	return pingPong, undone
}

// apply runs the guards on each proposal, in key order, then the bounds;
// it records the outcomes in d and the applied changes in st, and returns
// the parameters for the next iteration.
func (c Config) apply(st *State, d *Decision, in Input, cur map[string]float64, props map[string]*proposal, frozen bool, pingPong, undone map[string]bool, guards map[string]bool) map[string]float64 {
	it := in.Iteration
	next := maps.Clone(cur)
	for _, k := range sortedKeys(props) {
		p := props[k]
		o := Outcome{Key: k, Delta: p.delta, Old: cur[k], New: cur[k], Rules: p.rules, GiveBack: p.giveBack}
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
		case pingPong[k]:
			st.HeldUntil[k] = it + c.OscillationHold - 1
			o.Guard, o.Reason = GuardOscillation, fmt.Sprintf("protective rules reversed the key's direction within %d iterations (A->B->A); held through iteration %d", c.OscillationWindow, st.HeldUntil[k])
		case p.giveBack && st.GiveBackHeldUntil[k] >= it:
			o.Guard, o.Reason = GuardOscillation, fmt.Sprintf("give-backs held through iteration %d: a protective step undid the last one", st.GiveBackHeldUntil[k])
		case p.giveBack && st.CooldownUntil[k] >= it:
			o.Guard, o.Reason = GuardCooldown, fmt.Sprintf("give-back waits %d iterations after the last protective step: cooling down through iteration %d", c.CooldownIters, st.CooldownUntil[k])
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
			st.Changes[k] = append(st.Changes[k], Change{Iteration: it, Delta: applied, GiveBack: p.giveBack})
			if !p.giveBack {
				st.CooldownUntil[k] = it + c.CooldownIters
				if undone[k] {
					st.GiveBackHeldUntil[k] = it + c.OscillationHold
					d.Rationale = append(d.Rationale, fmt.Sprintf("OSCILLATION: %s %+g undoes the give-back of iteration %d -> give-backs of %s held through iteration %d", k, applied, st.Changes[k][len(st.Changes[k])-2].Iteration, k, st.GiveBackHeldUntil[k]))
				}
			}
			d.ChangedKeys = append(d.ChangedKeys, k)
		}
		if o.Guard != "" {
			guards[o.Guard] = true
		}
		d.Outcomes = append(d.Outcomes, o)
	}
	return next
}

// forget drops the changes and holds that no window can see after
// iteration it.
func (c Config) forget(st *State, it int) {
	keep := max(c.VelocityWindow, c.OscillationWindow)
	for k, chs := range st.Changes {
		chs = slices.DeleteFunc(chs, func(ch Change) bool { return ch.Iteration <= it-keep })
		if len(chs) == 0 {
			delete(st.Changes, k)
		} else {
			st.Changes[k] = chs
		}
	}
	for _, m := range []map[string]int{st.HeldUntil, st.GiveBackHeldUntil, st.CooldownUntil} {
		for k, u := range m {
			if u < it {
				delete(m, k)
			}
		}
	}
}

// giveBack returns a give-back action's delta on a key at value cur: toward
// the key's default by at most |a.Step|, never past it. why is non-empty
// when there is nothing to propose.
func (c Config) giveBack(a Action, b Bound, bounded bool, cur float64, taken *proposal) (delta float64, why string) {
	switch {
	case !bounded:
		return 0, "no bounds"
	case taken != nil:
		return 0, "a protective rule has the key"
	}
	gap := roundTo(b.Default-cur, c.Decimals)
	if gap == 0 {
		return 0, "at its default"
	}
	step := math.Min(math.Abs(a.Step), math.Abs(gap))
	if b.Integer {
		step = math.Max(1, math.Round(step))
	}
	return roundTo(math.Copysign(step, gap), c.Decimals), ""
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

func (c Config) updatePartialFreeze(st *State, d *Decision, reasons []string, it int, guards map[string]bool) {
	signal := len(reasons) > 0
	db := &st.Debounce
	changed := db.Update(signal, c.DebounceOpenIters, c.DebounceCloseIters)
	pf := &st.PartialFreeze
	switch {
	case db.Open && !pf.Active:
		subs := []string{"rebid"}
		if slices.Contains(reasons, SignalOscillation) {
			subs = append(subs, "rescue_taker")
		}
		*pf = PartialFreeze{Active: true, Subsystems: subs, Reason: strings.Join(reasons, "+"), Since: it}
		d.Rationale = append(d.Rationale, fmt.Sprintf("PARTIAL_FREEZE: %s in %d consecutive iterations -> freeze %s", pf.Reason, db.Count, strings.Join(subs, ",")))
	case db.Open && pf.Active:
		if slices.Contains(reasons, SignalOscillation) && !slices.Contains(pf.Subsystems, "rescue_taker") {
			pf.Subsystems = append(pf.Subsystems, "rescue_taker")
		}
		for _, r := range reasons {
			if !strings.Contains(pf.Reason, r) {
				pf.Reason += "+" + r
			}
		}
	case !db.Open && pf.Active:
		if it-pf.Since < c.PartialFreezeMinIters {
			d.Rationale = append(d.Rationale, fmt.Sprintf("PARTIAL_FREEZE: kept, minimum of %d iterations not reached", c.PartialFreezeMinIters))
			break
		}
		d.Rationale = append(d.Rationale, fmt.Sprintf("PARTIAL_FREEZE: cleared after %d iterations without signal", db.Count))
		*pf = PartialFreeze{}
	case signal && !db.Open:
		guards[GuardDebounce] = true
		d.Rationale = append(d.Rationale, fmt.Sprintf("DEBOUNCE: %s in %d of %d consecutive iterations needed, partial freeze not opened", strings.Join(reasons, "+"), db.Count, c.DebounceOpenIters))
	}
	if !signal && db.Open && !changed {
		guards[GuardDebounce] = true
		d.Rationale = append(d.Rationale, fmt.Sprintf("DEBOUNCE: signal absent in %d of %d consecutive iterations needed, partial freeze kept", db.Count, c.DebounceCloseIters))
	}
	if pf.Active {
		guards[GuardPartialFreeze] = true
	}
}
