// Package judge turns a soak and a policy into a verdict. Evaluate is pure:
// it reads nothing but its arguments and knows nothing of flags, files or
// printing, so that soak-gate and soak-reports judge with the same code.
//
// How a soak is judged:
//
//  1. Warm-up: leading iterations are trimmed when the policy or
//     Options.Warmup asks for it — a fixed count (iterations 1..N) or
//     "auto", a MSER truncation (the cut d <= n/2 minimising the squared
//     error of the remaining mean, per policy KPI, taking the latest cut).
//  2. Window: the last Window iterations that remain. Fewer than Window is
//     INCONCLUSIVE, whatever the values say.
//  3. Failed iterations (status "failed") in the window are named and
//     counted against max_failed_iterations; their KPIs are not judged.
//  4. Each KPI rule computes its statistic over the values of the window.
//     A value that is missing, non-finite or out of the KPI's range (a
//     ratio outside [0, 1], a negative latency) is never read as zero: it
//     is named as a data error and the rule's on_missing decides (fail,
//     inconclusive, or skip: judge the others). A sustained rule fails only
//     when the breach is sustained (k consecutive, or k of the last n).
//  5. Delta verification over the whole ledger (see VerifyDeltas).
//  6. With a baseline (two or more baseline soaks), a one-sided test per
//     KPI of this soak's window mean against theirs (see compareChecks);
//     a significant regression at least min_effect large fails.
//
// The verdict is FAIL if any check fails, else INCONCLUSIVE if the window
// is short or any check is inconclusive, else WARN if any check warns,
// else PASS: a short window does not hide a failed check.
//
// A status is decided on the unrounded statistic, means summed with
// compensated summation, and a value within numfmt.LevelTolerance of a
// level is at it (numfmt.CompareLevel). Values stored in the verdict
// and shown in reasons are rounded only as far as that keeps them on
// their side of the levels (numfmt.RoundKeep, numfmt.Value).
//
// LoadPolicy and Evaluate are everything a stage needs to judge exactly
// as soak-gate does: given the same soak, policy file or built-in choice,
// and Options, they give the same verdict, byte for byte once encoded.
// freeze_ready is true exactly when the verdict is PASS: every KPI check
// passed (or was skipped by policy) and the delta checks passed or had
// nothing to verify. No freeze event is required.
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
	"github.com/soakline/soakline/internal/redact"
	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/internal/stats"
	"github.com/soakline/soakline/pkg/artifact"
)

// Options are the per-run choices that are not part of the policy: with
// the policy, exactly soak-gate's flags. The verdict records them in its
// settings, so that any stage given the same soak, policy and options
// (LoadPolicy, then Evaluate) writes the same verdict bytes as soak-gate.
type Options struct {
	Strict bool // delta full-apply ratio threshold: the policy's strict one
	// LastN, when > 0, replaces the policy's window (--last-n).
	LastN int
	// Warmup, when non-nil, replaces the policy's warm-up (--warmup).
	Warmup *policy.Warmup
	// Baseline, when non-nil, adds a comparison check per KPI rule.
	Baseline *Baseline
	// ToolVersion and GeneratedAt are copied into the verdict.
	ToolVersion string
	GeneratedAt string
}

// UseMock reports whether a USE_MOCK environment value selects the
// relaxed mock policy, as every stage reads it: anything but "", "0" and
// "false" (in any case, spaces around ignored).
func UseMock(env string) bool {
	v := strings.TrimSpace(env)
	return v != "" && v != "0" && !strings.EqualFold(v, "false")
}

// LoadPolicy returns the policy soak-gate judges by: the file when one is
// given (--policy), else the built-in one, the relaxed mock policy with
// mock (--mock or USE_MOCK=1). --last-n and --warmup belong in Options,
// where the verdict records them. Errors name the file.
func LoadPolicy(file string, mock bool) (*policy.Policy, error) {
	if file != "" {
		return policy.Load(file)
	}
	return policy.Default(mock), nil
}

// isMockPolicy reports whether pol is the built-in mock policy.
func isMockPolicy(pol *policy.Policy) bool {
	m := policy.Default(true)
	return pol.Source == m.Source && pol.Name == m.Name
}

// Check names that are not per-KPI.
const (
	CheckWindow         = "window"
	CheckFailed         = "failed_iterations"
	CheckDeltaRatio     = "delta_full_apply_ratio"
	CheckDeltaStuck     = "delta_signature_stuck"
	CheckOverridesState = "overrides_soaked"
	compareCheckPrefix  = "compare_"
	maxDataQualityNotes = 20
)

