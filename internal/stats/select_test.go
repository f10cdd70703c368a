package stats

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// inputs returns test arrays of length n in shapes that break naive
// quickselects: random, few distinct values, sorted, reversed, constant,
// organ pipe and sawtooth.
func inputs(r *rand.Rand, n int) map[string][]float64 {
	m := map[string][]float64{}
	mk := func(name string, f func(i int) float64) {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = f(i)
		}
		m[name] = xs
	}
	mk("random", func(int) float64 { return r.NormFloat64() })
	mk("few distinct", func(int) float64 { return float64(r.IntN(4)) })
	mk("sorted", func(i int) float64 { return float64(i) })
	mk("reversed", func(i int) float64 { return float64(n - i) })
	mk("constant", func(int) float64 { return 7 })
	mk("organ pipe", func(i int) float64 { return float64(min(i, n-i)) })
	mk("sawtooth", func(i int) float64 { return float64(i % 17) })
	return m
}

func TestSelectMatchesSort(t *testing.T) {
	for seed := range uint64(60) {
		r := rand.New(rand.NewPCG(seed, 1))
		n := 1 + r.IntN(3000)
		if seed < 20 {
			n = 1 + int(seed) // exhaust every k on tiny arrays
		}
		for shape, xs := range inputs(r, n) {
			sorted := slices.Clone(xs)
			slices.Sort(sorted)
			ks := []int{0, n - 1, n / 2, r.IntN(n), r.IntN(n)}
			if n <= 40 {
				ks = ks[:0]
				for k := range n {
					ks = append(ks, k)
				}
			}
			for _, k := range ks {
				buf := slices.Clone(xs)
				got := SelectInPlace(buf, k)
				if got != sorted[k] || buf[k] != got {
					t.Fatalf("seed %d %s n=%d k=%d: got %v (buf[k]=%v), want %v", seed, shape, n, k, got, buf[k], sorted[k])
				}
				for i, v := range buf {
					if (i < k && v > got) || (i > k && v < got) {
						t.Fatalf("seed %d %s n=%d k=%d: not partitioned at %d", seed, shape, n, k, i)
					}
				}
				slices.Sort(buf)
				if !slices.Equal(buf, sorted) {
					t.Fatalf("seed %d %s: SelectInPlace lost or duplicated elements", seed, shape)
				}
			}
			for _, p := range []float64{0, 0.5, 0.95, 0.99, 1, r.Float64()} {
				want := sorted[nearestRank(n, p)-1]
				if got := NearestRankInPlace(slices.Clone(xs), p); got != want {
					t.Fatalf("seed %d %s n=%d: NearestRankInPlace(%v) = %v, want %v", seed, shape, n, p, got, want)
				}
				h := float64(n-1) * p
				lo := int(h)
				wantQ := sorted[lo]
				if lo+1 < n {
					wantQ += (h - float64(lo)) * (sorted[lo+1] - sorted[lo])
				}
				if got := Quantile(xs, p); math.Abs(got-wantQ) > 1e-12*math.Max(1, math.Abs(wantQ)) {
					t.Fatalf("seed %d %s n=%d: Quantile(%v) = %v, want %v", seed, shape, n, p, got, wantQ)
				}
			}
		}
	}
}

// TestSelectAdversarial checks the introselect fallback keeps a
// median-of-3 killer sequence from going quadratic: it must finish and be
// right. (A quadratic run on 1e6 values would take minutes.)
func TestSelectAdversarial(t *testing.T) {
	const n = 1 << 20
	xs := make([]float64, n)
	// Musser's median-of-3 killer layout.
	k := n / 2
	for i := 1; i <= k; i++ {
		if i%2 == 1 {
			xs[i-1] = float64(i)
			xs[i] = float64(k + i)
		}
		xs[k+i-1] = float64(2 * i)
	}
	if got := SelectInPlace(xs, n/2); got != float64(n/2+1) {
		t.Errorf("got %v, want %v", got, float64(n/2+1))
	}
}

func TestSelectNaNTerminates(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	xs := make([]float64, 1000)
	for i := range xs {
		xs[i] = r.Float64()
		if i%7 == 0 {
			xs[i] = math.NaN()
		}
	}
	want := slices.Clone(xs)
	slices.SortFunc(want, cmp.Compare[float64]) // NaN first
	for k := 0; k < len(xs); k += 37 {
		// Which value is returned is unspecified with NaNs; it must not
		// hang or panic, must be the one it leaves at k, and must only
		// reorder xs, never lose or duplicate a value.
		ys := slices.Clone(xs)
		got := SelectInPlace(ys, k)
		if math.Float64bits(got) != math.Float64bits(ys[k]) {
			t.Errorf("k=%d: returned %v, xs[k] holds %v", k, got, ys[k])
		}
		slices.SortFunc(ys, cmp.Compare[float64])
		if !slices.EqualFunc(ys, want, func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }) {
			t.Fatalf("k=%d: xs is no longer a permutation of its values", k)
		}
	}
}

func TestSelectEdges(t *testing.T) {
	if got := SelectInPlace(nil, 0); !math.IsNaN(got) {
		t.Errorf("SelectInPlace(nil, 0) = %v, want NaN", got)
	}
	for _, k := range []int{-1, 3} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("SelectInPlace(len 3, %d) did not panic", k)
				}
			}()
			SelectInPlace([]float64{1, 2, 3}, k)
		}()
	}
}

func TestSelectFallback(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, budget := range []int{0, 1, 2} {
		for shape, xs := range inputs(r, 5000) {
			sorted := slices.Clone(xs)
			slices.Sort(sorted)
			for _, k := range []int{0, 1234, 2500, 4999} {
				if got := introselect(slices.Clone(xs), k, budget); got != sorted[k] {
					t.Errorf("budget %d %s k=%d: got %v, want %v", budget, shape, k, got, sorted[k])
				}
			}
		}
	}
}
