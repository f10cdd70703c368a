package artifact

import (
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
	// What soak-run writes reads back the same.
	for _, a := range []*Adoption{want, {Status: AdoptionAdopted, Keys: 7, Records: 1}, {Status: AdoptionUnreported, Keys: 7}} {
		it := benchIter(3)
		it.Adoption = a
		for _, enc := range []func(any) ([]byte, error){Marshal, MarshalLine} {
			data, err := enc(it)
			if err != nil {
				t.Fatal(err)
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
