package stats

import "math"

// TrendMethod describes, in one line of plain ASCII for reports, how Trend
// decides.
const TrendMethod = "OLS slope over sample index; up/down when |slope*(n-1)| > max(5% of |mean|, 1e-9), else flat; fewer than 3 points is flat"

// Trend directions.
const (
	TrendUp   = "up"
	TrendDown = "down"
	TrendFlat = "flat"
)

// TrendResult is the outcome of Trend.
type TrendResult struct {
	Direction string  // TrendUp, TrendDown or TrendFlat
	Slope     float64 // OLS slope per step (per index); NaN for n < 2
	Change    float64 // Slope·(n-1): the fitted change from first to last point; NaN for n < 2
	Mean      float64 // mean of the values, the scale the change is judged against; NaN for n = 0
	N         int     // number of values
}

// Trend fits an ordinary least-squares line to xs against the index
// 0..n-1 and classifies it as described by TrendMethod: "up" or "down" when
// the fitted change over the whole run, Slope·(n-1), exceeds 5% of |mean|
// in magnitude, else "flat". The 1e-9 floor keeps a series hovering around
// zero from being called a trend on rounding noise. Fewer than three points
// are always "flat" because a line through two points is not evidence of a
// trend; the slope is still reported for n = 2.
//
// It runs in one O(n) pass. Because the index mean (n-1)/2 is known in
// advance, the slope is Σ(i-(n-1)/2)·x_i / Σ(i-(n-1)/2)², which avoids the
// cancellation of the textbook Σi·x - n·ī·x̄ form.
func Trend(xs []float64) TrendResult {
	n := len(xs)
	r := TrendResult{Direction: TrendFlat, Slope: math.NaN(), Change: math.NaN(), Mean: math.NaN(), N: n}
	if n == 0 {
		return r
	}
	c := float64(n-1) / 2
	var s, sxy float64
	for i, x := range xs {
		s += x
		sxy += (float64(i) - c) * x
	}
	r.Mean = s / float64(n)
	if n < 2 {
		return r
	}
	fn := float64(n)
	sxx := fn * (fn*fn - 1) / 12 // Σ(i-c)² over i = 0..n-1
	r.Slope = sxy / sxx
	r.Change = r.Slope * float64(n-1)
	if n < 3 {
		return r
	}
	threshold := math.Max(0.05*math.Abs(r.Mean), 1e-9)
	switch {
	case r.Change > threshold:
		r.Direction = TrendUp
	case r.Change < -threshold:
		r.Direction = TrendDown
	}
	return r
}
