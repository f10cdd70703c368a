package events

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var paramsEvent = Event{Kind: KindParams, TMs: 0, Params: ParamsOf(map[string]float64{
	"min_interval_ms": 60, "engine.concurrency_limit": 10, "impact_cap_ratio": 0.1, "base_spread_bps_delta": 1e-7, `we"ird\key`: -2.5,
})}

const paramsText = `{"kind":"effective_params","t_ms":0,"params":{"base_spread_bps_delta":1e-7,"engine.concurrency_limit":10,"impact_cap_ratio":0.1,"min_interval_ms":60,"we\"ird\\key":-2.5}}` + "\n"

// TestParamsWriteRead pins the written form of an effective_params record
// and that it reads back the same, among other events.
func TestParamsWriteRead(t *testing.T) {
	b, err := AppendEvent(nil, &paramsEvent)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(paramsText, string(b)); diff != "" {
		t.Errorf("written (-want +got):\n%s", diff)
	}
	got, err := scanAll(t, paramsText+sampleText+paramsText)
	if err != nil {
		t.Fatal(err)
	}
	want := append(append([]Event{paramsEvent}, sample...), paramsEvent)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}
	// A copy of the event keeps its parameters: the next record does not
	// overwrite them.
	if &got[0].Params[0] == &got[len(got)-1].Params[0] {
		t.Error("two records share one Params slice")
	}
}

func TestParamsReadTolerated(t *testing.T) {
	want := []Event{{Kind: KindParams, TMs: 3, Params: []Param{{"a", 1}, {"b.c", -0.25}, {"é", 2}}}}
	for _, in := range []string{
		`{"kind":"effective_params","t_ms":3,"params":{"a":1,"b.c":-0.25,"é":2}}`,
		` { "params" : { "é" : 2e0 , "b.c":-25E-2,"a":1.0 } , "t_ms":3, "kind":"effective_params" } `,
		`{"k\u0069nd":"effective\u005fparams","t_ms":3,"p\u0061rams":{"\u0061":1,"b\u002ec":-0.25,"\u00e9":2}}`,
	} {
		got, err := scanAll(t, in)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: (-want +got):\n%s", in, diff)
		}
	}
}

