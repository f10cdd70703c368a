package render

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/internal/stats"
	"github.com/soakline/soakline/pkg/artifact"
)

// NearMargin is how close to its threshold a passing check may come before
// it is "nearly failed" and earns a recommendation: 5 % of the threshold.
const NearMargin = 0.05

// Recommendation is one suggested parameter change.
type Recommendation struct {
	Key       string
	Current   float64
	CurSource string // where the current value comes from
	Suggested float64
	AtBound   bool
	Rule      Rule
	Fires     bool   // the rule's trigger holds on the window; else pre-emptive
	Check     string // the check it answers
	Evidence  []string
	Effect    string
}

type finding struct{ text string }

// margin is how far a check's value is on the passing side of its
// threshold, relative to |threshold|; negative when it fails.
func margin(c *artifact.Check) float64 {
	if c.Value == nil {
		return math.NaN()
	}
	d := *c.Value - c.Threshold
	if c.Direction == "<=" {
		d = -d
	}
	if c.Threshold == 0 {
		return d
	}
	return d / math.Abs(c.Threshold)
}

func needsWork(c *artifact.Check) bool {
	switch c.Status {
	case artifact.CheckFail, artifact.CheckWarn:
		return true
	case artifact.CheckPass:
		return nearMiss(c)
	}
	return false
}

// nearMiss reports a passing KPI check within NearMargin of its threshold.
// Count checks (window, failed iterations) sit on their threshold by
// design and are never near misses.
func nearMiss(c *artifact.Check) bool {
	if c.Status != artifact.CheckPass || c.KPI == "" {
		return false
	}
	mg := margin(c)
	return !math.IsNaN(mg) && mg < NearMargin
}

// windowMeans are the window means of every KPI, the values the rule
// triggers are evaluated on.
func (m *model) windowMeans() map[string]float64 {
	out := map[string]float64{}
	for _, s := range m.kpis {
		if w := m.windowValues(s); len(w) > 0 {
			out[s.name] = stats.Mean(w)
		}
	}
	return out
}

// Recommend derives parameter changes from the checks that failed, warned
// or passed within NearMargin, using the tuner's rule table: the rules that
// push the check's KPI the right way, preferring those whose trigger holds
// on the window. One recommendation per parameter; the first (most severe
// check, highest-priority rule) wins.
func (m *model) recommend() ([]Recommendation, []finding) {
	means := m.windowMeans()
	var recs []Recommendation
	var other []finding
	checks := make([]*artifact.Check, 0, len(m.v.Checks))
	for i := range m.v.Checks {
		checks = append(checks, &m.v.Checks[i])
	}
	// Most severe first: FAIL, WARN, then near misses by margin.
	rank := map[string]int{artifact.CheckFail: 0, artifact.CheckWarn: 1, artifact.CheckPass: 2}
	slices.SortStableFunc(checks, func(a, b *artifact.Check) int {
		ra, rb := rank[a.Status], rank[b.Status]
		if ra != rb {
			return ra - rb
		}
		return 0
	})
	for _, c := range checks {
		if c.Status == artifact.CheckInconclusive {
			if c.KPI != "" && c.Value == nil {
				other = append(other, finding{fmt.Sprintf("Check %s could not be judged: %s. Make sure the bot reports %s in every iteration (a missing value is never read as 0).", c.Name, c.Reason, c.KPI)})
			} else {
				other = append(other, finding{fmt.Sprintf("Check %s could not be judged: %s.", c.Name, c.Reason)})
			}
			continue
		}
		if !needsWork(c) {
			continue
		}
		if c.KPI == "" {
			other = append(other, finding{fmt.Sprintf("Check %s is %s (%s). No parameter controls it: see %s for the iterations involved.", c.Name, c.Status, checkEvidence(c), FailuresFile)})
			continue
		}
		rules, fires := m.rulesFor(c, means)
		if nearMiss(c) && (len(fires) == 0 || !fires[0]) {
			other = append(other, finding{fmt.Sprintf("Check %s passes with only %s%% margin (%s). No rule of the tuner's table fires on the window, so no change is suggested; watch it in the next soak.", c.Name, numfmt.Table.Format(margin(c)*100), checkEvidence(c))})
			continue
		}
		if len(rules) == 0 {
			other = append(other, finding{fmt.Sprintf("Check %s is %s (%s), and no rule of the tuner's table moves %s; investigate the bot.", c.Name, c.Status, checkEvidence(c), c.KPI)})
			continue
		}
		for ri, r := range rules {
			for _, a := range r.Actions {
				if i := slices.IndexFunc(recs, func(x Recommendation) bool { return x.Key == a.Key }); i >= 0 {
					if recs[i].Check != c.Name {
						recs[i].Evidence = append(recs[i].Evidence, "also helps check "+c.Name+": "+checkEvidence(c))
					}
					continue
				}
				recs = append(recs, m.recommendation(c, r, fires[ri], a, means))
			}
		}
	}
	if m.v.Verdict == artifact.VerdictInconclusive && m.v.Window.Size > 0 && len(m.winIdx) < m.v.Window.Size {
		other = append(other, finding{fmt.Sprintf("Run at least %d more iterations: the policy judges a window of %d and the soak has %d usable.", m.v.Window.Size-len(m.winIdx), m.v.Window.Size, len(m.winIdx))})
	}
	if len(m.failed) > 0 {
		other = append(other, finding{fmt.Sprintf("%s failed; their causes are in %s. Fix them before tuning: failed iterations carry no KPIs.", plural(len(m.failed), "iteration", "iterations"), FailuresFile)})
	}
	return recs, other
}

