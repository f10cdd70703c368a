package judge

import (
	"math"
	"testing"

	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/pkg/artifact"
)

// TestMakerShareOneNumber: the verdict's maker_share_pct is the mean of the
// window's maker_share_pct KPI, the very number of
// kpi_last_n.maker_share_pct.mean and of a rule judging that mean, not the
// share pooled by volume (which was 86.93 against the KPI's 87.16 in issue
// 13); the pooled share is maker_taker_ratio_pooled.
func TestMakerShareOneNumber(t *testing.T) {
	// Per-iteration shares and fills with volumes unequal enough that
	// pooling by volume and averaging the shares differ.
	shares := []float64{80, 90, 85, 95, 70, 88, 92, 86}
	vols := []float64{10, 500, 20, 300, 5, 40, 900, 60}
	s := soakOf(8, func(i int, it *artifact.IterationSummary) {
		it.Summary.MakerSharePct = artifact.F(shares[i-1])
		m := vols[i-1] * shares[i-1] / 100
		it.Summary.Fills = &artifact.Fills{MakerCount: 9, TakerCount: 1, MakerVolume: m, TakerVolume: vols[i-1] - m}
	})
	pol := policy.Default(false)
	pol.KPIs = append(pol.KPIs, policy.Rule{KPI: "maker_share_pct", Statistic: policy.StatMean, Direction: policy.AtLeast, Fail: 50, OnMissing: policy.OnMissingInconclusive})
	if err := pol.Validate(); err != nil {
		t.Fatal(err)
	}
	v, err := Evaluate(s, pol, Options{ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	var sum, mv, tv float64
	for i, x := range shares {
		sum += x
		mv += vols[i] * x / 100
		tv += vols[i] - vols[i]*x/100
	}
	mean, pooled := sum/8, mv/(mv+tv)
	if math.Abs(mean-100*pooled) < 0.5 {
		t.Fatalf("fixture: mean %v and pooled %v should differ", mean, 100*pooled)
	}
	st := v.KPILastN["maker_share_pct"]
	if v.MakerSharePct == nil || st.Mean == nil {
		t.Fatalf("maker_share_pct %v, kpi_last_n mean %v", v.MakerSharePct, st.Mean)
	}
	if *v.MakerSharePct != *st.Mean || *v.MakerSharePct != numfmt.Round(mean) {
		t.Errorf("maker_share_pct = %v, kpi_last_n.maker_share_pct.mean = %v, want both %v", *v.MakerSharePct, *st.Mean, numfmt.Round(mean))
	}
	for _, c := range v.Checks {
		if c.Name == "maker_share_pct_mean" && (c.Value == nil || *c.Value != *v.MakerSharePct) {
			t.Errorf("check maker_share_pct_mean judged %v, the verdict says %v", c.Value, *v.MakerSharePct)
		}
	}
	if v.MakerTakerPooled == nil || *v.MakerTakerPooled != numfmt.Round(pooled) || v.MakerTakerPooledSource != "fills_volume" {
		t.Errorf("maker_taker_ratio_pooled = %v (%s), want %v (fills_volume)", v.MakerTakerPooled, v.MakerTakerPooledSource, numfmt.Round(pooled))
	}
	if v.MakerShareSource != "" {
		t.Errorf("maker_share_source %q is no longer written", v.MakerShareSource)
	}
}

// TestUnusableBeforeWindow: an out-of-range or non-finite KPI before the
// window (a legacy maker_share_pct of 101.5) is left out of kpi_all and
// named in data_quality, as one in the window is.
func TestUnusableBeforeWindow(t *testing.T) {
	s := soakOf(12, func(i int, it *artifact.IterationSummary) {
		it.Summary.MakerSharePct = artifact.F(87)
		switch i {
		case 2:
			it.Summary.MakerSharePct = artifact.F(101.5)
		case 3:
			it.Summary.CancelRatio = artifact.F(math.Inf(1))
		case 11:
			it.Summary.MakerSharePct = artifact.F(-1)
		}
	})
	v, err := Evaluate(s, policy.Default(false), Options{ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"iteration 2: maker_share_pct = 101.5 is outside its range [0, 100] (before the judged window; left out of kpi_all)",
		"iteration 3: cancel_ratio is +Inf, not a number (before the judged window; left out of kpi_all)",
		"iteration 11: maker_share_pct = -1 is outside its range [0, 100]",
	} {
		if !slicesContain(v.DataQuality, want) {
			t.Errorf("data_quality lacks %q: %q", want, v.DataQuality)
		}
	}
	if n := v.KPIAll["maker_share_pct"].N; n != 10 {
		t.Errorf("kpi_all maker_share_pct n = %d, want 10 (101.5 and -1 are missing)", n)
	}
	for _, n := range v.DataQuality {
		if n == "iteration 11: maker_share_pct = -1 is outside its range [0, 100] (before the judged window; left out of kpi_all)" {
			t.Errorf("a window value is named as before the window: %q", n)
		}
	}
}
