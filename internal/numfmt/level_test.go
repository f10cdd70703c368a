package numfmt

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestCompareLevel(t *testing.T) {
	for _, tc := range []struct {
		x, level float64
		want     int
	}{
		{2.4999999999999996, 2.5, 0}, // binary noise is at the level
		{2.5000000000000004, 2.5, 0},
		{2.4999999999, 2.5, -1}, // a real difference is not
		{0.94958, 0.95, -1},
		{113.0 / 119, 0.95, -1},
		{188.0 / 209, 0.9, -1},
		{19.0 / 20, 0.95, 0},
		{0, 0, 0},
		{1e-300, 0, 1},
		{-1e-300, 0, -1},
		{341, 340, 1},
	} {
		if got := CompareLevel(tc.x, tc.level); got != tc.want {
			t.Errorf("CompareLevel(%v, %v) = %d, want %d", tc.x, tc.level, got, tc.want)
		}
	}
	if !Meets(2.4999999999999996, ">=", 2.5) || Meets(2.4999999, ">=", 2.5) || !Meets(340, "<=", 340) || Meets(340.001, "<=", 340) {
		t.Error("Meets disagrees with CompareLevel")
	}
}

func TestFormatValue(t *testing.T) {
	for _, tc := range []struct {
		x      float64
		levels []float64
		want   string
	}{
		{113.0 / 119, []float64{0.95}, "0.94958"},
		{188.0 / 209, []float64{0.9}, "0.899522"},
		{0.8999999, []float64{0.9}, "0.8999999 (< 0.9)"},
		{0.9000001, []float64{0.9}, "0.9000001 (> 0.9)"},
		{2.4999999999999996, []float64{2.5}, "2.5"},
		{0.8299999, []float64{0.83, 0.85}, "0.8299999 (< 0.83)"},
		{0.8499999, []float64{0.83, 0.85}, "0.8499999 (< 0.85)"},
		{-0.0000001, []float64{0}, "-0.0000001 (< 0)"},
		{-0.0000001, nil, "0"},
		{1.23456789, nil, "1.234568"},
		{math.NaN(), []float64{1}, "NaN"},
		{math.Inf(1), nil, "+Inf"},
	} {
		if got := Value.Format(tc.x, tc.levels...); got != tc.want {
			t.Errorf("Value.Format(%v, %v) = %q, want %q", tc.x, tc.levels, got, tc.want)
		}
		if r := RoundKeep(tc.x, tc.levels...); !math.IsNaN(tc.x) {
			for _, l := range tc.levels {
				if CompareLevel(r, l) != CompareLevel(tc.x, l) {
					t.Errorf("RoundKeep(%v) = %v moves it across %v", tc.x, r, l)
				}
			}
		}
	}
}

// FuzzFormatValue: the number Value.Format shows is on the same side of
// the level as the value itself, and so is RoundKeep's.
func FuzzFormatValue(f *testing.F) {
	f.Add(0.8999999, 0.9)
	f.Add(113.0/119, 0.95)
	f.Add(2.4999999999999996, 2.5)
	f.Add(-1e-7, 0.0)
	f.Add(1e300, 1e300)
	f.Fuzz(func(t *testing.T, x, level float64) {
		if math.IsNaN(x) || math.IsInf(x, 0) || math.IsNaN(level) || math.IsInf(level, 0) || math.Abs(x) > 1e15 {
			return // values beyond a KPI's range: 'f' formatting of huge numbers is not the point
		}
		s := Value.Format(x, level)
		num, _, _ := strings.Cut(s, " ")
		shown, err := strconv.ParseFloat(num, 64)
		if err != nil {
			t.Fatalf("Value.Format(%v, %v) = %q: %v", x, level, s, err)
		}
		if CompareLevel(shown, level) != CompareLevel(x, level) {
			t.Errorf("Value.Format(%v, %v) = %q reads on the other side of the level", x, level, s)
		}
		if r := RoundKeep(x, level); CompareLevel(r, level) != CompareLevel(x, level) {
			t.Errorf("RoundKeep(%v, %v) = %v crosses the level", x, level, r)
		}
	})
}
