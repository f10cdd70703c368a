package stats

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		name      string
		base, cur []float64
		alpha     float64
		minN      int
		want      Comparison
	}{
		{"significant shift", seq(1, 5), seq(6, 10), 0.05, 5,
			Comparison{N1: 5, N2: 5, U: 0, P: 2.0 / 252, Shift: 5, Lo: 2, Hi: 8, Significant: true}},
		{"p above alpha", seq(1, 5), seq(6, 10), 0.005, 5,
			Comparison{N1: 5, N2: 5, U: 0, P: 2.0 / 252, Shift: 5, Lo: 1, Hi: 9}},
		{"too few", seq(1, 5), seq(6, 10), 0.05, 6,
			Comparison{N1: 5, N2: 5, U: nan, P: nan, Shift: 5, Lo: 2, Hi: 8, TooFew: true}},
		{"empty base", nil, seq(6, 10), 0.05, 0,
			Comparison{N1: 0, N2: 5, U: nan, P: nan, Shift: nan, Lo: nan, Hi: nan, TooFew: true}},
		{"identical", seq(1, 5), seq(1, 5), 0.05, 3,
			Comparison{N1: 5, N2: 5, U: 12.5, P: 1, Shift: 0, Lo: -3, Hi: 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, Compare(tc.base, tc.cur, tc.alpha, tc.minN), approx); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
		})
	}
}
