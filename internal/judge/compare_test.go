package judge

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/soakline/soakline/internal/legacy"
	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/internal/stats"
	"github.com/soakline/soakline/pkg/artifact"
)

// run is a baseline run with window means of the four policy KPIs around
// good(): net_bps is netMean, p95 p95Mean.
func run(name string, netMean, p95Mean float64) BaselineRun {
	return BaselineRun{Path: name, Digest: "digest-" + name, SoakDigest: "soak-" + name,
		Means: map[string]float64{"maker_taker_ratio": 0.9, "p95_latency_ms": p95Mean, "risk_ratio": 0.3, "net_bps": netMean},
		N:     map[string]int{"maker_taker_ratio": 8, "p95_latency_ms": 8, "risk_ratio": 8, "net_bps": 8}}
}

// fiveRuns: net_bps means 5.0 ± sd 0.158 (mean 5, SE of a new run 0.1732),
// p95 means 200 ± sd 1.58.
func fiveRuns() []BaselineRun {
	return []BaselineRun{run("b1", 5.0, 200), run("b2", 5.2, 202), run("b3", 4.8, 198), run("b4", 5.1, 201), run("b5", 4.9, 199)}
}

func compareCheck(t *testing.T, v *artifact.Verdict, kpi string) artifact.Check {
	t.Helper()
	for _, c := range v.Checks {
		if c.Name == "compare_"+kpi {
			return c
		}
	}
	t.Fatalf("no compare_%s check in %+v", kpi, v.Checks)
	return artifact.Check{}
}

func netPolicy(minEffect float64) *policy.Policy {
	pol := policy.Default(false)
	pol.KPIs = []policy.Rule{{KPI: "net_bps", Statistic: policy.StatMean, Direction: policy.AtLeast, Fail: 2.5, OnMissing: policy.OnMissingInconclusive, MinEffect: minEffect}}
	return pol
}

func netSoak(x float64) func(i int, it *artifact.IterationSummary) {
	return func(i int, it *artifact.IterationSummary) { it.Summary.NetBps = artifact.F(x) }
}

func TestCompare(t *testing.T) {
	short := func(n int) func(i int, it *artifact.IterationSummary) {
		return func(i int, it *artifact.IterationSummary) {
			it.Summary.NetBps = artifact.F(5)
			if i > n {
				it.Summary.NetBps = nil
			}
		}
	}
	few := fiveRuns()
	for i := range few[:4] {
		few[i].N["net_bps"] = 3
	}
	tests := []struct {
		name   string
		pol    *policy.Policy
		edit   func(i int, it *artifact.IterationSummary)
		runs   []BaselineRun
		want   string
		value  *float64
		reason string
	}{
		{name: "no change", pol: netPolicy(0.5), edit: netSoak(5), runs: fiveRuns(), want: "PASS", value: artifact.F(0), reason: "no regression"},
		{name: "significant and material regression", pol: netPolicy(0.5), edit: netSoak(3), runs: fiveRuns(), want: "FAIL", value: artifact.F(-2),
			reason: "significant regression of at least the minimum effect 0.5"},
		{name: "significant but below the minimum effect", pol: netPolicy(0.5), edit: netSoak(4.6), runs: fiveRuns(), want: "PASS", value: artifact.F(-0.4),
			reason: "significant but smaller than the minimum effect 0.5"},
		{name: "improvement", pol: netPolicy(0.5), edit: netSoak(8), runs: fiveRuns(), want: "PASS", value: artifact.F(3), reason: ": no regression"},
		{name: "large shift within the run-to-run spread", pol: netPolicy(0.5), edit: netSoak(4.4),
			runs: []BaselineRun{run("b1", 5, 200), run("b2", 3, 200), run("b3", 7, 200)}, want: "PASS", value: artifact.F(-0.6),
			reason: "no significant regression (the smallest shift this comparison could call significant at the Holm level 0.05 is 6.743418)"},
		// One soak of each build: the spread between runs is unknown.
		{name: "one baseline run", pol: netPolicy(0.5), edit: netSoak(3), runs: fiveRuns()[:1], want: "SKIP",
			reason: "too few baseline soaks to tell: 1 usable, need 2 or more runs of the baseline build"},
		{name: "baseline runs with too few values are left out", pol: netPolicy(0.5), edit: netSoak(3), runs: few, want: "SKIP",
			reason: "(left out: b1: n=3 < 4; b2: n=3 < 4; b3: n=3 < 4; b4: n=3 < 4)"},
		{name: "baseline runs without the KPI are left out", pol: netPolicy(0.5), edit: netSoak(3),
			runs: []BaselineRun{{Path: "x", Means: map[string]float64{}}, run("b2", 5, 200)}, want: "SKIP", reason: "left out: x: no net_bps"},
		{name: "this soak has too few values", pol: netPolicy(0.5), edit: short(3), runs: fiveRuns(), want: "SKIP",
			reason: "too few samples to tell: this soak has n=3 values of net_bps, need 4"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if strings.HasPrefix(tc.name, "this soak") {
				tc.pol.KPIs[0].OnMissing = policy.OnMissingSkip
			}
			b := NewBaseline(tc.runs)
			v, err := Evaluate(soakOf(8, tc.edit), tc.pol, Options{Baseline: b})
			if err != nil {
				t.Fatal(err)
			}
			got := compareCheck(t, v, "net_bps")
			if got.Status != tc.want || !cmp.Equal(got.Value, tc.value) || !strings.Contains(got.Reason, tc.reason) {
				t.Errorf("compare_net_bps = %s %v %q, want %s %v containing %q", got.Status, fmtPtr(got.Value), got.Reason, tc.want, fmtPtr(tc.value), tc.reason)
			}
			if v.Comparison == nil || v.Comparison.Baseline != b.Paths() || v.Settings.CompareBaseline != b.Digest || b.Digest == "" {
				t.Errorf("comparison not recorded: %+v, settings %+v", v.Comparison, v.Settings)
			}
		})
	}
}

