package kpi

import (
	"bytes"
	"flag"
	"io"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/soakline/soakline/internal/events"
)

func genEvents(n int) []events.Event {
	rng := rand.New(rand.NewPCG(1, 2))
	r2 := func(x float64) float64 { return float64(int64(x*100)) / 100 }
	evs := make([]events.Event, n)
	for i := range evs {
		e := &evs[i]
		e.TMs = int64(i) * 7
		switch x := rng.IntN(100); {
		case x < 55:
			e.Kind = events.KindOrder
			e.Action = events.Action(1 + rng.IntN(3))
			e.LatencyMs = r2(5 + 50*rng.Float64())
			if e.Action != events.ActionPlace {
				e.AgeMs = float64(rng.IntN(2000))
			}
		case x < 75:
			e.Kind = events.KindFill
			e.Liquidity = events.Liquidity(1 + rng.IntN(2))
			e.Qty = float64(1+rng.IntN(1000)) / 1000
			e.Price = r2(60000 + 1000*rng.Float64())
			e.GrossBps = r2(5 * rng.Float64())
			e.FeesBps = -1
			e.SlippageBps = -r2(2 * rng.Float64())
			e.AdverseBps = r2(4*rng.Float64() - 3)
			e.InventoryBps = r2(rng.Float64() - 0.5)
			e.AgeMs = float64(rng.IntN(3000))
		case x < 85:
			e.Kind = events.KindBlock
			e.Reason = events.Reason(1 + rng.IntN(4))
		default:
			e.Kind = events.KindWS
			e.LagMs = float64(rng.IntN(300))
		}
	}
	return evs
}

func BenchmarkAccumulatorAdd(b *testing.B) {
	evs := genEvents(1 << 16)
	var a Accumulator
	for i := 0; b.Loop(); i++ {
		j := i & (1<<16 - 1)
		if j == 0 {
			a.Reset() // steady state: buffers reused
		}
		a.Add(&evs[j])
	}
}

// BenchmarkSummary1e6 measures Summary with 1e6 stored values (the case of
// more distinct values than a table holds) in each sample array (latency,
// age, adverse, slippage, lag). Selection over more than one block does not
// reorder the samples, so every run sees the same data.
func BenchmarkSummary1e6(b *testing.B) {
	evs := genEvents(1_000_000)
	var a Accumulator
	for i := range evs {
		a.Add(&evs[i])
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, xs := range []*samples{&a.latency, &a.age, &a.adverse, &a.slippage, &a.lag} {
		xs.reset()
		for range 1_000_000 {
			xs.store(float64(rng.IntN(100000)) / 100)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		_ = a.Summary()
	}
}

// BenchmarkFromReader measures the whole KPI computation from JSON Lines:
// parsing on all cores, accumulating, merging, selecting.
func BenchmarkFromReader(b *testing.B) { benchFromReader(b, events.BatchOptions{}) }

// BenchmarkFromReaderOneWorker is BenchmarkFromReader on the calling
// goroutine only: the single-core cost per event.
func BenchmarkFromReaderOneWorker(b *testing.B) { benchFromReader(b, events.BatchOptions{Workers: 1}) }

func benchFromReader(b *testing.B, opt events.BatchOptions) {
	const n = 1_000_000
	evs := genEvents(n)
	var buf bytes.Buffer
	w := events.NewWriter(&buf)
	for i := range evs {
		if err := w.Write(&evs[i]); err != nil {
			b.Fatal(err)
		}
	}
	w.Flush()
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		s, err := fromReader("bench", bytes.NewReader(data), opt)
		if err != nil || s.Events != n {
			b.Fatal(err, s.Events)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

var bigFile = flag.String("bigfile", "", "time FromFile on this events.jsonl file (see TestBigFile)")

// TestBigFile times FromFile, parallel and sequential, on a large events
// file, e.g. one made by go test ./internal/events -run TestBigFile
// -bigfile /tmp/events.jsonl. It reports; it asserts nothing about time.
func TestBigFile(t *testing.T) {
	if *bigFile == "" {
		t.Skip("no -bigfile")
	}
	for _, tc := range []struct {
		name string
		opt  events.BatchOptions
	}{{"parallel", events.BatchOptions{}}, {"one worker", events.BatchOptions{Workers: 1}}, {"parallel again", events.BatchOptions{}}} {
		f, err := os.Open(*bigFile)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		s, err := fromReader(*bigFile, f, tc.opt)
		d := time.Since(start)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d events in %v: %.2f M events/s", tc.name, s.Events, d.Round(time.Millisecond), float64(s.Events)/d.Seconds()/1e6)
	}
}

// BenchmarkBigFileOneWorker is BenchmarkFromReaderOneWorker on the first
// 128 MiB (cut at a line) of the -bigfile file, read into memory first: the
// single-core cost per event of real data, without the read system calls.
func BenchmarkBigFileOneWorker(b *testing.B) {
	if *bigFile == "" {
		b.Skip("no -bigfile")
	}
	f, err := os.Open(*bigFile)
	if err != nil {
		b.Fatal(err)
	}
	data := make([]byte, 128<<20)
	n, _ := io.ReadFull(f, data)
	f.Close()
	data = data[:bytes.LastIndexByte(data[:n], '\n')+1]
	b.SetBytes(int64(len(data)))
	var events0 int64
	for b.Loop() {
		s, err := fromReader("bench", bytes.NewReader(data), events.BatchOptions{Workers: 1})
		if err != nil {
			b.Fatal(err)
		}
		events0 = s.Events
	}
	b.ReportMetric(float64(events0)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mevents/s")
}

// BenchmarkTableInc measures counting a typical latency sample (5-55 ms in
// hundredths: 5000 distinct values).
func BenchmarkTableInc(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	xs := make([]float64, 1<<16)
	for i := range xs {
		xs[i] = float64(500+rng.IntN(5000)) / 100
	}
	var t valueTable
	for i := 0; b.Loop(); i++ {
		t.inc(xs[i&(1<<16-1)])
	}
}
