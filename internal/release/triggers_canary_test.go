package release

import (
	"strings"
	"testing"

	"github.com/soakline/soakline/internal/policy"
)

// TestTriggersCarryQueries: every trigger carries its KPI's query (the
// policy's prometheus: section over the built-in ones) and its for count
// as evaluations; the watch section lists each KPI once with its
// direction, min_effect and on_missing.
func TestTriggersCarryQueries(t *testing.T) {
	p, err := policy.Parse("p.yaml", []byte(`kpis:
  - {kpi: p95_latency_ms, direction: at_most, fail: 340, warn: 300, sustained: {consecutive: 3}, min_effect: 20}
  - {kpi: p95_latency_ms, statistic: max, direction: at_most, fail: 900}
  - {kpi: net_bps, direction: at_least, fail: 2.5, sustained: {k: 2, n: 4}, on_missing: fail}
  - {kpi: cancel_ratio, direction: at_most, fail: 0.5, on_missing: skip}
prometheus:
  queries:
    net_bps: 'avg(my_edge{$selector})'
`))
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		query        string
		count, of    int
		action, cond string
	}
	lat := policy.DefaultQueries()["p95_latency_ms"]
	wants := map[string]want{
		"p95_latency_ms_mean_fail":    {lat, 3, 3, ActionRollback, "> 340"},
		"p95_latency_ms_mean_warn":    {lat, 3, 3, ActionHold, "> 300"},
		"p95_latency_ms_mean_missing": {lat, CanaryGrace, CanaryGrace, ActionHold, "no data for 10m"},
		"p95_latency_ms_max_fail":     {lat, 1, 1, ActionRollback, "> 900"},
		"p95_latency_ms_max_missing":  {lat, CanaryGrace, CanaryGrace, ActionHold, "no data for 10m"},
		"net_bps_mean_fail":           {"avg(my_edge{$selector})", 2, 4, ActionRollback, "< 2.5"},
		"net_bps_mean_missing":        {"avg(my_edge{$selector})", CanaryGrace, CanaryGrace, ActionRollback, "no data for 10m"},
		"cancel_ratio_mean_fail":      {"", 1, 1, ActionRollback, "> 0.5"},
	}
	ts := Triggers(p)
	if len(ts) != len(wants) {
		t.Fatalf("%d triggers, want %d", len(ts), len(wants))
	}
	for _, tr := range ts {
		w, ok := wants[tr.Name]
		if !ok {
			t.Errorf("unexpected trigger %s", tr.Name)
			continue
		}
		if tr.Query != w.query || tr.Count != w.count || tr.Of != w.of || tr.Action != w.action || tr.Condition != w.cond {
			t.Errorf("%s: query %q count %d of %d action %s condition %q; want %+v", tr.Name, tr.Query, tr.Count, tr.Of, tr.Action, tr.Condition, w)
		}
		if !strings.Contains(tr.Expr, MetricFamily) {
			t.Errorf("%s: Expr %q no longer reads %s", tr.Name, tr.Expr, MetricFamily)
		}
	}
	w := Watch(p)
	var kpis []string
	for _, k := range w.KPIs {
		kpis = append(kpis, k.KPI+" "+k.Direction+" "+k.OnMissing)
	}
	if got := strings.Join(kpis, ", "); got != "p95_latency_ms <= inconclusive, net_bps >= fail, cancel_ratio <= skip" {
		t.Errorf("watch.kpis: %s", got)
	}
	if w.Grace != CanaryGrace || w.Alpha != p.Compare.Alpha || w.MinSamples != p.Compare.MinSamples || w.KPIs[0].MinEffect != 20 {
		t.Errorf("watch: %+v", w)
	}
}
