package kpi_test

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/soakline/soakline/internal/cli/soakrun"
	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/pkg/artifact"
)

// contractPage is the bot contract; its worked example is tested here.
const contractPage = "../../docs/bot-contract.md"

// section returns the text between <!-- name --> and <!-- /name --> of page.
func section(t *testing.T, page, name string) string {
	t.Helper()
	open, end := "<!-- "+name+" -->", "<!-- /"+name+" -->"
	i, j := strings.Index(page, open), strings.Index(page, end)
	if i < 0 || j < i {
		t.Fatalf("%s: no %s section", contractPage, name)
	}
	return page[i+len(open) : j]
}

// line is one events.jsonl line as the contract page describes it, read
// with encoding/json (not soakline's reader).
type line struct {
	Kind, Action, Liquidity, Reason                    string
	TMs                                                float64
	LatencyMs, AgeMs, LagMs, Qty, Price                float64
	GrossBps, FeesBps, SlippageBps, AdverseBps, InvBps float64
}

func parseLines(t *testing.T, text string) []line {
	t.Helper()
	var out []line
	for _, l := range strings.Split(text, "\n") {
		if !strings.HasPrefix(l, "{") {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		f := func(k string) float64 { v, _ := m[k].(float64); return v }
		s := func(k string) string { v, _ := m[k].(string); return v }
		out = append(out, line{Kind: s("kind"), TMs: f("t_ms"), Action: s("action"), Liquidity: s("liquidity"), Reason: s("reason"),
			LatencyMs: f("latency_ms"), AgeMs: f("age_ms"), LagMs: f("lag_ms"), Qty: f("qty"), Price: f("price"),
			GrossBps: f("gross_bps"), FeesBps: f("fees_bps"), SlippageBps: f("slippage_bps"), AdverseBps: f("adverse_bps"), InvBps: f("inventory_bps")})
	}
	return out
}

// nearestRank is the page's percentile: sort ascending, take the
// ⌈0.95·N⌉-th value.
func nearestRank(xs []float64) float64 {
	sort.Float64s(xs)
	return xs[int(math.Ceil(0.95*float64(len(xs))-1e-9))-1]
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

// formulas computes the KPIs of evs from the KPI table of the contract
// page, independently of package kpi.
func formulas(evs []line) map[string]float64 {
	var makerN, takerN, orders, cancels, makers, fills float64
	var replaces, maxT, live, downFrom, down float64 // the trade KPIs' time and book
	var comp [5]float64
	var lat, age, adv, slip, lag []float64
	blocks := map[string]float64{}
	for _, e := range evs {
		maxT = math.Max(maxT, e.TMs)
		switch e.Kind {
		case "order":
			orders++
			switch {
			case e.Action == "replace":
				replaces++
			case e.Action == "place" && live == 0:
				down += math.Max(0, e.TMs-downFrom)
				live++
			case e.Action == "place":
				live++
			case e.Action == "cancel" && live == 1:
				live, downFrom = 0, e.TMs
			case e.Action == "cancel" && live > 1:
				live--
			}
			lat = append(lat, e.LatencyMs)
			if e.Action == "cancel" {
				cancels++
			}
			if e.Action != "place" {
				age = append(age, e.AgeMs)
			}
		case "fill":
			n := e.Qty * e.Price
			fills++
			if e.Liquidity == "maker" {
				makerN += n
				makers++
				age = append(age, e.AgeMs)
			} else {
				takerN += n
			}
			for i, v := range [5]float64{e.GrossBps, e.FeesBps, e.SlippageBps, e.AdverseBps, e.InvBps} {
				comp[i] += v * n
			}
			adv = append(adv, math.Max(0, -e.AdverseBps))
			slip = append(slip, math.Max(0, -e.SlippageBps))
		case "block":
			blocks[e.Reason]++
			blocks[""]++
		case "ws":
			lag = append(lag, e.LagMs)
		}
	}
	k := map[string]float64{
		"maker_taker_ratio": makerN / (makerN + takerN),
		"maker_share_pct":   100 * makers / fills,
		"p95_latency_ms":    nearestRank(lat),
		"risk_ratio":        blocks["risk"] / (orders + blocks[""]),
		"adverse_bps_p95":   nearestRank(adv),
		"slippage_bps_p95":  nearestRank(slip),
		"cancel_ratio":      cancels / orders,
		"order_age_p95_ms":  nearestRank(age),
		"ws_lag_p95_ms":     nearestRank(lag),
	}
	net := 0.0
	for i, name := range []string{"gross_bps", "fees_eff_bps", "slippage_bps", "adverse_bps", "inventory_bps"} {
		k[name] = round4(comp[i] / (makerN + takerN))
		net += k[name]
	}
	k["net_bps"] = net
	if live == 0 {
		down += maxT - downFrom
	}
	k["pnl_per_hour"] = (comp[0] + comp[1] + comp[2] + comp[3] + comp[4]) / 1e4 / (maxT / 3.6e6)
	k["fill_rate"] = makers / (makers + replaces + cancels)
	k["quote_uptime_pct"] = 100 * (maxT - down) / maxT
	for name, v := range k {
		k[name] = round4(v)
	}
	return k
}

// TestWorkedExample: the KPIs the contract page's formulas give for its
// ten events are the page's table, and what soak-run kpis prints.
func TestWorkedExample(t *testing.T) {
	data, err := os.ReadFile(contractPage)
	if err != nil {
		t.Fatal(err)
	}
	page := string(data)
	evText := section(t, page, "worked-example:events")
	evs := parseLines(t, evText)
	if len(evs) != 10 {
		t.Fatalf("the worked example has %d events, want ten", len(evs))
	}
	want := formulas(evs)

	// The page's table.
	table := map[string]float64{}
	for _, row := range strings.Split(section(t, page, "worked-example:kpis"), "\n") {
		cells := strings.Split(row, "|")
		if len(cells) < 4 {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(cells[2]), 64)
		if err != nil {
			continue // the header
		}
		table[strings.TrimSpace(cells[1])] = v
	}
	if len(table) != len(want) {
		t.Errorf("the page's table has %d KPIs, the formulas give %d", len(table), len(want))
	}
	for name, v := range want {
		if got, ok := table[name]; !ok || got != v {
			t.Errorf("%s: the page says %v (present %v), its formulas give %v", name, got, ok, v)
		}
	}

	// soak-run kpis on the same lines.
	var stdout, stderr bytes.Buffer
	stdio := cliutil.Stdio{In: strings.NewReader(strings.Trim(strings.ReplaceAll(evText, "```", ""), "\n") + "\n"),
		Out: &stdout, Err: &stderr, Getenv: func(string) (string, bool) { return "", false }}
	if err := soakrun.Run(t.Context(), []string{"kpis", "--explain", "-"}, stdio); err != nil {
		t.Fatalf("soak-run kpis: %v\n%s", err, stderr.String())
	}
	var it artifact.IterationSummary
	if err := json.Unmarshal(stdout.Bytes(), &it); err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(it.Summary)
	var gotMap map[string]any
	json.Unmarshal(got, &gotMap)
	for name, v := range want {
		g, ok := gotMap[name].(float64)
		if !ok || g != v {
			t.Errorf("%s: soak-run kpis gives %v, the formulas %v", name, gotMap[name], v)
		}
	}
	if it.Summary.Events != 10 {
		t.Errorf("events %d, want 10", it.Summary.Events)
	}
	// --explain names the inputs the page's computation column uses.
	for _, s := range []string{"maker notional 200 / (maker notional 200 + taker notional 100)", "risk blocks 1 / (order events 4 + blocks 2",
		"value number 3 of 3", "Σ gross_bps·qty·price 900 / Σ qty·price 300"} {
		if !strings.Contains(stderr.String(), s) {
			t.Errorf("--explain does not say %q:\n%s", s, stderr.String())
		}
	}
}
