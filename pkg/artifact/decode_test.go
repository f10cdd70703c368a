package artifact

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/soakline/soakline/pkg/fileerr"
)

// validIter is a strict iteration summary with every line numbered on
// purpose: the error tests below edit single lines of it.
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

func wantIter7() *IterationSummary {
	return &IterationSummary{
		SchemaVersion: 1, Kind: KindIterationSummary, Iteration: 7, Mode: ModeMock, Seed: 42,
		DurationMs: 1200, Status: StatusOK,
		Summary: Summary{MakerTakerRatio: F(0.85), P95LatencyMs: F(250), RiskRatio: F(0.3), NetBps: F(3.1)},
	}
}

// decodeIter decodes an iteration summary strictly, as internal/legacy
// does before it validates.
func decodeIter(file string, data []byte) (*IterationSummary, error) {
	s := new(IterationSummary)
	if err := Decode(file, data, KindIterationSummary, s); err != nil {
		return nil, err
	}
	return s, nil
}

// editLine replaces line n (1-based) of s.
func editLine(s string, n int, repl string) string {
	lines := strings.Split(s, "\n")
	lines[n-1] = repl
	return strings.Join(lines, "\n")
}

func TestDecodeIterationSummary(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    *IterationSummary
		wantErr string
	}{
		{name: "valid", in: validIter, want: wantIter7()},
		{name: "BOM and CRLF", in: "\uFEFF" + strings.ReplaceAll(validIter, "\n", "\r\n"), want: wantIter7()},
		{name: "envelope last", in: `{"iteration":7,"mode":"mock","seed":42,"duration_ms":1200,"status":"ok","summary":{"maker_taker_ratio":0.85,"p95_latency_ms":250,"risk_ratio":0.3,"net_bps":3.1},"kind":"iteration_summary","schema_version":1}`, want: wantIter7()},
		{
			name:    "syntax error names file and line",
			in:      editLine(validIter, 3, `  "kind": "iteration_summary",,`),
			wantErr: `ITER_SUMMARY_7.json: line 3: invalid JSON: invalid character ',' at start of value`,
		},
		{
			name:    "unknown field with its line",
			in:      editLine(validIter, 6, `  "seed": 42, "bogus": true,`),
			wantErr: `ITER_SUMMARY_7.json: line 6: unknown field "bogus"`,
		},
		{
			name:    "unknown nested field",
			in:      editLine(validIter, 12, `    "risk_ratio": 0.3, "riskratio": 0.3,`),
			wantErr: `ITER_SUMMARY_7.json: line 12: unknown field "riskratio"`,
		},
		{
			name:    "trailing object",
			in:      validIter + "\n{}\n",
			wantErr: `ITER_SUMMARY_7.json: line 17: trailing data after the JSON object`,
		},
		{
			name:    "trailing garbage on the last line",
			in:      strings.TrimSuffix(validIter, "\n") + " x",
			wantErr: `ITER_SUMMARY_7.json: line 15: trailing data after the JSON object`,
		},
		{
			name:    "wrong kind",
			in:      editLine(validIter, 3, `  "kind": "verdict",`),
			wantErr: `ITER_SUMMARY_7.json: line 3: wrong kind "verdict", want "iteration_summary"`,
		},
		{
			name:    "future schema_version",
			in:      editLine(validIter, 2, `  "schema_version": 2,`),
			wantErr: `ITER_SUMMARY_7.json: line 3: iteration_summary: unsupported schema_version 2 (this soakline reads up to 1)`,
		},
		{
			name:    "missing schema_version",
			in:      editLine(validIter, 2, ``),
			wantErr: `ITER_SUMMARY_7.json: line 3: iteration_summary: missing schema_version`,
		},
		{
			name:    "schema_version zero",
			in:      editLine(validIter, 2, `  "schema_version": 0,`),
			wantErr: `ITER_SUMMARY_7.json: line 3: iteration_summary: missing or invalid schema_version`,
		},
		{
			name:    "schema_version not an integer",
			in:      editLine(validIter, 2, `  "schema_version": "1",`),
			wantErr: `ITER_SUMMARY_7.json: line 2: schema_version must be an integer, got "1"`,
		},
		{
			name:    "kind not a string",
			in:      editLine(validIter, 3, `  "kind": 5,`),
			wantErr: `ITER_SUMMARY_7.json: line 3: "kind" must be a string`,
		},
		{
			name:    "string where a number belongs",
			in:      editLine(validIter, 13, `    "net_bps": "3.1"`),
			wantErr: `ITER_SUMMARY_7.json: line 13: summary.net_bps: want float64, got JSON string`,
		},
		{
			name:    "number out of range",
			in:      editLine(validIter, 13, `    "net_bps": 1e999`),
			wantErr: `ITER_SUMMARY_7.json: line 13: summary.net_bps: want float64, got JSON number 1e999`,
		},
		{
			name:    "NaN literal is not JSON in our format",
			in:      editLine(validIter, 13, `    "net_bps": NaN`),
			wantErr: `ITER_SUMMARY_7.json: line 13: invalid JSON: invalid character 'N' at start of value`,
		},
		{
			name:    "truncated",
			in:      validIter[:60],
			wantErr: `ITER_SUMMARY_7.json: line 4: invalid JSON: unexpected end of JSON input`,
		},
		{name: "empty", in: "", wantErr: `ITER_SUMMARY_7.json: line 1: invalid JSON: unexpected end of JSON input`},
		{name: "array", in: "[1, 2]", wantErr: `ITER_SUMMARY_7.json: line 1: want a JSON object, got an array`},
		{name: "string", in: `"x"`, wantErr: `ITER_SUMMARY_7.json: line 1: want a JSON object, got a string`},
		{name: "null", in: `null`, wantErr: `ITER_SUMMARY_7.json: line 1: want a JSON object, got null`},
		{name: "binary garbage", in: "\x00\x01\xff", wantErr: `ITER_SUMMARY_7.json: line 1: invalid JSON: invalid character '\x00' at start of value`},
		{
			name:    "100,000-deep nesting",
			in:      `{"iteration": 1, "x": ` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`,
			wantErr: `ITER_SUMMARY_7.json: line 1: invalid JSON: exceeded max depth`,
		},
		{
			// internal/legacy reads the toolkit's files.
			name:    "legacy",
			in:      `{"iteration": 3, "summary": {"net_bps": 3}}`,
			wantErr: `ITER_SUMMARY_7.json: not a soakline artifact: no "kind" field (want iteration_summary)`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeIter("ITER_SUMMARY_7.json", []byte(tc.in))
			checkResult(t, got, err, tc.want, tc.wantErr)
		})
	}
}

// checkResult compares a decoding result with the one wanted: the error
// wantErr, a *fileerr.Error with a zero result, or else want.
func checkResult[T any](t *testing.T, got T, err error, want T, wantErr string) {
	t.Helper()
	if wantErr == "" {
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		return
	}
	var ae *fileerr.Error
	var zero T
	switch {
	case err == nil:
		t.Fatalf("got %+v, want error %q", got, wantErr)
	case !errors.As(err, &ae):
		t.Errorf("error is %T, want *fileerr.Error", err)
	case cmp.Diff(zero, got) != "":
		t.Errorf("got %+v with the error, want none", got)
	}
	if diff := cmp.Diff(wantErr, err.Error()); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
}

func TestDecodeWrongKindForEveryKind(t *testing.T) {
	verdict := `{"schema_version": 1, "kind": "verdict"}`
	tests := []struct {
		name string
		fn   func() error
		want string
	}{
		{"iteration summary", func() error {
			var s IterationSummary
			return Decode("f.json", []byte(verdict), KindIterationSummary, &s)
		},
			`f.json: line 1: wrong kind "verdict", want "iteration_summary"`},
		{"tuning report", func() error { var r TuningReport; return Decode("f.json", []byte(verdict), KindTuningReport, &r) },
			`f.json: line 1: wrong kind "verdict", want "tuning_report"`},
		{"overrides", func() error { var m map[string]any; return Decode("f.json", []byte(verdict), KindRuntimeOverrides, &m) },
			`f.json: line 1: wrong kind "verdict", want "runtime_overrides"`},
		{"run record", func() error { var r RunRecord; return Decode("f.json", []byte(verdict), KindRun, &r) },
			`f.json: line 1: wrong kind "verdict", want "run"`},
		{"legacy file to a strict kind", func() error { var r RunRecord; return Decode("f.json", []byte(`{"iteration": 1}`), KindRun, &r) },
			`f.json: not a soakline artifact: no "kind" field (want run)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.fn()
			if err == nil {
				t.Fatal("no error")
			}
			if diff := cmp.Diff(tc.want, err.Error()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestPeekEnvelope(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Envelope
		wantErr string
	}{
		{name: "ours", in: `{"schema_version":1,"kind":"verdict","x":[1,{"kind":"no"}]}`, want: Envelope{1, KindVerdict}},
		{name: "nested kind is not the envelope", in: `{"a":{"kind":"verdict","schema_version":1}}`},
		{name: "kind inside a string", in: `{"a":"\"kind\":\"verdict\"","b":"}{"}`},
		{name: "legacy", in: `{"iteration": 3, "summary": {"net_bps": 1}}`},
		{name: "NaN is not JSON", in: `{"iteration": 3, "summary": {"net_bps": NaN, "x": -Infinity}}`, wantErr: `f: line 1: invalid JSON: invalid character 'N' at start of value`},
		{name: "kind null is legacy", in: `{"kind": null, "iteration": 3}`},
		{name: "empty object", in: `{}`},
		{name: "BOM", in: "\uFEFF{\"schema_version\":1,\"kind\":\"run\"}", want: Envelope{1, KindRun}},
		// The peek stops at the envelope: Decode rejects the duplicate.
		{name: "the first of duplicates is peeked", in: `{"schema_version":1,"kind":"run","kind":"verdict"}`, want: Envelope{1, KindRun}},
		{name: "names match exactly", in: `{"Schema_Version":1,"KIND":"run"}`},
		{name: "escaped key", in: `{"schema_version":1,"\u006bind":"run"}`, want: Envelope{1, KindRun}},
		{name: "future version is peeked, not judged", in: `{"schema_version":9,"kind":"run"}`, want: Envelope{9, KindRun}},
		{name: "missing version", in: "{\n\"kind\": \"run\"}", wantErr: `f: line 2: run: missing schema_version`},
		{name: "array", in: `[{"kind":"run"}]`, wantErr: `f: line 1: want a JSON object, got an array`},
		{name: "unterminated", in: "{\"kind\":\n\"run", wantErr: `f: line 2: invalid JSON: unexpected end of JSON input`},
		{name: "syntax error deep inside", in: "{\"a\": [1,\n2,,3]}", wantErr: `f: line 2: invalid JSON: invalid character ',' at start of value`},
		{name: "what follows the envelope is Decode's", in: "{\"schema_version\":1,\"kind\":\"run\",\n,,}", want: Envelope{1, KindRun}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := PeekEnvelope("f", []byte(tc.in))
			checkResult(t, got, err, tc.want, tc.wantErr)
		})
	}
}

func TestTrimBOM(t *testing.T) {
	for in, want := range map[string]string{
		"\uFEFF{}": "{}", "{}": "{}", "": "", "\uFEFF": "", "\uFEFF\uFEFF{}": "\uFEFF{}", "\xEF\xBB": "\xEF\xBB",
	} {
		if got := string(TrimBOM([]byte(in))); got != want {
			t.Errorf("TrimBOM(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestStrictNames: member names match exactly and once. encoding/json
// (the decoder before go-json-experiment/json) read "KIND" as "kind",
// "Iteration" as "iteration", and kept the last of a repeated member.
func TestStrictNames(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"envelope in another case", strings.Replace(validIter, `"kind"`, `"KIND"`, 1), `f: not a soakline artifact: no "kind" field (want iteration_summary)`},
		{"field in another case", strings.Replace(validIter, `"iteration"`, `"Iteration"`, 1), `f: line 4: unknown field "Iteration"`},
		{"repeated field", strings.Replace(validIter, `"seed": 42,`, `"seed": 42, "seed": 43,`, 1), `f: line 6: duplicate field "seed"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeIter("f", []byte(tc.in))
			if err == nil || err.Error() != tc.want {
				t.Errorf("got %v, want %s", err, tc.want)
			}
		})
	}
}