func TestParamsReadErrors(t *testing.T) {
	many := make([]string, MaxParams+1)
	for i := range many {
		many[i] = `"k` + strconv.Itoa(i) + `":1`
	}
	tests := []struct{ name, in, want string }{
		{"missing params", `{"kind":"effective_params","t_ms":0}`, "line 1: effective_params: missing params"},
		{"missing t_ms", `{"kind":"effective_params","params":{"a":1}}`, "line 1: effective_params: missing t_ms"},
		{"empty params", `{"kind":"effective_params","t_ms":0,"params":{}}`, "line 1: effective_params: params must hold at least one parameter"},
		{"params not object", `{"kind":"effective_params","t_ms":0,"params":[1]}`, "line 1: params: want object, got array (nested values are not allowed)"},
		{"params number", `{"kind":"effective_params","t_ms":0,"params":1}`, "line 1: params: want object, got number"},
		{"string value", `{"kind":"effective_params","t_ms":0,"params":{"a":"1"}}`, `line 1: params: "a": want number, got string`},
		{"nested value", `{"kind":"effective_params","t_ms":0,"params":{"engine":{"concurrency_limit":1}}}`, `line 1: params: "engine": want number, got object (nested values are not allowed)`},
		{"null value", `{"kind":"effective_params","t_ms":0,"params":{"a":null}}`, `line 1: params: "a": want number, got null`},
		{"bool value", `{"kind":"effective_params","t_ms":0,"params":{"a":true}}`, `line 1: params: "a": want number, got boolean`},
		{"overflow", `{"kind":"effective_params","t_ms":0,"params":{"a":1e999}}`, `line 1: params: "a": number out of float64 range`},
		{"duplicate key", `{"kind":"effective_params","t_ms":0,"params":{"a":1,"b":2,"a":1}}`, `line 1: effective_params: params: duplicate key "a"`},
		{"duplicate via escape", `{"kind":"effective_params","t_ms":0,"params":{"a":1,"\u0061":1}}`, `line 1: effective_params: params: duplicate key "a"`},
		{"empty key", `{"kind":"effective_params","t_ms":0,"params":{"":1}}`, `line 1: effective_params: params: key "" must be 1 to 256 bytes of UTF-8 without control characters`},
		{"control in key", `{"kind":"effective_params","t_ms":0,"params":{"a\nb":1}}`, `line 1: effective_params: params: key "a\nb" must be 1 to 256 bytes of UTF-8 without control characters`},
		{"invalid utf-8 key", "{\"kind\":\"effective_params\",\"t_ms\":0,\"params\":{\"\xff\":1}}", `line 1: effective_params: params: key "\xff" must be 1 to 256 bytes of UTF-8 without control characters`},
		{"long key", `{"kind":"effective_params","t_ms":0,"params":{"` + strings.Repeat("k", MaxParamKeyBytes+1) + `":1}}`, `line 1: effective_params: params: key "` + strings.Repeat("k", MaxParamKeyBytes+1) + `" must be 1 to 256 bytes of UTF-8 without control characters`},
		{"too many", `{"kind":"effective_params","t_ms":0,"params":{` + strings.Join(many, ",") + `}}`, "line 1: effective_params: more than 1024 params"},
		{"trailing comma", `{"kind":"effective_params","t_ms":0,"params":{"a":1,}}`, "line 1: params: expected a quoted parameter name"},
		{"no colon", `{"kind":"effective_params","t_ms":0,"params":{"a" 1}}`, `line 1: params: "a": expected ':' after the parameter name`},
		{"unterminated", `{"kind":"effective_params","t_ms":0,"params":{"a":1`, "line 1: params: unexpected end of line in object"},
		{"unterminated key", `{"kind":"effective_params","t_ms":0,"params":{"a`, "line 1: params: unterminated string"},
		{"garbage after value", `{"kind":"effective_params","t_ms":0,"params":{"a":1 2}}`, "line 1: params: expected ',' or '}' after value"},
		{"params on an order", `{"kind":"order","t_ms":1,"action":"place","latency_ms":1,"params":{"a":1}}`, "line 1: order: field params does not belong to kind order"},
		{"fields of other kinds", `{"kind":"effective_params","t_ms":0,"params":{"a":1},"lag_ms":1}`, "line 1: effective_params: field lag_ms does not belong to kind effective_params"},
		{"duplicate params", `{"kind":"effective_params","t_ms":0,"params":{"a":1},"params":{"b":1}}`, "line 1: duplicate field params"},
		{"negative t_ms", `{"kind":"effective_params","t_ms":-1,"params":{"a":1}}`, "line 1: effective_params: negative t_ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := scanAll(t, tt.in)
			if err == nil {
				t.Fatal("no error")
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParamsWriteInvalid(t *testing.T) {
	tests := []struct {
		name string
		e    Event
		want string
	}{
		{"no params", Event{Kind: KindParams}, "effective_params: params must hold at least one parameter"},
		{"unsorted", Event{Kind: KindParams, Params: []Param{{"b", 1}, {"a", 1}}}, "effective_params: params must be sorted by key (see ParamsOf)"},
		{"duplicate", Event{Kind: KindParams, Params: []Param{{"a", 1}, {"a", 1}}}, `effective_params: params: duplicate key "a"`},
		{"nan", Event{Kind: KindParams, Params: []Param{{"a", math.NaN()}}}, `effective_params: params: "a" is not finite`},
		{"inf", Event{Kind: KindParams, Params: []Param{{"a", math.Inf(-1)}}}, `effective_params: params: "a" is not finite`},
		{"control", Event{Kind: KindParams, Params: []Param{{"a\x7f", 1}}}, `effective_params: params: key "a\x7f" must be 1 to 256 bytes of UTF-8 without control characters`},
		{"params on ws", Event{Kind: KindWS, LagMs: 1, Params: []Param{{"a", 1}}}, "ws: field params does not belong to kind ws"},
		{"lag on params", Event{Kind: KindParams, LagMs: 1, Params: []Param{{"a", 1}}}, "effective_params: field lag_ms does not belong to kind effective_params"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := AppendEvent(nil, &tt.e)
			if err == nil {
				t.Fatalf("no error; wrote %q", b)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParamsOfAndMap(t *testing.T) {
	m := map[string]float64{"b": 2, "a": 1, "c.d": 3}
	ps := ParamsOf(m)
	if diff := cmp.Diff([]Param{{"a", 1}, {"b", 2}, {"c.d", 3}}, ps); diff != "" {
		t.Errorf("ParamsOf (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(m, ParamsMap(ps)); diff != "" {
		t.Errorf("ParamsMap (-want +got):\n%s", diff)
	}
}

func TestReadParams(t *testing.T) {
	escaped := `{"k\u0069nd":"effective\u005fparams","t_ms":3,"params":{"a":1}}` + "\n"
	tests := []struct {
		name, in string
		want     []Event
		err      string
	}{
		{"none", sampleText, []Event{}, ""},
		{"empty", "", []Event{}, ""},
		{"first and last, bom and crlf", "\xef\xbb\xbf" + strings.TrimSuffix(paramsText, "\n") + "\r\n" + sampleText + paramsText,
			[]Event{paramsEvent, paramsEvent}, ""},
		{"escaped kind", sampleText + escaped, []Event{{Kind: KindParams, TMs: 3, Params: []Param{{"a", 1}}}}, ""},
		{"bad record", sampleText + "\n" + `{"kind":"effective_params","t_ms":0,"params":{}}` + "\n",
			nil, "line 12: effective_params: params must hold at least one parameter"},
		{"params key on an order", `{"kind":"order","t_ms":1,"action":"place","latency_ms":1,"params":{"a":1}}`,
			nil, "line 1: order: field params does not belong to kind order"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadParams(strings.NewReader(tt.in))
			if tt.err != "" {
				var le *LineError
				if err == nil || err.Error() != tt.err || !errors.As(err, &le) {
					t.Fatalf("err = %v, want %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	for _, in := range []string{sampleText, strings.TrimSuffix(sampleText, "\n")} {
		if _, err := ReadParams(errReader{strings.NewReader(in)}); err == nil || err.Error() != "read after line 10: disk on fire" {
			t.Errorf("read error: %v", err)
		}
	}
}

// sameParamsAsScan checks readParams against Scan with the chunk sizes
// given: on a stream Scan reads, the effective_params events Scan
// delivered; on one it refuses for a candidate line (one with "params" or
// a backslash), the same error.
func sameParamsAsScan(t *testing.T, data []byte, sizes ...int) {
	t.Helper()
	var want []Event
	serr := Scan(bytes.NewReader(data), func(e *Event) error {
		if e.Kind == KindParams {
			want = append(want, *e)
		}
		return nil
	})
	for _, size := range sizes {
		got, err := readParams(bytes.NewReader(data), size)
		if serr != nil {
			var le *LineError
			if !errors.As(serr, &le) {
				continue
			}
			var oe *orderError
			if errors.As(serr, &oe) {
				continue // ReadParams does not check the order of t_ms
			}
			line := bytes.Split(data, []byte("\n"))[le.Line-1]
			if (bytes.Contains(line, paramsWord) || bytes.IndexByte(line, '\\') >= 0) && le.Err != errTooLong &&
				(err == nil || err.Error() != serr.Error()) {
				t.Fatalf("size %d: Scan: %v; readParams: %v", size, serr, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("size %d: Scan read the stream, readParams: %v", size, err)
		}
		if len(want) == 0 && len(got) == 0 {
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("size %d: (-Scan +readParams):\n%s", size, diff)
		}
	}
}

// TestReadParamsChunks cuts streams with records and errors across chunks.
func TestReadParamsChunks(t *testing.T) {
	escaped := `{"k\u0069nd":"effective\u005fparams","t_ms":3,"params":{"a":1}}` + "\r\n"
	big := genStream(20000)
	for _, in := range []string{
		paramsText + string(big) + escaped + string(big) + paramsText,
		"\xef\xbb\xbf" + paramsText + sampleText + strings.TrimSuffix(paramsText, "\n"),
		string(big) + "\n\n" + `{"kind":"effective_params","t_ms":0,"params":{"a":1,"a":2}}` + "\n" + string(big),
		string(big) + `{"kind":"ws","t_ms":1,"lag_ms":1,"x":"\u0041"}` + "\n",
		sampleText + `{"kind":"ws","t_ms":1,"lag_ms":1}` + strings.Repeat(" ", MaxLineBytes) + "\n" + paramsText,
	} {
		sameParamsAsScan(t, []byte(in), 1, 7, 100, 4096, DefaultChunkSize)
	}
}

// TestReadParamsMutations is a deterministic stand-in for fuzzing:
// seeded random edits of streams with records, each held to Scan.
func TestReadParamsMutations(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	seeds := []string{sampleText + paramsText, "\xef\xbb\xbf" + paramsText + "\r\n\n" + sampleText,
		`{"k\u0069nd":"effective\u005fparams","t_ms":3,"p\u0061rams":{"a":1}}` + "\n" + sampleText}
	for range 2000 {
		d := []byte(seeds[rng.IntN(len(seeds))])
		for k := rng.IntN(5); k >= 0; k-- {
			j := rng.IntN(len(d))
			switch rng.IntN(3) {
			case 0:
				d[j] = byte(rng.IntN(256))
			case 1:
				d = append(d[:j], d[j+1:]...)
			case 2:
				d = append(d[:j], append([]byte{"\n\\p\"{}:,"[rng.IntN(8)]}, d[j:]...)...)
			}
		}
		sameParamsAsScan(t, d, 1, 5, 64, DefaultChunkSize)
	}
}

// FuzzReadParams holds ReadParams to Scan (see sameParamsAsScan).
func FuzzReadParams(f *testing.F) {
	f.Add([]byte(sampleText + paramsText))
	f.Add([]byte(`{"k\u0069nd":"effective\u005fparams","t_ms":3,"p\u0061rams":{"a":1}}`))
	f.Add([]byte("\xef\xbb\xbf" + paramsText + "\r\n\n" + sampleText))
	f.Add([]byte(sampleText + `{"kind":"effective_params","t_ms":0,"params":{"\u0000":1}}`))
	f.Fuzz(func(t *testing.T, data []byte) { sameParamsAsScan(t, data, 1, 5, 64, DefaultChunkSize) })
}

func BenchmarkReadParams(b *testing.B) {
	const n = 100_000
	data := append([]byte(paramsText), genStream(n)...)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		got, err := ReadParams(bytes.NewReader(data))
		if err != nil || len(got) != 1 {
			b.Fatal(err, len(got))
		}
	}
}
