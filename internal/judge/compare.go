package judge

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/internal/stats"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// How --compare decides, in one line for the verdict's comparison.method.
const compareMethod = "soak-level: this soak's window mean per KPI against the window means of the baseline soaks " +
	"(at least 2 runs of the baseline build), one-sided Student t prediction test in the direction the rule " +
	"calls worse (run-to-run spread estimated from the baseline soaks), Holm correction across the compared KPIs; " +
	"FAIL needs a Holm-adjusted p below alpha and a shift of at least the rule's min_effect"

// MinBaselineRuns is the fewest baseline soaks a comparison runs with: the
// run-to-run spread of a build can only be estimated from two runs or more.
// One soak of each build cannot tell a change of build from the spread
// between two runs of the same build (with the tuner on, the iterations of
// one soak share one tuned parameter set, so they are not independent
// samples of the build and their spread says nothing about it).
const MinBaselineRuns = 2

// Baseline is what --compare compares a soak with: one or more runs
// (soaks) of the baseline build.
type Baseline struct {
	Runs []BaselineRun
	// Digest is the sha256 (hex) of the baseline's data; the verdict
	// records it as settings.compare_baseline. See BaselineDigest.
	Digest string
}

// BaselineRun is one baseline soak reduced to what the comparison reads:
// per KPI, the mean over its judged window and the number of values
// behind it.
type BaselineRun struct {
	Path string
	// Digest is the sha256 (hex) of what the run was read from: the soak
	// directory's or stream's digest, or the snapshot file's bytes.
	Digest string
	// SoakDigest is the digest of the soak the run judged ("" for a
	// Python-toolkit snapshot, which records none).
	SoakDigest string
	// MeansOnly is set when the run came with window means and no
	// per-iteration samples (a Python-toolkit snapshot, or a verdict
	// without window_values); Note says what that limits.
	MeansOnly bool
	Note      string
	// Toolkit is set when the run is the Python toolkit's (a soak of its
	// iterations or its snapshot): a KPI it defines otherwise
	// (toolkitDefinitions) is on another scale than soakline's.
	Toolkit bool
	Means   map[string]float64
	// N is the number of window values behind each mean; 0 when the
	// source does not say.
	N map[string]int
}

// Paths returns the baseline runs' paths, comma-separated.
func (b *Baseline) Paths() string {
	ps := make([]string, len(b.Runs))
	for i, r := range b.Runs {
		ps[i] = r.Path
	}
	return strings.Join(ps, ", ")
}

// BaselineDigest is the digest of a set of baseline runs, independent of
// their order and paths: the run's digest for one run, else the sha256 of
// the sorted run digests, one per line.
func BaselineDigest(runs []BaselineRun) string {
	if len(runs) == 1 {
		return runs[0].Digest
	}
	ds := make([]string, len(runs))
	for i, r := range runs {
		ds[i] = r.Digest
	}
	sort.Strings(ds)
	return artifact.Hash([]byte(strings.Join(ds, "\n") + "\n"))
}

// NewBaseline returns the baseline of runs, with its digest. The runs are
// a set: sorted by path (then digest), so that the order of the --compare
// flags changes neither the verdict's bytes nor its arithmetic.
func NewBaseline(runs []BaselineRun) *Baseline {
	runs = slices.Clone(runs)
	sort.SliceStable(runs, func(i, j int) bool {
		if runs[i].Path != runs[j].Path {
			return runs[i].Path < runs[j].Path
		}
		return runs[i].Digest < runs[j].Digest
	})
	return &Baseline{Runs: runs, Digest: BaselineDigest(runs)}
}

// BaselineFromSoak judges a baseline soak with the same policy and options
// and returns its window means.
func BaselineFromSoak(s *soakdir.Soak, pol *policy.Policy, opts Options) (BaselineRun, error) {
	opts.Baseline = nil
	v, err := Evaluate(s, pol, opts)
	if err != nil {
		return BaselineRun{}, err
	}
	r := BaselineRun{Path: s.Path, Digest: s.Digest, SoakDigest: s.Digest, Means: map[string]float64{}, N: map[string]int{}, Toolkit: toolkitWindow(s, v)}
	for k, xs := range v.WindowValues {
		if len(xs) > 0 {
			r.Means[k], r.N[k] = stats.Mean(xs), len(xs)
		}
	}
	return r, nil
}

