// Package tunerdata gives the reports the tuner's rule and bounds tables
// as data (render.Tuning), so that the renderer does not depend on the
// tuner: the stages that render (soak-reports, release-bundle) pass
// Default() to render.Render.
package tunerdata

import (
	"github.com/soakline/soakline/internal/render"
	"github.com/soakline/soakline/internal/tuner"
)

// Default is the built-in tuner's tables, the ones soak-run --auto-tune
// uses.
func Default() *render.Tuning { return From(tuner.DefaultConfig()) }

// From converts c's rule and bounds tables.
func From(c tuner.Config) *render.Tuning {
	t := &render.Tuning{Bounds: make(map[string]render.Bound, len(c.Bounds))}
	for k, b := range c.Bounds {
		t.Bounds[k] = render.Bound{Min: b.Min, Max: b.Max, Default: b.Default, Integer: b.Integer}
	}
	for _, r := range c.Rules {
		rr := render.Rule{Name: r.Name, Why: r.Why}
		for _, cd := range r.When {
			rr.When = append(rr.When, render.Cond{KPI: cd.KPI, Op: cd.Op, Value: cd.Value, Text: cd.String()})
		}
		for _, a := range r.Actions {
			rr.Actions = append(rr.Actions, render.Action{Key: a.Key, Step: a.Step, Frac: a.Frac, Text: a.String()})
		}
		t.Rules = append(t.Rules, rr)
	}
	return t
}