// MaxEvidence is how many iterations a check's evidence and the verdict's
// failed_iterations list at most; the rest are counted, so that neither
// grows with the soak or the window.
const MaxEvidence = 100

// setEvidence sets c's evidence iterations, bounded by MaxEvidence.
func setEvidence(c *artifact.Check, its []int) {
	c.Iterations, c.IterationsOmitted = its[:min(len(its), MaxEvidence)], max(len(its)-MaxEvidence, 0)
}

// Evaluate judges soak by pol. It returns an error only for an invalid
// policy or options; every property of the data is part of the verdict.
func Evaluate(soak *soakdir.Soak, pol *policy.Policy, opts Options) (*artifact.Verdict, error) {
	if pol == nil {
		pol = policy.Default(false)
	}
	if opts.LastN < 0 {
		return nil, fmt.Errorf("last-n must be positive, got %d", opts.LastN)
	}
	if opts.LastN > 0 || opts.Warmup != nil {
		pol = pol.Clone() // never change the caller's policy
		if opts.LastN > 0 {
			pol.Window = opts.LastN
		}
		if opts.Warmup != nil {
			if opts.Warmup.N < 0 {
				return nil, fmt.Errorf("warmup must be >= 0, got %d", opts.Warmup.N)
			}
			pol.Warmup = *opts.Warmup
		}
	}
	if err := pol.Validate(); err != nil {
		return nil, fmt.Errorf("policy %s: %w", pol.Source, err)
	}
	e := &evaluation{soak: soak, pol: pol, opts: opts}
	return e.run(), nil
}

type evaluation struct {
	soak *soakdir.Soak
	pol  *policy.Policy
	opts Options

	v       *artifact.Verdict
	window  []*artifact.IterationSummary // judged iterations, failed ones included
	dataErr []string
	// rules are the policy's KPI rules as the window is judged by them;
	// offScale and scaled say which judge a KPI the Python toolkit defines
	// otherwise (scale.go).
	rules    []policy.Rule
	offScale map[string]string
	scaled   map[string]string
	toolkit  int // the window's iterations of the Python toolkit
}

// sample is one KPI over the window: the usable values with their
// iterations, and the iterations where it was missing or unusable.
type sample struct {
	vals    []float64
	iters   []int
	missing []int
	// ok[i] reports whether window position i has a usable value; failed
	// iterations are neither usable nor missing.
	ok  []bool
	val []float64
}