// BaselineFromVerdict is the baseline run of a POST_SOAK_SNAPSHOT.json at
// path, whose bytes have the sha256 digest, as internal/legacy read it (v;
// old when it was the Python toolkit's): our verdict's window_values, or
// its kpi_last_n means when it has none; the toolkit's kpi_last_n (or
// kpi_last8) means. Errors name the file.
func BaselineFromVerdict(path, digest string, v *artifact.Verdict, old bool) (BaselineRun, error) {
	r := BaselineRun{Path: path, Digest: digest, Means: map[string]float64{}, N: map[string]int{}, Toolkit: old || v.Source.Legacy}
	if !old {
		r.SoakDigest = v.Source.Digest
		for k, xs := range v.WindowValues {
			if len(xs) > 0 {
				r.Means[k], r.N[k] = stats.Mean(xs), len(xs)
			}
		}
	}
	if len(r.Means) == 0 {
		if old && len(v.KPILastN) == 0 {
			return r, fileerr.Errorf(path, 0, "snapshot: no kpi_last_n means to compare with")
		}
		for k, st := range v.KPILastN {
			if st.Mean != nil && finiteNum(*st.Mean) {
				r.Means[k], r.N[k] = *st.Mean, st.N
			}
		}
		r.MeansOnly = true
		r.Note = path + ": a verdict without window_values: its kpi_last_n means only"
		if old {
			r.Note = path + ": a Python-toolkit snapshot: window means only, no per-iteration samples " +
				"(it counts as one run; its window and warm-up are the toolkit's, not re-judged with this policy)"
		}
	}
	if len(r.Means) == 0 {
		return r, fileerr.Errorf(path, 0, "baseline: no KPI mean to compare with")
	}
	return r, nil
}

// toolkitWindow reports whether the window v judged in s is the Python
// toolkit's iterations.
func toolkitWindow(s *soakdir.Soak, v *artifact.Verdict) bool {
	if len(v.IterationsAnalyzed) == 0 {
		return false
	}
	for _, it := range s.Iterations {
		if slices.Contains(v.IterationsAnalyzed, it.Iteration) && !it.Legacy {
			return false
		}
	}
	return true
}

