package botevents

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeOverrides(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     map[string]float64
		err      string // "" = no error
	}{
		{name: "soak-run's file", in: "{\n  \"schema_version\": 1,\n  \"kind\": \"runtime_overrides\",\n  \"base_spread_bps_delta\": 0.05,\n  \"engine\": {\n    \"concurrency_limit\": 10\n  },\n  \"min_interval_ms\": 60\n}\n",
			want: map[string]float64{"base_spread_bps_delta": 0.05, "engine.concurrency_limit": 10, "min_interval_ms": 60}},
		{name: "no envelope, BOM, CRLF", in: "\xef\xbb\xbf{ \"tail_age_ms\" : 600.0 ,\r\n \"a\": {\"b\": {\"c\": -1e-3}}}\r\n",
			want: map[string]float64{"tail_age_ms": 600, "a.b.c": -0.001}},
		{name: "empty object", in: "{}", want: map[string]float64{}},
		{name: "dotted key", in: `{"engine.concurrency_limit": 3}`, want: map[string]float64{"engine.concurrency_limit": 3}},
		{name: "string", in: "{\n\"a\": 1,\n\"tail_age_ms\": \"600\"}", err: `line 3: tail_age_ms: want a number or a section, got "600"`},
		{name: "null", in: `{"engine": {"concurrency_limit": null}}`, err: "line 1: engine.concurrency_limit: want a number or a section, got null"},
		{name: "array", in: `{"a": [1]}`, err: "a: want a number or a section, got an array"},
		{name: "twice", in: "{\"a\": 1,\n\"a\": 2}", err: "line 2: a: given twice"},
		{name: "twice through a section", in: `{"a.b": 1, "a": {"b": 2}}`, err: "a.b: given twice"},
		{name: "other kind", in: `{"kind": "iteration_summary", "a": 1}`, err: `kind "iteration_summary": want "runtime_overrides"`},
		{name: "other version", in: `{"schema_version": 2}`, err: "schema_version 2: want 1"},
		{name: "envelope twice", in: `{"kind": "runtime_overrides", "kind": "runtime_overrides"}`, err: "kind: given twice"},
		{name: "not an object", in: `[1]`, err: "line 1: want a JSON object"},
		{name: "number alone", in: `3`, err: "want a JSON object"},
		{name: "truncated", in: "{\"a\":\n", err: "line 2: unexpected end of the file"},
		{name: "syntax", in: "{\"a\": 1,\n\n}", err: "line 3: invalid character '}'"},
		{name: "NaN", in: `{"a": NaN}`, err: "line 1: invalid character 'N'"},
		{name: "out of range", in: `{"a": 1e400}`, err: "a: 1e400 is out of range"},
		{name: "trailing", in: `{"a": 1} {}`, err: "data after the object"},
		{name: "empty key", in: `{"": 1}`, err: "an empty key"},
		{name: "empty file", in: ``, err: "line 1: unexpected end of the file"},
		{name: "deep", in: strings.Repeat(`{"a":`, 40) + "1" + strings.Repeat("}", 40), err: "sections nested deeper than 32"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeOverrides([]byte(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || got != nil {
					t.Fatalf("got %v, %v; want nil and an error containing %q", got, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadOverridesNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "runtime_overrides.json")
	os.WriteFile(path, []byte("{\n\"a\": true}"), 0o644)
	_, err := ReadOverrides(path)
	if want := path + ": line 2: a: want a number or a section, got true"; err == nil || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
	if _, err := ReadOverrides(path + ".missing"); err == nil || !strings.Contains(err.Error(), path+".missing") {
		t.Fatalf("error %v, want one naming the file", err)
	}
}

// FuzzDecodeOverrides: what is accepted is valid JSON, and its flat keys
// written back as one object read back the same; an error returns no map.
func FuzzDecodeOverrides(f *testing.F) {
	for _, s := range []string{
		`{"schema_version":1,"kind":"runtime_overrides","engine":{"concurrency_limit":10},"tail_age_ms":600}`,
		"\xef\xbb\xbf{\"a.b\": 1, \"a\": {\"c\": 2}}\r\n", `{"a": [1]}`, `{"a": 1e400}`, `{"a":{"b":{}}}`, `{"kind": 1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := DecodeOverrides(data)
		if err != nil {
			if got != nil {
				t.Fatalf("error %v with a result %v", err, got)
			}
			return
		}
		if !json.Valid([]byte(strings.TrimPrefix(string(data), "\xef\xbb\xbf"))) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		flat, err := json.Marshal(got)
		if err != nil {
			t.Fatal(err)
		}
		again, err := DecodeOverrides(flat)
		if err != nil {
			t.Fatalf("re-encoded %s: %v", flat, err)
		}
		if diff := cmp.Diff(got, again); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}

func TestReadEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	full := map[string]string{"SOAK_ITERATION": "3", "SOAK_ITERATIONS": "24", "SOAK_OVERRIDES": "/s/runtime_overrides.json",
		"SOAK_ITER_DIR": "/s/iter/3", "SOAK_SEED": "7", "SOAK_ITER_SEED": "18446744073709551615"}
	got, err := ReadEnv(env(full))
	want := Env{Iteration: 3, Iterations: 24, Overrides: "/s/runtime_overrides.json", Dir: "/s/iter/3", Seed: 7, IterSeed: 1<<64 - 1}
	if err != nil || got != want {
		t.Fatalf("got %+v, %v; want %+v", got, err, want)
	}
	for _, tc := range []struct{ key, value, err string }{
		{"SOAK_ITERATION", "", `SOAK_ITERATION: want an iteration number, got "" (run me under soak-run --exec)`},
		{"SOAK_ITERATION", "0", `SOAK_ITERATION: want an iteration number, got "0"`},
		{"SOAK_ITER_DIR", "", "SOAK_ITER_DIR is not set"},
		{"SOAK_ITERATIONS", "many", `SOAK_ITERATIONS: want a number of iterations, got "many"`},
		{"SOAK_SEED", "-1", `SOAK_SEED: want an unsigned 64-bit number, got "-1"`},
		{"SOAK_ITER_SEED", "x", `SOAK_ITER_SEED: want an unsigned 64-bit number, got "x"`},
	} {
		m := map[string]string{}
		for k, v := range full {
			m[k] = v
		}
		m[tc.key] = tc.value
		if _, err := ReadEnv(env(m)); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s=%q: error %v, want %q", tc.key, tc.value, err, tc.err)
		}
	}
	// The optional ones may be unset.
	got, err = ReadEnv(env(map[string]string{"SOAK_ITERATION": "1", "SOAK_ITER_DIR": "d"}))
	if err != nil || got != (Env{Iteration: 1, Dir: "d"}) {
		t.Fatalf("got %+v, %v", got, err)
	}
}
