package judge

import (
	"fmt"
	"math"

	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/internal/stats"
	"github.com/soakline/soakline/pkg/artifact"
)

const compareMethod = "two-sided Mann-Whitney U test; Hodges-Lehmann shift (current - baseline) with its 1-alpha confidence interval"

// BaselineFromSoak judges a baseline soak with the same policy and options
// and returns its window's values.
func BaselineFromSoak(s *soakdir.Soak, pol *policy.Policy, opts Options) (*Baseline, error) {
	opts.Baseline = nil
	v, err := Evaluate(s, pol, opts)
	if err != nil {
		return nil, err
	}
	return &Baseline{Path: s.Path, Values: v.WindowValues}, nil
}

// BaselineFromVerdict returns the window values a verdict recorded.
func BaselineFromVerdict(path string, v *artifact.Verdict) (*Baseline, error) {
	if len(v.WindowValues) == 0 {
		return nil, fmt.Errorf("%s: the verdict records no window values to compare with (written by an older soak-gate?)", path)
	}
	return &Baseline{Path: path, Values: v.WindowValues}, nil
}

func (e *evaluation) compareCheck(r policy.Rule, sm *sample, b *Baseline) artifact.Check {
	base := b.Values[r.KPI]
	threshold := r.MinEffect
	if r.Direction == policy.AtLeast {
		threshold = -r.MinEffect
	}
	c := artifact.Check{
		Name: compareCheckPrefix + r.KPI, KPI: r.KPI, Statistic: "hodges_lehmann_shift", Direction: r.Direction,
		Threshold: threshold, N: len(sm.vals), WindowFirst: e.v.Window.First, WindowLast: e.v.Window.Last,
	}
	minN := e.pol.Compare.MinSamples
	if len(base) < minN || len(sm.vals) < minN {
		c.Status = artifact.CheckSkip
		c.Reason = fmt.Sprintf("too few samples to tell: baseline n=%d, current n=%d, need %d each", len(base), len(sm.vals), minN)
		return c
	}
	cmp := stats.Compare(base, sm.vals, e.pol.Compare.Alpha, minN)
	c.Value = artifact.F(artifact.Round(cmp.Shift))
	desc := fmt.Sprintf("shift %s [%s, %s] vs baseline (p=%s, n=%d/%d)",
		fmtNum(cmp.Shift), fmtNum(cmp.Lo), fmtNum(cmp.Hi), fmtP(cmp.P), len(base), len(sm.vals))
	worse := cmp.Shift < 0
	if r.Direction == policy.AtMost {
		worse = cmp.Shift > 0
	}
	material := math.Abs(cmp.Shift) >= r.MinEffect
	switch {
	case cmp.Significant && worse && material:
		c.Status = artifact.CheckFail
		c.Reason = fmt.Sprintf("%s: significant regression of at least the minimum effect %s", desc, fmtNum(r.MinEffect))
	case cmp.Significant && worse:
		c.Status = artifact.CheckPass
		c.Reason = fmt.Sprintf("%s: significant but smaller than the minimum effect %s", desc, fmtNum(r.MinEffect))
	case cmp.Significant:
		c.Status = artifact.CheckPass
		c.Reason = desc + ": significant improvement"
	default:
		c.Status = artifact.CheckPass
		c.Reason = desc + ": no significant change"
	}
	return c
}

func fmtP(p float64) string {
	if math.IsNaN(p) {
		return "n/a"
	}
	if p < 0.001 {
		return "<0.001"
	}
	return fmt.Sprintf("%.3f", p)
}
