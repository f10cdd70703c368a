// Package canary is the watcher behind release-tag canary (whose flags
// live in the stage internal/cli/releasetag): it watches a tagged release's
// canary through Prometheus, evaluating the rollback triggers of its
// CANARY_PLAN.json over the bot's own metrics every interval, comparing
// the canary with a baseline, and deciding ROLLBACK, HOLD or PROMOTE with
// the reasons. Evaluate is the pure decision over the history; Fetch reads
// Prometheus (one batch of evaluation times: one for a live watcher, all of
// them for a replay); Run drives both, keeps the state file and acts, and
// returns plain errors (a *DecisionError when not promoted): the stage
// chooses the exit code.
package canary

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/internal/promq"
	"github.com/soakline/soakline/internal/release"
	"github.com/soakline/soakline/internal/stats"
	"github.com/soakline/soakline/pkg/artifact"
)

// Decisions of an evaluation.
const (
	Continue = "CONTINUE"
	Hold     = "HOLD"
	Rollback = "ROLLBACK"
	Promote  = "PROMOTE"
)

// Classes of a comparison against the baseline.
const (
	Pass      = "Pass"
	Regressed = "Regressed"
	NoData    = "NoData"
)

// Config is what one canary watch evaluates.
type Config struct {
	Plan        *release.CanaryPlan
	Canary      string // selector, canonical (promq.FormatSelector)
	Baseline    string // "" when there is no baseline
	Interval    time.Duration
	SampleStep  time.Duration // step of the samples compared with the baseline
	MinDuration time.Duration
	MaxDuration time.Duration
}

// KPIValue is a KPI of the canary at one evaluation.
type KPIValue struct {
	KPI    string   `json:"kpi"`
	Value  *float64 `json:"value,omitempty"`
	NoData string   `json:"no_data,omitempty"` // why there is no value
	Query  string   `json:"query"`
}

// TriggerResult is one trigger at one evaluation.
type TriggerResult struct {
	Name      string `json:"name"`
	KPI       string `json:"kpi"`
	Level     string `json:"level"` // fail, warn or missing
	Action    string `json:"action"`
	Condition string `json:"condition"`
	Breached  bool   `json:"breached"`
	Hits      int    `json:"hits"` // breached evaluations among the last Of
	Count     int    `json:"count"`
	Of        int    `json:"of"`
	Fired     bool   `json:"fired"`
}

// Comparison is the canary against the baseline for one KPI over one
// interval's samples.
type Comparison struct {
	KPI   string `json:"kpi"`
	Class string `json:"class"` // Pass, Regressed or NoData
	// Shift is the Hodges-Lehmann estimate of canary minus baseline.
	Shift     *float64 `json:"shift,omitempty"`
	MinEffect float64  `json:"min_effect"`
	// P is the one-sided p-value of the Mann-Whitney test in the
	// direction of a regression; PHolm the Holm-adjusted one over the
	// evaluation's KPIs.
	P         *float64 `json:"p,omitempty"`
	PHolm     *float64 `json:"p_holm,omitempty"`
	NCanary   int      `json:"n_canary"`
	NBaseline int      `json:"n_baseline"`
	// BaselineMedian is the median of the baseline's samples over the
	// interval (absent without samples); the report's charts draw it.
	BaselineMedian *float64 `json:"baseline_median,omitempty"`
	Query          string   `json:"query"`
	BaselineQuery  string   `json:"baseline_query"`
	Why            string   `json:"why"`
}

// Evaluation is one interval's look at the canary.
type Evaluation struct {
	Index       int             `json:"index"`
	Time        time.Time       `json:"time"`
	Elapsed     string          `json:"elapsed"`
	KPIs        []KPIValue      `json:"kpis"`
	Triggers    []TriggerResult `json:"triggers"`
	Compare     []Comparison    `json:"compare,omitempty"`
	Unreachable string          `json:"unreachable,omitempty"`
	Decision    string          `json:"decision"`
	Reasons     []string        `json:"reasons"`
}

