package stats

import (
	"math"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Expected values were computed independently with Python's statistics
// module (stdev, harmonic_mean, quantiles(method="inclusive") for type 7).
func TestDescriptive(t *testing.T) {
	type got struct{ Mean, Median, Min, Max, Stdev, HarmonicMean float64 }
	for _, tc := range []struct {
		name string
		xs   []float64
		want got
	}{
		{"empty", nil, got{nan, nan, nan, nan, nan, nan}},
		{"one", []float64{4}, got{4, 4, 4, 4, nan, 4}},
		{"odd", []float64{7, 1, 3, 9, 5}, got{5, 5, 1, 9, math.Sqrt(10), 5 / (1.0/7 + 1 + 1.0/3 + 1.0/9 + 1.0/5)}},
		{"even", []float64{4, 1, 3, 2}, got{2.5, 2.5, 1, 4, math.Sqrt(5.0 / 3), 4 / (1.0/4 + 1 + 1.0/3 + 1.0/2)}},
		{"textbook stdev", []float64{2, 4, 4, 4, 5, 5, 7, 9}, got{5, 4.5, 2, 9, 2.138089935299395, 8 / (1.0/2 + 3.0/4 + 2.0/5 + 1.0/7 + 1.0/9)}},
		{"large offset", []float64{1e9 + 1, 1e9 + 2, 1e9 + 3}, got{1e9 + 2, 1e9 + 2, 1e9 + 1, 1e9 + 3, 1, 3 / (1/(1e9+1) + 1/(1e9+2) + 1/(1e9+3))}},
		{"harmonic ignores non-positive", []float64{1, 2, 4, 0, -3}, got{0.8, 1, -3, 4, math.Sqrt(6.7), 1.7142857142857142}},
		{"harmonic all non-positive", []float64{0, -1}, got{-0.5, -0.5, -1, 0, math.Sqrt(0.5), nan}},
		{"negatives", []float64{-5, -1, -3}, got{-3, -3, -5, -1, 2, nan}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.xs)
			g := got{Mean(in), Median(in), Min(in), Max(in), Stdev(in), HarmonicMean(in)}
			if d := cmp.Diff(tc.want, g, approx); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
			if !slices.Equal(in, tc.xs) {
				t.Errorf("input modified: %v, was %v", in, tc.xs)
			}
		})
	}
}

func TestQuantile(t *testing.T) {
	for _, tc := range []struct {
		name string
		xs   []float64
		p    float64
		want float64
	}{
		{"empty", nil, 0.5, nan},
		{"p below 0", []float64{1, 2}, -0.1, nan},
		{"p above 1", []float64{1, 2}, 1.1, nan},
		{"p NaN", []float64{1, 2}, nan, nan},
		{"single", []float64{3}, 0.9, 3},
		{"1234 p0", []float64{1, 2, 3, 4}, 0, 1},
		{"1234 p25", []float64{4, 3, 2, 1}, 0.25, 1.75},
		{"1234 p50", []float64{1, 2, 3, 4}, 0.5, 2.5},
		{"1234 p75", []float64{1, 2, 3, 4}, 0.75, 3.25},
		{"1234 p95 numpy", []float64{1, 2, 3, 4}, 0.95, 3.85},
		{"1234 p100", []float64{1, 2, 3, 4}, 1, 4},
		{"odd p10", []float64{7, 1, 3, 9, 5}, 0.1, 1.8},
		{"odd p50", []float64{7, 1, 3, 9, 5}, 0.5, 5},
		{"odd p90", []float64{7, 1, 3, 9, 5}, 0.9, 8.2},
		{"six p33", []float64{2.5, -1, 10, 4, 4, 8}, 0.33, 3.475},
		{"ties", []float64{5, 5, 5, 1}, 0.4, 5},
		{"infinite equal neighbours", []float64{math.Inf(1), math.Inf(1), 0}, 0.75, math.Inf(1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.xs)
			if d := cmp.Diff(tc.want, Quantile(in, tc.p), approx); d != "" {
				t.Errorf("Quantile(%v, %v) (-want +got)\n%s", tc.xs, tc.p, d)
			}
			if !slices.Equal(in, tc.xs) {
				t.Errorf("input modified: %v, was %v", in, tc.xs)
			}
			if d := cmp.Diff(tc.want, QuantileInPlace(in, tc.p), approx); d != "" {
				t.Errorf("QuantileInPlace(%v, %v) (-want +got)\n%s", tc.xs, tc.p, d)
			}
		})
	}
}

