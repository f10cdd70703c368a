package bot

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soakline/soakline/pkg/botevents"
)

// iteration runs fakebot as soak-run --exec would for iteration 2 with
// the overrides file content ov; it returns the exit status, the
// iteration directory and stderr.
func iteration(t *testing.T, ov string, args ...string) (int, string, string) {
	t.Helper()
	dir := t.TempDir()
	iter := filepath.Join(dir, "iter", "2")
	os.MkdirAll(iter, 0o755)
	path := filepath.Join(dir, "runtime_overrides.json")
	os.WriteFile(path, []byte(ov), 0o644)
	env := map[string]string{"SOAK_ITERATION": "2", "SOAK_ITERATIONS": "5", "SOAK_OVERRIDES": path,
		"SOAK_ITER_DIR": iter, "SOAK_SEED": "1", "SOAK_ITER_SEED": "42"}
	var out, errb bytes.Buffer
	code := Run(args, func(k string) string { return env[k] }, &out, &errb)
	return code, iter, errb.String()
}

// TestIteration: events.jsonl opens with the parameters the bot runs with
// (the overrides over its defaults, as it uses them), and the same seed
// gives the same bytes.
func TestIteration(t *testing.T) {
	const ov = `{"schema_version": 1, "kind": "runtime_overrides", "min_interval_ms": 75, "engine": {"concurrency_limit": 7.6}, "unknown_key": 3}`
	code, dir, stderr := iteration(t, ov, "--events", "500")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(filepath.Join(dir, botevents.FileName))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(data), "\n")
	const want = `{"kind":"effective_params","t_ms":0,"params":{"base_spread_bps_delta":0.05,"engine.concurrency_limit":8,"impact_cap_ratio":0.1,"max_delta_ratio":0.15,"min_interval_ms":75,"replace_rate_per_min":300,"tail_age_ms":600}}`
	if first != want {
		t.Errorf("first line\n%s\nwant\n%s", first, want)
	}
	if n := strings.Count(string(data), "\n"); n != 501 {
		t.Errorf("%d lines, want the record and 500 events", n)
	}
	_, dir2, _ := iteration(t, ov, "--events", "500")
	again, _ := os.ReadFile(filepath.Join(dir2, botevents.FileName))
	if !bytes.Equal(data, again) {
		t.Error("the same seed and overrides gave other events")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d files in SOAK_ITER_DIR, want events.jsonl alone", len(entries))
	}
}

func TestIterationErrors(t *testing.T) {
	for _, tc := range []struct {
		name, ov string
		args     []string
		want     string
	}{
		{"bad overrides", "{\n\"min_interval_ms\": \"60\"}", nil, `runtime_overrides.json: line 2: min_interval_ms: want a number or a section, got "60"`},
		{"no events", "{}", []string{"--events", "0"}, "--events: want at least 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, dir, stderr := iteration(t, tc.ov, tc.args...)
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", code, stderr, tc.want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("%d files left in SOAK_ITER_DIR", len(entries))
			}
		})
	}
	var errb bytes.Buffer
	if code := Run(nil, func(string) string { return "" }, &bytes.Buffer{}, &errb); code != 2 || !strings.Contains(errb.String(), "run me under soak-run --exec") {
		t.Fatalf("without soak-run: exit %d, %q", code, errb.String())
	}
}

// TestEdgeReport: the legacy report holds the KPIs the bot computed, and
// leaves out those without inputs instead of writing 0.
func TestEdgeReport(t *testing.T) {
	code, dir, stderr := iteration(t, "{}", "--events", "2000", "--edge-report")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "EDGE_REPORT.json"))
	var r struct {
		Totals map[string]any `json:"totals"`
	}
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"net_bps", "p95_latency_ms", "maker_share_pct", "fills", "block_reasons", "component_breakdown", "cancel_ratio"} {
		if _, ok := r.Totals[k]; !ok {
			t.Errorf("EDGE_REPORT.json has no totals.%s", k)
		}
	}

	var empty legacyReport
	empty.WS(botevents.WS{TMs: 1, LagMs: 20})
	tmp := t.TempDir()
	if err := empty.write(tmp); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(filepath.Join(tmp, "EDGE_REPORT.json"))
	r.Totals = nil
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Totals) != 1 || r.Totals["ws_lag_p95_ms"] != 20.0 {
		t.Errorf("a report of one ws sample: totals %v, want ws_lag_p95_ms alone", r.Totals)
	}
}

// kpis trades n events with params and sums them up as the legacy report
// does.
func kpis(t *testing.T, params map[string]float64) (maker, p95lat, risk, net float64) {
	t.Helper()
	var r legacyReport
	if err := newMarket(configure(params)).trade(rand.New(rand.NewPCG(1, 1)), 200_000, 40*iterationMs, &r); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, n := range r.blocks {
		total += n
	}
	c := r.components
	vol := r.makerVol + r.takerVol
	return r.makerVol / vol, p95(r.latency), float64(r.blocks[botevents.Risk]) / float64(total), (c[0] + c[1] + c[2] + c[3] + c[4]) / vol
}

// TestMarketAnswersTheParameters pins the directions the contract's
// override table gives, which the tuner relies on, and that the defaults
// sit outside the built-in targets (maker share 0.83, p95 340 ms, risk
// 0.40, net 2.5 bps) so that a soak has something to tune.
func TestMarketAnswersTheParameters(t *testing.T) {
	maker, lat, risk, net := kpis(t, nil)
	t.Logf("defaults: maker %.3f, p95 %.0f ms, risk %.3f, net %.2f bps", maker, lat, risk, net)
	if maker >= 0.83 || lat <= 340 || risk <= 0.40 || net >= 2.5 {
		t.Errorf("defaults: maker %.3f, p95 %.0f ms, risk %.3f, net %.2f bps: want all four outside the targets", maker, lat, risk, net)
	}
	wMaker, _, _, wNet := kpis(t, map[string]float64{keySpread: 0.3})
	if wMaker <= maker || wNet <= net {
		t.Errorf("a wider spread: maker %.3f → %.3f, net %.2f → %.2f: want both higher", maker, wMaker, net, wNet)
	}
	_, _, sRisk, _ := kpis(t, map[string]float64{keyImpactCap: 0.07})
	if sRisk >= risk {
		t.Errorf("smaller orders: risk %.3f → %.3f, want lower", risk, sRisk)
	}
	_, cLat, _, _ := kpis(t, map[string]float64{keyConcurrency: 7})
	if cLat >= lat {
		t.Errorf("fewer orders in flight: p95 %.0f → %.0f ms, want lower", lat, cLat)
	}
	_, _, mRisk, _ := kpis(t, map[string]float64{keyMinInterval: 80})
	if mRisk >= risk {
		t.Errorf("a longer minimum interval: risk ratio %.3f → %.3f, want lower (more min_interval blocks)", risk, mRisk)
	}
}
