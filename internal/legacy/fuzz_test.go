package legacy

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// The fuzz targets below hold every decoder of this package to the same
// rules: never panic; an error is a *fileerr.Error and comes with no
// result; what decodes re-encodes, and the encoding decodes to an equal
// value. Seeds are the fixtures of testdata plus the committed corpus in
// testdata/fuzz/<Name>.

func addFixtures(f *testing.F, patterns ...string) {
	f.Helper()
	for _, p := range patterns {
		files, err := filepath.Glob(filepath.Join("testdata", p))
		if err != nil {
			f.Fatal(err)
		}
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
}

func mustBeArtifactError(t *testing.T, err error) {
	t.Helper()
	var ae *fileerr.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is %T, want *fileerr.Error", err, err)
	}
}

func FuzzIterationSummary(f *testing.F) {
	addFixtures(f, "legacy/ITER_SUMMARY_*.json")
	f.Add([]byte(validIter))
	f.Add([]byte(`{"schema_version":1,"kind":"iteration_summary","iteration":3,"mode":"exec","seed":1,"duration_ms":5,"status":"failed","failure":{"reason":"timeout","exit_code":137},"summary":{}}`))
	f.Fuzz(fuzzSummary(IterationSummary))
}

func FuzzTuningReport(f *testing.F) {
	addFixtures(f, "legacy/TUNING_REPORT*.json")
	f.Add([]byte(`{"schema_version":1,"kind":"tuning_report","iterations":[{"iteration":1,"proposed_deltas":{"a":1},"applied":true,"changes":[{"key":"a","old":1,"new":2,"delta":1}],"changed_keys":["a"],"skip_reason":"","verified":true}],"summary":{"count":1,"applied":1,"guards":{}}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := TuningReport("f", data)
		if err != nil {
			mustBeArtifactError(t, err)
			if r != nil {
				t.Fatalf("result with an error: %+v", r)
			}
			return
		}
		out, err := artifact.Marshal(r)
		if err != nil {
			t.Fatalf("decoded report does not encode: %v", err)
		}
		again, err := TuningReport("f", out)
		if err != nil {
			t.Fatalf("re-encoded report does not decode: %v\n%s", err, out)
		}
		if diff := cmp.Diff(r, again, cmpopts.IgnoreFields(artifact.TuningReport{}, "Legacy")); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}

func FuzzOverrides(f *testing.F) {
	f.Add([]byte(`{"base_spread_bps_delta":0.05,"engine":{"min_interval_ms":5,"tail_age_ms":30},"impact_cap_ratio":0.1,"risk":{"impact_cap_ratio":-0.009999999999999995}}`))
	f.Add([]byte("{\"schema_version\": 1, \"kind\": \"runtime_overrides\", \"engine\": {\"concurrency_limit\": 10}, \"min_interval_ms\": 60}\n"))
	f.Add([]byte(`{"a": NaN, "b": {"c": null, "d": [1]}, "e": "x"}`))
	f.Fuzz(fuzzOverrides(Overrides))
}

// validIter is a strict iteration summary of ours.
const validIter = `{
  "schema_version": 1,
  "kind": "iteration_summary",
  "iteration": 7,
  "mode": "mock",
  "seed": 42,
  "duration_ms": 1200,
  "status": "ok",
  "summary": {
    "maker_taker_ratio": 0.85,
    "p95_latency_ms": 250,
    "risk_ratio": 0.3,
    "net_bps": 3.1
  }
}
`

// fuzzSummary holds read, a reader of iteration summaries, to the rules
// above.
func fuzzSummary(read func(string, []byte) (*artifact.IterationSummary, error)) func(*testing.T, []byte) {
	return func(t *testing.T, data []byte) {
		s, err := read("f", data)
		if err != nil {
			mustBeArtifactError(t, err)
			if s != nil {
				t.Fatalf("result with an error: %+v", s)
			}
			return
		}
		if s.Kind != artifact.KindIterationSummary || s.SchemaVersion != artifact.SchemaVersion {
			t.Fatalf("decoded envelope %d %q", s.SchemaVersion, s.Kind)
		}
		if s.Iteration < 1 {
			t.Fatalf("iteration %d", s.Iteration)
		}
		out, err := artifact.Marshal(s)
		if err != nil {
			if s.Legacy {
				return // NaN or Infinity from a legacy file: reported downstream
			}
			t.Fatalf("strictly decoded summary does not encode: %v", err)
		}
		again, err := read("f", out)
		if err != nil {
			t.Fatalf("re-encoded summary does not decode: %v\n%s", err, out)
		}
		if diff := cmp.Diff(s, again, cmpopts.IgnoreFields(artifact.IterationSummary{}, "Legacy")); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	}
}

// fuzzOverrides holds read, a reader of overrides, to the rules above.
func fuzzOverrides(read func(string, []byte) (*artifact.Overrides, error)) func(*testing.T, []byte) {
	return func(t *testing.T, data []byte) {
		o, err := read("f", data)
		if err != nil {
			mustBeArtifactError(t, err)
			if o != nil {
				t.Fatalf("result with an error: %+v", o)
			}
			return
		}
		out, err := artifact.Marshal(o)
		if err != nil {
			if o.Legacy {
				return // e.g. {"a": 1, "a.b": 2}: refused when written
			}
			t.Fatalf("strictly decoded overrides do not encode: %v", err)
		}
		again, err := read("f", out)
		if err != nil {
			t.Fatalf("re-encoded overrides do not decode: %v\n%s", err, out)
		}
		if again.Legacy || len(again.Ignored) > 0 {
			t.Fatalf("re-encoded overrides read as legacy: %+v", again)
		}
		if diff := cmp.Diff(o.Params, again.Params); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
		out2, err := artifact.Marshal(again)
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("second encoding differs (%v):\n%s\n%s", err, out, out2)
		}
	}
}