// Frame is what Prometheus says for one evaluation time.
type Frame struct {
	Time time.Time
	// Values per KPI (canary); absent: no data.
	Values map[string]float64
	// Samples per KPI over the interval, canary and baseline.
	Canary, Baseline map[string][]float64
	// Unreachable is why Prometheus could not be asked ("" when it was).
	Unreachable string
}

// watched are the plan's KPIs with a query.
func watched(p *release.CanaryPlan) []release.CanaryKPI {
	if p.Watch == nil {
		return nil
	}
	var out []release.CanaryKPI
	for _, k := range p.Watch.KPIs {
		if k.Query != "" {
			out = append(out, k)
		}
	}
	return out
}

// CheckPlan refuses a plan release-tag canary cannot follow.
func CheckPlan(p *release.CanaryPlan) error {
	if p.Kind != artifact.KindCanaryPlan {
		return fmt.Errorf("kind %q: want %q", p.Kind, artifact.KindCanaryPlan)
	}
	if p.Watch == nil || len(watched(p)) == 0 {
		return fmt.Errorf("the plan has no KPI queries (watch.kpis): it was written before release-tag canary; tag again with this release-tag")
	}
	if p.Watch.Grace < 1 || p.Watch.MinSamples < 1 || !(p.Watch.Alpha > 0 && p.Watch.Alpha < 1) {
		return fmt.Errorf("watch: grace and min_samples must be at least 1 and alpha in (0,1)")
	}
	for i, k := range p.Watch.KPIs {
		if k.Direction != policy.AtLeast && k.Direction != policy.AtMost {
			return fmt.Errorf("watch.kpis[%d]: direction %q: want >= or <=", i, k.Direction)
		}
		if math.IsNaN(k.MinEffect) || math.IsInf(k.MinEffect, 0) || k.MinEffect < 0 {
			return fmt.Errorf("watch.kpis[%d]: min_effect must be a finite number >= 0", i)
		}
		if k.Query != "" {
			if err := policy.ValidateQuery(k.Query); err != nil {
				return fmt.Errorf("watch.kpis[%d] (%s): query: %v", i, k.KPI, err)
			}
		}
	}
	queries := map[string]string{}
	for _, k := range watched(p) {
		queries[k.KPI] = k.Query
	}
	for i, t := range p.Triggers {
		if t.Query == "" {
			continue
		}
		if queries[t.KPI] != t.Query {
			return fmt.Errorf("triggers[%d] (%s): its query is not the one watch.kpis has for %s", i, t.Name, t.KPI)
		}
		if t.Level != "fail" && t.Level != "warn" && t.Level != "missing" {
			return fmt.Errorf("triggers[%d] (%s): level %q: want fail, warn or missing", i, t.Name, t.Level)
		}
		if t.Count < 1 || t.Of < t.Count || t.Of > 10000 {
			return fmt.Errorf("triggers[%d] (%s): want 1 <= count <= of <= 10000, got %d of %d", i, t.Name, t.Count, t.Of)
		}
		if t.Action != "rollback" && t.Action != "hold" {
			return fmt.Errorf("triggers[%d] (%s): action %q: want rollback or hold", i, t.Name, t.Action)
		}
		if t.Level != "missing" {
			if _, err := breachOp(t); err != nil {
				return fmt.Errorf("triggers[%d] (%s): %v", i, t.Name, err)
			}
		}
	}
	return nil
}

func breachOp(t release.CanaryTrigger) (string, error) {
	op, rest, _ := strings.Cut(t.Condition, " ")
	if (op != "<" && op != ">") || math.IsNaN(t.Threshold) || math.IsInf(t.Threshold, 0) {
		return "", fmt.Errorf("condition %q: want \"< LEVEL\" or \"> LEVEL\"", t.Condition)
	}
	if v, err := strconv.ParseFloat(rest, 64); err != nil || v != t.Threshold {
		return "", fmt.Errorf("condition %q does not match threshold %g", t.Condition, t.Threshold)
	}
	return op, nil
}