// The test is one-sided in the direction the rule calls worse. Here the
// one-sided p is about 0.036: significant at 0.05, where the two-sided p
// (about 0.072), which the comparison used before, was not.
func TestCompareOneSided(t *testing.T) {
	v, err := Evaluate(soakOf(8, netSoak(4.58)), netPolicy(0.1), Options{Baseline: NewBaseline(fiveRuns())})
	if err != nil {
		t.Fatal(err)
	}
	c := compareCheck(t, v, "net_bps")
	res := stats.PredictT([]float64{5, 5.2, 4.8, 5.1, 4.9}, 4.58, stats.Less)
	if !(res.P > 0.025 && res.P < 0.05) {
		t.Fatalf("test case broken: one-sided p %g", res.P)
	}
	if c.Status != artifact.CheckFail || !strings.Contains(c.Reason, "p="+FormatP(res.P, 0.05)+",") {
		t.Errorf("one-sided p %g: got %s %q, want FAIL showing the p", res.P, c.Status, c.Reason)
	}
	// The same shift upward is an improvement of net_bps, never a regression.
	v, _ = Evaluate(soakOf(8, netSoak(5.42)), netPolicy(0.1), Options{Baseline: NewBaseline(fiveRuns())})
	if c := compareCheck(t, v, "net_bps"); c.Status != artifact.CheckPass || !strings.HasSuffix(c.Reason, ": no regression") {
		t.Errorf("improvement: %s %q", c.Status, c.Reason)
	}
	// For an at_most KPI (p95 latency) up is worse.
	pol := policy.Default(false)
	v, _ = Evaluate(soakOf(8, func(i int, it *artifact.IterationSummary) { it.Summary.P95LatencyMs = artifact.F(260) }), pol, Options{Baseline: NewBaseline(fiveRuns())})
	if c := compareCheck(t, v, "p95_latency_ms"); c.Status != artifact.CheckFail {
		t.Errorf("p95 +60 ms: %s %q", c.Status, c.Reason)
	}
}

