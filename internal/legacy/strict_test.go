package legacy

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/soakline/soakline/pkg/artifact"
)

// The strict reading of ours behind IterationSummary and Overrides: what
// artifact.Decode cannot judge (statuses, adoption records, override
// values), and the fuzz targets of both.

// oursIter is an iteration summary of ours, an adoption record aside
// every member set.
const oursIter = `{"schema_version":1,"kind":"iteration_summary","iteration":7,"mode":"mock","scenario":"calm","seed":42,"started_at":"2026-01-02T03:04:05Z","duration_ms":1200,"status":"ok",
"summary":{"maker_taker_ratio":0.85,"maker_taker_source":"fills_volume","p95_latency_ms":250,"risk_ratio":0.3,"net_bps":3.1,"fills":{"maker_count":5,"taker_count":1,"maker_volume":50,"taker_volume":10}},
"tuning":{"iteration":7,"proposed_deltas":{"min_interval_ms":5},"applied":true,"changes":[{"key":"min_interval_ms","old":60,"new":65,"delta":5}],"changed_keys":["min_interval_ms"],"skip_reason":"","verified":true}}`

func oursIter7() *artifact.IterationSummary {
	s, err := decodeSummary("", []byte(oursIter))
	if err != nil {
		panic(err)
	}
	s.File = ""
	return s
}

