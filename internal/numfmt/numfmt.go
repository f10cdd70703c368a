// Package numfmt is how soakline compares, rounds and shows numbers: the
// tolerance at which a value meets a policy level, the rounding of stored
// values, and the project's one number formatter. Judging, rendering,
// release and canary documents all go through it, so that a value shown
// or stored never contradicts the status it was given.
package numfmt

import (
	"math"
	"strconv"

	"github.com/soakline/soakline/pkg/artifact"
)

// A Format is how numbers are shown to people. Format.Format is the
// project's one number formatter: every report, reason, message and table
// formats through it, with one of the formats below.
type Format struct {
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
	// Level shows every digit: policy levels, override values
	// and anything compared as it is, so that a value shown beside a
	// level cannot seem to meet it.
	Level = Format{Decimals: -1}
	// Value has 6 decimals, what Round keeps: verdict values and
	// reasons, release documents' check values.
	Value = Format{Decimals: 6}
	// Doc has 4 decimals: the statistics and parameter values of
	// the release documents.
	Doc = Format{Decimals: 4}
	// Table has 3 decimals, 3 significant digits below 0.01: the
	// post-soak reports.
	Table = Format{Decimals: 3, Significant: 3, NaN: "n/a"}
	// Significant has 6 significant digits at any magnitude:
	// live canary values and p-values.
	Significant = Format{Decimals: -1, Significant: 6}
)

// Format formats x in f, never as "-0"; NaN as f.NaN, infinities as
// "+Inf" and "-Inf". When the shown number would be on another side of
// one of levels than x (rounded onto or across it), Format shows x as
// Value does, and when even that would cross, every digit and the
// relation — "0.8299999 (< 0.83)" — so that a displayed value never
// contradicts its status.
func (f Format) Format(x float64, levels ...float64) string {
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
			if f.Decimals >= 0 && f.Decimals < Value.Decimals {
				return Value.Format(x, levels...)
			}
			rel := map[int]string{-1: "<", 0: "=", 1: ">"}[c]
			return Level.digits(x) + " (" + rel + " " + Level.digits(l+0) + ")"
		}
	}
	return s
}

func (f Format) digits(x float64) string {
	switch {
	case f.Significant > 0 && (f.Decimals < 0 || x != 0 && math.Abs(x) < math.Pow10(1-f.Decimals)):
		return strconv.FormatFloat(x, 'g', f.Significant, 64)
	case f.Decimals < 0:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	p := math.Pow10(f.Decimals)
	return strconv.FormatFloat(math.Round(x*p)/p+0, 'f', -1, 64)
}

// LevelTolerance is how close, relatively, a value must be to a level to
// count as at it. Binary floating point cannot tell such values apart
// from the decimals in the files: eight net_bps values whose decimal mean
// is exactly 2.5 sum to 2.4999999999999996 in binary, and that mean meets
// ">= 2.5". A real difference this small cannot be measured by the KPIs.
const LevelTolerance = 1e-12

// CompareLevel returns -1, 0 or +1 as x is below, at or above level; x
// within a relative LevelTolerance of level is at it. Every check's
// status is decided by it, on unrounded values.
func CompareLevel(x, level float64) int {
	switch {
	case x == level || math.Abs(x-level) <= LevelTolerance*math.Max(math.Abs(x), math.Abs(level)):
		return 0
	case x < level:
		return -1
	}
	return 1
}

// Meets reports whether x meets level in direction (">=" or "<=").
func Meets(x float64, direction string, level float64) bool {
	c := CompareLevel(x, level)
	if direction == "<=" {
		return c <= 0
	}
	return c >= 0
}

// Round rounds v to 6 decimals so that stored values are stable and free of
// binary noise such as 0.020000000000000004.
func Round(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	return math.Round(v*1e6) / 1e6
}

// RoundKeep is Round(x) unless rounding would move x onto or across one
// of levels; then it is x itself, so that a stored value never says what
// its status denies.
func RoundKeep(x float64, levels ...float64) float64 {
	r := Round(x) + 0 // + 0 turns -0 into 0
	for _, l := range levels {
		if CompareLevel(r, l) != CompareLevel(x, l) {
			return x
		}
	}
	return r
}

// CheckValue is c's value for people (Value against its levels), "-" when
// it has none.
func CheckValue(c *artifact.Check) string {
	if c.Value == nil {
		return "-"
	}
	return Value.Format(*c.Value, Levels(c)...)
}

// Levels returns the levels a check's value is compared with: the
// threshold, and the warn level when there is one.
func Levels(c *artifact.Check) []float64 {
	if c.Warn != nil {
		return []float64{c.Threshold, *c.Warn}
	}
	return []float64{c.Threshold}
}
