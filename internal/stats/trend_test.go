package stats

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Slopes were checked with Python's statistics.linear_regression.
func TestTrend(t *testing.T) {
	for _, tc := range []struct {
		name string
		xs   []float64
		want TrendResult
	}{
		{"empty", nil, TrendResult{TrendFlat, nan, nan, nan, 0}},
		{"one", []float64{5}, TrendResult{TrendFlat, nan, nan, 5, 1}},
		{"two rising is still flat", []float64{1, 10}, TrendResult{TrendFlat, 9, 9, 5.5, 2}},
		{"up", []float64{1, 3, 2, 5, 6}, TrendResult{TrendUp, 1.2, 4.8, 3.4, 5}},
		{"down", []float64{6, 5, 2, 3, 1}, TrendResult{TrendDown, -1.2, -4.8, 3.4, 5}},
		{"flat noise", []float64{10, 9.9, 10.1, 10}, TrendResult{TrendFlat, 0.02, 0.06, 10, 4}},
		{"constant", []float64{3, 3, 3, 3}, TrendResult{TrendFlat, 0, 0, 3, 4}},
		// Change 0.6 vs threshold 5% of 10 = 0.5.
		{"just over 5 percent", []float64{9.7, 10, 10.3}, TrendResult{TrendUp, 0.3, 0.6, 10, 3}},
		// Change 0.4 < 0.5.
		{"just under 5 percent", []float64{9.8, 10, 10.2}, TrendResult{TrendFlat, 0.2, 0.4, 10, 3}},
		// Mean 0: judged against the 1e-9 floor, not against 0.
		{"zero mean up", []float64{-1, 0, 1}, TrendResult{TrendUp, 1, 2, 0, 3}},
		{"zero mean rounding noise", []float64{-1e-12, 0, 1e-12}, TrendResult{TrendFlat, 1e-12, 2e-12, 0, 3}},
		{"negative mean down", []float64{-10, -11, -12}, TrendResult{TrendDown, -1, -2, -11, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, Trend(tc.xs), approx); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
		})
	}
}
