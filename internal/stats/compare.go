package stats

import "math"

// Comparison is the outcome of Compare: a baseline sample against a
// current one.
type Comparison struct {
	N1, N2 int     // sizes of base and cur
	U      float64 // Mann-Whitney U of base against cur; NaN if TooFew
	P      float64 // two-sided p-value; NaN if TooFew
	// Shift is the Hodges-Lehmann estimate of cur minus base, and [Lo, Hi]
	// its 1-alpha confidence interval. They are computed even when TooFew
	// (as long as both samples are non-empty), where the interval is wide.
	Shift, Lo, Hi float64
	Significant   bool // P < alpha; never true if TooFew
	TooFew        bool // len(base) < minN or len(cur) < minN
}

// Compare tests whether cur differs from base the way benchstat does:
// a two-sided Mann-Whitney U test (see MannWhitney) for significance and
// the Hodges-Lehmann shift of cur relative to base with a 1-alpha
// confidence interval (see HodgesLehmann) for the size of the change.
//
// If either sample has fewer than minN values the test is not run: TooFew
// is set, U and P are NaN and Significant is false, because with a handful
// of values no p-value can reach a usual alpha and a "not significant"
// would be mistaken for "no change". minN below 1 is treated as 1.
func Compare(base, cur []float64, alpha float64, minN int) Comparison {
	c := Comparison{N1: len(base), N2: len(cur), U: math.NaN(), P: math.NaN()}
	c.Shift, c.Lo, c.Hi = HodgesLehmann(base, cur, 1-alpha)
	minN = max(minN, 1)
	if len(base) < minN || len(cur) < minN {
		c.TooFew = true
		return c
	}
	mw := MannWhitney(base, cur)
	c.U, c.P = mw.U, mw.P
	c.Significant = c.P < alpha
	return c
}