func (e *evaluation) run() *artifact.Verdict {
	s, pol := e.soak, e.pol
	v := &artifact.Verdict{
		SchemaVersion:   artifact.SchemaVersion,
		Kind:            artifact.KindVerdict,
		IterationsTotal: len(s.Iterations),
		Policy: artifact.Policy{
			Name:   pol.Name,
			Source: pol.Source,
			Digest: pol.Digest(),
			Strict: e.opts.Strict,
		},
		Settings: artifact.Settings{
			Strict: e.opts.Strict,
			Mock:   isMockPolicy(pol),
			LastN:  e.opts.LastN,
		},
		Source: artifact.Source{Path: s.Path, Legacy: s.Legacy, Digest: s.Digest,
			LedgerDigest: s.LedgerDigest, OverridesDigest: s.OverridesDigest},
		ToolVersion: e.opts.ToolVersion,
		GeneratedAt: e.opts.GeneratedAt,
	}
	if e.opts.Warmup != nil {
		v.Settings.Warmup = e.opts.Warmup.String()
	}
	if e.opts.Baseline != nil {
		v.Settings.CompareBaseline = e.opts.Baseline.Digest
	}
	e.v = v
	v.DataQuality = append(v.DataQuality, s.Warnings...)

	// 1. Warm-up trimming.
	rest, cut, how := e.trimWarmup(s.Iterations)
	v.Window.WarmupCut, v.Window.Warmup = cut, how
	if how != "" && cut > 0 {
		v.DataQuality = append(v.DataQuality, fmt.Sprintf("warm-up (%s): iterations up to %d trimmed", how, cut))
	}

	// 2. The window.
	w := pol.Window
	if len(rest) > w {
		e.window = rest[len(rest)-w:]
	} else {
		e.window = rest
	}
	v.Window.Size = w
	v.Window.N = len(e.window)
	v.IterationsAnalyzed = make([]int, len(e.window))
	for i, it := range e.window {
		v.IterationsAnalyzed[i] = it.Iteration
	}
	if len(e.window) > 0 {
		v.Window.First = e.window[0].Iteration
		v.Window.Last = e.window[len(e.window)-1].Iteration
	}
	v.Checks = append(v.Checks, e.windowCheck(len(rest), cut))
	e.scaleRules()

	// 3. Failed iterations.
	v.Checks = append(v.Checks, e.failedCheck())

	// 4. KPI rules, on samples shared with the statistics below.
	samples := map[string]*sample{}
	get := func(kpi string) *sample {
		if sm, ok := samples[kpi]; ok {
			return sm
		}
		sm := e.sample(kpi)
		samples[kpi] = sm
		return sm
	}
	for _, r := range e.rules {
		c := e.ruleCheck(r, get(r.KPI))
		if c.Status == artifact.CheckPass || c.Status == artifact.CheckWarn {
			v.PassCountLastN++ // a goal met, in the legacy sense
		}
		v.Checks = append(v.Checks, c)
	}

	// 5. Delta verification.
	dv := verifyDeltas(s, pol.Delta.MinRatio(e.opts.Strict), pol.Delta.MaxSignatureStuck)
	v.Checks = append(v.Checks, deltaChecks(dv, e.opts.Strict)...)
	if c, ok := overridesSoaked(s, pol.Delta.OnOverridesChanged); ok {
		v.Checks = append(v.Checks, c)
	}
	boundPairs(dv)
	src := v.Source
	dv.Source, dv.PolicyDigest = &src, v.Policy.Digest
	v.DeltaVerification = dv
	v.DataQuality = append(v.DataQuality, ledgerDivergence(s)...)
	v.Checks = append(v.Checks, e.adoptionChecks()...) // 5a. the overrides adopted (adopted.go)

	// 6. Baseline comparison.
	if b := e.opts.Baseline; b != nil {
		v.Checks = append(v.Checks, e.compareChecks(b, get)...)
	}

	// Statistics, window values, pass count and signals.
	v.KPILastN = map[string]artifact.KPIStats{}
	v.WindowValues = map[string][]float64{}
	inPolicy := map[string]bool{}
	for _, r := range e.rules {
		inPolicy[r.KPI] = true
	}
	for _, name := range artifact.KPINames {
		sm := get(name)
		if len(sm.vals) == 0 && !inPolicy[name] {
			continue
		}
		st := Describe(sm.vals)
		keepLevels(&st, name, sm.vals, e.rules)
		v.KPILastN[name] = st
		if len(sm.vals) > 0 {
			v.WindowValues[name] = roundAll(sm.vals)
		}
	}
	var before []string
	v.KPIAll, before = allStats(s.Iterations, inPolicy, v.Window.First)
	e.dataErr = append(e.dataErr, before...)
	v.PassIterationsLastN = e.passCount(get)
	e.signals(get)
	v.DataQuality = append(v.DataQuality, capNotes(e.dataErr)...)
	failed := failedIn(e.window)
	v.FailedIterations, v.FailedIterationsCount = failed[:min(len(failed), MaxEvidence)], len(failed)

	e.decide()
	return v
}

// trimWarmup returns the iterations after the warm-up, the last trimmed
// iteration number and how the cut was chosen.
func (e *evaluation) trimWarmup(its []*artifact.IterationSummary) ([]*artifact.IterationSummary, int, string) {
	wu := e.pol.Warmup
	switch {
	case wu.Auto:
		d := autoWarmup(its, e.pol.KPIs)
		if d == 0 {
			return its, 0, "auto"
		}
		return its[d:], its[d-1].Iteration, "auto"
	case wu.N > 0:
		i := sort.Search(len(its), func(i int) bool { return its[i].Iteration > wu.N })
		return its[i:], wu.N, "fixed"
	}
	return its, 0, ""
}

// autoWarmup returns how many leading iterations to trim: for each policy
// KPI, the MSER truncation point d in [0, n/2] over its usable values
// minimising Σ(x_i - mean)² / (n-d)² over the remaining values; the
// largest d (mapped back to a position in its) wins.
func autoWarmup(its []*artifact.IterationSummary, rules []policy.Rule) int {
	best := 0
	seen := map[string]bool{}
	for _, r := range rules {
		if seen[r.KPI] {
			continue
		}
		seen[r.KPI] = true
		var xs []float64
		var pos []int
		for i, it := range its {
			if it.Status == artifact.StatusFailed {
				continue
			}
			if x, ok := usable(it, r.KPI); ok {
				xs = append(xs, x)
				pos = append(pos, i)
			}
		}
		n := len(xs)
		if n < 4 {
			continue
		}
		// Welford's update from the end gives every candidate's squared
		// error in O(1), exactly zero for constant data.
		sse := make([]float64, n)
		var mean, m2 float64
		for i := n - 1; i >= 0; i-- {
			k := float64(n - i)
			d := xs[i] - mean
			mean += d / k
			m2 += d * (xs[i] - mean)
			sse[i] = m2
		}
		bestD, bestV := 0, sse[0]/float64(n*n)
		for d := 1; d <= n/2; d++ {
			m := float64(n - d)
			// A cut must improve the criterion by more than rounding noise.
			if val := sse[d] / (m * m); val < bestV-1e-9*bestV {
				bestD, bestV = d, val
			}
		}
		if bestD > 0 && pos[bestD-1]+1 > best {
			best = pos[bestD-1] + 1
		}
	}
	return best
}