// Holm across the KPIs: a p95 regression whose own p is below alpha but
// whose Holm-adjusted p over the policy's four KPIs is not passes, and
// says both.
func TestCompareHolm(t *testing.T) {
	// p95 means 200 ± 1.58 over five runs: SE 1.732; t = 2.4 is p ≈ 0.037.
	p95 := 200 + 2.4*math.Sqrt(0.025*100)*math.Sqrt(1.2)
	res := stats.PredictT([]float64{200, 202, 198, 201, 199}, p95, stats.Greater)
	pol := policy.Default(false)
	for i := range pol.KPIs {
		pol.KPIs[i].MinEffect = 0 // significance alone decides here
	}
	soak := soakOf(8, func(i int, it *artifact.IterationSummary) {
		it.Summary.P95LatencyMs = artifact.F(p95)
		it.Summary.NetBps = artifact.F(5)
	})
	v, err := Evaluate(soak, pol, Options{Baseline: NewBaseline(fiveRuns())})
	if err != nil {
		t.Fatal(err)
	}
	c := compareCheck(t, v, "p95_latency_ms")
	adj := stats.Holm([]float64{1, res.P, 1, 1})[1] // the others see no shift worse than none
	want := fmt.Sprintf("p=%s, Holm-adjusted over 4 KPIs p=%s >= alpha 0.05: no significant regression", FormatP(res.P, 0.05), FormatP(adj, 0.05))
	if !(res.P < 0.05) || c.Status != artifact.CheckPass || !strings.Contains(c.Reason, want) {
		t.Errorf("p %g: got %s %q, want PASS containing %q", res.P, c.Status, c.Reason, want)
	}
	// Alone in its policy, the same p95 fails.
	pol.KPIs = pol.KPIs[1:2]
	v, _ = Evaluate(soak, pol, Options{Baseline: NewBaseline(fiveRuns())})
	if c := compareCheck(t, v, "p95_latency_ms"); c.Status != artifact.CheckFail || !strings.Contains(c.Reason, "Holm-adjusted over 1 KPIs p="+FormatP(res.P, 0.05)+" < alpha 0.05") {
		t.Errorf("one KPI: %s %q", c.Status, c.Reason)
	}
}

func TestFormatP(t *testing.T) {
	tests := []struct {
		p, alpha float64
		want     string
	}{
		{0.0499, 0.05, "0.0499"},
		{0.049996, 0.05, "0.049996"}, // 4 digits would show 0.05 for a significant p
		{0.04999999999, 0.05, "0.04999999999"},
		{0.05, 0.05, "0.05"},
		{0.050004, 0.05, "0.050004"}, // not significant, but 0.05 would look like p = alpha
		{0.0512345, 0.05, "0.05123"},
		{0.5, 0.05, "0.5"},
		{1, 0.05, "1"},
		{1.2345678e-7, 0.05, "1.235e-07"},
		{0, 0.05, "0"},
		{0.00999951, 0.01, "0.0099995"},
		{math.NaN(), 0.05, "n/a"},
	}
	for _, tc := range tests {
		if got := FormatP(tc.p, tc.alpha); got != tc.want {
			t.Errorf("FormatP(%v, %v) = %q, want %q", tc.p, tc.alpha, got, tc.want)
		}
	}
	// Whatever the p, the displayed value is on the same side of alpha.
	for i := 0; i <= 20000; i++ {
		p := 0.049 + float64(i)*1e-7
		q, err := parseP(FormatP(p, 0.05))
		if err != nil || (q < 0.05) != (p < 0.05) {
			t.Fatalf("FormatP(%v) = %q contradicts p < 0.05 = %v", p, FormatP(p, 0.05), p < 0.05)
		}
	}
}

func parseP(s string) (float64, error) {
	var f float64
	_, err := fmt.Sscan(s, &f)
	return f, err
}