// rulesFor returns the rules whose trigger tests c's KPI on the failing
// side, and whether each fires on the window means. When some fire only
// those are returned; else the one with the trigger nearest the value, as
// a pre-emptive step.
func (m *model) rulesFor(c *artifact.Check, means map[string]float64) ([]Rule, []bool) {
	var cands []Rule
	for _, r := range m.tuning.Rules {
		for _, cd := range r.When {
			if cd.KPI != c.KPI {
				continue
			}
			bad := (c.Direction == ">=" && (cd.Op == "<" || cd.Op == "<=")) || (c.Direction == "<=" && (cd.Op == ">" || cd.Op == ">="))
			if bad {
				cands = append(cands, r)
				break
			}
		}
	}
	var firing []Rule
	vals := map[string]float64{}
	for k, v := range means {
		vals[k] = v
	}
	if c.Value != nil {
		vals[c.KPI] = *c.Value
	}
	for _, r := range cands {
		if ruleHolds(r, vals) {
			firing = append(firing, r)
		}
	}
	if len(firing) > 0 {
		return firing, slices.Repeat([]bool{true}, len(firing))
	}
	if len(cands) == 0 || c.Value == nil {
		return nil, nil
	}
	best, bestD := -1, math.Inf(1)
	for i, r := range cands {
		for _, cd := range r.When {
			if cd.KPI == c.KPI {
				if d := math.Abs(cd.Value - *c.Value); d < bestD {
					best, bestD = i, d
				}
			}
		}
	}
	return []Rule{cands[best]}, []bool{false}
}

func ruleHolds(r Rule, vals map[string]float64) bool {
	for _, cd := range r.When {
		v, ok := vals[cd.KPI]
		if !ok {
			return false
		}
		var h bool
		switch cd.Op {
		case "<":
			h = v < cd.Value
		case "<=":
			h = v <= cd.Value
		case ">":
			h = v > cd.Value
		case ">=":
			h = v >= cd.Value
		}
		if !h {
			return false
		}
	}
	return true
}

func (m *model) recommendation(c *artifact.Check, r Rule, fires bool, a Action, means map[string]float64) Recommendation {
	cur, src := m.currentValue(a.Key)
	b, bounded := m.tuning.Bounds[a.Key]
	delta := a.Step + a.Frac*cur
	if bounded && b.Integer && delta != 0 {
		delta = math.Copysign(math.Max(1, math.Round(math.Abs(delta))), delta)
	}
	sug := numfmt.Round(cur + delta)
	atBound := false
	if bounded {
		if sug > b.Max {
			sug = b.Max
		}
		if sug < b.Min {
			sug = b.Min
		}
		atBound = sug == cur
	}
	rec := Recommendation{Key: a.Key, Current: cur, CurSource: src, Suggested: sug, AtBound: atBound, Rule: r, Fires: fires, Check: c.Name}
	rec.Evidence = append(rec.Evidence, "check "+c.Name+": "+checkEvidence(c))
	conds := make([]string, len(r.When))
	for i, cd := range r.When {
		conds[i] = cd.Text
	}
	trig := "rule " + r.Name + " (" + strings.Join(conds, " and ") + ", step " + a.Text + ")"
	if fires {
		var obs []string
		for _, cd := range r.When {
			if v, ok := means[cd.KPI]; ok {
				obs = append(obs, cd.KPI+" window mean "+numfmt.Table.Format(v))
			}
		}
		trig += " fires on the judged window: " + strings.Join(obs, ", ")
	} else {
		trig += " does not fire yet; this is a pre-emptive step toward the threshold"
	}
	rec.Evidence = append(rec.Evidence, trig)
	if n, held := m.proposalsInWindow(a.Key); n > 0 {
		s := fmt.Sprintf("the tuner proposed changing %s in %s of the window", a.Key, plural(n, "iteration", "iterations"))
		if len(held) > 0 {
			s += "; guards held it back: " + strings.Join(held, ", ")
		}
		rec.Evidence = append(rec.Evidence, s)
	}
	dir := "raise"
	if c.Direction == "<=" {
		dir = "lower"
	}
	rec.Effect = dir + " " + c.KPI + " toward " + c.Direction + " " + numfmt.Level.Format(c.Threshold) + ": " + r.Why
	if atBound {
		rec.Effect = fmt.Sprintf("none from this parameter: it is already at its bound (%s..%s); the other suggestions must carry the change", numfmt.Table.Format(b.Min), numfmt.Table.Format(b.Max))
	}
	return rec
}

