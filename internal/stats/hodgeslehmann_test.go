package stats

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Expected values come from an independent Python (stdlib only) script
// that sorts all pairwise differences and finds the critical value from a
// brute-force enumeration of U (exact) or statistics.NormalDist (normal).
// The 1..5 vs 6..10 case matches R: wilcox.test(1:5, 6:10, conf.int=TRUE)
// gives estimate -5 and interval (-8, -2) for x - y.
func TestHodgesLehmann(t *testing.T) {
	large1, large2 := largeSamples()
	interleavedX := []float64{1.1, 2.3, 3.0, 4.5, 6.2, 7.7}
	interleavedY := []float64{2.0, 3.5, 5.1, 8.0, 9.3, 10.4, 11.0}
	type res struct{ Shift, Lo, Hi float64 }
	for _, tc := range []struct {
		name string
		x, y []float64
		conf float64
		want res
	}{
		{"empty", nil, []float64{1}, 0.95, res{nan, nan, nan}},
		{"bad confidence", seq(1, 5), seq(6, 10), 1, res{5, nan, nan}},
		{"disjoint 95", seq(1, 5), seq(6, 10), 0.95, res{5, 2, 8}},
		{"disjoint 90", seq(1, 5), seq(6, 10), 0.90, res{5, 3, 7}},
		{"reversed 95", seq(6, 10), seq(1, 5), 0.95, res{-5, -8, -2}},
		{"interleaved 95", interleavedX, interleavedY, 0.95, res{2.95, -1.1, 7.4}},
		{"interleaved 90", interleavedX, interleavedY, 0.90, res{2.95, -1.0, 6.9}},
		{"ties normal 95", []float64{1, 2, 2, 3, 3, 3}, []float64{2, 3, 3, 4, 4, 5}, 0.95, res{1, 0, 2}},
		{"all tied", []float64{1, 1, 1}, []float64{1, 1}, 0.95, res{0, 0, 0}},
		{"single each", []float64{3}, []float64{5}, 0.95, res{2, 2, 2}},
		{"21 shifted by 4.25, 95", ramp(21, 1.5, 0), ramp(21, 1.5, 4.25), 0.95, res{4.25, -1.75, 10.25}},
		{"21 shifted by 4.25, 90", ramp(21, 1.5, 0), ramp(21, 1.5, 4.25), 0.90, res{4.25, -0.25, 8.75}},
		{"large with ties 95", large1, large2, 0.95, res{6, -6, 17}},
		{"large with ties 90", large1, large2, 0.90, res{6, -4, 15}},
		// Swapping the samples negates and mirrors everything; these also
		// exercise the transposed path taken when len(x) > len(y).
		{"interleaved swapped 95", interleavedY, interleavedX, 0.95, res{-2.95, -7.4, 1.1}},
		{"large swapped 95", large2, large1, 0.95, res{-6, -17, 6}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, y := slices.Clone(tc.x), slices.Clone(tc.y)
			var g res
			g.Shift, g.Lo, g.Hi = HodgesLehmann(x, y, tc.conf)
			if d := cmp.Diff(tc.want, g, approx); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
			if !slices.Equal(x, tc.x) || !slices.Equal(y, tc.y) {
				t.Errorf("input modified")
			}
		})
	}
}

// TestKthDiff checks the matrix selection against sorting every pairwise
// difference, on random samples with and without ties and on lopsided sizes.
func TestKthDiff(t *testing.T) {
	for seed := range uint64(40) {
		r := rand.New(rand.NewPCG(seed, 2))
		n1, n2 := 1+r.IntN(120), 1+r.IntN(120)
		if seed%5 == 0 {
			n1 = 1 + r.IntN(3)
		}
		gen := func(n int) []float64 {
			xs := make([]float64, n)
			for i := range xs {
				if seed%2 == 0 {
					xs[i] = float64(r.IntN(10)) // heavy ties
				} else {
					xs[i] = r.ExpFloat64() * 100
				}
			}
			slices.Sort(xs)
			return xs
		}
		x, y := gen(n1), gen(n2)
		var all []float64
		for _, a := range x {
			for _, b := range y {
				all = append(all, b-a)
			}
		}
		slices.Sort(all)
		for _, k := range []int{0, len(all) - 1, len(all) / 2, r.IntN(len(all)), r.IntN(len(all))} {
			if got := kthDiff(x, y, k); got != all[k] {
				t.Fatalf("seed %d n1=%d n2=%d k=%d: got %v, want %v", seed, n1, n2, k, got, all[k])
			}
		}
	}
}

// TestHodgesLehmannShiftMatchesSort checks the shift against the median of
// all sorted differences, on lopsided sizes in both orders.
func TestHodgesLehmannShiftMatchesSort(t *testing.T) {
	for seed := range uint64(30) {
		r := rand.New(rand.NewPCG(seed, 9))
		n1, n2 := 1+r.IntN(200), 1+r.IntN(15)
		if seed%2 == 1 {
			n1, n2 = n2, n1
		}
		x, y := make([]float64, n1), make([]float64, n2)
		for i := range x {
			x[i] = r.NormFloat64()
		}
		for i := range y {
			y[i] = r.NormFloat64() + 0.5
		}
		var d []float64
		for _, a := range x {
			for _, b := range y {
				d = append(d, b-a)
			}
		}
		slices.Sort(d)
		m := len(d)
		want := d[m/2]
		if m%2 == 0 {
			want = d[m/2-1] + (d[m/2]-d[m/2-1])/2
		}
		shift, lo, hi := HodgesLehmann(x, y, 0.95)
		if shift != want || !(lo <= shift && shift <= hi) {
			t.Fatalf("seed %d n1=%d n2=%d: got %v in [%v, %v], want shift %v", seed, n1, n2, shift, lo, hi, want)
		}
		if !slices.Contains(d, lo) || !slices.Contains(d, hi) {
			t.Fatalf("seed %d: bounds %v, %v are not pairwise differences", seed, lo, hi)
		}
	}
}

// TestHodgesLehmannLarge runs samples far too big to materialise all
// differences (1e10 pairs): y is x plus 3, so the shift must be exactly 3
// and the interval must contain it.
func TestHodgesLehmannLarge(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	const n = 100_000
	x := make([]float64, n)
	y := make([]float64, n)
	for i := range x {
		x[i] = float64(r.IntN(1 << 20))
		y[i] = x[i] + 3
	}
	r.Shuffle(n, func(i, j int) { y[i], y[j] = y[j], y[i] })
	shift, lo, hi := HodgesLehmann(x, y, 0.95)
	if shift != 3 || !(lo <= 3 && 3 <= hi) || hi-lo > 1e4 {
		t.Errorf("got shift %v in [%v, %v], want 3 inside a narrow interval", shift, lo, hi)
	}
}
