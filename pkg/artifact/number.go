package artifact

import (
	"math"
	"strconv"
)

// A NumberFormat is how numbers are shown to people. NumberFormat.Format
// is the project's one number formatter: every report, reason, message
// and table formats through it, with one of the formats below.
type NumberFormat struct {
	// Decimals rounds to at most this many decimals (trailing zeros
	// dropped); -1 keeps every digit.
	Decimals int
	// Significant, when > 0, shows that many significant digits (Go's
	// 'g' format): with Decimals -1 always, else only for a non-zero
	// value below 10^(1-Decimals), which the rounding would leave with
	// fewer than two significant digits.
	Significant int
	// NaN is how NaN is shown; "" means "NaN".
	NaN string
}

// The formats of the project.
var (
	// LevelNumbers shows every digit: policy levels, override values
	// and anything compared as it is, so that a value shown beside a
	// level cannot seem to meet it.
	LevelNumbers = NumberFormat{Decimals: -1}
	// ValueNumbers has 6 decimals, what Round keeps: verdict values and
	// reasons, release documents' check values.
	ValueNumbers = NumberFormat{Decimals: 6}
	// DocNumbers has 4 decimals: the statistics and parameter values of
	// the release documents.
	DocNumbers = NumberFormat{Decimals: 4}
	// TableNumbers has 3 decimals, 3 significant digits below 0.01: the
	// post-soak reports.
	TableNumbers = NumberFormat{Decimals: 3, Significant: 3, NaN: "n/a"}
	// SignificantNumbers has 6 significant digits at any magnitude:
	// live canary values and p-values.
	SignificantNumbers = NumberFormat{Decimals: -1, Significant: 6}
)

// Format formats x in f, never as "-0"; NaN as f.NaN, infinities as
// "+Inf" and "-Inf". When the shown number would be on another side of
// one of levels than x (rounded onto or across it), Format shows x as
// ValueNumbers does, and when even that would cross, every digit and the
// relation — "0.8299999 (< 0.83)" — so that a displayed value never
// contradicts its status.
func (f NumberFormat) Format(x float64, levels ...float64) string {
	switch {
	case math.IsNaN(x):
		if f.NaN != "" {
			return f.NaN
		}
		return "NaN"
	case math.IsInf(x, 1):
		return "+Inf"
	case math.IsInf(x, -1):
		return "-Inf"
	}
	x += 0 // -0 is 0
	s := f.digits(x)
	if len(levels) == 0 {
		return s
	}
	shown, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	for _, l := range levels {
		if c := CompareLevel(x, l); CompareLevel(shown, l) != c {
			if f.Decimals >= 0 && f.Decimals < ValueNumbers.Decimals {
				return ValueNumbers.Format(x, levels...)
			}
			rel := map[int]string{-1: "<", 0: "=", 1: ">"}[c]
			return LevelNumbers.digits(x) + " (" + rel + " " + LevelNumbers.digits(l+0) + ")"
		}
	}
	return s
}

func (f NumberFormat) digits(x float64) string {
	switch {
	case f.Significant > 0 && (f.Decimals < 0 || x != 0 && math.Abs(x) < math.Pow10(1-f.Decimals)):
		return strconv.FormatFloat(x, 'g', f.Significant, 64)
	case f.Decimals < 0:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	p := math.Pow10(f.Decimals)
	return strconv.FormatFloat(math.Round(x*p)/p+0, 'f', -1, 64)
}
