package artifact

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/soakline/soakline/pkg/fileerr"
)

// The fuzz targets below hold every decoder of this package to the same
// rules: never panic; an error is a *fileerr.Error and comes with no
// result; what decodes re-encodes, and the encoding decodes to an equal
// value. Seeds are the committed corpus in testdata/fuzz/<Name>
// (internal/legacy's targets also take the toolkit's fixtures).

func mustBeArtifactError(t *testing.T, err error) {
	t.Helper()
	var ae *fileerr.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is %T, want *fileerr.Error", err, err)
	}
}

var (
	hashA = strings.Repeat("a", 64)
	hashB = strings.Repeat("b", 64)
)

func FuzzDecodeTuningReport(f *testing.F) {
	f.Add([]byte(`{"schema_version":1,"kind":"tuning_report","iterations":[{"iteration":1,"proposed_deltas":{"a":1},"applied":true,"changes":[{"key":"a","old":1,"new":2,"delta":1}],"changed_keys":["a"],"skip_reason":"","verified":true}],"summary":{"count":1,"applied":1,"guards":{}}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := new(TuningReport)
		if err := Decode("f", data, KindTuningReport, r); err != nil {
			mustBeArtifactError(t, err)
			return
		}
		out, err := Marshal(r)
		if err != nil {
			t.Fatalf("decoded report does not encode: %v", err)
		}
		again := new(TuningReport)
		if err := Decode("f", out, KindTuningReport, again); err != nil {
			t.Fatalf("re-encoded report does not decode: %v\n%s", err, out)
		}
		if diff := cmp.Diff(r, again, cmpopts.IgnoreFields(TuningReport{}, "Legacy")); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}

func FuzzDecodeVerdict(f *testing.F) {
	v := Verdict{
		SchemaVersion: 1, Kind: KindVerdict, Verdict: VerdictFail, Reason: "p95_latency_ms mean 420 > 340",
		IterationsTotal: 24, IterationsAnalyzed: []int{17, 18, 19, 20, 21, 22, 23, 24},
		KPILastN: map[string]KPIStats{"p95_latency_ms": {N: 8, Mean: F(420), Median: F(410), Min: F(300), Max: F(600), Trend: "up", Slope: F(1.5)}},
		Window:   Window{Size: 8, First: 17, Last: 24, N: 8},
		Policy:   Policy{Name: "default", Source: "built-in", Digest: hashA},
		Checks:   []Check{{Name: "latency", KPI: "p95_latency_ms", Statistic: "mean", Direction: "<=", Threshold: 340, Value: F(420), N: 8, Status: CheckFail, Reason: "420 > 340"}},
		DeltaVerification: &DeltaVerify{ProposedCount: 2, FullApplyCount: 2, FullApplyRatio: 1, Checked: true,
			Pairs: []DeltaPair{{Iteration: 3, Outcome: "full_apply", Reason: "ok"}}},
		DataQuality: []string{"iteration 5 is missing"},
		Source:      Source{Path: "artifacts/soak/latest", Digest: hashB},
		ToolVersion: "v1.0.0",
	}
	data, err := Marshal(v)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte(`{"schema_version":1,"kind":"verdict","verdict":"INCONCLUSIVE","kpi_last_n":{},"checks":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var v Verdict
		if err := Decode("f", data, KindVerdict, &v); err != nil {
			mustBeArtifactError(t, err)
			return
		}
		out, err := Marshal(v)
		if err != nil {
			t.Fatalf("decoded verdict does not encode: %v", err)
		}
		var again Verdict
		if err := Decode("f", out, KindVerdict, &again); err != nil {
			t.Fatalf("re-encoded verdict does not decode: %v\n%s", err, out)
		}
		if diff := cmp.Diff(v, again); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}

func FuzzPeekEnvelope(f *testing.F) {
	f.Add([]byte(`{"schema_version":1,"kind":"verdict"}`))
	f.Add([]byte(`{"KIND":"run","Schema_Version":2,"kind":"verdict"}`))
	f.Add([]byte(`{"a":{"kind":"x"},"b":"\"kind\":","kind":null}`))
	f.Add([]byte("\uFEFF {\"\\u006bind\":\"run\",\"schema_version\":1} "))
	f.Add([]byte(`[{"kind":"run"}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := PeekEnvelope("f", data)
		if err != nil {
			mustBeArtifactError(t, err)
		}
		// On a valid JSON object the peek agrees with a full decode.
		trimmed := TrimBOM(data)
		var head struct {
			SchemaVersion jsontext.Value `json:"schema_version"`
			Kind          jsontext.Value `json:"kind"`
		}
		if t := bytes.TrimLeft(trimmed, " \t\r\n"); len(t) == 0 || t[0] != '{' || jsonv2.Unmarshal(trimmed, &head) != nil {
			return
		}
		var want Envelope
		kindErr := jsonv2.Unmarshal(head.Kind, &want.Kind)
		verErr := jsonv2.Unmarshal(head.SchemaVersion, &want.SchemaVersion)
		switch {
		case len(head.Kind) == 0 || string(head.Kind) == "null":
			if err != nil || env != (Envelope{}) {
				t.Fatalf("legacy document: got %+v, %v", env, err)
			}
		case kindErr != nil || len(head.SchemaVersion) == 0 || verErr != nil:
			if err == nil {
				t.Fatalf("got %+v, want an error", env)
			}
		default:
			if err != nil || env != want {
				t.Fatalf("got %+v, %v; want %+v", env, err, want)
			}
		}
	})
}