// Evaluate decides one evaluation from the frame and the evaluations
// before it (history, oldest first). It is pure: the same history and
// frame give the same evaluation, which is what lets a restarted watcher
// (--state) and a replay reach the decision a live watcher did.
func Evaluate(cfg *Config, history []Evaluation, start time.Time, f Frame) Evaluation {
	p := cfg.Plan
	kpis := watched(p)
	ev := Evaluation{Index: len(history) + 1, Time: f.Time.UTC(), Elapsed: promq.Duration(f.Time.Sub(start)), Unreachable: f.Unreachable, Reasons: []string{}}

	// 1. The canary's KPI values.
	var have map[string]bool
	ev.KPIs, have = canaryValues(cfg, kpis, f)

	// 2. Triggers: breached now, fired when Count of the last Of breached.
	var rollbacks, holds []string
	var breachedNow bool
	ev.Triggers, rollbacks, holds, breachedNow = triggers(p, history, f, ev.KPIs, have)

	// 3. The baseline, when there is one.
	regressedNow := false
	if cfg.Baseline != "" {
		var regressions []string
		ev.Compare, regressions, regressedNow = baseline(cfg, kpis, history, f)
		holds = append(holds, regressions...)
	}

	// 4. Prometheus unreachable past the grace.
	if f.Unreachable != "" {
		streak := 1
		for i := len(history) - 1; i >= 0 && history[i].Unreachable != ""; i-- {
			streak++
		}
		if streak >= p.Watch.Grace {
			holds = append(holds, fmt.Sprintf("prometheus unreachable in %d evaluations in a row: %s", streak, f.Unreachable))
		}
	}

	// 5. Decide: a rollback outranks everything; a hold is for good (a
	// person decides); promotion needs the minimum duration and a clean
	// evaluation.
	decide(&ev, cfg, history, start, f, rollbacks, holds, func() string {
		return unclean(kpis, ev, f, have, breachedNow, regressedNow)
	}, breachedNow)
	return ev
}

// canaryValues is Evaluate's step 1: the canary's value of each watched
// KPI, or why it has none, and which have one.
func canaryValues(cfg *Config, kpis []release.CanaryKPI, f Frame) ([]KPIValue, map[string]bool) {
	var out []KPIValue
	have := map[string]bool{}
	for _, k := range kpis {
		kv := KPIValue{KPI: k.KPI, Query: promq.Expand(k.Query, cfg.Canary, cfg.Interval)}
		switch v, ok := f.Values[k.KPI]; {
		case f.Unreachable != "":
			kv.NoData = "prometheus unreachable"
		case !ok:
			kv.NoData = "no series"
		case math.IsNaN(v) || math.IsInf(v, 0):
			kv.NoData = "not a number (" + numfmt.Level.Format(v) + "): no activity in the interval"
		default:
			vv := v
			kv.Value = &vv
			have[k.KPI] = true
		}
		out = append(out, kv)
	}
	return out, have
}

// triggers is Evaluate's step 2: each trigger breached now or not, fired
// when Count of its last Of evaluations breached; the reasons of the
// rollback and hold triggers that fired; and whether any is breached now.
func triggers(p *release.CanaryPlan, history []Evaluation, f Frame, kvs []KPIValue, have map[string]bool) (results []TriggerResult, rollbacks, holds []string, breachedNow bool) {
	value := func(kpi string) (float64, bool) {
		for _, kv := range kvs {
			if kv.KPI == kpi && kv.Value != nil {
				return *kv.Value, true
			}
		}
		return 0, false
	}
	for _, t := range p.Triggers {
		if t.Query == "" {
			continue
		}
		tr := TriggerResult{Name: t.Name, KPI: t.KPI, Level: t.Level, Action: t.Action, Condition: t.Condition, Count: t.Count, Of: t.Of}
		if f.Unreachable == "" {
			if t.Level == "missing" {
				tr.Breached = !have[t.KPI]
			} else if v, ok := value(t.KPI); ok {
				op, _ := breachOp(t)
				tr.Breached = (op == "<" && v < t.Threshold) || (op == ">" && v > t.Threshold)
			}
		}
		breachedNow = breachedNow || tr.Breached
		if tr.Breached {
			tr.Hits = 1
		}
		for i := len(history) - 1; i >= 0 && i >= len(history)-(t.Of-1); i-- {
			for _, old := range history[i].Triggers {
				if old.Name == t.Name && old.Breached {
					tr.Hits++
				}
			}
		}
		tr.Fired = tr.Breached && tr.Hits >= t.Count
		if tr.Fired {
			why := fmt.Sprintf("trigger %s fired: %s (%d of the last %d evaluations)", t.Name, triggerText(t, value), tr.Hits, t.Of)
			if t.Action == "rollback" {
				rollbacks = append(rollbacks, why)
			} else {
				holds = append(holds, why)
			}
		}
		results = append(results, tr)
	}
	return results, rollbacks, holds, breachedNow
}