func (e *evaluation) windowCheck(remaining, cut int) artifact.Check {
	w := e.pol.Window
	n := len(e.window)
	c := artifact.Check{
		Name: CheckWindow, Statistic: "count", Direction: policy.AtLeast,
		Threshold: float64(w), Value: artifact.F(float64(n)), N: n,
		WindowFirst: e.v.Window.First, WindowLast: e.v.Window.Last,
	}
	switch {
	case n >= w:
		c.Status = artifact.CheckPass
		c.Reason = fmt.Sprintf("%d iterations judged (%s)", n, span(c.WindowFirst, c.WindowLast))
	case n == 0 && len(e.soak.Iterations) == 0:
		c.Status = artifact.CheckInconclusive
		c.Reason = fmt.Sprintf("no iterations found; the window needs %d", w)
	default:
		c.Status = artifact.CheckInconclusive
		c.Reason = fmt.Sprintf("only %d of the %d iterations the window needs", remaining, w)
		if cut > 0 {
			c.Reason += fmt.Sprintf(" after the warm-up cut at iteration %d", cut)
		}
	}
	return c
}

func failedIn(its []*artifact.IterationSummary) []int {
	var out []int
	for _, it := range its {
		if it.Status == artifact.StatusFailed {
			out = append(out, it.Iteration)
		}
	}
	return out
}

func (e *evaluation) failedCheck() artifact.Check {
	failed := failedIn(e.window)
	max := e.pol.MaxFailedIterations
	c := artifact.Check{
		Name: CheckFailed, Statistic: "count", Direction: policy.AtMost,
		Threshold: float64(max), Value: artifact.F(float64(len(failed))), N: len(e.window),
		WindowFirst: e.v.Window.First, WindowLast: e.v.Window.Last, Status: artifact.CheckPass,
	}
	setEvidence(&c, failed)
	if len(failed) > max {
		c.Status = artifact.CheckFail
		var why []string
		for _, it := range e.window {
			if it.Status == artifact.StatusFailed && len(why) < 3 {
				r := "no reason recorded"
				if it.Failure != nil && it.Failure.Reason != "" {
					r = oneLine(redact.Text(it.Failure.Reason)) // a soak written elsewhere may carry a credential
				}
				why = append(why, fmt.Sprintf("%d: %s", it.Iteration, r))
			}
		}
		c.Reason = fmt.Sprintf("%d failed iteration(s) in the window, at most %d allowed (%s)", len(failed), max, strings.Join(why, "; "))
	} else if len(failed) > 0 {
		c.Reason = fmt.Sprintf("%d failed iteration(s) (%s), at most %d allowed", len(failed), joinInts(failed, 8), max)
	} else {
		c.Reason = "no failed iterations in the window"
	}
	return c
}

// usable returns the KPI of an iteration when it is measured, finite and
// in range.
func usable(it *artifact.IterationSummary, kpi string) (float64, bool) {
	x, ok := it.Summary.KPI(kpi)
	if !ok || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, false
	}
	lo, hi := artifact.KPIRange(kpi)
	if x < lo || x > hi {
		return 0, false
	}
	return x, true
}

// sample collects kpi over the window, recording data errors once.
func (e *evaluation) sample(kpi string) *sample {
	sm := &sample{ok: make([]bool, len(e.window)), val: make([]float64, len(e.window))}
	lo, hi := artifact.KPIRange(kpi)
	for i, it := range e.window {
		if it.Status == artifact.StatusFailed {
			continue
		}
		x, measured := it.Summary.KPI(kpi)
		switch {
		case !measured:
			sm.missing = append(sm.missing, it.Iteration)
			continue
		case math.IsNaN(x) || math.IsInf(x, 0):
			e.dataErr = append(e.dataErr, fmt.Sprintf("iteration %d: %s is %s, not a number", it.Iteration, kpi, numfmt.Value.Format(x)))
			sm.missing = append(sm.missing, it.Iteration)
			continue
		case x < lo || x > hi:
			e.dataErr = append(e.dataErr, fmt.Sprintf("iteration %d: %s = %s is outside its range %s", it.Iteration, kpi, numfmt.Value.Format(x), rangeText(lo, hi)))
			sm.missing = append(sm.missing, it.Iteration)
			continue
		}
		sm.vals = append(sm.vals, x)
		sm.iters = append(sm.iters, it.Iteration)
		sm.ok[i], sm.val[i] = true, x
	}
	return sm
}

