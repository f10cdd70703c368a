package legacy

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/soakline/soakline/pkg/artifact"
)

var (
	hashA = strings.Repeat("a", 64)
	hashB = strings.Repeat("b", 64)
	hashC = strings.Repeat("c", 64)
	hashD = strings.Repeat("d", 64)
)

// legacySummary is the summary block shared by the fixtures of
// testdata/legacy (written by json.dump as the Python toolkit did, §2.4).
func legacySummary() artifact.Summary {
	return artifact.Summary{
		MakerTakerRatio: artifact.F(0.847), MakerTakerSource: "fills_volume",
		P95LatencyMs: artifact.F(250), RiskRatio: artifact.F(0.17), NetBps: artifact.F(3.1),
		AdverseBpsP95: artifact.F(5), SlippageBpsP95: artifact.F(3.5), OrderAgeP95Ms: artifact.F(300),
		Fills: &artifact.Fills{MakerCount: 500, TakerCount: 90, MakerVolume: 25000, TakerVolume: 4500},
	}
}

func legacyIter(n int, sum artifact.Summary, tu *artifact.Tuning) *artifact.IterationSummary {
	tu.Iteration = n
	return &artifact.IterationSummary{
		SchemaVersion: artifact.SchemaVersion, Kind: artifact.KindIterationSummary, Iteration: n, Mode: artifact.ModeLegacy,
		Status: artifact.StatusOK, StartedAt: "2025-10-12T12:00:00Z", Summary: sum, Tuning: tu,
		File: artifact.IterationFileName(n), Legacy: true,
	}
}

var legacyDeltas = map[string]float64{"base_spread_bps_delta": 0.02, "impact_cap_ratio": -0.01}

func TestDecodeLegacyIterationSummary(t *testing.T) {
	rationale := []string{"maker/taker low", "spread widen"}
	sum6 := legacySummary()
	sum6.MakerTakerRatio = nil // "fallback": made up, never measured
	sum6.MakerTakerSource = "fallback"
	sum6.P95LatencyMs = nil // 0.0: the toolkit's default for "no value"
	sum6.NetBps = artifact.F(math.NaN())
	sum6.AdverseBpsP95 = artifact.F(math.Inf(1))
	sum6.Fills = nil
	it6 := legacyIter(6, sum6, &artifact.Tuning{ProposedDeltas: map[string]float64{}, SkipReason: "no effective change", OldHash: hashA, StateHash: hashB})
	it6.StartedAt = ""
	sum7 := legacySummary()
	sum7.MakerTakerRatio = nil // "mock_default"
	sum7.MakerTakerSource = "mock_default"

	tests := []struct {
		file string
		want *artifact.IterationSummary
	}{
		{"ITER_SUMMARY_1.json", legacyIter(1, legacySummary(), &artifact.Tuning{
			ProposedDeltas: legacyDeltas, Applied: true, ChangedKeys: []string{"base_spread_bps_delta", "impact_cap_ratio"},
			Rationale: rationale, OldHash: hashA, StateHash: hashB,
		})},
		{"ITER_SUMMARY_2.json", legacyIter(2, legacySummary(), &artifact.Tuning{ // skip_reason {no_op, note}
			ProposedDeltas: legacyDeltas, SkipReason: "no effective change", Rationale: rationale, OldHash: hashB, StateHash: hashB,
		})},
		{"ITER_SUMMARY_4.json", legacyIter(4, legacySummary(), &artifact.Tuning{ // skip_reason {velocity, oscillation}, null hashes
			ProposedDeltas: legacyDeltas, SkipReason: "oscillation,velocity", Guards: []string{"oscillation", "velocity"}, Rationale: rationale,
		})},
		{"ITER_SUMMARY_5.json", legacyIter(5, legacySummary(), &artifact.Tuning{ // skip_reason a string; BOM and CRLF
			ProposedDeltas: legacyDeltas, SkipReason: "no_runtime_path", Rationale: rationale,
		})},
		{"ITER_SUMMARY_6.json", it6}, // NaN, Infinity, nulls, fake defaults
		{"ITER_SUMMARY_7.json", legacyIter(7, sum7, &artifact.Tuning{ // skip_reason {freeze, note}
			ProposedDeltas: legacyDeltas, SkipReason: "freeze", Guards: []string{"freeze"}, Rationale: rationale,
		})},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "legacy", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			got, err := IterationSummary(tc.file, data)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateNaNs()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// A legacy summary re-encoded by a later stage (soak-run --resume, a
// stream) is a valid artifact of ours with the same content.
func TestLegacySummaryReencodes(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "legacy", "ITER_SUMMARY_1.json"))
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := IterationSummary("ITER_SUMMARY_1.json", data)
	if err != nil {
		t.Fatal(err)
	}
	out, err := artifact.Marshal(legacy)
	if err != nil {
		t.Fatal(err)
	}
	got, err := IterationSummary("ITER_SUMMARY_1.json", out)
	if err != nil {
		t.Fatalf("re-encoded legacy summary does not decode: %v\n%s", err, out)
	}
	if diff := cmp.Diff(legacy, got, cmpopts.IgnoreFields(artifact.IterationSummary{}, "Legacy")); diff != "" {
		t.Errorf("(-legacy +reencoded):\n%s", diff)
	}
	if got.Legacy {
		t.Error("re-encoded summary still marked legacy")
	}
}

func TestDecodeLegacyIterationSummaryErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"string KPI", "{\"iteration\": 3,\n \"summary\": {\"net_bps\": \"3.1\"}}", `ITER_SUMMARY_3.json: line 2: net_bps: want a number, got string "3.1"`},
		{"boolean KPI", "{\"iteration\": 3,\n \"summary\": {\"risk_ratio\": true}}", `ITER_SUMMARY_3.json: line 2: risk_ratio: want a number, got a boolean`},
		{"KPI out of float range", "{\"iteration\": 3, \"summary\": {\n\"net_bps\": 1e400}}", `ITER_SUMMARY_3.json: line 2: summary.net_bps: want float64, got JSON number 1e400`},
		{"summary a list", `{"iteration": 3, "summary": []}`, `ITER_SUMMARY_3.json: line 1: summary: want an object, got an array`},
		{"iteration NaN", `{"iteration": NaN}`, `ITER_SUMMARY_3.json: line 1: iteration: want a positive integer`},
		{"iteration fractional", `{"iteration": 2.5}`, `ITER_SUMMARY_3.json: line 1: iteration: want a positive integer`},
		{"iteration a string", `{"iteration": "3"}`, `ITER_SUMMARY_3.json: line 1: iteration: want a number, got string "3"`},
		{"a credential is not echoed", `{"iteration": 3, "summary": {"net_bps": "AKIAIOSFODNN7EXAMPLE"}}`, `ITER_SUMMARY_3.json: line 1: net_bps: want a number, got a string of 20 bytes`},
		{"iteration negative", `{"iteration": -3}`, `ITER_SUMMARY_3.json: line 1: iteration: want a positive integer`},
		{"iteration huge", `{"iteration": 1e300}`, `ITER_SUMMARY_3.json: line 1: iteration: want a positive integer`},
		{"deltas a list", "{\"iteration\": 3,\n\"tuning\": {\"proposed_deltas\": [1]}}", `ITER_SUMMARY_3.json: line 2: proposed_deltas: want an object, got an array`},
		{"delta a string", "{\"iteration\": 3, \"tuning\": {\n\"deltas\": {\"min_interval_ms\": \"5\"}}}", `ITER_SUMMARY_3.json: line 2: proposed_deltas.min_interval_ms: want a number, got string "5"`},
		{"NaN inside a string stays a string", `{"iteration": 3, "summary": {"net_bps": "xNaNx"}}`, `ITER_SUMMARY_3.json: line 1: net_bps: want a number, got a string of 5 bytes`},
		{"trailing data", "{\"iteration\": 3}\n\n{\"iteration\": 4}", `ITER_SUMMARY_3.json: line 3: trailing data after the JSON object`},
		{"trailing data after NaN", "{\"iteration\": 3, \"summary\": {\"net_bps\": NaN}} junk", `ITER_SUMMARY_3.json: line 1: trailing data after the JSON object`},
		{"syntax error after NaN", "{\"iteration\": 3,\n\"summary\": {\"net_bps\": NaN,}}", `ITER_SUMMARY_3.json: line 2: invalid JSON: invalid character ',' at start of value`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := IterationSummary("ITER_SUMMARY_3.json", []byte(tc.in))
			if err == nil {
				t.Fatalf("got %+v, want error %q", got, tc.want)
			}
			if got != nil {
				t.Errorf("got a result with the error: %+v", got)
			}
			if diff := cmp.Diff(tc.want, err.Error()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestLegacyLenientValues(t *testing.T) {
	// Unknown keys, nulls everywhere and odd shapes the toolkit's readers
	// tolerated are accepted; what cannot be a number is missing.
	in := `{"iteration": 3, "extra": {"deep": [1, 2]}, "summary": {
	  "net_bps": -Infinity, "risk_ratio": null, "fills": {"maker_fills": 7, "taker_fills": 3, "maker_volume": NaN},
	  "maker_taker_source": 5, "runtime_utc": null},
	 "tuning": {"suggested_deltas": {"a": 1.0000001, "b": null}, "applied": "yes", "skip_reason": 17,
	  "rationale": ["x", 3, "y"], "changed_keys": ["a", 1], "signature": "na", "cooldown_active": true}}`
	got, err := IterationSummary("f", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := &artifact.IterationSummary{
		SchemaVersion: artifact.SchemaVersion, Kind: artifact.KindIterationSummary, Iteration: 3, Mode: artifact.ModeLegacy, Status: artifact.StatusOK,
		File: "f", Legacy: true,
		Summary: artifact.Summary{NetBps: artifact.F(math.Inf(-1)), Fills: &artifact.Fills{MakerCount: 7, TakerCount: 3}},
		Tuning: &artifact.Tuning{
			Iteration: 3, ProposedDeltas: map[string]float64{"a": 1}, ChangedKeys: []string{"a"},
			Rationale: []string{"x", "y"}, Guards: []string{"cooldown"},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestSanitizeLegacy(t *testing.T) {
	for in, want := range map[string]string{
		`{"a": NaN}`:                 `{"a": "NaN"}`,
		`[Infinity,-Infinity,NaN]`:   `["Infinity","-Infinity","NaN"]`,
		`{"NaN": "Infinity \" NaN"}`: `{"NaN": "Infinity \" NaN"}`,
		`{"a": "\\", "b": NaN}`:      `{"a": "\\", "b": "NaN"}`,
		"\uFEFF{\"a\": 1}":           `{"a": 1}`,
		`{"a": 1}`:                   `{"a": 1}`,
	} {
		if got := string(sanitize([]byte(in))); got != want {
			t.Errorf("sanitize(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestErrorNamesTheSameKey: with several bad keys in one object, the error
// names the first in key order, every time (it followed Go's map order).
func TestErrorNamesTheSameKey(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		decode         func(string, []byte) error
	}{
		{
			"legacy deltas",
			"{\"iteration\": 3, \"tuning\": {\"deltas\": {\"z\": \"1\", \"b\": true, \"m\": \"2\", \"q\": [], \"c\": {}}}}",
			`ITER_SUMMARY_3.json: line 1: proposed_deltas.b: want a number, got a boolean`,
			func(f string, d []byte) error { _, err := IterationSummary(f, d); return err },
		},
		{
			"legacy ledger deltas",
			"[{\"iteration\": 1, \"proposed_deltas\": {\"z\": \"1\", \"b\": true, \"m\": \"2\", \"q\": [], \"c\": {}}}]",
			`ITER_SUMMARY_3.json: line 1: proposed_deltas.b: want a number, got a boolean`,
			func(f string, d []byte) error { _, err := TuningReport(f, d); return err },
		},
		{
			"overrides",
			"{\"schema_version\": 1, \"kind\": \"runtime_overrides\", \"z\": \"1\", \"b\": true, \"m\": \"2\", \"q\": [], \"c\": null}",
			`ITER_SUMMARY_3.json: line 1: b: want a number, got a boolean`,
			func(f string, d []byte) error { _, err := Overrides(f, d); return err },
		},
	} {
		for range 50 {
			err := tc.decode("ITER_SUMMARY_3.json", []byte(tc.in))
			if err == nil || err.Error() != tc.want {
				t.Fatalf("%s: %v\nwant %s", tc.name, err, tc.want)
			}
		}
	}
}
