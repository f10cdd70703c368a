package judge

import (
	"testing"

	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/pkg/artifact"
)

// TestMakerTakerHMeanDefinition pins maker_taker_ratio_hmean's documented
// definition (issue 13 item 8): the unweighted harmonic mean of the judged
// window's non-zero maker_taker_ratio values — not weighted by volume or
// fills, a 0 left out (it would make the mean 0), the iterations before the
// window not counted.
func TestMakerTakerHMeanDefinition(t *testing.T) {
	ratios := []float64{0.1, 0.1, 0.8, 0.9, 0, 0.6, 0.75, 0.9, 0.85, 0.7} // the window is the last 8
	s := soakOf(len(ratios), func(i int, it *artifact.IterationSummary) {
		it.Summary.MakerTakerRatio = artifact.F(ratios[i-1])
		it.Summary.Fills = &artifact.Fills{MakerCount: int64(10 * i), TakerCount: 1, MakerVolume: float64(100 * i), TakerVolume: 1}
	})
	v, err := Evaluate(s, policy.Default(true), Options{ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	var inv float64
	var n int
	for _, x := range ratios[2:] {
		if x > 0 {
			inv += 1 / x
			n++
		}
	}
	want := numfmt.Round(float64(n) / inv)
	if v.MakerTakerHMean == nil || *v.MakerTakerHMean != want {
		t.Errorf("maker_taker_ratio_hmean = %v, want %v (unweighted, non-zero values of the window)", v.MakerTakerHMean, want)
	}
}