func rangeText(lo, hi float64) string {
	if math.IsInf(hi, 1) {
		return "[" + numfmt.Value.Format(lo) + ", ∞)"
	}
	return "[" + numfmt.Value.Format(lo) + ", " + numfmt.Value.Format(hi) + "]"
}

// Statistic computes a policy statistic over xs (NaN when xs is empty).
func Statistic(stat string, xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	switch stat {
	case policy.StatMean:
		return stats.Mean(xs)
	case policy.StatMedian:
		return stats.Median(xs)
	case policy.StatMin:
		return stats.Min(xs)
	case policy.StatMax:
		return stats.Max(xs)
	case policy.StatLast:
		return xs[len(xs)-1]
	}
	if p, ok := policy.Quantile(stat); ok {
		return stats.Quantile(xs, p)
	}
	return math.NaN()
}

func (e *evaluation) ruleCheck(r policy.Rule, sm *sample) (c artifact.Check) {
	c = artifact.Check{
		Name: r.CheckName(), KPI: r.KPI, Statistic: r.Statistic, Direction: r.Direction,
		Threshold: r.Fail, Warn: r.Warn, N: len(sm.vals),
		WindowFirst: e.v.Window.First, WindowLast: e.v.Window.Last,
		Sustained: r.Sustained.String(),
	}
	if why, off := e.offScale[c.Name]; off {
		c.Status, c.Reason = artifact.CheckInconclusive, why
		return c
	}
	defer func() { c.Reason += e.scaled[c.Name] }()
	var value float64
	if len(sm.vals) > 0 {
		value = Statistic(r.Statistic, sm.vals)
		c.Value = artifact.F(numfmt.RoundKeep(value, numfmt.Levels(&c)...))
	}
	where := span(c.WindowFirst, c.WindowLast)
	missingNote := ""
	if len(sm.missing) > 0 {
		setEvidence(&c, sm.missing)
		missingNote = fmt.Sprintf("%s missing or unusable in iteration(s) %s", r.KPI, joinInts(sm.missing, 8))
		switch r.OnMissing {
		case policy.OnMissingFail:
			c.Status = artifact.CheckFail
			c.Reason = missingNote + " (on_missing: fail)"
			return c
		case policy.OnMissingInconclusive:
			c.Status = artifact.CheckInconclusive
			c.Reason = missingNote + " (on_missing: inconclusive)"
			return c
		}
		missingNote += " (skipped); "
	}
	if len(sm.vals) == 0 {
		if len(sm.missing) > 0 {
			c.Status = artifact.CheckSkip
			c.Reason = fmt.Sprintf("%s not measured in any usable iteration of %s (on_missing: skip)", r.KPI, where)
		} else {
			c.Status = artifact.CheckInconclusive
			c.Reason = fmt.Sprintf("no iteration of %s to judge %s on", where, r.KPI)
		}
		return c
	}
	if r.Sustained != nil {
		e.sustained(&c, r, sm, missingNote)
		return c
	}
	desc := fmt.Sprintf("%s%s %s over %s (n=%d)", missingNote, r.Statistic, numfmt.Value.Format(value, numfmt.Levels(&c)...), where, len(sm.vals))
	switch {
	case breaches(r, value, r.Fail):
		c.Status = artifact.CheckFail
		c.Reason = fmt.Sprintf("%s is %s the fail level %s", desc, worse(r), numfmt.Level.Format(r.Fail))
	case r.Warn != nil && breaches(r, value, *r.Warn):
		c.Status = artifact.CheckWarn
		c.Reason = fmt.Sprintf("%s is %s the warn level %s (fail level %s)", desc, worse(r), numfmt.Level.Format(*r.Warn), numfmt.Level.Format(r.Fail))
	default:
		c.Status = artifact.CheckPass
		c.Reason = fmt.Sprintf("%s meets %s %s", desc, r.Direction, numfmt.Level.Format(r.Fail))
		if r.Warn != nil {
			c.Reason += fmt.Sprintf(" (warn level %s)", numfmt.Level.Format(*r.Warn))
		}
	}
	return c
}

// breaches reports whether v fails to meet level in the rule's direction,
// on the unrounded value; a value within numfmt.LevelTolerance of the
// level meets it (see numfmt.CompareLevel).
func breaches(r policy.Rule, v, level float64) bool { return !numfmt.Meets(v, r.Direction, level) }