// baseline is Evaluate's step 3: the comparison with the baseline, the
// holds of KPIs regressed in Grace evaluations in a row, and whether any
// KPI regressed now.
func baseline(cfg *Config, kpis []release.CanaryKPI, history []Evaluation, f Frame) (cmp []Comparison, holds []string, regressedNow bool) {
	cmp = compare(cfg, kpis, f)
	grace := cfg.Plan.Watch.Grace
	for _, c := range cmp {
		if c.Class != Regressed {
			continue
		}
		regressedNow = true
		streak := 1
		for i := len(history) - 1; i >= 0 && streak < grace; i-- {
			if !regressed(history[i], c.KPI) {
				break
			}
			streak++
		}
		if streak >= grace {
			holds = append(holds, fmt.Sprintf("%s regressed against the baseline in %d evaluations in a row: %s", c.KPI, streak, c.Why))
		}
	}
	return cmp, holds, regressedNow
}

// decide is Evaluate's step 5: the decision and its reasons. unclean says
// why an evaluation past the minimum duration is not clean ("" when it
// is).
func decide(ev *Evaluation, cfg *Config, history []Evaluation, start time.Time, f Frame, rollbacks, holds []string, unclean func() string, breachedNow bool) {
	elapsed := f.Time.Sub(start)
	heldBefore := ""
	for _, h := range history {
		if h.Decision == Hold {
			heldBefore = fmt.Sprintf("held since evaluation %d (%s)", h.Index, h.Time.Format(time.RFC3339))
			break
		}
	}
	switch {
	case len(rollbacks) > 0:
		ev.Decision, ev.Reasons = Rollback, rollbacks
	case len(holds) > 0:
		ev.Decision, ev.Reasons = Hold, holds
	case heldBefore != "":
		ev.Decision, ev.Reasons = Hold, []string{heldBefore + ": a held canary is never promoted"}
	case elapsed >= cfg.MinDuration:
		if why := unclean(); why != "" {
			ev.Decision, ev.Reasons = Continue, []string{"past the minimum duration, not promoted yet: " + why}
		} else {
			ev.Decision, ev.Reasons = Promote, []string{fmt.Sprintf("clean through the minimum duration %s: every watched KPI has data, no trigger breached", promq.Duration(cfg.MinDuration))}
		}
	default:
		ev.Decision = Continue
		if breachedNow {
			ev.Reasons = append(ev.Reasons, "a trigger is breached but has not reached its count")
		}
		for _, kv := range ev.KPIs {
			if kv.Value == nil {
				ev.Reasons = append(ev.Reasons, kv.KPI+": no data ("+kv.NoData+")")
			}
		}
	}
}

func unclean(kpis []release.CanaryKPI, ev Evaluation, f Frame, have map[string]bool, breached, regressed bool) string {
	switch {
	case f.Unreachable != "":
		return "prometheus unreachable"
	case breached:
		return "a trigger is breached"
	case regressed:
		return "a KPI regressed against the baseline"
	}
	n := 0
	for _, k := range kpis {
		if have[k.KPI] {
			n++
		} else if k.OnMissing != policy.OnMissingSkip {
			return k.KPI + " has no data"
		}
	}
	if n == 0 {
		return "no watched KPI has data"
	}
	return ""
}

