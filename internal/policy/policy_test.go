package policy

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/soakline/soakline/pkg/artifact"
)

func f(v float64) *float64 { return &v }

func TestParse(t *testing.T) {
	seed := Default(false)
	tests := []struct {
		name string
		doc  string
		want *Policy
	}{
		{
			name: "yaml with every field",
			doc: `name: strict-prod
description: |
  stricter than the seed
window: 10
warmup: auto
max_failed_iterations: 1
kpis:
  - kpi: maker_taker_ratio
    statistic: p25
    direction: at_least
    fail: 0.83
    warn: 0.85
    on_missing: fail
    sustained: {consecutive: 3}
    min_effect: 0.02
  - kpi: p95_latency_ms
    direction: "<="
    fail: 340
    sustained: {k: 2, n: 5}
delta:
  min_full_apply_ratio: 0.8
  strict_min_full_apply_ratio: 0.99
  max_signature_stuck: 0
adoption:
  on_mismatch: warn
  on_unreported: skip
compare:
  alpha: 0.01
  min_samples: 6
`,
			want: &Policy{
				SchemaVersion: 1, Kind: artifact.KindPolicy, Name: "strict-prod", Description: "stricter than the seed",
				Window: 10, Warmup: Warmup{Auto: true}, MaxFailedIterations: 1,
				KPIs: []Rule{
					{KPI: "maker_taker_ratio", Statistic: "p25", Direction: AtLeast, Fail: 0.83, Warn: f(0.85), OnMissing: OnMissingFail, Sustained: &Sustained{Consecutive: 3}, MinEffect: 0.02},
					{KPI: "p95_latency_ms", Statistic: StatMean, Direction: AtMost, Fail: 340, OnMissing: OnMissingInconclusive, Sustained: &Sustained{K: 2, N: 5}},
				},
				Delta:    DeltaRule{MinFullApplyRatio: 0.8, StrictMinFullApplyRatio: 0.99, MaxSignatureStuck: 0, OnOverridesChanged: AdoptFail},
				Adoption: AdoptionRule{OnMismatch: AdoptWarn, OnUnreported: AdoptSkip},
				Compare:  Compare{Alpha: 0.01, MinSamples: 6},
				Source:   "p.yaml",
			},
		},
		{
			name: "json with defaults",
			doc:  `{"kpis": [{"kpi": "net_bps", "direction": ">=", "fail": 2.5}], "warmup": 3}`,
			want: &Policy{
				SchemaVersion: 1, Kind: artifact.KindPolicy, Name: "custom", Window: 8, Warmup: Warmup{N: 3},
				KPIs:     []Rule{{KPI: "net_bps", Statistic: StatMean, Direction: AtLeast, Fail: 2.5, OnMissing: OnMissingInconclusive}},
				Delta:    seed.Delta,
				Adoption: AdoptionRule{OnMismatch: AdoptFail, OnUnreported: AdoptWarn},
				Compare:  seed.Compare,
				Source:   "p.yaml",
			},
		},
		{
			name: "BOM and CRLF",
			doc:  "\ufeffwindow: 4\r\nkpis:\r\n  - {kpi: risk_ratio, direction: at_most, fail: 0.4}\r\n",
			want: &Policy{
				SchemaVersion: 1, Kind: artifact.KindPolicy, Name: "custom", Window: 4,
				KPIs:     []Rule{{KPI: "risk_ratio", Statistic: StatMean, Direction: AtMost, Fail: 0.4, OnMissing: OnMissingInconclusive}},
				Delta:    seed.Delta,
				Adoption: AdoptionRule{OnMismatch: AdoptFail, OnUnreported: AdoptWarn},
				Compare:  seed.Compare,
				Source:   "p.yaml",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse("p.yaml", []byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	const rule = "kpis:\n  - kpi: net_bps\n    direction: at_least\n    fail: 2.5\n"
	tests := []struct {
		name, doc, want string
	}{
		{"unknown top-level key", "window: 8\nwindoww: 9\n" + rule, "p.yaml: line 2: windoww: unknown key (known: schema_version, kind, name, description, window, warmup, max_failed_iterations, kpis, delta, adoption, compare, prometheus)"},
		{"adoption unknown", rule + "adoption:\n  on_missing: fail\n", "p.yaml: line 6: adoption.on_missing: unknown key (known: on_mismatch, on_unreported)"},
		{"adoption bad value", rule + "adoption:\n  on_mismatch: ignore\n", `p.yaml: line 6: adoption.on_mismatch: want fail, warn, inconclusive or skip, got "ignore"`},
		{"adoption not a string", rule + "adoption: {on_unreported: 1}\n", "p.yaml: line 5: adoption.on_unreported: want a string, got a number (1)"},
		{"adoption not a mapping", rule + "adoption: fail\n", `p.yaml: line 5: adoption: want a mapping, got "fail"`},
		{"unknown rule key", rule + "    threshold: 3\n", "p.yaml: line 5: kpis[0].threshold: unknown key (known: kpi, statistic, direction, fail, warn, on_missing, sustained, min_effect, toolkit)"},
		{"unknown KPI", "kpis:\n  - kpi: net_bsp\n    direction: at_least\n    fail: 1\n", `p.yaml: line 2: kpis[0].kpi: unknown KPI "net_bsp"`},
		{"bad statistic", rule + "    statistic: p100\n", `p.yaml: line 5: kpis[0].statistic: want mean, median, min, max, last or pN (N in 1..99), got "p100"`},
		{"bad direction", "kpis:\n  - kpi: net_bps\n    direction: up\n    fail: 1\n", `p.yaml: line 3: kpis[0].direction: want ">=" (or at_least) or "<=" (or at_most), got "up"`},
		{"fail is a string", "kpis:\n  - kpi: net_bps\n    direction: at_least\n    fail: high\n", `p.yaml: line 4: kpis[0].fail: want a number, got "high"`},
		{"fail is NaN", "kpis:\n  - kpi: net_bps\n    direction: at_least\n    fail: .nan\n", "p.yaml: line 4: kpis[0].fail: must be a finite number, got .nan"},
		{"warn past fail", rule + "    warn: 2\n", "p.yaml: line 5: kpis[0].warn: 2 is already past the fail level 2.5 (direction >=)"},
		{"toolkit warn past fail", rule + "    toolkit: {fail: 2, warn: 1}\n", "p.yaml: line 5: kpis[0].toolkit.warn: 1 is already past the fail level 2 (direction >=)"},
		{"toolkit fail missing", rule + "    toolkit: {warn: 3}\n", "p.yaml: line 5: kpis[0].toolkit.fail: missing"},
		{"toolkit unknown key", rule + "    toolkit: {max: 3}\n", "p.yaml: line 5: kpis[0].toolkit.max: unknown key (known: fail, warn)"},
		{"toolkit not a mapping", rule + "    toolkit: 0.4\n", "p.yaml: line 5: kpis[0].toolkit: want a mapping, got a number (0.4)"},
		{"bad on_missing", rule + "    on_missing: zero\n", `p.yaml: line 5: kpis[0].on_missing: want fail, inconclusive or skip, got "zero"`},
		{"missing fail", "kpis:\n  - kpi: net_bps\n    direction: at_least\n", "p.yaml: line 2: kpis[0].fail: missing"},
		{"window zero", "window: 0\n" + rule, "p.yaml: line 1: window: must be at least 1, got 0"},
		{"window float", "window: 8.5\n" + rule, "p.yaml: line 1: window: want an integer, got 8.5"},
		{"bad warmup", "warmup: soon\n" + rule, `p.yaml: line 1: warmup: want a non-negative integer or "auto", got "soon"`},
		{"sustained both forms", rule + "    sustained: {consecutive: 2, k: 1, n: 2}\n", "p.yaml: line 5: kpis[0].sustained: give either consecutive or k and n, not both"},
		{"sustained beyond window", "window: 4\n" + rule + "    sustained:\n      k: 2\n      n: 6\n", "p.yaml: line 7: kpis[0].sustained: n 6 exceeds the window 4"},
		{"sustained unknown key", rule + "    sustained:\n      of: 3\n", "p.yaml: line 6: kpis[0].sustained.of: unknown key (known: consecutive, k, n)"},
		{"duplicate rule", rule + "  - kpi: net_bps\n    direction: at_least\n    fail: 3\n", "p.yaml: line 5: kpis[1]: net_bps mean is already judged by kpis[0]"},
		{"duplicate key", "window: 8\nwindow: 9\n" + rule, "p.yaml: line 2: window: duplicate key"},
		{"no kpis", "window: 8\n", "p.yaml: line 1: kpis: missing: a policy needs at least one KPI rule"},
		{"empty kpis", "kpis: []\n", "p.yaml: line 1: kpis: a policy needs at least one KPI rule"},
		{"kpis not a list", "kpis: {}\n", "p.yaml: line 1: kpis: want a list of rules, got a mapping"},
		{"delta ratio above 1", rule + "delta:\n  min_full_apply_ratio: 1.5\n", "p.yaml: line 6: delta.min_full_apply_ratio: must be between 0 and 1, got 1.5"},
		{"delta unknown", rule + "delta:\n  ratio: 1\n", "p.yaml: line 6: delta.ratio: unknown key (known: min_full_apply_ratio, strict_min_full_apply_ratio, max_signature_stuck, on_overrides_changed)"},
		{"delta on_overrides_changed", rule + "delta: {on_overrides_changed: ignore}\n", `p.yaml: line 5: delta.on_overrides_changed: want fail, warn, inconclusive or skip, got "ignore"`},
		{"compare alpha", rule + "compare: {alpha: 1}\n", "p.yaml: line 5: compare.alpha: must be between 0 and 1 (exclusive), got 1"},
		{"wrong kind", "kind: verdict\n" + rule, `p.yaml: line 1: kind: want "policy", got "verdict"`},
		{"future version", "schema_version: 2\n" + rule, "p.yaml: line 1: schema_version: unsupported version 2 (this soak-gate reads 1)"},
		{"alias", "base: &b 8\nwindow: *b\n" + rule, "p.yaml: line 1: base: YAML anchors and aliases are not supported in policies"},
		{"syntax error", "window: [8\n" + rule, "p.yaml: line 1: invalid YAML/JSON:"},
		{"json syntax error", "{\"window\": 8,\n \"kpis\": [}\n", "p.yaml: line 2: invalid JSON: invalid character"},
		{"json trailing data", "{\"kpis\": []}\n{}\n", "p.yaml: line 2: invalid JSON: trailing data"},
		{"empty", "  \n", "p.yaml: empty policy"},
		{"not a mapping", "- 1\n", "p.yaml: line 1: policy: want a mapping, got a list"},
		// What yaml.v3's decoder alone would take silently (1 as "1", "8"
		// as 8, 8.5 as 8, ~ as ""): check refuses it before decoding.
		{"number for a string", "name: 1\n" + rule, "p.yaml: line 1: name: want a string, got a number (1)"},
		{"string for an integer", "window: \"8\"\n" + rule, `p.yaml: line 1: window: want an integer, got "8"`},
		{"null for a string", "kpis:\n  - kpi: net_bps\n    direction: at_least\n    fail: 2.5\n    on_missing: ~\n", "p.yaml: line 5: kpis[0].on_missing: want a string, got null"},
		{"bad name", "name: a b\n" + rule, `p.yaml: line 1: name: want letters, digits, '.', '_' or '-' (at most 64), got "a b"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse("p.yaml", []byte(tc.doc))
			if err == nil {
				t.Fatalf("no error; got %+v", p)
			}
			if p != nil {
				t.Errorf("a policy came back with the error")
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error\n got %q\nwant %q...", err, tc.want)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	for _, mock := range []bool{false, true} {
		p := Default(mock)
		if err := p.Validate(); err != nil {
			t.Fatalf("Default(%t): %v", mock, err)
		}
		// The canonical JSON reads back to the same policy.
		back, err := Parse("canonical.json", p.CanonicalJSON())
		if err != nil {
			t.Fatalf("Default(%t) canonical JSON does not parse: %v", mock, err)
		}
		back.Source = p.Source
		if diff := cmp.Diff(p, back); diff != "" {
			t.Errorf("Default(%t) round trip (-want +got)\n%s", mock, diff)
		}
		if back.Digest() != p.Digest() {
			t.Errorf("digest changed on round trip")
		}
	}
	seed := Default(false)
	got := map[string]string{}
	for _, r := range seed.Rules() {
		got[r.KPI] = r.Statistic + " " + r.Direction + " " + strconv.FormatFloat(r.Fail, 'g', -1, 64)
	}
	want := map[string]string{
		"maker_taker_ratio": "mean >= 0.83", "p95_latency_ms": "mean <= 340",
		"risk_ratio": "mean <= 0.05", "net_bps": "mean >= 2.5",
	}
	// The seed's 0.40 on the toolkit's scale (risk blocks / all blocks)
	// judges the toolkit's soaks; no other KPI has another definition there.
	for _, r := range seed.Rules() {
		if got, want := r.Toolkit != nil, r.KPI == "risk_ratio"; got != want || got && (r.Toolkit.Fail != 0.40 || r.Toolkit.Warn != nil) {
			t.Errorf("%s: toolkit levels %+v", r.KPI, r.Toolkit)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("seed rules (-want +got)\n%s", diff)
	}
	if seed.Window != 8 || seed.Delta.MinRatio(true) != 0.95 || seed.Delta.MinRatio(false) != 0.90 || seed.Delta.MaxSignatureStuck != 1 {
		t.Errorf("seed window/delta: %+v %+v", seed.Window, seed.Delta)
	}
	if diff := cmp.Diff(AdoptionRule{OnMismatch: AdoptFail, OnUnreported: AdoptWarn}, seed.Adoption); diff != "" {
		t.Errorf("seed adoption (-want +got)\n%s", diff)
	}
	for _, bad := range []AdoptionRule{{OnMismatch: "ignore", OnUnreported: AdoptWarn}, {OnMismatch: AdoptFail}} {
		p := Default(false)
		p.Adoption = bad
		if err := p.Validate(); err == nil || !strings.HasPrefix(err.Error(), "adoption.on_") {
			t.Errorf("Validate(%+v) = %v, want an adoption error", bad, err)
		}
	}
	if Default(false).Digest() == Default(true).Digest() {
		t.Errorf("mock and production share a digest")
	}
	// mock.yaml is production.yaml with the four fail levels relaxed (and
	// risk_ratio's toolkit level: the legacy USE_MOCK=1 table's).
	mock := Default(true)
	if mock.Name != "mock" || mock.Source != "built-in" || seed.Source != "built-in" {
		t.Errorf("names %q %q, sources %q %q", seed.Name, mock.Name, seed.Source, mock.Source)
	}
	relaxed := Default(false)
	relaxed.Name, relaxed.Description = mock.Name, mock.Description
	for i := range relaxed.KPIs {
		relaxed.KPIs[i].Fail = mock.KPIs[i].Fail
		relaxed.KPIs[i].Toolkit = mock.KPIs[i].Toolkit
	}
	if diff := cmp.Diff(relaxed, mock); diff != "" {
		t.Errorf("mock differs from production beyond the fail levels (-production +mock)\n%s", diff)
	}
	// Default returns fresh copies.
	a := Default(false)
	a.KPIs[0].Fail = 0
	if Default(false).KPIs[0].Fail == 0 {
		t.Errorf("Default shares state between calls")
	}
}

func TestQuantileNames(t *testing.T) {
	for s, want := range map[string]bool{"p1": true, "p50": true, "p95": true, "p99": true, "p0": false, "p100": false, "p05": false, "p": false, "q95": false, "mean": true, "last": true, "avg": false} {
		if got := ValidStatistic(s); got != want {
			t.Errorf("ValidStatistic(%q) = %t, want %t", s, got, want)
		}
	}
}