func worse(r policy.Rule) string {
	if r.Direction == policy.AtLeast {
		return "below"
	}
	return "above"
}

// sustained judges a rule iteration by iteration.
func (e *evaluation) sustained(c *artifact.Check, r policy.Rule, sm *sample, note string) {
	hit := func(level float64) ([]int, bool) {
		s := r.Sustained
		var evidence []int
		if s.Consecutive > 0 {
			run, best := []int{}, []int{}
			for i, it := range e.window {
				if sm.ok[i] && breaches(r, sm.val[i], level) {
					run = append(run, it.Iteration)
					if len(run) > len(best) {
						best = slices.Clone(run)
					}
				} else {
					run = run[:0]
				}
			}
			return best, len(best) >= s.Consecutive
		}
		from := max(len(e.window)-s.N, 0)
		for i := from; i < len(e.window); i++ {
			if sm.ok[i] && breaches(r, sm.val[i], level) {
				evidence = append(evidence, e.window[i].Iteration)
			}
		}
		return evidence, len(evidence) >= s.K
	}
	rule := r.Sustained.String()
	failIts, failHit := hit(r.Fail)
	setEvidence(c, failIts)
	stat := fmt.Sprintf("%s %s over %s", r.Statistic, numfmt.CheckValue(c), span(c.WindowFirst, c.WindowLast))
	switch {
	case failHit:
		c.Status = artifact.CheckFail
		c.Reason = fmt.Sprintf("%s%s %s the fail level %s in %d iteration(s) (%s), sustained rule %s met; %s",
			note, r.KPI, worseVerb(r), numfmt.Level.Format(r.Fail), len(failIts), joinInts(failIts, 8), rule, stat)
		return
	}
	if r.Warn != nil {
		if warnIts, warnHit := hit(*r.Warn); warnHit {
			c.Status = artifact.CheckWarn
			setEvidence(c, warnIts)
			c.Reason = fmt.Sprintf("%s%s %s the warn level %s in %d iteration(s) (%s), sustained rule %s met; %s",
				note, r.KPI, worseVerb(r), numfmt.Level.Format(*r.Warn), len(warnIts), joinInts(warnIts, 8), rule, stat)
			return
		}
	}
	c.Status = artifact.CheckPass
	if len(failIts) > 0 {
		c.Reason = fmt.Sprintf("%s%s %s the fail level %s in %d iteration(s) (%s), not sustained (%s); %s",
			note, r.KPI, worseVerb(r), numfmt.Level.Format(r.Fail), len(failIts), joinInts(failIts, 8), rule, stat)
	} else {
		c.Reason = fmt.Sprintf("%s%s never %s the fail level %s; %s", note, r.KPI, worseVerb(r), numfmt.Level.Format(r.Fail), stat)
	}
}

func worseVerb(r policy.Rule) string {
	if r.Direction == policy.AtLeast {
		return "fell below"
	}
	return "exceeded"
}

// passCount counts the window's iterations in which every KPI rule's
// per-iteration value met its fail level; a failed iteration or a missing
// value does not pass.
func (e *evaluation) passCount(get func(string) *sample) int {
	n := 0
	for i, it := range e.window {
		if it.Status == artifact.StatusFailed {
			continue
		}
		pass := true
		for _, r := range e.rules {
			sm := get(r.KPI)
			if _, off := e.offScale[r.CheckName()]; off || !sm.ok[i] || breaches(r, sm.val[i], r.Fail) {
				pass = false
				break
			}
		}
		if pass {
			n++
		}
	}
	return n
}

// Describe returns the statistics of xs, rounded to 6 decimals.
func Describe(xs []float64) artifact.KPIStats {
	st := artifact.KPIStats{N: len(xs)}
	if len(xs) == 0 {
		return st
	}
	f := func(x float64) *float64 { return artifact.F(numfmt.Round(x) + 0) } // + 0 turns -0 into 0
	st.Mean = f(stats.Mean(xs))
	st.Median = f(stats.Median(xs))
	st.Min = f(stats.Min(xs))
	st.Max = f(stats.Max(xs))
	tr := stats.Trend(xs)
	st.Trend = tr.Direction
	if !math.IsNaN(tr.Slope) {
		st.Slope = f(tr.Slope)
	}
	return st
}

