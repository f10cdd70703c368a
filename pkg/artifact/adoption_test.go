package artifact

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// adoptedIter is an ok iteration with an adoption record, every member set.
const adoptedIter = `{"schema_version":1,"kind":"iteration_summary","iteration":4,"mode":"exec","seed":1,"duration_ms":5,"status":"ok","summary":{"net_bps":1},
"adoption":{"status":"mismatch","keys":7,"records":2,"mismatches":[{"key":"engine.concurrency_limit","wrote":12,"reported":10},{"key":"min_interval_ms","wrote":65,"reported":null}]}}`

func TestAdoptionDecodes(t *testing.T) {
	s, err := DecodeIterationSummary("f", []byte(adoptedIter))
	if err != nil {
		t.Fatal(err)
	}
	want := &Adoption{Status: AdoptionMismatch, Keys: 7, Records: 2, Mismatches: []Mismatch{
		{Key: "engine.concurrency_limit", Wrote: 12, Reported: F(10)},
		{Key: "min_interval_ms", Wrote: 65},
	}}
	if diff := cmp.Diff(want, s.Adoption); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// What soak-run writes takes the fast path and reads back the same.
	for _, a := range []*Adoption{want, {Status: AdoptionAdopted, Keys: 7, Records: 1}, {Status: AdoptionUnreported, Keys: 7}} {
		it := benchIter(3)
		it.Adoption = a
		for _, enc := range []func(any) ([]byte, error){Marshal, MarshalLine} {
			data, err := enc(it)
			if err != nil {
				t.Fatal(err)
			}
			var d fastDecoder
			d.reset(data)
			var got IterationSummary
			d.iterationSummary(&got)
			if !d.done() {
				t.Errorf("fast path left at byte %d of\n%s", d.i, data)
			}
			back, err := DecodeIterationSummary("f", data)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(it, back, cmp.FilterPath(func(p cmp.Path) bool { return p.String() == "File" }, cmp.Ignore())); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		}
	}
}

// TestAdoptionFastPathAgrees holds the fast path to encoding/json on the
// adoption member: same value or same error.
func TestAdoptionFastPathAgrees(t *testing.T) {
	member := func(old, repl string) string {
		if !strings.Contains(adoptedIter, old) {
			t.Fatalf("%q is not in adoptedIter", old)
		}
		return strings.Replace(adoptedIter, old, repl, 1)
	}
	for _, in := range []string{
		adoptedIter,
		member(`"reported":null`, `"reported":1.5`),
		member(`"reported":10`, `"reported":null,"reported":10`),
		member(`"keys":7`, `"keys":7,"keys":8`),
		member(`"keys":7`, `"keys":7.5`),
		member(`"keys":7`, `"keys":-1`),
		member(`"keys":7`, `"keys":1`),
		member(`"records":2`, `"records":0`),
		member(`"records":2`, `"records":null`),
		member(`"status":"mismatch"`, `"status":"adopted"`),
		member(`"status":"mismatch"`, `"status":"unreported"`),
		member(`"status":"mismatch"`, `"status":"MISMATCH"`),
		member(`"status":"mismatch"`, `"status":null`),
		member(`"status":"mismatch"`, `"status":"mismatch","extra":1`),
		member(`"wrote":12`, `"wrote":"12"`),
		member(`"wrote":12`, `"wrote":1e999`),
		member(`"key":"engine.concurrency_limit"`, `"key":""`),
		member(`"key":"engine.concurrency_limit"`, `"key":"zzz"`),
		member(`"key":"engine.concurrency_limit"`, `"key":"min_interval_ms"`),
		member(`"mismatches":[`, `"mismatches":[null,`),
		member(`"mismatches":[{"key":"engine.concurrency_limit","wrote":12,"reported":10},{"key":"min_interval_ms","wrote":65,"reported":null}]`, `"mismatches":[]`),
		member(`"mismatches":[{"key":"engine.concurrency_limit","wrote":12,"reported":10},{"key":"min_interval_ms","wrote":65,"reported":null}]`, `"mismatches":null`),
		member(`"mismatches":[{"key":"engine.concurrency_limit","wrote":12,"reported":10},{"key":"min_interval_ms","wrote":65,"reported":null}]`, `"mismatches":{}`),
		member(`"adoption":{`, `"adoption":null,"z":{`),
		member(`"adoption":{`, `"adoption":{"status":"adopted","keys":1,"records":1},"adoption":{`),
		member(`"status":"ok"`, `"status":"failed"`),
		member(`"adoption":{"status":"mismatch","keys":7,"records":2,"mismatches":[{"key":"engine.concurrency_limit","wrote":12,"reported":10},{"key":"min_interval_ms","wrote":65,"reported":null}]}`, `"adoption":null`),
		member(`"adoption":{"status":"mismatch","keys":7,"records":2,"mismatches":[{"key":"engine.concurrency_limit","wrote":12,"reported":10},{"key":"min_interval_ms","wrote":65,"reported":null}]}`, `"adoption":{}`),
		member(`"adoption":{"status":"mismatch","keys":7,"records":2,"mismatches":[{"key":"engine.concurrency_limit","wrote":12,"reported":10},{"key":"min_interval_ms","wrote":65,"reported":null}]}`, `"adoption":{"status":"unreported","keys":7,"records":0}`),
		member(`"adoption":{"status":"mismatch","keys":7,"records":2,"mismatches":[{"key":"engine.concurrency_limit","wrote":12,"reported":10},{"key":"min_interval_ms","wrote":65,"reported":null}]}`, `"adoption":{"status":"unreported","keys":7,"records":1}`),
	} {
		sameSummary(t, []byte(in))
	}
}

