package stats

import (
	"math/rand/v2"
	"sort"
	"strconv"
	"testing"
)

func randFloats(n int, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 0))
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = r.ExpFloat64() * 10 // latency-like: skewed
	}
	return xs
}

// The in-place benchmarks restore the input every iteration; the sort
// benchmark does the same copy so the figures compare like with like.
func BenchmarkSelectInPlace1e6(b *testing.B) {
	src := randFloats(1e6, 1)
	buf := make([]float64, len(src))
	for b.Loop() {
		copy(buf, src)
		SelectInPlace(buf, len(buf)*95/100)
	}
}

func BenchmarkNearestRankInPlace1e6(b *testing.B) {
	src := randFloats(1e6, 1)
	buf := make([]float64, len(src))
	for b.Loop() {
		copy(buf, src)
		NearestRankInPlace(buf, 0.95)
	}
}

func BenchmarkSortFloat64s1e6(b *testing.B) {
	src := randFloats(1e6, 1)
	buf := make([]float64, len(src))
	for b.Loop() {
		copy(buf, src)
		sort.Float64s(buf)
	}
}

func BenchmarkMean(b *testing.B) {
	for _, n := range []int{8, 100000} {
		xs := randFloats(n, 2)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				Mean(xs)
			}
		})
	}
}

func BenchmarkQuantile(b *testing.B) {
	for _, n := range []int{8, 100000} {
		xs := randFloats(n, 3)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				Quantile(xs, 0.95)
			}
		})
	}
}

func BenchmarkMannWhitney(b *testing.B) {
	for _, n := range []int{8, 1000} {
		x, y := randFloats(n, 4), randFloats(n, 5)
		b.Run(strconv.Itoa(n)+"x"+strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				MannWhitney(x, y)
			}
		})
	}
}

func BenchmarkHodgesLehmann1000x1000(b *testing.B) {
	x, y := randFloats(1000, 6), randFloats(1000, 7)
	for b.Loop() {
		HodgesLehmann(x, y, 0.95)
	}
}
