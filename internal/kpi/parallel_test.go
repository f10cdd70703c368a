package kpi

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/soakline/soakline/internal/events"
	"github.com/soakline/soakline/pkg/artifact"
)

// bitwise compares floats by their bits: -0 differs from 0, and a sum
// added up in another order differs in its last bits.
var bitwise = cmp.Comparer(func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) })

// sequential is the reference: events.Scan and Accumulator.Add, in order.
func sequential(t testing.TB, data []byte) (artifact.Summary, error) {
	t.Helper()
	var a Accumulator
	err := events.Scan(bytes.NewReader(data), func(e *events.Event) error { a.Add(e); return nil })
	if err != nil {
		return artifact.Summary{}, fmt.Errorf("seq: %w", err)
	}
	return a.Summary(), nil
}

// encode writes evs as JSON Lines.
func encode(t testing.TB, evs []events.Event) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := events.NewWriter(&buf)
	for i := range evs {
		if err := w.Write(&evs[i]); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	return buf.Bytes()
}

// messyEvents are like genEvents but with full-precision random floats, so
// that float sums added in any other order come out different.
func messyEvents(n int) []events.Event {
	rng := rand.New(rand.NewPCG(7, 8))
	evs := genEvents(n)
	for i := range evs {
		e := &evs[i]
		if e.Kind == events.KindFill {
			e.Qty = rng.Float64()*3 + 1e-3
			e.Price = 60000 * (1 + rng.NormFloat64()/100)
			e.GrossBps = rng.NormFloat64() * 3
			e.AdverseBps = -rng.ExpFloat64()
			e.SlippageBps = -float64(rng.IntN(2)) * rng.Float64() // zero for half of them
		}
	}
	return evs
}

var parallelOptions = []events.BatchOptions{
	{Workers: 1},
	{Workers: 2},
	{Workers: 2, ChunkSize: 64 << 10},
	{Workers: 4, ChunkSize: 200 << 10},
	{},
}

// TestParallelSameAsSequential is the guarantee FromReader makes: parsing
// in parallel chunks gives bit-identical KPIs to Add in order, with more
// samples than one block holds, so the radix selection runs too.
func TestParallelSameAsSequential(t *testing.T) {
	for _, tc := range []struct {
		name string
		evs  []events.Event
	}{
		{"typical", genEvents(150_000)},
		{"messy floats", messyEvents(150_000)},
		{"small", genEvents(2000)},
		{"empty", nil},
	} {
		data := encode(t, tc.evs)
		want, err := sequential(t, data)
		if err != nil {
			t.Fatal(err)
		}
		opts := parallelOptions
		if len(data) < 1<<20 { // many tiny chunks
			opts = append(opts, events.BatchOptions{Workers: 2, ChunkSize: 100}, events.BatchOptions{Workers: 3, ChunkSize: 1000})
		}
		for _, opt := range opts {
			got, err := fromReader("x", bytes.NewReader(data), opt)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got, bitwise); diff != "" {
				t.Errorf("%s, %+v: (-sequential +parallel):\n%s", tc.name, opt, diff)
			}
		}
		// From a file, which ScanBatches maps when it is large enough
		// (the two large cases here are).
		path := filepath.Join(t.TempDir(), "events.jsonl")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if got, err := FromFile(path); len(data) > 0 && err != nil {
			t.Fatal(err)
		} else if diff := cmp.Diff(want, got, bitwise); len(data) > 0 && diff != "" {
			t.Errorf("%s, FromFile: (-sequential +parallel):\n%s", tc.name, diff)
		}
	}
}

// TestSumOrderMatters shows that the test above can fail: adding the same
// fills in another order changes the sums' bits.
func TestSumOrderMatters(t *testing.T) {
	evs := messyEvents(100_000)
	var a, b Accumulator
	for i := range evs {
		a.Add(&evs[i])
	}
	slices.Reverse(evs)
	for i := range evs {
		b.Add(&evs[i])
	}
	if math.Float64bits(a.makerVol) == math.Float64bits(b.makerVol) && math.Float64bits(a.compSum[0]) == math.Float64bits(b.compSum[0]) {
		t.Fatal("reversed order gave the same sums: the test data cannot tell orders apart")
	}
}

func TestParallelErrors(t *testing.T) {
	good := encode(t, genEvents(50_000))
	cut := bytes.IndexByte(good[len(good)/2:], '\n') + len(good)/2 + 1
	line := bytes.Count(good[:cut], []byte("\n")) + 1
	bad := slices.Concat(good[:cut], []byte(`{"kind":"ws","t_ms":1,"lag_ms":-1}`+"\n"), good[cut:])
	for _, opt := range parallelOptions {
		_, err := fromReader("ev.jsonl", bytes.NewReader(bad), opt)
		want := fmt.Sprintf("ev.jsonl: line %d: ws: lag_ms must be finite and >= 0", line)
		if err == nil || err.Error() != want {
			t.Errorf("%+v: err = %v, want %s", opt, err, want)
		}
	}
}