// keepLevels keeps the statistics of kpi_last_n of a KPI that a rule
// judges on the side of the rule's levels the unrounded value is on
// (numfmt.RoundKeep): a mean of 0.8299999 that fails ">= 0.83" is not
// shown as 0.83 there either, and neither are its median, minimum and
// maximum, which the reports show beside the check's status.
func keepLevels(st *artifact.KPIStats, kpi string, xs []float64, rules []policy.Rule) {
	if len(xs) == 0 {
		return
	}
	var levels []float64
	for _, r := range rules {
		if r.KPI != kpi {
			continue
		}
		levels = append(levels, r.Fail)
		if r.Warn != nil {
			levels = append(levels, *r.Warn)
		}
	}
	if len(levels) == 0 {
		return
	}
	for _, sp := range []struct {
		stat string
		p    **float64
	}{{policy.StatMean, &st.Mean}, {policy.StatMedian, &st.Median}, {policy.StatMin, &st.Min}, {policy.StatMax, &st.Max}} {
		if *sp.p == nil {
			continue
		}
		if kept := numfmt.RoundKeep(Statistic(sp.stat, xs), levels...) + 0; kept != **sp.p {
			*sp.p = artifact.F(kept)
		}
	}
}

// allStats describes every KPI over all iterations (kpi_all). Unusable
// values (non-finite, out of range) are left out, as in the window; those
// before the window first, which the window's samples do not see, are
// returned as data-quality notes (windowFirst 0: an empty window, all).
func allStats(its []*artifact.IterationSummary, inPolicy map[string]bool, windowFirst int) (map[string]artifact.KPIStats, []string) {
	var notes []string
	type column struct {
		lo, hi float64
		xs     []float64
	}
	cols := make([]column, len(artifact.KPIs))
	for k, def := range artifact.KPIs {
		cols[k].lo, cols[k].hi = def.Lo, def.Hi
	}
	// One pass over the iterations, every KPI of a summary while it is in
	// cache, rather than one pass per KPI (usable, inlined by hand).
	for _, it := range its {
		if it.Status == artifact.StatusFailed {
			continue
		}
		for k := range artifact.KPIs {
			name := artifact.KPIs[k].Name
			x, ok := artifact.KPIs[k].Value(&it.Summary)
			if !ok {
				continue
			}
			if math.IsNaN(x) || math.IsInf(x, 0) || x < cols[k].lo || x > cols[k].hi {
				if windowFirst == 0 || it.Iteration < windowFirst {
					notes = append(notes, unusableNote(it.Iteration, name, x, cols[k].lo, cols[k].hi)+" (before the judged window; left out of kpi_all)")
				}
				continue
			}
			if cols[k].xs == nil {
				cols[k].xs = make([]float64, 0, len(its))
			}
			cols[k].xs = append(cols[k].xs, x)
		}
	}
	out := map[string]artifact.KPIStats{}
	for k, name := range artifact.KPINames {
		if len(cols[k].xs) == 0 && !inPolicy[name] {
			continue
		}
		out[name] = Describe(cols[k].xs)
	}
	return out, notes
}

// unusableNote names a non-finite or out-of-range KPI value.
func unusableNote(iteration int, kpi string, x, lo, hi float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return fmt.Sprintf("iteration %d: %s is %s, not a number", iteration, kpi, numfmt.Value.Format(x))
	}
	return fmt.Sprintf("iteration %d: %s = %s is outside its range %s", iteration, kpi, numfmt.Value.Format(x), rangeText(lo, hi))
}

// signals fills the values the Prometheus exporter and reports show.
func (e *evaluation) signals(get func(string) *sample) {
	v := e.v
	var pos []float64
	for _, x := range get("maker_taker_ratio").vals {
		if x > 0 {
			pos = append(pos, x)
		}
	}
	if len(pos) > 0 {
		v.MakerTakerHMean = artifact.F(numfmt.Round(stats.HarmonicMean(pos)))
	}
	// maker_share_pct has one definition: the mean over the judged window
	// of the iterations' maker_share_pct KPI, the very number of
	// kpi_last_n.maker_share_pct.mean (and of the Prometheus series of both
	// names). The share pooled over the window's fills is another
	// aggregate and has another name: maker_taker_ratio_pooled.
	if st, ok := v.KPILastN["maker_share_pct"]; ok && st.Mean != nil {
		v.MakerSharePct = artifact.F(*st.Mean)
	}
	var mv, tv float64
	var mc, tc int64
	for _, it := range e.window {
		if it.Status == artifact.StatusFailed || it.Summary.Fills == nil {
			continue
		}
		f := it.Summary.Fills
		mv, tv, mc, tc = mv+f.MakerVolume, tv+f.TakerVolume, mc+f.MakerCount, tc+f.TakerCount
	}
	switch {
	case mv >= 0 && tv >= 0 && mv+tv > 0 && !math.IsInf(mv+tv, 0):
		v.MakerTakerPooled, v.MakerTakerPooledSource = artifact.F(numfmt.Round(mv/(mv+tv))), "fills_volume"
	case mc >= 0 && tc >= 0 && mc+tc > 0:
		v.MakerTakerPooled, v.MakerTakerPooledSource = artifact.F(numfmt.Round(float64(mc)/float64(mc+tc))), "fills_count"
	}
	if last := lastTuning(e.soak); last != nil {
		v.FrozenSubsystems = slices.Clone(last.Frozen)
		// A full freeze (frozen ["all"], guard "freeze") is not a partial
		// one: only a frozen subsystem or the partial_freeze guard is.
		v.PartialFreezeActive = slices.ContainsFunc(last.Frozen, func(s string) bool { return s != "all" }) || slices.Contains(last.Guards, "partial_freeze")
	}
}

