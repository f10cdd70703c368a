package stats

import (
	"math"
	"slices"
)

// exactMaxN is the largest sample size for which the exact null
// distribution of U is used (when there are no ties). The largest table,
// 20x20, has C(40,20) ≈ 1.4e11 arrangements, which float64 counts exactly.
const exactMaxN = 20

// MWResult is the outcome of MannWhitney.
type MWResult struct {
	N1, N2 int
	// U is the Mann-Whitney statistic of x: the number of pairs (x_i, y_j)
	// with x_i > y_j, plus one half for each tie. It ranges over
	// [0, N1·N2]; N1·N2/2 means no tendency either way.
	U float64
	// P is the two-sided p-value for "x and y come from the same
	// distribution". It is not a one-sided p: a test of "y is worse"
	// that reads P beside the sign of a shift runs at half its stated
	// level (soak-gate's --compare once did; it now uses PredictT).
	P float64
	// Exact reports whether P comes from the exact null distribution
	// rather than the normal approximation.
	Exact bool
}

// MannWhitney runs the two-sided Mann-Whitney U (Wilcoxon rank-sum) test
// on x and y, as benchstat and Kayenta do to compare a baseline run with a
// current one: it assumes nothing about the shape of the distributions,
// which for latencies are skewed and heavy-tailed.
//
// The p-value is exact when both samples have at most 20 values and the
// pooled sample has no ties: the null distribution of U is counted by
// dynamic programming and P = min(1, 2·min(P(U' <= U), P(U' >= U))).
// Otherwise it uses the normal approximation with mean N1·N2/2, the
// tie-corrected variance N1·N2/12·((N+1) - Σ(t³-t)/(N(N-1))) and a
// continuity correction of 1/2, as scipy.stats.mannwhitneyu does; if every
// value is tied the variance is zero and P is 1.
//
// If either sample is empty, U and P are NaN. Neither input is modified.
// Time is O(N log N), dominated by sorting copies of the samples.
func MannWhitney(x, y []float64) MWResult {
	r := MWResult{N1: len(x), N2: len(y), U: math.NaN(), P: math.NaN()}
	if len(x) == 0 || len(y) == 0 {
		return r
	}
	xs, ys := sortedCopy(x), sortedCopy(y)
	u, tieTerm := uStat(xs, ys)
	r.U = u
	n1, n2 := float64(len(x)), float64(len(y))
	if useExact(len(x), len(y), tieTerm) {
		r.Exact = true
		dist, total := uDist(len(x), len(y))
		iu := int(u) // integral: there are no ties
		var below, above float64
		for v, c := range dist {
			if v <= iu {
				below += c
			}
			if v >= iu {
				above += c
			}
		}
		r.P = math.Min(1, 2*math.Min(below, above)/total)
		return r
	}
	mu := n1 * n2 / 2
	sigma := uSigma(len(x), len(y), tieTerm)
	if sigma == 0 {
		r.P = 1
		return r
	}
	z := math.Max(math.Abs(u-mu)-0.5, 0) / sigma
	r.P = math.Min(1, math.Erfc(z/math.Sqrt2))
	return r
}

func sortedCopy(xs []float64) []float64 {
	c := slices.Clone(xs)
	slices.Sort(c)
	return c
}

func useExact(n1, n2 int, tieTerm float64) bool {
	return n1 <= exactMaxN && n2 <= exactMaxN && tieTerm == 0
}

// uStat returns U of xs against ys (both sorted ascending) and the tie
// term Σ(t³-t) over groups of equal values in the pooled sample. It merges
// the two sorted samples instead of ranking the pooled one: each x
// contributes the number of ys below it plus half the ys equal to it,
// which is the rank-sum definition of U without summing float ranks.
func uStat(xs, ys []float64) (u, tieTerm float64) {
	i, j := 0, 0
	for i < len(xs) || j < len(ys) {
		var v float64
		switch {
		case i == len(xs):
			v = ys[j]
		case j == len(ys):
			v = xs[i]
		default:
			v = math.Min(xs[i], ys[j])
		}
		ci, cj := 0, 0
		for i+ci < len(xs) && xs[i+ci] == v {
			ci++
		}
		for j+cj < len(ys) && ys[j+cj] == v {
			cj++
		}
		if ci+cj == 0 { // NaN: step past it so the loop ends
			if i < len(xs) {
				ci = 1
			} else {
				cj = 1
			}
		}
		u += float64(ci) * (float64(j) + float64(cj)/2)
		if t := float64(ci + cj); t > 1 {
			tieTerm += t*t*t - t
		}
		i += ci
		j += cj
	}
	return u, tieTerm
}

// uSigma is the standard deviation of U under the null hypothesis,
// corrected for ties.
func uSigma(n1, n2 int, tieTerm float64) float64 {
	a, b := float64(n1), float64(n2)
	n := a + b
	v := a * b / 12 * ((n + 1) - tieTerm/(n*(n-1)))
	return math.Sqrt(math.Max(v, 0))
}

// uDist returns, for u = 0..n1·n2, the number of arrangements of n1 xs and
// n2 ys (all distinct) whose U statistic is u, and their total C(n1+n2, n1).
// It counts by the recurrence on the largest element: if it is an x it
// beats all n2 ys (U grows by n2), if it is a y U is unchanged, so
// f(i, j, u) = f(i-1, j, u-j) + f(i, j-1, u).
func uDist(n1, n2 int) (dist []float64, total float64) {
	m := n1 * n2
	// prev[j] holds f(i-1, j, ·) and cur[j] holds f(i, j, ·).
	// Both tables live in one allocation; the exact path is used on small
	// samples where allocation would otherwise dominate.
	block := make([]float64, 2*(n2+1)*(m+1))
	prev := make([][]float64, n2+1)
	cur := make([][]float64, n2+1)
	for j := range prev {
		prev[j] = block[(2*j)*(m+1) : (2*j+1)*(m+1)]
		cur[j] = block[(2*j+1)*(m+1) : (2*j+2)*(m+1)]
		prev[j][0] = 1 // i = 0: only ys, U = 0
	}
	for i := 1; i <= n1; i++ {
		// cur last held f(i-2, ·, ·), whose support (u <= (i-2)·j) lies
		// inside the range rewritten below, so nothing needs clearing.
		cur[0][0] = 1 // only xs, U = 0
		for j := 1; j <= n2; j++ {
			c, p, left := cur[j], prev[j], cur[j-1]
			maxU := i * j
			for u := 0; u <= maxU; u++ {
				v := left[u]
				if u >= j {
					v += p[u-j]
				}
				c[u] = v
			}
		}
		prev, cur = cur, prev
	}
	dist = prev[n2]
	for _, c := range dist {
		total += c
	}
	return dist, total
}
