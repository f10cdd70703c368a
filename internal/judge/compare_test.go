package judge

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/pkg/artifact"
)

func TestCompare(t *testing.T) {
	netSeries := func(base float64) func(i int, it *artifact.IterationSummary) {
		return func(i int, it *artifact.IterationSummary) {
			it.Summary.NetBps = artifact.F(base + 0.05*float64(i%4))
		}
	}
	baseline := soakOf(8, netSeries(5))
	pol := policy.Default(false)
	b, err := BaselineFromSoak(baseline, pol, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		cur   float64
		base  *Baseline
		want  string
		value *float64
	}{
		{name: "no change", cur: 5, base: b, want: "PASS", value: artifact.F(0)},
		{name: "significant and material regression", cur: 3, base: b, want: "FAIL", value: artifact.F(-2)},
		{name: "significant but below the minimum effect", cur: 4.7, base: b, want: "PASS", value: artifact.F(-0.3)},
		{name: "improvement", cur: 8, base: b, want: "PASS", value: artifact.F(3)},
		{name: "too few samples to tell", cur: 3, base: &Baseline{Path: "v.json", Values: map[string][]float64{"net_bps": {5, 5, 5}}}, want: "SKIP"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := Evaluate(soakOf(8, netSeries(tc.cur)), pol, Options{Baseline: tc.base})
			if err != nil {
				t.Fatal(err)
			}
			var got artifact.Check
			for _, c := range v.Checks {
				if c.Name == "compare_net_bps" {
					got = c
				}
			}
			if got.Status != tc.want || !cmp.Equal(got.Value, tc.value) {
				t.Errorf("compare_net_bps = %s %v, want %s %v: %s", got.Status, fmtPtr(got.Value), tc.want, fmtPtr(tc.value), got.Reason)
			}
			if v.Comparison == nil || v.Comparison.Baseline != tc.base.Path {
				t.Errorf("comparison not recorded: %+v", v.Comparison)
			}
		})
	}
	// A verdict carries its window values, so it can be a baseline.
	v, _ := Evaluate(baseline, pol, Options{})
	fromVerdict, err := BaselineFromVerdict("v.json", v)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(b.Values, fromVerdict.Values); diff != "" {
		t.Errorf("baseline from verdict differs (-soak +verdict)\n%s", diff)
	}
	if _, err := BaselineFromVerdict("old.json", &artifact.Verdict{}); err == nil {
		t.Errorf("a verdict without window values was accepted as a baseline")
	}
}

func fmtPtr(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
