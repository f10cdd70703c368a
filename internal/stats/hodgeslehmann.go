package stats

import (
	"cmp"
	"math"
	"slices"
)

// HodgesLehmann estimates how far y is shifted relative to x: the median
// of all n1·n2 pairwise differences y_j - x_i (so a positive shift means y
// is larger). It is the estimator that goes with the Mann-Whitney test and
// is robust to outliers in either sample.
//
// lo and hi bound a distribution-free confidence interval for the shift
// (Bauer 1972): with the differences ordered d(1) <= ... <= d(M), M = n1·n2,
// the interval is [d(c), d(M+1-c)] where c is the smallest integer with
// P(U <= c) >= (1-confidence)/2 under the null distribution of U. This is
// what R's wilcox.test(conf.int = TRUE) reports. The null distribution is
// exact when n1, n2 <= 20 and there are no ties, and otherwise the normal
// approximation with tie correction and continuity correction, giving
// c = ⌈M/2 - z·σ - 1/2⌉ with z the (1+confidence)/2 normal quantile. The
// interval covers at least the requested confidence (exactly when the
// distribution is continuous); c is never below 1, so for samples too small
// to reach the confidence the interval is the full range of differences.
//
// All three results are NaN if either sample is empty; lo and hi are NaN if
// confidence is not in (0, 1). Neither input is modified. The differences
// are never materialised: order statistics of the sorted difference matrix
// are selected in O((s·log s + n1 + n2)·log(n1·n2)) time, s = min(n1, n2),
// and O(n1+n2) memory, so samples of millions of values are fine.
func HodgesLehmann(x, y []float64, confidence float64) (shift, lo, hi float64) {
	nan := math.NaN()
	if len(x) == 0 || len(y) == 0 {
		return nan, nan, nan
	}
	xs, ys := sortedCopy(x), sortedCopy(y)
	m := len(xs) * len(ys)
	// kthDiff pays per round for sorting one candidate per row, so give it
	// the smaller sample as rows. y_j - x_i = (-x_i) - (-y_j) exactly in
	// IEEE arithmetic, so swapping and negating (and reversing to keep the
	// order ascending) selects the same differences.
	rows, cols := xs, ys
	if len(xs) > len(ys) {
		rows, cols = negRev(ys), negRev(xs)
	}
	if m%2 == 1 {
		shift = kthDiff(rows, cols, m/2)
	} else {
		a, b := kthDiff(rows, cols, m/2-1), kthDiff(rows, cols, m/2)
		shift = a + (b-a)/2
	}
	if !(confidence > 0 && confidence < 1) {
		return shift, nan, nan
	}
	_, tieTerm := uStat(xs, ys)
	c := criticalU(len(xs), len(ys), tieTerm, 1-confidence)
	return shift, kthDiff(rows, cols, c-1), kthDiff(rows, cols, m-c)
}

// negRev returns -xs in reverse order: ascending if xs is.
func negRev(xs []float64) []float64 {
	r := make([]float64, len(xs))
	for i, v := range xs {
		r[len(xs)-1-i] = -v
	}
	return r
}

// criticalU returns c for the interval [d(c), d(M+1-c)]: the smallest c
// with P(U <= c) >= alpha/2, clamped to [1, (M+1)/2] so the bounds stay
// ordered.
func criticalU(n1, n2 int, tieTerm, alpha float64) int {
	m := n1 * n2
	var c int
	if useExact(n1, n2, tieTerm) {
		dist, total := uDist(n1, n2)
		target := alpha / 2 * total
		var cum float64
		for c = 0; c < m; c++ {
			cum += dist[c]
			if cum >= target {
				break
			}
		}
	} else {
		z := math.Sqrt2 * math.Erfinv(1-alpha)
		c = int(math.Ceil(float64(m)/2 - z*uSigma(n1, n2, tieTerm) - 0.5))
	}
	return min(max(c, 1), (m+1)/2)
}

// kthDiff returns the k-th smallest (0-based) of the differences
// y[j] - x[i] over all pairs, for x and y sorted ascending, without
// building them. Row i of the difference matrix increases with j and each
// column decreases with i, so the number of entries below a value can be
// counted in O(n1+n2) with one monotone pointer. Each round picks as pivot
// the weighted median of the rows' middle candidates, counts entries below
// and at it, and discards the candidates on the wrong side; this removes at
// least a quarter of them per round (Johnson & Mizoguchi 1978). Once the
// candidates are few they are selected directly.
func kthDiff(x, y []float64, k int) float64 {
	n1, n2 := len(x), len(y)
	// Row i's remaining candidates are columns [lo[i], hi[i]). Everything
	// discarded left of lo is strictly below the answer and everything
	// discarded right of hi strictly above it.
	lo := make([]int, n1)
	hi := make([]int, n1)
	less := make([]int, n1)
	leq := make([]int, n1)
	for i := range hi {
		hi[i] = n2
	}
	type cand struct {
		v float64
		w int
	}
	cands := make([]cand, 0, n1)
	for {
		total, below := 0, 0
		for i := range n1 {
			total += hi[i] - lo[i]
			below += lo[i]
		}
		if total <= n1+n2 || total <= 64 {
			buf := make([]float64, 0, total)
			for i := range n1 {
				for j := lo[i]; j < hi[i]; j++ {
					buf = append(buf, y[j]-x[i])
				}
			}
			return SelectInPlace(buf, k-below)
		}
		cands = cands[:0]
		for i := range n1 {
			if w := hi[i] - lo[i]; w > 0 {
				cands = append(cands, cand{y[lo[i]+w/2] - x[i], w})
			}
		}
		slices.SortFunc(cands, func(a, b cand) int { return cmp.Compare(a.v, b.v) })
		var p float64
		acc := 0
		for _, c := range cands {
			acc += c.w
			if 2*acc >= total {
				p = c.v
				break
			}
		}
		nLess, nLeq := 0, 0
		j := 0
		for i := range n1 {
			for j < n2 && y[j]-x[i] < p {
				j++
			}
			less[i] = j
			nLess += j
		}
		j = 0
		for i := range n1 {
			for j < n2 && y[j]-x[i] <= p {
				j++
			}
			leq[i] = j
			nLeq += j
		}
		switch {
		case k < nLess: // answer < p
			for i := range n1 {
				hi[i] = min(hi[i], less[i])
			}
		case k >= nLeq: // answer > p
			for i := range n1 {
				lo[i] = max(lo[i], leq[i])
			}
		default:
			return p
		}
	}
}
