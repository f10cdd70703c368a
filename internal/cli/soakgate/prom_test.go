package soakgate

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/soakgen"
	"github.com/soakline/soakline/pkg/artifact"
)

// promPolicy judges statistics beyond kpi_last_n's four: p90, last and a
// sustained p75, next to a plain mean.
const promPolicy = `name: tails
window: 8
kpis:
  - kpi: p95_latency_ms
    statistic: p90
    direction: at_most
    fail: 340
  - kpi: net_bps
    statistic: last
    direction: at_least
    fail: 2.5
  - kpi: risk_ratio
    statistic: p75
    direction: at_most
    fail: 0.4
    sustained: {k: 2, n: 4}
  - kpi: maker_taker_ratio
    statistic: mean
    direction: at_least
    fail: 0.83
`

// TestMetricsRuleStatistics: every rule's statistic has a soak_kpi_window
// series (the selector release-tag's triggers query) whose value is the
// value the check judged; kpi_last_n's four are there too, once each.
func TestMetricsRuleStatistics(t *testing.T) {
	dir := t.TempDir()
	soak := filepath.Join(dir, "soak")
	if err := os.Mkdir(soak, 0o755); err != nil {
		t.Fatal(err)
	}
	writeSoak(t, soak, 12)
	pol := filepath.Join(dir, "tails.yaml")
	if err := os.WriteFile(pol, []byte(promPolicy), 0o644); err != nil {
		t.Fatal(err)
	}
	prom := filepath.Join(dir, "gate.prom")
	var out, errb bytes.Buffer
	stdio := cliutil.Stdio{In: bytes.NewReader(nil), Out: &out, Err: &errb, Getenv: func(string) (string, bool) { return "", false }}
	if err := Run(context.Background(), []string{soak, "--policy", pol, "--prometheus=" + prom}, stdio); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	var v artifact.Verdict
	if err := artifact.Decode("stdout", out.Bytes(), artifact.KindVerdict, &v); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(prom)
	if err != nil {
		t.Fatal(err)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the .prom file does not parse: %v\n%s", err, data)
	}
	fam := families["soak_kpi_window"]
	if fam == nil {
		t.Fatalf("no soak_kpi_window family:\n%s", data)
	}
	if fam.GetHelp() == "" || fam.GetType().String() != "GAUGE" {
		t.Errorf("soak_kpi_window: help %q, type %s", fam.GetHelp(), fam.GetType())
	}
	got := map[string]float64{} // "kpi statistic window" -> value
	for _, m := range fam.GetMetric() {
		l := map[string]string{}
		for _, lp := range m.GetLabel() {
			l[lp.GetName()] = lp.GetValue()
		}
		key := l["kpi"] + " " + l["statistic"] + " " + l["window"]
		if _, dup := got[key]; dup {
			t.Errorf("series %s twice", key)
		}
		got[key] = m.GetGauge().GetValue()
	}

	want := map[string]float64{}
	for _, c := range v.Checks {
		switch c.Name {
		case "p95_latency_ms_p90", "net_bps_last", "risk_ratio_p75", "maker_taker_ratio_mean":
			if c.Value == nil {
				t.Fatalf("check %s has no value", c.Name)
			}
			want[c.KPI+" "+c.Statistic+" 8"] = *c.Value
		}
	}
	if len(want) != 4 {
		t.Fatalf("want 4 rule checks, found %d: %+v", len(want), v.Checks)
	}
	for name, st := range v.KPILastN {
		for stat, p := range map[string]*float64{"mean": st.Mean, "median": st.Median, "min": st.Min, "max": st.Max} {
			if p != nil {
				want[name+" "+stat+" 8"] = *p
			}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("soak_kpi_window series (-want +got):\n%s", diff)
	}
	// The last value of the window is the last iteration's.
	iterations, _, _ := soakgen.Soak(12, 1) // what writeSoak wrote
	if last := *iterations[11].Summary.NetBps; got["net_bps last 8"] != last {
		t.Errorf("net_bps last = %v, want %v, the value of iteration 12", got["net_bps last 8"], last)
	}
}