// currentValue is the parameter's value in runtime_overrides.json, else
// the last value the ledger recorded, else the tuner's default.
func (m *model) currentValue(key string) (float64, string) {
	if o := m.in.Soak.Overrides; o != nil {
		if v, ok := o.Params[key]; ok {
			return v, "runtime_overrides.json"
		}
	}
	for i := len(m.ledger) - 1; i >= 0; i-- {
		for _, c := range m.ledger[i].Changes {
			if c.Key == key {
				return c.New, fmt.Sprintf("last applied change, iteration %d", m.ledger[i].Iteration)
			}
		}
	}
	if b, ok := m.tuning.Bounds[key]; ok {
		return b.Default, "not set; the tuner's default"
	}
	return 0, "not set"
}

// proposalsInWindow counts the window's ledger entries that proposed a
// change to key and names the guards that held it back.
func (m *model) proposalsInWindow(key string) (int, []string) {
	win := map[int]bool{}
	for _, i := range m.winIdx {
		win[m.nums[i]] = true
	}
	n := 0
	var held []string
	for _, t := range m.ledger {
		if !win[t.Iteration] || t.ProposedDeltas[key] == 0 {
			continue
		}
		n++
		for _, s := range t.Skipped {
			if s.Key == key {
				g := fmt.Sprintf("%s (iteration %d)", s.Guard, t.Iteration)
				if !slices.Contains(held, g) {
					held = append(held, g)
				}
			}
		}
	}
	if len(held) > 5 {
		held = append(held[:5], fmt.Sprintf("%d more", len(held)-5))
	}
	return n, held
}

// recommendations builds RECOMMENDATIONS.md.
func (m *model) recommendations() *Doc {
	d := &Doc{Title: "Recommendations"}
	d.add(Para{Strong: "Verdict: " + m.v.Verdict, Text: reasonText(m.v)})
	recs, other := m.recommend()
	if len(recs) == 0 && len(other) == 0 {
		d.add(Para{Strong: "Nothing needs to change.", Text: m.closestCall()})
		d.add(Para{Text: "Keep the current parameters (runtime_overrides.json) for the release."})
		return d
	}
	if len(recs) == 0 {
		d.add(Para{Strong: "No parameter needs to change.", Text: "The findings below need attention of another kind."})
	}
	if len(recs) > 0 {
		d.add(Heading{2, "Parameter changes"})
		t := Table{Head: []string{"#", "parameter", "current", "suggested", "for check", "rule"}, Right: []int{0, 2, 3}}
		for i, r := range recs {
			sug := numfmt.Table.Format(r.Suggested)
			if r.AtBound {
				sug += " (at bound)"
			}
			t.Rows = append(t.Rows, []string{strconv.Itoa(i + 1), r.Key, numfmt.Table.Format(r.Current), sug, r.Check, r.Rule.Name})
		}
		d.add(t)
		for i, r := range recs {
			d.add(Heading{3, fmt.Sprintf("%d. %s: %s -> %s", i+1, r.Key, numfmt.Table.Format(r.Current), numfmt.Table.Format(r.Suggested))})
			items := []string{
				"Parameter: " + r.Key,
				"Current value: " + numfmt.Table.Format(r.Current) + " (" + r.CurSource + ")",
				"Suggested value: " + numfmt.Table.Format(r.Suggested) + changeText(r),
			}
			for _, e := range r.Evidence {
				items = append(items, "Evidence: "+e)
			}
			items = append(items, "Expected effect: "+r.Effect)
			d.add(List{items})
		}
		d.add(Para{Text: "Suggestions come from the tuner's rule table and bounds table (soak-run --auto-tune uses the same), evaluated on the judged window's means. Change one subsystem at a time and soak again: soak-gate judges the result."})
	}
	if len(other) > 0 {
		d.add(Heading{2, "Other findings (no parameter change)"})
		items := make([]string, len(other))
		for i, f := range other {
			items[i] = f.text
		}
		d.add(List{items})
	}
	return d
}

func changeText(r Recommendation) string {
	d := r.Suggested - r.Current
	if d == 0 {
		return " (unchanged: at its bound)"
	}
	s := fmt.Sprintf(" (%s%s", sign(d), numfmt.Table.Format(math.Abs(d)))
	if r.Current != 0 {
		s += fmt.Sprintf(", %s%s%%", sign(d), numfmt.Table.Format(math.Abs(d)/math.Abs(r.Current)*100))
	}
	return s + ")"
}

func sign(d float64) string {
	if d < 0 {
		return "-"
	}
	return "+"
}

// closestCall names the passing check nearest to its threshold.
func (m *model) closestCall() string {
	best, bestM := -1, math.Inf(1)
	for i := range m.v.Checks {
		c := &m.v.Checks[i]
		if c.KPI == "" {
			continue
		}
		if mg := margin(c); !math.IsNaN(mg) && mg < bestM {
			best, bestM = i, mg
		}
	}
	if best < 0 {
		return "No check came close to its threshold."
	}
	c := &m.v.Checks[best]
	return fmt.Sprintf("Every check passed with at least %s%% margin; the closest is %s (%s, %s%% margin).", numfmt.Table.Format(NearMargin*100), c.Name, checkEvidence(c), numfmt.Table.Format(bestM*100))
}