func lastTuning(s *soakdir.Soak) *artifact.Tuning {
	if s.Report != nil && len(s.Report.Iterations) > 0 {
		return &s.Report.Iterations[len(s.Report.Iterations)-1]
	}
	for i := len(s.Iterations) - 1; i >= 0; i-- {
		if t := s.Iterations[i].Tuning; t != nil {
			return t
		}
	}
	return nil
}

// decide sets the verdict, its reason and freeze_ready from the checks:
// FAIL if any check failed, else INCONCLUSIVE if any was inconclusive
// (a short window among them), else WARN if any warned, else PASS. The
// reason names the checks of the verdict's status first, then the
// inconclusive ones a FAIL outranked.
func (e *evaluation) decide() {
	v := e.v
	var fails, incs, warns, skips []artifact.Check
	for _, c := range v.Checks {
		switch c.Status {
		case artifact.CheckFail:
			fails = append(fails, c)
		case artifact.CheckInconclusive:
			incs = append(incs, c)
		case artifact.CheckWarn:
			warns = append(warns, c)
		case artifact.CheckSkip:
			skips = append(skips, c)
		}
	}
	switch {
	case len(fails) > 0:
		v.Verdict = artifact.VerdictFail
		v.Reason = summarize(fails, len(v.Checks), "failed")
		if len(incs) > 0 {
			v.Reason += "; also inconclusive: " + names(incs)
		}
	case len(incs) > 0:
		v.Verdict = artifact.VerdictInconclusive
		if incs[0].Name == CheckWindow {
			v.Reason = "window: " + incs[0].Reason
			if len(incs) > 1 {
				v.Reason += "; also inconclusive: " + names(incs[1:])
			}
		} else {
			v.Reason = summarize(incs, len(v.Checks), "inconclusive")
		}
	case len(warns) > 0:
		v.Verdict = artifact.VerdictWarn
		v.Reason = summarize(warns, len(v.Checks), "warned")
	default:
		v.Verdict = artifact.VerdictPass
		v.Reason = fmt.Sprintf("all %d checks passed over %s", len(v.Checks)-len(skips), span(v.Window.First, v.Window.Last))
		if len(skips) > 0 {
			v.Reason += "; skipped: " + names(skips)
		}
	}
	v.FreezeReady = v.Verdict == artifact.VerdictPass
}

// names lists the checks' names.
func names(cs []artifact.Check) string {
	ns := make([]string, len(cs))
	for i, c := range cs {
		ns[i] = c.Name
	}
	return strings.Join(ns, ", ")
}

func summarize(cs []artifact.Check, total int, verb string) string {
	parts := make([]string, 0, 3)
	for i, c := range cs {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(cs)-3))
			break
		}
		parts = append(parts, c.Name+": "+c.Reason)
	}
	return fmt.Sprintf("%d of %d checks %s: %s", len(cs), total, verb, strings.Join(parts, "; "))
}

func span(first, last int) string {
	switch {
	case first == 0 && last == 0:
		return "no iterations"
	case first == last:
		return fmt.Sprintf("iteration %d", first)
	}
	return fmt.Sprintf("iterations %d-%d", first, last)
}

func joinInts(xs []int, limit int) string {
	parts := make([]string, 0, min(len(xs), limit)+1)
	for i, x := range xs {
		if i == limit {
			parts = append(parts, fmt.Sprintf("and %d more", len(xs)-limit))
			break
		}
		parts = append(parts, strconv.Itoa(x))
	}
	return strings.Join(parts, ", ")
}

func roundAll(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = numfmt.Round(x)
	}
	return out
}

func capNotes(ns []string) []string {
	if len(ns) <= maxDataQualityNotes {
		return ns
	}
	out := slices.Clone(ns[:maxDataQualityNotes])
	return append(out, fmt.Sprintf("and %d more data errors", len(ns)-maxDataQualityNotes))
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