func regressed(ev Evaluation, kpi string) bool {
	for _, c := range ev.Compare {
		if c.KPI == kpi {
			return c.Class == Regressed
		}
	}
	return false
}

func triggerText(t release.CanaryTrigger, value func(string) (float64, bool)) string {
	if t.Level == "missing" {
		return t.KPI + " has no data"
	}
	v, _ := value(t.KPI)
	return fmt.Sprintf("%s = %s, %s", t.KPI, numfmt.Significant.Format(v), t.Condition)
}

func ptr(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// compare classifies each KPI of the frame: NoData when either side has
// fewer than the plan's min_samples; Regressed when the one-sided
// Mann-Whitney test in the direction of a regression is significant at
// alpha after Holm's adjustment over the KPIs and the Hodges-Lehmann shift
// is at least min_effect in that direction; Pass otherwise.
func compare(cfg *Config, kpis []release.CanaryKPI, f Frame) []Comparison {
	w := cfg.Plan.Watch
	out := make([]Comparison, len(kpis))
	ps := make([]float64, len(kpis))
	for i, k := range kpis {
		c := Comparison{KPI: k.KPI, MinEffect: k.MinEffect,
			Query:         promq.Expand(k.Query, cfg.Canary, cfg.SampleStep),
			BaselineQuery: promq.Expand(k.Query, cfg.Baseline, cfg.SampleStep)}
		ps[i] = math.NaN()
		cur, base := finiteOnly(f.Canary[k.KPI]), finiteOnly(f.Baseline[k.KPI])
		c.NCanary, c.NBaseline = len(cur), len(base)
		if len(base) > 0 {
			c.BaselineMedian = ptr(median(base))
		}
		switch {
		case f.Unreachable != "":
			c.Class, c.Why = NoData, "prometheus unreachable"
		case len(cur) < w.MinSamples || len(base) < w.MinSamples:
			c.Class, c.Why = NoData, fmt.Sprintf("%d canary and %d baseline samples (at least %d each)", len(cur), len(base), w.MinSamples)
		default:
			mw := stats.MannWhitney(base, cur)
			shift, _, _ := stats.HodgesLehmann(base, cur, 1-w.Alpha)
			c.Shift = ptr(shift)
			// U counts baseline values above canary values: below its
			// null mean the canary tends higher.
			mu := float64(len(base)*len(cur)) / 2
			higher := mw.U < mu
			worse := higher == (k.Direction == policy.AtMost)
			if mw.U == mu {
				worse = false
			}
			p := 1 - mw.P/2
			if worse {
				p = mw.P / 2
			}
			ps[i] = p
			c.P = ptr(p)
		}
		out[i] = c
	}
	adj := stats.Holm(ps)
	for i := range out {
		c := &out[i]
		if c.Class == NoData {
			continue
		}
		c.PHolm = ptr(adj[i])
		shift := *c.Shift
		dirShift := shift
		if kpis[i].Direction == policy.AtLeast {
			dirShift = -shift
		}
		desc := fmt.Sprintf("shift %s (min effect %s), one-sided p %s, Holm %s, n %d/%d", signed(shift), numfmt.Significant.Format(c.MinEffect), numfmt.Significant.Format(*c.P), numfmt.Significant.Format(adj[i]), c.NCanary, c.NBaseline)
		if adj[i] < w.Alpha && dirShift >= c.MinEffect && dirShift > 0 {
			c.Class = Regressed
		} else {
			c.Class = Pass
		}
		c.Why = desc
	}
	return out
}

func signed(v float64) string {
	if v >= 0 {
		return "+" + numfmt.Significant.Format(v)
	}
	return numfmt.Significant.Format(v)
}

func finiteOnly(xs []float64) []float64 {
	out := make([]float64, 0, len(xs))
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			out = append(out, x)
		}
	}
	return out
}

// median is the middle value of xs (not empty), the mean of the two
// middle ones for an even count.
func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
