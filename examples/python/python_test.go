// Package python tests the Python writer for bot authors
// (soakline_events.py): its own unittest, and that what it writes is what
// soak-run reads, byte for byte what pkg/botevents writes. The tests skip
// when python3 is not installed.
package python

import (
	"bytes"
	"os"
	"os/exec"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/soakline/soakline/internal/events"
	"github.com/soakline/soakline/pkg/botevents"
)

func python(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	return p
}

func run(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, stderr.Bytes())
	}
	return out
}

func TestUnittest(t *testing.T) {
	run(t, python(t), "-m", "unittest", "-q", "test_soakline_events")
}

// TestSameAsGo writes the same events in Python and with pkg/botevents:
// the bytes are equal and soak-run's reader takes them.
func TestSameAsGo(t *testing.T) {
	py := run(t, python(t), "-c", `
import sys
from soakline_events import EventWriter
w = EventWriter(sys.stdout)
w.effective_params(0, {"min_interval_ms": 60, "engine.concurrency_limit": 10, "base_spread_bps_delta": 0.05})
w.order(12, "place", latency_ms=3.5)
w.order(40, "replace", latency_ms=0.1, age_ms=28)
w.fill(55, "maker", qty=0.01, price=65000.5, gross_bps=4, fees_bps=0.2, adverse_bps=-2.5, inventory_bps=1e-7, age_ms=43)
w.fill(56.0, "taker", qty=2, price=10, gross_bps=-1, fees_bps=-2, slippage_bps=-0.5, symbol="BTC-USD", side="buy", order_id="a1")
w.block(60, "concurrency")
w.ws(61, lag_ms=120.25)
w.close()
`)
	var gobuf bytes.Buffer
	w := botevents.NewWriter(&gobuf)
	for _, err := range []error{
		w.EffectiveParams(0, map[string]float64{"min_interval_ms": 60, "engine.concurrency_limit": 10, "base_spread_bps_delta": 0.05}),
		w.Order(botevents.Order{TMs: 12, Action: botevents.Place, LatencyMs: 3.5}),
		w.Order(botevents.Order{TMs: 40, Action: botevents.Replace, LatencyMs: 0.1, AgeMs: 28}),
		w.Fill(botevents.Fill{TMs: 55, Liquidity: botevents.Maker, Qty: 0.01, Price: 65000.5, GrossBps: 4, FeesBps: 0.2, AdverseBps: -2.5, InventoryBps: 1e-7, AgeMs: 43}),
		w.Fill(botevents.Fill{TMs: 56, Liquidity: botevents.Taker, Qty: 2, Price: 10, GrossBps: -1, FeesBps: -2, SlippageBps: -0.5,
			Annotations: botevents.Annotations{Symbol: "BTC-USD", Side: "buy", OrderID: "a1"}}),
		w.Block(botevents.Block{TMs: 60, Reason: botevents.Concurrency}),
		w.WS(botevents.WS{TMs: 61, LagMs: 120.25}),
		w.Flush(),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	// Python's repr writes 1e-07 where Go writes 1e-7: the same number.
	want := bytes.Replace(gobuf.Bytes(), []byte("1e-7"), []byte("1e-07"), 1)
	if diff := cmp.Diff(string(want), string(py)); diff != "" {
		t.Errorf("(-Go +Python):\n%s", diff)
	}
	n := 0
	if err := events.Scan(bytes.NewReader(py), func(*events.Event) error { n++; return nil }); err != nil || n != 7 {
		t.Fatalf("soak-run's reader: %d events, %v", n, err)
	}
}
