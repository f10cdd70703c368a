package render

import (
	"maps"
	"slices"
	"strings"

	"github.com/soakline/soakline/pkg/artifact"
)

// Tuning is the tuner's knowledge the recommendations and the audit draw
// on, as data: its rule table and its bounds table. The stage fills it
// (render/tunerdata converts internal/tuner's tables), so that the
// renderer does not depend on the tuner.
type Tuning struct {
	Rules  []Rule           // in the tuner's priority order
	Bounds map[string]Bound // per override key
}

// Rule is one rule of the tuner's table: when every condition holds on
// the window, the actions move their keys.
type Rule struct {
	Name    string
	When    []Cond
	Actions []Action
	Why     string
}

// Cond is a rule's comparison of a KPI with a value; Text is how the
// tuner writes it.
type Cond struct {
	KPI   string
	Op    string // < <= > >=
	Value float64
	Text  string
}

// Action is a rule's step of one key: Step in the key's unit plus Frac
// of its current value; Text is how the tuner writes it.
type Action struct {
	Key  string
	Step float64
	Frac float64
	Text string
}

// Bound is an override key's range and default; Integer keys move in
// whole steps.
type Bound struct {
	Min, Max, Default float64
	Integer           bool
}

// boundStay is a parameter that ran at one of its bounds.
type boundStay struct {
	Key        string
	Side       string // "min" or "max"
	Value      float64
	Iterations []int // the iterations that ran with the parameter at the bound, ascending
}

// boundStays returns every parameter the ledger changed that ran at a bound
// of bounds, with the iterations that ran with it there, sorted by key and
// side. The ledger holds one entry per iteration with the changes applied
// after it, so iteration j ran with the value of the last change before j
// (before the first change: that change's old value). A parameter the
// ledger never changed is not reported: the ledger does not hold its value.
// The tuner stops at a bound (guard bounds), so a parameter that sits there
// is one the rules wanted to move further; the audit warns about it.
func boundStays(bounds map[string]Bound, ledger []artifact.Tuning) []boundStay {
	last := 0
	type step struct {
		it       int
		old, new float64
	}
	changes := map[string][]step{}
	for _, t := range ledger {
		last = max(last, t.Iteration)
		for _, c := range t.Changes {
			changes[c.Key] = append(changes[c.Key], step{t.Iteration, c.Old, c.New})
		}
	}
	var out []boundStay
	for _, k := range slices.Sorted(maps.Keys(changes)) {
		b, ok := bounds[k]
		if !ok {
			continue
		}
		steps := changes[k]
		slices.SortStableFunc(steps, func(a, b step) int { return a.it - b.it })
		at := map[string][]int{}
		// One pass: iteration j runs with the value of the last change
		// made after an iteration before j (steps are in order).
		v, next := steps[0].old, 0
		for j := 1; j <= last; j++ {
			for next < len(steps) && steps[next].it < j {
				v = steps[next].new
				next++
			}
			switch v {
			case b.Min:
				at["min"] = append(at["min"], j)
			case b.Max:
				at["max"] = append(at["max"], j)
			}
		}
		for _, side := range []string{"max", "min"} {
			if its := at[side]; len(its) > 0 {
				v := b.Min
				if side == "max" {
					v = b.Max
				}
				out = append(out, boundStay{Key: k, Side: side, Value: v, Iterations: its})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b boundStay) int { return strings.Compare(a.Key, b.Key) })
	return out
}
