package stats

import (
	"math"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Expected values come from an independent Python (stdlib only) script:
// U by counting pairs, the exact p-value by enumerating every placement of
// the xs among the pooled ranks, and the normal approximation by the same
// formula as scipy.stats.mannwhitneyu(use_continuity=True).
func TestMannWhitney(t *testing.T) {
	large1, large2 := largeSamples()
	for _, tc := range []struct {
		name string
		x, y []float64
		want MWResult
	}{
		{"empty x", nil, []float64{1}, MWResult{0, 1, nan, nan, false}},
		{"empty y", []float64{1}, nil, MWResult{1, 0, nan, nan, false}},
		{"disjoint exact 2/252", seq(1, 5), seq(6, 10), MWResult{5, 5, 0, 2.0 / 252, true}},
		{"reversed", seq(6, 10), seq(1, 5), MWResult{5, 5, 25, 2.0 / 252, true}},
		{"interleaved 6x7", []float64{1.1, 2.3, 3.0, 4.5, 6.2, 7.7}, []float64{2.0, 3.5, 5.1, 8.0, 9.3, 10.4, 11.0},
			MWResult{6, 7, 10, 0.13752913752913754, true}},
		{"single each", []float64{3}, []float64{5}, MWResult{1, 1, 0, 1, true}},
		{"ties use normal", []float64{1, 2, 2, 3, 3, 3}, []float64{2, 3, 3, 4, 4, 5}, MWResult{6, 6, 7, 0.07840293453326797, false}},
		{"all tied", []float64{1, 1, 1}, []float64{1, 1}, MWResult{3, 2, 3, 1, false}},
		{"21 values use normal", ramp(21, 1.5, 0), ramp(21, 1.5, 4.25), MWResult{21, 21, 171, 0.2177133653142378, false}},
		{"large with ties", large1, large2, MWResult{50, 60, 1343.5, 0.3489962469558867, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, y := slices.Clone(tc.x), slices.Clone(tc.y)
			if d := cmp.Diff(tc.want, MannWhitney(x, y), approx); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
			if !slices.Equal(x, tc.x) || !slices.Equal(y, tc.y) {
				t.Errorf("input modified")
			}
		})
	}
}

func TestUDist(t *testing.T) {
	// 8x8: P(U <= 10) = 133/12870 by brute-force enumeration in Python.
	dist, total := uDist(8, 8)
	var below float64
	for _, c := range dist[:11] {
		below += c
	}
	if d := cmp.Diff([]float64{133, 12870}, []float64{below, total}); d != "" {
		t.Errorf("8x8 (-want +got)\n%s", d)
	}
	for _, n := range [][2]int{{1, 1}, {3, 7}, {7, 3}, {20, 20}, {20, 13}} {
		dist, total := uDist(n[0], n[1])
		want := math.Round(math.Exp(lchoose(n[0]+n[1], n[0])))
		if total != want {
			t.Errorf("%v: total %v, want C(n1+n2, n1) = %v", n, total, want)
		}
		for u := range dist {
			if dist[u] != dist[len(dist)-1-u] || dist[u] < 1 {
				t.Errorf("%v: distribution not symmetric and positive at u=%d", n, u)
				break
			}
		}
	}
}

func lchoose(n, k int) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}
