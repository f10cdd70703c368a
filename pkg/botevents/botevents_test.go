package botevents_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/soakline/soakline/internal/events"
	"github.com/soakline/soakline/pkg/botevents"
)

// scan reads data with soak-run's reader.
func scan(t *testing.T, data []byte) []events.Event {
	t.Helper()
	var out []events.Event
	err := events.Scan(bytes.NewReader(data), func(e *events.Event) error {
		c := *e
		out = append(out, c)
		return nil
	})
	if err != nil {
		t.Fatalf("soak-run's reader refused %q: %v", data, err)
	}
	return out
}

// TestSameBytesAsSoakline pins that what this package writes is byte for
// byte what soakline's own writer writes for the same events (so soak-run
// reads it on its fast path), and reads back as written.
func TestSameBytesAsSoakline(t *testing.T) {
	var buf bytes.Buffer
	w := botevents.NewWriter(&buf)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.EffectiveParams(0, map[string]float64{"min_interval_ms": 60, "engine.concurrency_limit": 10, "base_spread_bps_delta": 0.05}))
	must(w.Order(botevents.Order{TMs: 12, Action: botevents.Place, LatencyMs: 3.5}))
	must(w.Order(botevents.Order{TMs: 40, Action: botevents.Cancel, LatencyMs: 2.25, AgeMs: 28}))
	must(w.Order(botevents.Order{TMs: 41, Action: botevents.Replace, LatencyMs: 1e-7}))
	must(w.Fill(botevents.Fill{TMs: 55, Liquidity: botevents.Maker, Qty: 0.01, Price: 65000.5, GrossBps: 4, FeesBps: 0.2, AdverseBps: -2.5, AgeMs: 43}))
	must(w.Fill(botevents.Fill{TMs: 56, Liquidity: botevents.Taker, Qty: 2, Price: 10, GrossBps: -1, FeesBps: -2, SlippageBps: -0.5, InventoryBps: 0.25, AgeMs: 7}))
	must(w.Block(botevents.Block{TMs: 60, Reason: botevents.Risk}))
	must(w.WS(botevents.WS{TMs: 61, LagMs: 120}))
	must(w.Flush())
	got := scan(t, buf.Bytes())
	var want bytes.Buffer
	sw := events.NewWriter(&want)
	for i := range got {
		must(sw.Write(&got[i]))
	}
	must(sw.Flush())
	if diff := cmp.Diff(want.String(), buf.String()); diff != "" {
		t.Errorf("(-soakline +botevents):\n%s", diff)
	}
}

