package canary

import (
	"math"
	"strconv"
	"time"

	"github.com/soakline/soakline/internal/chart"
	"github.com/soakline/soakline/internal/release"
)

// ChartsDir is the directory of the report's charts inside --out DIR.
const ChartsDir = "charts"

// Chart is one KPI's chart of a canary report.
type Chart struct {
	KPI  string
	File string // slash-separated, relative to the report's directory
	SVG  []byte
}

// Charts draws one chart per KPI of the report's evaluations (in their
// order): the canary's value per evaluation, the median of the
// baseline's samples when a baseline was compared, the KPI's rollback
// threshold (the first fail-level rollback trigger of the plan on it),
// and the decision point marked. The x axis is the time since start, in
// minutes when the interval is a whole number of minutes and in seconds
// otherwise, each evaluation placed on the interval's grid. The same
// state and plan give the same bytes.
func Charts(st *State, plan *release.CanaryPlan) ([]Chart, error) {
	if len(st.Evaluations) == 0 {
		return nil, nil
	}
	interval, err := time.ParseDuration(st.Interval)
	if err != nil || interval <= 0 {
		interval = time.Minute
	}
	unit, label := time.Minute, "minutes since start"
	if interval%time.Minute != 0 {
		unit, label = time.Second, "seconds since start"
	}
	step := max(int(interval/unit), 1)
	xs := make([]int, len(st.Evaluations))
	for i, ev := range st.Evaluations {
		xs[i] = int(math.Round(float64(ev.Time.Sub(st.Start))/float64(interval))) * step
	}
	var marks []chart.Mark
	for i, ev := range st.Evaluations {
		if ev.Decision != Continue {
			marks = append(marks, chart.Mark{X: xs[i], Label: ev.Decision + " at #" + strconv.Itoa(ev.Index)})
			break
		}
	}
	direction := map[string]string{}
	if plan != nil && plan.Watch != nil {
		for _, k := range plan.Watch.KPIs {
			direction[k.KPI] = k.Direction
		}
	}
	var out []Chart
	used := map[string]bool{}
	for j, kv := range st.Evaluations[0].KPIs {
		s := chart.Series{KPI: kv.KPI, ValueLabel: "canary", Iterations: xs, Values: make([]float64, len(xs)),
			Direction: direction[kv.KPI], Marks: marks}
		for i, ev := range st.Evaluations {
			s.Values[i] = math.NaN()
			if j < len(ev.KPIs) && ev.KPIs[j].KPI == kv.KPI && ev.KPIs[j].Value != nil {
				s.Values[i] = *ev.KPIs[j].Value
			}
		}
		if st.Baseline != "" {
			s.Baseline, s.BaselineLabel = make([]float64, len(xs)), "baseline (median of the interval's samples)"
			for i, ev := range st.Evaluations {
				s.Baseline[i] = math.NaN()
				for _, c := range ev.Compare {
					if c.KPI == kv.KPI && c.BaselineMedian != nil {
						s.Baseline[i] = *c.BaselineMedian
					}
				}
			}
		}
		if plan != nil {
			for _, t := range plan.Triggers {
				if t.KPI == kv.KPI && t.Level == "fail" && t.Action == "rollback" {
					th := t.Threshold
					s.Threshold = &th
					break
				}
			}
		}
		b, err := chart.SVG(s, chart.Options{XLabel: label, XStep: step})
		if err != nil {
			return nil, err
		}
		name := chartName(kv.KPI, j, used)
		out = append(out, Chart{KPI: kv.KPI, File: ChartsDir + "/" + name, SVG: b})
	}
	return out, nil
}

// chartName is the file name of a KPI's chart: the KPI's name when it is
// a plain, unused file name of letters, digits, '_', '-' and '.' not
// starting with '.', else kpi-N.svg (N its position, from 1).
func chartName(kpi string, j int, used map[string]bool) string {
	plain := kpi != "" && kpi[0] != '.' && len(kpi) <= 100
	for i := 0; plain && i < len(kpi); i++ {
		c := kpi[i]
		plain = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
	}
	name := kpi + ".svg"
	if !plain || used[name] {
		name = "kpi-" + strconv.Itoa(j+1) + ".svg"
	}
	for used[name] {
		name = "_" + name
	}
	used[name] = true
	return name
}
