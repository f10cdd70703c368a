package tunerdata

import (
	"testing"

	"github.com/soakline/soakline/internal/tuner"
)

// TestFromKeepsTheTables: every rule, condition, action and bound of the
// tuner reaches the reports, written as the tuner writes it.
func TestFromKeepsTheTables(t *testing.T) {
	c := tuner.DefaultConfig()
	got := From(c)
	if len(got.Rules) != len(c.Rules) || len(got.Bounds) != len(c.Bounds) {
		t.Fatalf("%d rules, %d bounds; want %d, %d", len(got.Rules), len(got.Bounds), len(c.Rules), len(c.Bounds))
	}
	for i, r := range c.Rules {
		g := got.Rules[i]
		if g.Name != r.Name || g.Why != r.Why || len(g.When) != len(r.When) || len(g.Actions) != len(r.Actions) {
			t.Fatalf("rule %d: %+v, want %+v", i, g, r)
		}
		for j, cd := range r.When {
			if w := g.When[j]; w.KPI != cd.KPI || w.Op != cd.Op || w.Value != cd.Value || w.Text != cd.String() {
				t.Errorf("rule %s condition %d: %+v, want %+v", r.Name, j, w, cd)
			}
		}
		for j, a := range r.Actions {
			if w := g.Actions[j]; w.Key != a.Key || w.Step != a.Step || w.Frac != a.Frac || w.Text != a.String() {
				t.Errorf("rule %s action %d: %+v, want %+v", r.Name, j, w, a)
			}
		}
	}
	for k, b := range c.Bounds {
		if g := got.Bounds[k]; g.Min != b.Min || g.Max != b.Max || g.Default != b.Default || g.Integer != b.Integer {
			t.Errorf("bound %s: %+v, want %+v", k, g, b)
		}
	}
}