// sampleGens are value distributions for the selection tests.
func sampleGens(rng *rand.Rand) map[string]func() float64 {
	return map[string]func() float64{
		"uniform":    func() float64 { return rng.Float64() * 1000 },
		"few values": func() float64 { return float64(rng.IntN(5)) },
		"signed":     func() float64 { return rng.NormFloat64() * math.Pow(10, float64(rng.IntN(20)-10)) },
		"zeros":      func() float64 { return []float64{0, math.Copysign(0, -1), 1, -1}[rng.IntN(4)] },
		"latency":    func() float64 { return math.Round((5+50*rng.Float64())*100) / 100 },
		"20k values": func() float64 { return float64(rng.IntN(20000)) },
		// For the grids: hundredths around the grid's end, half of them
		// beyond it, and a mix of hundredths and full-precision values.
		"hundredths": func() float64 { return float64(rng.IntN(2*gridLen)) / 100 },
		"mixed": func() float64 {
			if rng.IntN(2) == 0 {
				return float64(rng.IntN(1000)) / 100
			}
			return rng.Float64() * 10
		},
		// Costs in ten-thousandths of a bps (the grid of scale bpsScale).
		"bps": func() float64 { return float64(rng.IntN(300000)) / 1e4 },
	}
}

// TestRadixSelect checks the selection over stored blocks against sorting.
func TestRadixSelect(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for name, gen := range sampleGens(rng) {
		for _, n := range []int{1, 2, blockLen, blockLen + 1, 3*blockLen + 17} {
			var s samples
			all := make([]float64, n)
			for i := range all {
				all[i] = gen()
				s.store(all[i])
			}
			sorted := slices.Clone(all)
			slices.Sort(sorted)
			blocks := append(slices.Clone(s.full), s.cur)
			for _, k := range []int{0, n / 2, n * 95 / 100, n - 1} {
				if got := radixSelect(&valueTable{}, nil, 0, blocks, k); got != sorted[k] {
					t.Fatalf("%s n=%d k=%d: got %v want %v", name, n, k, got, sorted[k])
				}
			}
			var flat []float64
			for _, b := range append(s.full, s.cur) {
				flat = append(flat, b...)
			}
			if !slices.Equal(flat, all) {
				t.Fatalf("%s n=%d: storing reordered the samples", name, n)
			}
		}
	}
}

// TestSamplesNearestRank checks p95 and other ranks over counted and
// stored values, also spread over parts the way FromReader spreads them.
func TestSamplesNearestRank(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for name, gen := range sampleGens(rng) {
		for _, n := range []int{1, 3, 1000, 3*blockLen + 5} {
			all := make([]float64, n)
			var one samples // everything through add
			var merged samples
			parts := make([]samples, 3)
			grids := make([]grid, len(parts)) // as the parallel reader's: a grid first
			for i := range grids {
				grids[i].scale = msScale
				if name == "bps" {
					grids[i].scale = bpsScale
				}
			}
			for i := range all {
				all[i] = gen()
				one.add(all[i])
				w := rng.IntN(len(parts))
				p := &parts[w]
				if !grids[w].add(all[i]) {
					p.add(all[i])
				}
				if rng.IntN(1000) == 0 {
					merged.takeStored(p)
				}
			}
			for i := range parts {
				merged.takeStored(&parts[i])
				merged.addTable(&parts[i].tab)
				merged.addGrid(&grids[i])
			}
			if n >= 1000 && (name == "hundredths" || name == "mixed" || name == "bps") &&
				!(merged.gridTotal > 0 && merged.gridTotal < int64(n)) {
				t.Fatalf("%s n=%d: %d values in the grids, want some but not all", name, n, merged.gridTotal)
			}
			sorted := slices.Clone(all)
			slices.Sort(sorted)
			for _, p := range []float64{0, 0.5, 0.95, 0.99, 1} {
				want := sorted[int(math.Max(math.Ceil(p*float64(n)), 1))-1]
				for which, s := range map[string]*samples{"one": &one, "merged": &merged} {
					if s.len() != n {
						t.Fatalf("%s n=%d %s: len %d", name, n, which, s.len())
					}
					if got := s.nearestRank(p); got != want {
						t.Fatalf("%s n=%d %s p=%v: got %v want %v", name, n, which, p, got, want)
					}
				}
			}
		}
	}
}

func TestValueTableFull(t *testing.T) {
	var s samples
	for i := range 3 * maxDistinct {
		s.add(float64(i))
		s.add(float64(i % 10))
	}
	// The table fills with 0..maxDistinct-1 and their repeats; after the
	// first refusal it takes nothing more, not even values it holds.
	if s.tab.n != maxDistinct || !s.tab.full || s.tab.total != int64(maxDistinct+maxDistinct) || s.len() != 6*maxDistinct {
		t.Fatalf("table: %d distinct, %d counted; %d values in all", s.tab.n, s.tab.total, s.len())
	}
	if len(s.tab.slots) != 2*maxDistinct {
		t.Fatalf("table has %d slots", len(s.tab.slots))
	}
}

func TestSamplesStoreAllReset(t *testing.T) {
	var s samples
	want := make([]float64, 0, 3*blockLen)
	for i := 0; len(want) < 3*blockLen; i++ {
		xs := make([]float64, 1+i*97%5000)
		for j := range xs {
			xs[j] = float64(len(want) + j)
		}
		s.storeAll(xs)
		want = append(want, xs...)
	}
	var got []float64
	for _, b := range append(s.full, s.cur) {
		if cap(b) > blockLen {
			t.Fatalf("block of capacity %d", cap(b))
		}
		got = append(got, b...)
	}
	if !slices.Equal(got, want) || s.len() != len(want) {
		t.Fatalf("storeAll kept %d values, want %d in order", s.len(), len(want))
	}
	s.reset()
	if s.len() != 0 || len(s.spare) != 3 {
		t.Fatalf("after reset: len %d, %d spare blocks", s.len(), len(s.spare))
	}
	for i := 0; i < 2*blockLen; i++ {
		s.store(1)
	}
	if len(s.spare) != 2 {
		t.Fatalf("spare blocks not reused: %d left", len(s.spare))
	}
}
