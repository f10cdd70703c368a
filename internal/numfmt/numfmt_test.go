package numfmt

import (
	"math"
	"testing"
)

// TestNumberFormats pins each format of the project: the digits it keeps,
// no "-0", NaN and infinities, and the relation shown when rounding would
// cross a level.
func TestNumberFormats(t *testing.T) {
	for _, tc := range []struct {
		name   string
		f      Format
		x      float64
		levels []float64
		want   string
	}{
		{"level every digit", Level, 0.833333333, nil, "0.833333333"},
		{"level no exponent", Level, 0.00001, nil, "0.00001"},
		{"level -0", Level, math.Copysign(0, -1), nil, "0"},
		{"level NaN", Level, math.NaN(), nil, "NaN"},
		{"value 6 decimals", Value, 1.23456789, nil, "1.234568"},
		{"value tiny negative", Value, -0.0000001, nil, "0"},
		{"value keeps its side", Value, 0.8299999, []float64{0.83, 0.85}, "0.8299999 (< 0.83)"},
		{"value -Inf", Value, math.Inf(-1), nil, "-Inf"},
		{"doc 4 decimals", Doc, 0.123456, nil, "0.1235"},
		{"doc -0", Doc, -0.00001, nil, "0"},
		{"table 0", Table, 0, nil, "0"},
		{"table 2.5", Table, 2.5, nil, "2.5"},
		{"table binary noise", Table, 0.020000000000000004, nil, "0.02"},
		{"table 3 decimals", Table, 351.2549, nil, "351.255"},
		{"table small negative", Table, -0.0001, nil, "-0.0001"},
		{"table small keeps 3 digits", Table, 0.004567, nil, "0.00457"},
		{"table NaN", Table, math.NaN(), nil, "n/a"},
		{"table +Inf", Table, math.Inf(1), nil, "+Inf"},
		{"table keeps its side", Table, 0.8299999, []float64{0.83}, "0.8299999 (< 0.83)"},
		{"table falls back to 6 decimals", Table, 0.8296, []float64{0.83}, "0.8296"},
		{"table on its side", Table, 0.8312, []float64{0.83}, "0.831"},
		{"significant", Significant, 1234.56789, nil, "1234.57"},
		{"significant small", Significant, 0.000123456789, nil, "0.000123457"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.f.Format(tc.x, tc.levels...); got != tc.want {
				t.Errorf("%+v.Format(%v, %v) = %q, want %q", tc.f, tc.x, tc.levels, got, tc.want)
			}
		})
	}
}
