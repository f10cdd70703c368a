package stats

import (
	"math"
	"slices"
)

// sum adds xs with Neumaier's compensated summation: the error is about
// one rounding of the result, not one per addition, so that a mean next to
// a threshold does not depend on binary noise. Eight net_bps values whose
// decimal mean is exactly 2.5 (-0.5682, 2.1689, 3.9793, 4.3233, -0.5036,
// 0.0102, 4.7299, 5.8602) sum to 20 here; a running total gives
// 19.999999999999996, a mean of 2.4999999999999996 that fails ">= 2.5".
// An infinite or NaN value makes the sum what a running total gives.
func sum(xs []float64) float64 {
	var s, c float64
	for _, x := range xs {
		t := s + x
		if math.Abs(s) >= math.Abs(x) {
			c += (s - t) + x
		} else {
			c += (x - t) + s
		}
		s = t
	}
	if math.IsNaN(c) || math.IsInf(c, 0) {
		return s
	}
	return s + c
}

// Mean returns the arithmetic mean of xs, or NaN if xs is empty.
func Mean(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	return sum(xs) / float64(len(xs))
}

// Min returns the smallest value of xs, or NaN if xs is empty.
func Min(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	m := xs[0]
	for _, x := range xs[1:] {
		if x < m {
			m = x
		}
	}
	return m
}

// Max returns the largest value of xs, or NaN if xs is empty.
func Max(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	m := xs[0]
	for _, x := range xs[1:] {
		if x > m {
			m = x
		}
	}
	return m
}

// Stdev returns the sample standard deviation of xs (denominator n-1), or
// NaN if xs has fewer than two values. It makes two passes (mean, then the
// squared deviations) because the one-pass sum-of-squares formula loses all
// precision when the spread is small relative to the mean, as it is for
// latencies around a large constant.
func Stdev(xs []float64) float64 {
	if len(xs) < 2 {
		return math.NaN()
	}
	m := Mean(xs)
	var ss float64
	for _, x := range xs {
		d := x - m
		ss += d * d
	}
	return math.Sqrt(ss / float64(len(xs)-1))
}

// HarmonicMean returns n/Σ(1/x) over the strictly positive values of xs.
// Values <= 0 are ignored, not treated as errors: the harmonic mean is
// undefined for them, and for rates (the usual use) a zero or negative rate
// means "no measurement". It returns NaN if no value is positive.
func HarmonicMean(xs []float64) float64 {
	n := 0
	var s float64
	for _, x := range xs {
		if x > 0 {
			n++
			s += 1 / x
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return float64(n) / s
}

// Median returns the median of xs: the middle value for odd lengths and the
// mean of the two middle values for even lengths (Quantile at 0.5). It
// returns NaN if xs is empty. xs is not modified.
func Median(xs []float64) float64 {
	return Quantile(xs, 0.5)
}

// Quantile returns the p-quantile of xs by Hyndman & Fan's definition 7,
// the default of numpy.quantile and R's quantile: with the data sorted as
// x[0..n-1] and h = (n-1)p, it is x[⌊h⌋] + (h-⌊h⌋)(x[⌊h⌋+1]-x[⌊h⌋]), i.e.
// linear interpolation between the order statistics, so Quantile(xs, 0) is
// the minimum and Quantile(xs, 1) the maximum. Type 7 is chosen so that
// reports agree with numbers people reproduce in numpy or R.
//
// It returns NaN if xs is empty or p is outside [0, 1] (or NaN). xs is not
// modified: it works on a copy, in O(n) expected time by selection rather
// than sorting. Use QuantileInPlace to avoid the copy.
func Quantile(xs []float64, p float64) float64 {
	if len(xs) == 0 || !(p >= 0 && p <= 1) {
		return math.NaN()
	}
	return QuantileInPlace(slices.Clone(xs), p)
}

// QuantileInPlace is Quantile but reorders xs instead of copying it.
func QuantileInPlace(xs []float64, p float64) float64 {
	if len(xs) == 0 || !(p >= 0 && p <= 1) {
		return math.NaN()
	}
	h := float64(len(xs)-1) * p
	k := int(h)
	frac := h - float64(k)
	lo := SelectInPlace(xs, k)
	if frac == 0 || k+1 >= len(xs) {
		return lo
	}
	// After selection everything right of k is >= xs[k], so the next order
	// statistic is the minimum of that part: no second selection needed.
	hi := Min(xs[k+1:])
	if hi == lo {
		return lo // also avoids Inf-Inf = NaN for infinite data
	}
	return lo + frac*(hi-lo)
}

// NearestRankIndex returns the 0-based index, in sorted order, of the
// p-quantile of n values by the nearest-rank method (see NearestRank), for
// callers that select it themselves. n must be positive and p in [0, 1].
func NearestRankIndex(n int, p float64) int { return nearestRank(n, p) - 1 }

// nearestRank returns the 1-based rank ⌈p·n⌉ clamped to [1, n]. A product
// within a relative 1e-9 of an integer is taken as that integer, so that
// binary rounding (0.07*100 = 7.000000000000001) does not bump the rank.
func nearestRank(n int, p float64) int {
	r := p * float64(n)
	if ri := math.Round(r); math.Abs(r-ri) <= 1e-9*math.Max(1, r) {
		r = ri
	}
	rank := int(math.Ceil(r))
	return min(max(rank, 1), n)
}

// NearestRank returns the p-quantile of xs by the nearest-rank method: the
// smallest value v of xs such that at least a fraction p of the values are
// <= v, i.e. the ⌈p·n⌉-th smallest (1-based; p = 0 gives the minimum). It
// never interpolates, so the result is always an observed value; this is
// the definition used for the per-iteration p95 KPIs. For example the 0.95
// nearest rank of 1..20 is 19 and of 1..100 is 95.
//
// It returns NaN if xs is empty or p is outside [0, 1]. xs is not modified.
func NearestRank(xs []float64, p float64) float64 {
	if len(xs) == 0 || !(p >= 0 && p <= 1) {
		return math.NaN()
	}
	return NearestRankInPlace(slices.Clone(xs), p)
}

// NearestRankInPlace is NearestRank but reorders xs instead of copying it,
// using selection (O(n) expected) rather than a sort.
func NearestRankInPlace(xs []float64, p float64) float64 {
	if len(xs) == 0 || !(p >= 0 && p <= 1) {
		return math.NaN()
	}
	return SelectInPlace(xs, nearestRank(len(xs), p)-1)
}
