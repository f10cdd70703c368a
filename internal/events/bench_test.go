package events

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"
)

// genEvent fills e with a typical event: mostly order actions, some fills,
// blocks and ws samples, numbers with a few decimals.
func genEvent(rng *rand.Rand, t int64, e *Event) {
	*e = Event{TMs: t}
	r2 := func(x float64) float64 { return float64(int64(x*100)) / 100 }
	switch x := rng.IntN(100); {
	case x < 55:
		e.Kind = KindOrder
		e.Action = Action(1 + rng.IntN(3))
		e.LatencyMs = r2(5 + 50*rng.Float64())
		if e.Action != ActionPlace {
			e.AgeMs = float64(rng.IntN(2000))
		}
	case x < 75:
		e.Kind = KindFill
		e.Liquidity = Liquidity(1 + rng.IntN(2))
		e.Qty = float64(1+rng.IntN(1000)) / 1000
		e.Price = r2(60000 + 1000*rng.Float64())
		e.GrossBps = r2(5 * rng.Float64())
		e.FeesBps = -1
		e.SlippageBps = -r2(2 * rng.Float64())
		e.AdverseBps = r2(4*rng.Float64() - 3)
		e.InventoryBps = r2(rng.Float64() - 0.5)
		e.AgeMs = float64(rng.IntN(3000))
	case x < 85:
		e.Kind = KindBlock
		e.Reason = Reason(1 + rng.IntN(4))
	default:
		e.Kind = KindWS
		e.LagMs = float64(rng.IntN(300))
	}
}

// genStream returns n typical lines.
func genStream(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var buf bytes.Buffer
	w := NewWriter(&buf)
	var e Event
	for i := 0; i < n; i++ {
		genEvent(rng, int64(i)*7, &e)
		if err := w.Write(&e); err != nil {
			panic(err)
		}
	}
	w.Flush()
	return buf.Bytes()
}

func BenchmarkScan(b *testing.B) {
	const n = 100_000
	data := genStream(n)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		cnt := 0
		if err := Scan(bytes.NewReader(data), func(*Event) error { cnt++; return nil }); err != nil || cnt != n {
			b.Fatal(err, cnt)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkScanAnnotated is BenchmarkScan over lines as a real bot may
// write them: each with symbol, side, order_id and an x_ object, which the
// general parser reads (the fast path takes only the Writer's form).
func BenchmarkScanAnnotated(b *testing.B) {
	const n = 100_000
	plain := bytes.Split(bytes.TrimSuffix(genStream(n), []byte("\n")), []byte("\n"))
	var buf bytes.Buffer
	for _, l := range plain {
		buf.Write(l[:len(l)-1])
		if bytes.Contains(l, []byte(`"kind":"ws"`)) {
			buf.WriteString(`,"symbol":"BTC-USD","x_diag":{"seq":17,"book":[1.5,2]}}` + "\n")
		} else {
			buf.WriteString(`,"symbol":"BTC-USD","side":"buy","order_id":"o-123456","x_diag":{"seq":17,"book":[1.5,2]}}` + "\n")
		}
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		cnt := 0
		if err := Scan(bytes.NewReader(data), func(*Event) error { cnt++; return nil }); err != nil || cnt != n {
			b.Fatal(err, cnt)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

func BenchmarkWrite(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	evs := make([]Event, 1024)
	for i := range evs {
		genEvent(rng, int64(i), &evs[i])
	}
	w := NewWriter(io.Discard)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := w.Write(&evs[i&1023]); err != nil {
			b.Fatal(err)
		}
	}
	w.Flush()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}
