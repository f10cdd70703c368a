package artifact

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMarshal(t *testing.T) {
	v := struct {
		A string             `json:"a"`
		M map[string]float64 `json:"m"`
	}{A: "<b>&", M: map[string]float64{"z": 1, "a": 0.1}}
	got, err := Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"a\": \"<b>&\",\n  \"m\": {\n    \"a\": 0.1,\n    \"z\": 1\n  }\n}\n"
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	line, err := MarshalLine(v)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("{\"a\":\"<b>&\",\"m\":{\"a\":0.1,\"z\":1}}\n", string(line)); diff != "" {
		t.Errorf("line (-want +got):\n%s", diff)
	}
	if _, err := Marshal(math.NaN()); err == nil {
		t.Error("Marshal(NaN) succeeded")
	}
	if _, err := MarshalLine(math.Inf(1)); err == nil {
		t.Error("MarshalLine(Inf) succeeded")
	}
}

// leftovers lists the files of dir other than keep.
// A reader racing the writer sees the old content or the new one, never
// a part or an empty file.