func TestDecodeSummaryValidates(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"bad status", `{"schema_version":1,"kind":"iteration_summary","iteration":7,"mode":"mock","seed":1,"duration_ms":1,"status":"great","summary":{}}`, `f: status must be "ok" or "failed", got "great"`},
		{"iteration zero", `{"schema_version":1,"kind":"iteration_summary","iteration":0,"mode":"mock","seed":1,"duration_ms":1,"status":"ok","summary":{}}`, `f: iteration must be >= 1, got 0`},
		{"adoption of a failed iteration", `{"schema_version":1,"kind":"iteration_summary","iteration":1,"mode":"exec","seed":1,"duration_ms":1,"status":"failed","summary":{},"adoption":{"status":"unreported","keys":1,"records":0}}`, `f: adoption: only an iteration with status "ok" has one`},
		{"wrong kind", `{"schema_version": 1, "kind": "verdict"}`, `f: line 1: wrong kind "verdict", want "iteration_summary"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := decodeSummary("f", []byte(tc.in))
			if err == nil || err.Error() != tc.want || s != nil {
				t.Errorf("got %v, %v; want %s", s, err, tc.want)
			}
			mustBeArtifactError(t, err)
		})
	}
	if _, err := decodeOverrides("f", []byte(`{"schema_version": 1, "kind": "verdict"}`)); err == nil || err.Error() != `f: line 1: wrong kind "verdict", want "runtime_overrides"` {
		t.Errorf("overrides of the wrong kind: %v", err)
	}
}

// adoptedIter is an ok iteration with an adoption record, every member set.
const adoptedIter = `{"schema_version":1,"kind":"iteration_summary","iteration":4,"mode":"exec","seed":1,"duration_ms":5,"status":"ok","summary":{"net_bps":1},
"adoption":{"status":"mismatch","keys":7,"records":2,"mismatches":[{"key":"engine.concurrency_limit","wrote":12,"reported":10},{"key":"min_interval_ms","wrote":65,"reported":null}]}}`

func TestAdoptionDecodes(t *testing.T) {
	s, err := decodeSummary("f", []byte(adoptedIter))
	if err != nil {
		t.Fatal(err)
	}
	want := &artifact.Adoption{Status: artifact.AdoptionMismatch, Keys: 7, Records: 2, Mismatches: []artifact.Mismatch{
		{Key: "engine.concurrency_limit", Wrote: 12, Reported: artifact.F(10)},
		{Key: "min_interval_ms", Wrote: 65},
	}}
	if diff := cmp.Diff(want, s.Adoption); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// What soak-run writes reads back the same.
	for _, a := range []*artifact.Adoption{want, {Status: artifact.AdoptionAdopted, Keys: 7, Records: 1}, {Status: artifact.AdoptionUnreported, Keys: 7}} {
		it := oursIter7()
		it.Iteration = 3
		it.Adoption = a
		for _, enc := range []func(any) ([]byte, error){artifact.Marshal, artifact.MarshalLine} {
			data, err := enc(it)
			if err != nil {
				t.Fatal(err)
			}
			back, err := decodeSummary("f", data)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(it, back, cmp.FilterPath(func(p cmp.Path) bool { return p.String() == "File" }, cmp.Ignore())); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		}
	}
}

func TestAdoptionValidate(t *testing.T) {
	tests := []struct {
		a    artifact.Adoption
		want string
	}{
		{artifact.Adoption{Status: artifact.AdoptionAdopted, Keys: 7, Records: 1}, ""},
		{artifact.Adoption{Status: artifact.AdoptionUnreported, Keys: 7}, ""},
		{artifact.Adoption{Status: artifact.AdoptionMismatch, Keys: 1, Records: 1, Mismatches: []artifact.Mismatch{{Key: "a"}}}, ""},
		{artifact.Adoption{Status: "ok", Keys: 7, Records: 1}, `adoption: status must be "adopted", "mismatch" or "unreported", got "ok"`},
		{artifact.Adoption{Status: artifact.AdoptionAdopted, Keys: 7}, `adoption: status "adopted" needs at least one record`},
		{artifact.Adoption{Status: artifact.AdoptionAdopted, Keys: 1, Records: 1, Mismatches: []artifact.Mismatch{{Key: "a"}}}, `adoption: status "adopted" with 1 mismatches`},
		{artifact.Adoption{Status: artifact.AdoptionMismatch, Keys: 1, Records: 1}, `adoption: status "mismatch" with 0 mismatches`},
		{artifact.Adoption{Status: artifact.AdoptionUnreported, Keys: 7, Records: 1}, `adoption: status "unreported" with records or mismatches`},
		{artifact.Adoption{Status: artifact.AdoptionMismatch, Keys: 1, Records: 1, Mismatches: []artifact.Mismatch{{Key: "a"}, {Key: "b"}}}, "adoption: 2 mismatches among 1 keys"},
		{artifact.Adoption{Status: artifact.AdoptionMismatch, Keys: 2, Records: 1, Mismatches: []artifact.Mismatch{{Key: "b"}, {Key: "a"}}}, "adoption: mismatches must be sorted by key, each key once"},
		{artifact.Adoption{Status: artifact.AdoptionMismatch, Keys: 2, Records: 1, Mismatches: []artifact.Mismatch{{Key: ""}}}, "adoption: mismatches[0]: empty key"},
		{artifact.Adoption{Status: artifact.AdoptionAdopted, Keys: -1, Records: 1}, "adoption: keys and records must be >= 0"},
	}
	for _, tt := range tests {
		err := validateAdoption(&tt.a)
		if got := errString(err); got != tt.want {
			t.Errorf("%+v: got %q, want %q", tt.a, got, tt.want)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func FuzzDecodeIterationSummary(f *testing.F) {
	f.Add([]byte(oursIter))
	f.Add([]byte(`{"schema_version":1,"kind":"iteration_summary","iteration":3,"mode":"exec","seed":1,"duration_ms":5,"status":"failed","failure":{"reason":"timeout","exit_code":137},"summary":{}}`))
	f.Fuzz(fuzzSummary(decodeSummary))
}

func FuzzDecodeOverrides(f *testing.F) {
	f.Add([]byte(`{"base_spread_bps_delta":0.05,"engine":{"min_interval_ms":5,"tail_age_ms":30},"impact_cap_ratio":0.1,"risk":{"impact_cap_ratio":-0.009999999999999995}}`))
	f.Add([]byte("{\"schema_version\": 1, \"kind\": \"runtime_overrides\", \"engine\": {\"concurrency_limit\": 10}, \"min_interval_ms\": 60}\n"))
	f.Add([]byte(`{"a": NaN, "b": {"c": null, "d": [1]}, "e": "x"}`))
	f.Fuzz(fuzzOverrides(decodeOverrides))
}

func BenchmarkDecodeIterationSummary(b *testing.B) {
	ours, err := artifact.Marshal(oursIter7())
	if err != nil {
		b.Fatal(err)
	}
	for _, in := range []struct {
		name string
		data []byte
	}{{"ours", ours}} {
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(int64(len(in.data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := decodeSummary("f", in.data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