func finiteNum(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// compareRun is one KPI's comparison before the Holm correction.
type compareRun struct {
	check  artifact.Check
	rule   policy.Rule
	res    stats.PredictResult
	tested bool     // false: the check is already decided (SKIP)
	left   []string // baseline runs left out, with why
}

// compareChecks compares the window with the baseline, one check per KPI
// of the policy (the first rule of a KPI decides its direction and
// min_effect), and records the comparison in the verdict.
func (e *evaluation) compareChecks(b *Baseline, get func(string) *sample) []artifact.Check {
	alpha := e.pol.Compare.Alpha
	e.v.Comparison = &artifact.Comparison{Baseline: b.Paths(), Alpha: alpha, Method: compareMethod}
	for _, r := range b.Runs {
		if r.Note != "" {
			e.v.DataQuality = append(e.v.DataQuality, "compare baseline "+r.Note)
		}
	}
	// 1. One test per KPI, or a SKIP saying why there is none.
	var runs []*compareRun
	seen := map[string]bool{}
	for _, r := range e.pol.KPIs {
		if seen[r.KPI] {
			continue
		}
		seen[r.KPI] = true
		runs = append(runs, e.compareOne(r, get(r.KPI), b))
	}
	// 2. Holm across the KPIs tested.
	ps := make([]float64, len(runs))
	tested := 0
	for i, cr := range runs {
		ps[i] = math.NaN()
		if cr.tested {
			ps[i] = cr.res.P
			tested++
		}
	}
	adj := stats.Holm(ps)
	// 3. Decide: a significant regression at least min_effect large fails.
	out := make([]artifact.Check, len(runs))
	for i, cr := range runs {
		if cr.tested {
			decideCompare(cr, adj[i], tested, alpha)
		}
		out[i] = cr.check
	}
	return out
}

func (e *evaluation) compareOne(r policy.Rule, sm *sample, b *Baseline) *compareRun {
	threshold := r.MinEffect
	if r.Direction == policy.AtLeast {
		threshold = -r.MinEffect
	}
	cr := &compareRun{rule: r, check: artifact.Check{
		Name: compareCheckPrefix + r.KPI, KPI: r.KPI, Statistic: "mean_shift", Direction: r.Direction,
		Threshold: threshold, N: len(sm.vals), WindowFirst: e.v.Window.First, WindowLast: e.v.Window.Last,
	}}
	minN := max(e.pol.Compare.MinSamples, 1)
	var means []float64
	def, differs := toolkitDefinitions[r.KPI]
	for _, run := range b.Runs {
		m, ok := run.Means[r.KPI]
		switch n := run.N[r.KPI]; {
		case !ok:
			cr.left = append(cr.left, run.Path+": no "+r.KPI)
		case differs && (e.toolkit > 0 && e.toolkit < len(e.window) || run.Toolkit != (e.toolkit > 0)):
			cr.left = append(cr.left, fmt.Sprintf("%s: %s on another scale (the Python toolkit's is %s)", run.Path, r.KPI, def))
		case n > 0 && n < minN:
			cr.left = append(cr.left, fmt.Sprintf("%s: n=%d < %d", run.Path, n, minN))
		default:
			means = append(means, m)
		}
	}
	c := &cr.check
	switch {
	case len(sm.vals) < minN:
		c.Status = artifact.CheckSkip
		c.Reason = fmt.Sprintf("too few samples to tell: this soak has n=%d values of %s, need %d (compare.min_samples)", len(sm.vals), r.KPI, minN)
		return cr
	case len(means) < MinBaselineRuns:
		c.Status = artifact.CheckSkip
		c.Reason = fmt.Sprintf("too few baseline soaks to tell: %d usable, need %d or more runs of the baseline build "+
			"(e.g. other seeds): one run cannot tell a change of build from the spread between runs", len(means), MinBaselineRuns)
		if len(cr.left) > 0 {
			c.Reason += " (left out: " + strings.Join(cr.left, "; ") + ")"
		}
		return cr
	}
	alt := stats.Greater
	if r.Direction == policy.AtLeast {
		alt = stats.Less
	}
	cr.res = stats.PredictT(means, stats.Mean(sm.vals), alt)
	cr.tested = true
	c.Value = artifact.F(numfmt.Round(cr.res.Shift) + 0)
	return cr
}

// decideCompare sets the status and reason of a tested comparison.
func decideCompare(cr *compareRun, pAdj float64, m int, alpha float64) {
	r, res, c := cr.rule, cr.res, &cr.check
	worse := res.Shift > 0
	if r.Direction == policy.AtLeast {
		worse = res.Shift < 0
	}
	material := worse && numfmt.CompareLevel(math.Abs(res.Shift), r.MinEffect) >= 0
	significant := pAdj < alpha
	desc := fmt.Sprintf("mean %s vs %s, the mean of %d baseline soaks (sd %s): shift %s; one-sided t=%s, df=%d, p=%s, Holm-adjusted over %d KPIs p=%s %s alpha %s",
		numfmt.Value.Format(res.Cur), numfmt.Value.Format(res.BaseMean), res.K, numfmt.Value.Format(res.BaseSD), signed(res.Shift), numfmt.Value.Format(res.T), int(res.DF),
		FormatP(res.P, alpha), m, FormatP(pAdj, alpha), map[bool]string{true: "<", false: ">="}[significant], numfmt.Value.Format(alpha))
	if len(cr.left) > 0 {
		desc += " (left out: " + strings.Join(cr.left, "; ") + ")"
	}
	switch {
	case significant && material:
		c.Status = artifact.CheckFail
		c.Reason = fmt.Sprintf("%s: significant regression of at least the minimum effect %s", desc, numfmt.Value.Format(r.MinEffect))
	case significant:
		c.Status = artifact.CheckPass
		c.Reason = fmt.Sprintf("%s: significant but smaller than the minimum effect %s", desc, numfmt.Value.Format(r.MinEffect))
	case !worse:
		c.Status = artifact.CheckPass
		c.Reason = desc + ": no regression"
	default:
		c.Status = artifact.CheckPass
		c.Reason = fmt.Sprintf("%s: no significant regression (the smallest shift this comparison could call significant at the Holm level %s is %s)",
			desc, FormatP(alpha/float64(m), alpha), numfmt.Value.Format(detectable(res, alpha/float64(m))))
	}
}

// detectable is the smallest shift that PredictT would call significant at
// level q (the Holm level of the smallest p-value): the one-sided critical
// t times the standard error.
func detectable(res stats.PredictResult, q float64) float64 {
	return stats.StudentTQuantile(q, res.DF) * res.SE
}

func signed(x float64) string {
	s := numfmt.Value.Format(x)
	if x > 0 {
		return "+" + s
	}
	return s
}

// FormatP formats a p-value for people: 4 significant digits, more when
// 4 would round it onto or across alpha, so that the displayed p never
// contradicts "significant" (p < alpha). NaN is "n/a".
func FormatP(p, alpha float64) string {
	if math.IsNaN(p) {
		return "n/a"
	}
	for d := 4; d <= 17; d++ {
		s := strconv.FormatFloat(p, 'g', d, 64)
		q, err := strconv.ParseFloat(s, 64)
		if err == nil && (q < alpha) == (p < alpha) && (q == alpha) == (p == alpha) {
			return s
		}
	}
	return strconv.FormatFloat(p, 'g', -1, 64)
}
