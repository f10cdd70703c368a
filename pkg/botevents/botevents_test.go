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