// A Python-toolkit snapshot, pretty-printed, schema_version a string, a
// NaN literal: its kpi_last_n means, n from iterations_analyzed, marked as
// means only.
const legacySnapshot = `{
  "schema_version": "1.2",
  "timestamp": "2025-10-12T12:00:00+00:00",
  "verdict": "PASS",
  "iterations_total": 36,
  "iterations_analyzed": [29, 30, 31, 32, 33, 34, 35, 36],
  "pass_count_last_n": 4,
  "kpi_last_n": {
    "maker_taker_ratio": {"mean": 0.85, "median": 0.85, "min": 0.85, "max": 0.85, "trend": "flat"},
    "p95_latency_ms": {"mean": 180.5, "median": 180.0, "min": 180.0, "max": 181.0, "trend": "flat"},
    "risk_ratio": {"mean": NaN, "median": NaN, "min": NaN, "max": NaN, "trend": "flat"},
    "net_bps": {"mean": 5.95, "median": 5.95, "min": 5.6, "max": 6.3, "trend": "up", "note": "Infinity"}
  },
  "goals_met": {"maker_taker_ok": true, "p95_latency_ok": true, "risk_ok": true, "net_bps_ok": true},
  "freeze_ready": true
}
`

func TestBaselineFromSnapshot(t *testing.T) {
	r, err := BaselineFromSnapshot("POST_SOAK_SNAPSHOT.json", []byte(legacySnapshot))
	if err != nil {
		t.Fatal(err)
	}
	wantMeans := map[string]float64{"maker_taker_ratio": 0.85, "p95_latency_ms": 180.5, "net_bps": 5.95}
	wantN := map[string]int{"maker_taker_ratio": 8, "p95_latency_ms": 8, "net_bps": 8}
	if diff := cmp.Diff(wantMeans, r.Means); diff != "" {
		t.Errorf("means (-want +got)\n%s", diff)
	}
	if diff := cmp.Diff(wantN, r.N); diff != "" {
		t.Errorf("n (-want +got)\n%s", diff)
	}
	if !r.MeansOnly || !strings.Contains(r.Note, "no per-iteration samples") || r.SoakDigest != "" || r.Digest != artifact.Hash([]byte(legacySnapshot)) {
		t.Errorf("legacy run: %+v", r)
	}
	if !legacy.IsSnapshot([]byte(legacySnapshot)) || legacy.IsSnapshot([]byte(`{"iteration": 1, "summary": {}}`+"\n")) || legacy.IsSnapshot([]byte("{\"verdict\": 1}\n{\"verdict\": 2}\n")) {
		t.Errorf("IsSnapshot wrong")
	}
	// kpi_last8 of schema 1.1, compact.
	r, err = BaselineFromSnapshot("s.json", []byte(`{"schema_version":"1.1","verdict":"FAIL","kpi_last8":{"net_bps":{"mean":1.5,"n":6}}}`))
	if err != nil || r.Means["net_bps"] != 1.5 || r.N["net_bps"] != 6 {
		t.Errorf("kpi_last8: %+v %v", r, err)
	}

	// Our verdict: its window values.
	v, _ := Evaluate(soakOf(8, netSoak(4)), policy.Default(false), Options{})
	data, _ := artifact.Marshal(v)
	r, err = BaselineFromSnapshot("v.json", data)
	if err != nil || r.Means["net_bps"] != 4 || r.N["net_bps"] != 8 || r.MeansOnly || r.SoakDigest != v.Source.Digest {
		t.Errorf("verdict: %+v %v", r, err)
	}
	// ... or, without them, its kpi_last_n means.
	v.WindowValues = nil
	data, _ = artifact.Marshal(v)
	if r, err = BaselineFromSnapshot("v.json", data); err != nil || r.Means["net_bps"] != 4 || !r.MeansOnly {
		t.Errorf("verdict without window values: %+v %v", r, err)
	}

	for _, bad := range []struct{ data, want string }{
		{`{"schema_version": "1.2", "kpi_last_n": {}}`, `no "verdict" field`},
		{`{"schema_version": "1.2", "verdict": "PASS"}`, "no kpi_last_n means"},
		{`{"verdict": "PASS", "kpi_last_n": {"net_bps": {"mean": NaN}}}`, "no KPI mean to compare with"},
		{`{"verdict": "PASS", "kpi_last_n": [1]}`, "kpi_last_n: want an object"},
		{`{"verdict": "PASS", "iterations_analyzed": "all", "kpi_last_n": {}}`, "iterations_analyzed"},
		{`{"verdict": "PASS", "kpi_last_n": {}} {}`, "trailing data"},
		{`{"verdict": "PASS", "kpi_last_n": {`, "invalid JSON"},
		{`{"schema_version": 1, "kind": "tuning_report"}`, `wrong kind "tuning_report"`},
	} {
		if _, err := BaselineFromSnapshot("bad.json", []byte(bad.data)); err == nil || !strings.Contains(err.Error(), bad.want) || !strings.HasPrefix(err.Error(), "bad.json") {
			t.Errorf("BaselineFromSnapshot(%s) = %v, want an error naming bad.json containing %q", bad.data, err, bad.want)
		}
	}
}