func TestTakerAgeAndAnnotations(t *testing.T) {
	var buf bytes.Buffer
	w := botevents.NewWriter(&buf)
	if err := w.Fill(botevents.Fill{TMs: 1, Liquidity: botevents.Taker, Qty: 1, Price: 2, FeesBps: -2, Annotations: botevents.Annotations{Symbol: "BTC-USD", Side: "sell", OrderID: "a\"b\n"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.WS(botevents.WS{TMs: 2, LagMs: 1, Symbol: "ETH-USD"}); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	want := `{"kind":"fill","t_ms":1,"liquidity":"taker","qty":1,"price":2,"fees_bps":-2,"symbol":"BTC-USD","side":"sell","order_id":"a\"b\u000a"}` + "\n" +
		`{"kind":"ws","t_ms":2,"lag_ms":1,"symbol":"ETH-USD"}` + "\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	scan(t, buf.Bytes())
}

// TestRefused: what the contract rejects is refused here first, and
// nothing is written for it.
func TestRefused(t *testing.T) {
	tests := []struct {
		name  string
		write func(w *botevents.Writer) error
		want  string
	}{
		{"taker fee positive", func(w *botevents.Writer) error {
			return w.Fill(botevents.Fill{TMs: 1, Liquidity: botevents.Taker, Qty: 1, Price: 1, FeesBps: 5})
		}, "positive on a taker fill"},
		{"maker fee as cost", func(w *botevents.Writer) error {
			return w.Fill(botevents.Fill{TMs: 1, Liquidity: botevents.Maker, Qty: 1, Price: 1, FeesBps: 5, AgeMs: 1})
		}, "above the largest maker rebate"},
		{"gross huge", func(w *botevents.Writer) error {
			return w.Fill(botevents.Fill{TMs: 1, Liquidity: botevents.Taker, Qty: 1, Price: 1, GrossBps: 1e6})
		}, "gross_bps 1e+06 is not within"},
		{"epoch t_ms", func(w *botevents.Writer) error { return w.WS(botevents.WS{TMs: 1733540000000, LagMs: 1}) }, "not from the epoch"},
		{"backwards", func(w *botevents.Writer) error { return w.WS(botevents.WS{TMs: 0, LagMs: 1}) }, "goes back more than 1000 ms"},
		{"latency", func(w *botevents.Writer) error {
			return w.Order(botevents.Order{TMs: 5000, Action: botevents.Place, LatencyMs: -1})
		}, "latency_ms -1 is not within"},
		{"action", func(w *botevents.Writer) error { return w.Order(botevents.Order{TMs: 5000, Action: "amend"}) }, `unknown action "amend"`},
		{"side", func(w *botevents.Writer) error {
			return w.Block(botevents.Block{TMs: 5000, Reason: botevents.Risk, Annotations: botevents.Annotations{Side: "BUY"}})
		}, `side "BUY"`},
		{"params empty", func(w *botevents.Writer) error { return w.EffectiveParams(5000, nil) }, "want 1 to 1024"},
		{"qty", func(w *botevents.Writer) error {
			return w.Fill(botevents.Fill{TMs: 5000, Liquidity: botevents.Maker, Price: 1})
		}, "qty must be positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := botevents.NewWriter(&buf)
			if err := w.WS(botevents.WS{TMs: 2000, LagMs: 1}); err != nil {
				t.Fatal(err)
			}
			err := tc.write(w)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			w.Flush()
			if got := strings.Count(buf.String(), "\n"); got != 1 {
				t.Fatalf("%d lines written, want the first only:\n%s", got, buf.String())
			}
		})
	}
}

func TestCreateRenamesOnClose(t *testing.T) {
	dir := t.TempDir()
	w, err := botevents.Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	w.WS(botevents.WS{TMs: 1, LagMs: 2})
	if _, err := os.Stat(filepath.Join(dir, botevents.FileName)); err == nil {
		t.Fatal("events.jsonl exists before Close")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w.Abort() // after Close: keeps the file
	data, err := os.ReadFile(filepath.Join(dir, botevents.FileName))
	if err != nil || string(data) != `{"kind":"ws","t_ms":1,"lag_ms":2}`+"\n" {
		t.Fatalf("%q, %v", data, err)
	}
	w2, _ := botevents.Create(dir)
	w2.WS(botevents.WS{TMs: 1, LagMs: 3})
	w2.Abort()
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("Abort left %d files", len(entries))
	}
}

// FuzzAppendString: any valid UTF-8 string written as a symbol reads back
// as the same string with encoding/json, and soak-run's reader takes the
// line.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"BTC-USD", `a"b\c`, "\x00\x1f\u2028é", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		w := botevents.NewWriter(&buf)
		err := w.WS(botevents.WS{TMs: 1, LagMs: 1, Symbol: s})
		w.Flush()
		if err != nil {
			if buf.Len() != 0 {
				t.Fatalf("error %v but wrote %q", err, buf.String())
			}
			return
		}
		var got struct {
			Symbol *string `json:"symbol"`
		}
		if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
			t.Fatalf("%q: %v", buf.String(), err)
		}
		if s == "" && got.Symbol != nil || s != "" && (got.Symbol == nil || *got.Symbol != s) {
			t.Fatalf("wrote %q, read %v", s, got.Symbol)
		}
		if err := events.Scan(bytes.NewReader(buf.Bytes()), func(*events.Event) error { return nil }); err != nil {
			t.Fatalf("soak-run refused %q: %v", buf.String(), err)
		}
	})
}

func TestAppendFloat(t *testing.T) {
	for _, tt := range []struct {
		v    float64
		want string
	}{{0, "0"}, {1, "1"}, {-2.5, "-2.5"}, {1e-7, "1e-7"}, {1e21, "1e+21"}, {123456789, "123456789"}, {0.1, "0.1"}, {1e-6, "0.000001"}, {5e-324, "5e-324"}} {
		if got := string(botevents.AppendFloat(nil, tt.v)); got != tt.want {
			t.Errorf("AppendFloat(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

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
			got, err := botevents.DecodeOverrides([]byte(tc.in))
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
	_, err := botevents.ReadOverrides(path)
	if want := path + ": line 2: a: want a number or a section, got true"; err == nil || err.Error() != want {
		t.Fatalf("error %v, want %q", err, want)
	}
	if _, err := botevents.ReadOverrides(path + ".missing"); err == nil || !strings.Contains(err.Error(), path+".missing") {
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
		got, err := botevents.DecodeOverrides(data)
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
		again, err := botevents.DecodeOverrides(flat)
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
	got, err := botevents.ReadEnv(env(full))
	want := botevents.Env{Iteration: 3, Iterations: 24, Overrides: "/s/runtime_overrides.json", Dir: "/s/iter/3", Seed: 7, IterSeed: 1<<64 - 1}
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
		if _, err := botevents.ReadEnv(env(m)); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s=%q: error %v, want %q", tc.key, tc.value, err, tc.err)
		}
	}
	// The optional ones may be unset.
	got, err = botevents.ReadEnv(env(map[string]string{"SOAK_ITERATION": "1", "SOAK_ITER_DIR": "d"}))
	if err != nil || got != (botevents.Env{Iteration: 1, Dir: "d"}) {
		t.Fatalf("got %+v, %v", got, err)
	}
}