func seq(lo, hi int) []float64 {
	var xs []float64
	for i := lo; i <= hi; i++ {
		xs = append(xs, float64(i))
	}
	return xs
}

func TestNearestRank(t *testing.T) {
	rev := seq(1, 100)
	slices.Reverse(rev)
	for _, tc := range []struct {
		name string
		xs   []float64
		p    float64
		want float64
	}{
		{"empty", nil, 0.95, nan},
		{"p out of range", seq(1, 5), 1.5, nan},
		{"p NaN", seq(1, 5), nan, nan},
		{"p95 of 1..20", seq(1, 20), 0.95, 19},
		{"p95 of 1..100", seq(1, 100), 0.95, 95},
		{"p95 of 100..1", rev, 0.95, 95},
		{"p7 of 1..100 despite 0.07*100 > 7", seq(1, 100), 0.07, 7},
		{"p99 of 1..10", seq(1, 10), 0.99, 10},
		{"p50 of 1..4", seq(1, 4), 0.5, 2},
		{"p50 of 1..5", seq(1, 5), 0.5, 3},
		{"p0 is min", []float64{3, 1, 2}, 0, 1},
		{"p100 is max", []float64{3, 1, 2}, 1, 3},
		{"single", []float64{42}, 0.95, 42},
		{"p95 of 1..21", seq(1, 21), 0.95, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.xs)
			if d := cmp.Diff(tc.want, NearestRank(in, tc.p), approx); d != "" {
				t.Errorf("NearestRank (-want +got)\n%s", d)
			}
			if !slices.Equal(in, tc.xs) {
				t.Errorf("input modified")
			}
			if d := cmp.Diff(tc.want, NearestRankInPlace(in, tc.p), approx); d != "" {
				t.Errorf("NearestRankInPlace (-want +got)\n%s", d)
			}
		})
	}
}

// TestMeanExact pins means whose decimal value is exact: a running total
// of these values' binary forms misses it by one unit in the last place
// (2.4999999999999996 and 2.5000000000000004), which is enough to fail a
// ">= 2.5" or "<= 2.5" check. Issue 12 item 7.
func TestMeanExact(t *testing.T) {
	for _, tc := range []struct {
		xs   []float64
		want float64
	}{
		{[]float64{-0.5682, 2.1689, 3.9793, 4.3233, -0.5036, 0.0102, 4.7299, 5.8602}, 2.5},
		{[]float64{0.2497, 4.6785, 2.1154, 1.8064, 5.2174, 5.0019, -0.2435, 1.1742}, 2.5},
		{[]float64{-0.1377, -1.1369, 4.9304, 2.7722, 4.8672, 0.6848, 4.9137, 3.1063}, 2.5},
		{[]float64{0.1, 0.2, 0.3, 0.4}, 0.25},
		// Cancellation: a running total loses the small values entirely.
		{[]float64{1e16, 1, -1e16, 1}, 0.5},
		{[]float64{math.Inf(1), 1}, math.Inf(1)},
	} {
		if got := Mean(tc.xs); got != tc.want {
			t.Errorf("Mean(%v) = %v, want %v", tc.xs, got, tc.want)
		}
	}
	if got := Mean([]float64{math.Inf(1), math.Inf(-1)}); !math.IsNaN(got) {
		t.Errorf("Mean(+Inf, -Inf) = %v, want NaN", got)
	}
}