// A legacy snapshot is one baseline run among others.
func TestCompareLegacyBaseline(t *testing.T) {
	legacy, err := BaselineFromSnapshot("old/POST_SOAK_SNAPSHOT.json", []byte(legacySnapshot))
	if err != nil {
		t.Fatal(err)
	}
	runs := []BaselineRun{legacy, run("b2", 5.5, 182), run("b3", 6.2, 181)}
	v, err := Evaluate(soakOf(8, netSoak(5.8)), policy.Default(false), Options{Baseline: NewBaseline(runs)})
	if err != nil {
		t.Fatal(err)
	}
	if c := compareCheck(t, v, "net_bps"); c.Status != artifact.CheckPass || !strings.Contains(c.Reason, "the mean of 3 baseline soaks") {
		t.Errorf("net_bps: %s %q", c.Status, c.Reason)
	}
	// risk_ratio was NaN in the legacy snapshot: two usable runs.
	if c := compareCheck(t, v, "risk_ratio"); !strings.Contains(c.Reason, "the mean of 2 baseline soaks") || !strings.Contains(c.Reason, "left out: old/POST_SOAK_SNAPSHOT.json: no risk_ratio") {
		t.Errorf("risk_ratio: %s %q", c.Status, c.Reason)
	}
	found := false
	for _, n := range v.DataQuality {
		found = found || strings.Contains(n, "old/POST_SOAK_SNAPSHOT.json: a Python-toolkit snapshot: window means only, no per-iteration samples")
	}
	if !found {
		t.Errorf("data_quality does not say the legacy baseline has means only: %q", v.DataQuality)
	}
}

func TestBaselineDigest(t *testing.T) {
	a, b := run("a", 1, 1), run("b", 2, 2)
	if BaselineDigest([]BaselineRun{a}) != a.Digest {
		t.Errorf("one run: not its own digest")
	}
	if BaselineDigest([]BaselineRun{a, b}) != BaselineDigest([]BaselineRun{b, a}) || BaselineDigest([]BaselineRun{a, b}) == BaselineDigest([]BaselineRun{a}) {
		t.Errorf("digest of a set depends on order or ignores a run")
	}
}

func FuzzBaselineFromSnapshot(f *testing.F) {
	f.Add([]byte(legacySnapshot))
	f.Add([]byte(`{"schema_version":"1.1","verdict":"FAIL","kpi_last8":{"net_bps":{"mean":1.5,"n":6}}}`))
	f.Add([]byte(`{"schema_version": 1, "kind": "verdict", "verdict": "PASS", "window_values": {"net_bps": [1, 2]}}`))
	f.Add([]byte(`{"verdict": "PASS", "kpi_last_n": {"net_bps": {"mean": -Infinity, "n": 1e99}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := BaselineFromSnapshot("f.json", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.json") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if len(r.Means) == 0 {
			t.Fatalf("no error and no means")
		}
		for k, m := range r.Means {
			if math.IsNaN(m) || math.IsInf(m, 0) || r.N[k] < 0 {
				t.Fatalf("%s: mean %v n %d", k, m, r.N[k])
			}
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatal(err)
		}
	})
}

func fmtPtr(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