func TestAdoptionValidate(t *testing.T) {
	tests := []struct {
		a    Adoption
		want string
	}{
		{Adoption{Status: AdoptionAdopted, Keys: 7, Records: 1}, ""},
		{Adoption{Status: AdoptionUnreported, Keys: 7}, ""},
		{Adoption{Status: AdoptionMismatch, Keys: 1, Records: 1, Mismatches: []Mismatch{{Key: "a"}}}, ""},
		{Adoption{Status: "ok", Keys: 7, Records: 1}, `adoption: status must be "adopted", "mismatch" or "unreported", got "ok"`},
		{Adoption{Status: AdoptionAdopted, Keys: 7}, `adoption: status "adopted" needs at least one record`},
		{Adoption{Status: AdoptionAdopted, Keys: 1, Records: 1, Mismatches: []Mismatch{{Key: "a"}}}, `adoption: status "adopted" with 1 mismatches`},
		{Adoption{Status: AdoptionMismatch, Keys: 1, Records: 1}, `adoption: status "mismatch" with 0 mismatches`},
		{Adoption{Status: AdoptionUnreported, Keys: 7, Records: 1}, `adoption: status "unreported" with records or mismatches`},
		{Adoption{Status: AdoptionMismatch, Keys: 1, Records: 1, Mismatches: []Mismatch{{Key: "a"}, {Key: "b"}}}, "adoption: 2 mismatches among 1 keys"},
		{Adoption{Status: AdoptionMismatch, Keys: 2, Records: 1, Mismatches: []Mismatch{{Key: "b"}, {Key: "a"}}}, "adoption: mismatches must be sorted by key, each key once"},
		{Adoption{Status: AdoptionMismatch, Keys: 2, Records: 1, Mismatches: []Mismatch{{Key: ""}}}, "adoption: mismatches[0]: empty key"},
		{Adoption{Status: AdoptionAdopted, Keys: -1, Records: 1}, "adoption: keys and records must be >= 0"},
	}
	for _, tt := range tests {
		err := tt.a.Validate()
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

func TestAdopted(t *testing.T) {
	f32 := func(x float64) float64 { return float64(float32(x)) }
	tests := []struct {
		wrote, reported float64
		want            bool
	}{
		{10, 10, true},
		{10, 10.000001, false}, // a whole number is exact
		{0, 1e-300, false},
		{0, -0, true},
		{0.1, 0.1, true},
		{0.1, f32(0.1), true}, // a float32 copy
		{0.105, f32(0.105), true},
		{123.456, f32(123.456), true},
		{0.1, 0.1000002, false}, // 2e-6 relative
		{0.1, 0.10000005, true}, // 5e-7 relative
		{0.12, 0.11, false},     // a tuner step
		{-0.25, 0.25, false},
		{0.5, math.NaN(), false},
		{0.5, math.Inf(1), false},
	}
	for _, tt := range tests {
		if got := Adopted(tt.wrote, tt.reported); got != tt.want {
			t.Errorf("Adopted(%v, %v) = %v, want %v", tt.wrote, tt.reported, got, tt.want)
		}
	}
}
