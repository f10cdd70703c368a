// Package policy defines what soak-gate judges: the window of iterations, a
// rule per KPI (statistic, direction, fail and warn levels, what to do when
// the KPI is missing, an optional sustained rule and the minimum practical
// effect for baseline comparisons), the failed-iteration allowance, the
// delta-verification thresholds, what the overrides_adopted check does
// (Adoption), the comparison settings, and the PromQL query of each KPI
// over the bot's own metrics (Prometheus, Queries) for release-tag canary.
//
// There is one definition of each threshold. The built-in policies are the
// seed's (Default(false), the embedded production.yaml) and the relaxed
// mock policy (Default(true), mock.yaml): those files are the one place
// for their numbers. A YAML or JSON file replaces them (Load, Parse). A policy has a canonical
// JSON form (CanonicalJSON) and a digest of it (Digest), which verdicts cite.
//
// Other stages read policies through this package only: release-tag derives
// its rollback triggers from Rules.
package policy

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/soakline/soakline/pkg/artifact"
)

// Directions: the value must be at least (AtLeast) or at most (AtMost) the
// threshold.
const (
	AtLeast = ">="
	AtMost  = "<="
)

// What a rule does when its KPI is missing or unusable (non-finite, out of
// range) in an iteration of the window.
const (
	OnMissingFail         = "fail"         // the check fails
	OnMissingInconclusive = "inconclusive" // the check, and so the verdict, is inconclusive
	OnMissingSkip         = "skip"         // judge the iterations that have it; SKIP when none has
)

// Statistics other than pN.
const (
	StatMean   = "mean"
	StatMedian = "median"
	StatMin    = "min"
	StatMax    = "max"
	StatLast   = "last"
)

// Policy is what soak-gate judges a soak by.
type Policy struct {
	SchemaVersion int           `json:"schema_version"`
	Kind          artifact.Kind `json:"kind"`
	Name          string        `json:"name"`
	Description   string        `json:"description,omitempty"`
	// Window is the number of most recent iterations judged.
	Window int `json:"window"`
	// Warmup trims leading iterations before the window is taken.
	Warmup Warmup `json:"warmup"`
	// MaxFailedIterations is how many failed iterations (status "failed")
	// the window may hold.
	MaxFailedIterations int          `json:"max_failed_iterations"`
	KPIs                []Rule       `json:"kpis"`
	Delta               DeltaRule    `json:"delta"`
	Adoption            AdoptionRule `json:"adoption"`
	Compare             Compare      `json:"compare"`
	// Prometheus, when the policy has a prometheus: section, holds the
	// KPI queries that replace the built-in ones (see Queries). Absent,
	// it is left out of the canonical form, so the digest of a policy
	// without one is what it always was.
	Prometheus *Prometheus `json:"prometheus,omitempty"`

	// Source is the file the policy came from, or "built-in".
	Source string `json:"-"`
}

// Rule judges one KPI over the window.
type Rule struct {
	KPI       string `json:"kpi"`
	Statistic string `json:"statistic"` // mean, median, min, max, last, or pN (N in 1..99, type-7 quantile)
	Direction string `json:"direction"` // ">=" or "<="
	// Fail is the level the statistic must meet; Warn, when set, a stricter
	// level below which (for ">=") the check warns.
	Fail      float64    `json:"fail"`
	Warn      *float64   `json:"warn,omitempty"`
	OnMissing string     `json:"on_missing"`
	Sustained *Sustained `json:"sustained,omitempty"`
	// MinEffect is the smallest shift against a baseline (--compare) that
	// matters in practice; a significant regression smaller than it passes.
	MinEffect float64 `json:"min_effect"`
}

// Sustained makes a rule judge iterations instead of a statistic: it fails
// only when the per-iteration value breaches the fail level in Consecutive
// consecutive iterations of the window, or in K of the last N iterations
// of the window (and warns likewise for the warn level). One flaky
// iteration then does not flip the verdict.
type Sustained struct {
	Consecutive int `json:"consecutive,omitempty"`
	K           int `json:"k,omitempty"`
	N           int `json:"n,omitempty"`
}

// String describes the rule: "3 consecutive" or "3 of the last 5".
func (s *Sustained) String() string {
	if s == nil {
		return ""
	}
	if s.Consecutive > 0 {
		return fmt.Sprintf("%d consecutive", s.Consecutive)
	}
	return fmt.Sprintf("%d of the last %d", s.K, s.N)
}

// DeltaRule holds the delta-verification thresholds.
type DeltaRule struct {
	// MinFullApplyRatio and StrictMinFullApplyRatio are the lowest
	// acceptable (full + partial_ok) / proposed ratio without and with
	// --strict.
	MinFullApplyRatio       float64 `json:"min_full_apply_ratio"`
	StrictMinFullApplyRatio float64 `json:"strict_min_full_apply_ratio"`
	// MaxSignatureStuck is how many proposals may be recorded as applied
	// while the overrides' state hash did not change.
	MaxSignatureStuck int `json:"max_signature_stuck"`
}

// MinRatio returns the full-apply ratio threshold in force.
func (d DeltaRule) MinRatio(strict bool) float64 {
	if strict {
		return d.StrictMinFullApplyRatio
	}
	return d.MinFullApplyRatio
}

// What the overrides_adopted check does with a window iteration whose
// system under test ran with other values than soak-run wrote
// (AdoptionRule.OnMismatch) or reported none (OnUnreported).
const (
	AdoptFail         = "fail"         // the check fails
	AdoptWarn         = "warn"         // the check warns
	AdoptInconclusive = "inconclusive" // the check, and so the verdict, is inconclusive
	AdoptSkip         = "skip"         // the case does not count; SKIP when nothing else is left
)

// AdoptionRule says what the overrides_adopted check does. The seed's:
// a mismatch fails, a missing report warns.
type AdoptionRule struct {
	OnMismatch   string `json:"on_mismatch"`
	OnUnreported string `json:"on_unreported"`
}

func validAdopt(s string) bool {
	switch s {
	case AdoptFail, AdoptWarn, AdoptInconclusive, AdoptSkip:
		return true
	}
	return false
}

func (a AdoptionRule) validate() error {
	if !validAdopt(a.OnMismatch) {
		return fmt.Errorf("on_mismatch: want fail, warn, inconclusive or skip, got %q", a.OnMismatch)
	}
	if !validAdopt(a.OnUnreported) {
		return fmt.Errorf("on_unreported: want fail, warn, inconclusive or skip, got %q", a.OnUnreported)
	}
	return nil
}

// Compare holds the settings of --compare.
type Compare struct {
	Alpha      float64 `json:"alpha"`       // significance level of the Mann-Whitney U test
	MinSamples int     `json:"min_samples"` // fewer values on either side: "too few samples to tell"
}

// Warmup is the warm-up trimming: none, a fixed number of leading
// iterations, or Auto (MSER-5-like truncation, see the judge package).
type Warmup struct {
	N    int
	Auto bool
}

// ParseWarmup reads "auto" or a non-negative integer.
func ParseWarmup(s string) (Warmup, error) {
	s = strings.TrimSpace(s)
	if s == "auto" {
		return Warmup{Auto: true}, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return Warmup{}, fmt.Errorf("want a non-negative integer or \"auto\", got %q", s)
	}
	return Warmup{N: n}, nil
}

// String is "auto", or the number of iterations.
func (w Warmup) String() string {
	if w.Auto {
		return "auto"
	}
	return strconv.Itoa(w.N)
}

// MarshalJSON writes "auto" or a number.
func (w Warmup) MarshalJSON() ([]byte, error) {
	if w.Auto {
		return []byte(`"auto"`), nil
	}
	return []byte(strconv.Itoa(w.N)), nil
}

// UnmarshalJSON reads "auto" or a number.
func (w *Warmup) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := ParseWarmup(s)
		*w = v
		return err
	}
	var n int
	if err := json.Unmarshal(b, &n); err != nil || n < 0 {
		return fmt.Errorf("warmup: want a non-negative integer or \"auto\"")
	}
	*w = Warmup{N: n}
	return nil
}

// The built-in policies, embedded: production.yaml (the seed's targets) and
// mock.yaml (relaxed for the simulator). They are the one place for their
// numbers.
var (
	//go:embed production.yaml
	productionYAML []byte
	//go:embed mock.yaml
	mockYAML []byte
)

// Default returns a fresh copy of a built-in policy: production.yaml, the
// seed's ("production"), or with mock mock.yaml, the relaxed mock policy.
// Its Source is "built-in".
func Default(mock bool) *Policy {
	file, data := "production.yaml", productionYAML
	if mock {
		file, data = "mock.yaml", mockYAML
	}
	p, err := parse(file, data, &Policy{})
	if err != nil {
		panic(fmt.Sprintf("built-in policy: %v", err)) // TestDefaults reads both
	}
	p.Source = "built-in"
	return p
}

// Fail returns the fail level of the first rule on kpi and whether p has
// one.
func (p *Policy) Fail(kpi string) (float64, bool) {
	for _, r := range p.KPIs {
		if r.KPI == kpi {
			return r.Fail, true
		}
	}
	return 0, false
}

// Rules returns the KPI rules in policy order.
func (p *Policy) Rules() []Rule { return p.KPIs }

// CheckName is the name of the check a rule produces: "<kpi>_<statistic>".
func (r Rule) CheckName() string { return r.KPI + "_" + r.Statistic }

// Breaches reports whether v violates level in the rule's direction.
func (r Rule) Breaches(v, level float64) bool {
	if r.Direction == AtLeast {
		return v < level
	}
	return v > level
}

// Quantile returns p in (0,1) for a "pN" statistic.
func Quantile(stat string) (float64, bool) {
	rest, ok := strings.CutPrefix(stat, "p")
	if !ok || rest == "" || len(rest) > 2 || rest[0] == '0' {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 1 || n > 99 {
		return 0, false
	}
	return float64(n) / 100, true
}

// ValidStatistic reports whether s names a statistic.
func ValidStatistic(s string) bool {
	switch s {
	case StatMean, StatMedian, StatMin, StatMax, StatLast:
		return true
	}
	_, ok := Quantile(s)
	return ok
}

// Validate checks the policy as a whole; Parse reports the same problems
// with the key's line.
func (p *Policy) Validate() error {
	if p.Window < 1 {
		return fmt.Errorf("window: must be at least 1, got %d", p.Window)
	}
	if p.MaxFailedIterations < 0 {
		return fmt.Errorf("max_failed_iterations: must be >= 0")
	}
	seen := map[string]bool{}
	for i, r := range p.KPIs {
		if err := r.validate(p.Window); err != nil {
			return fmt.Errorf("kpis[%d]: %w", i, err)
		}
		if seen[r.CheckName()] {
			return fmt.Errorf("kpis[%d]: %s %s is judged twice", i, r.KPI, r.Statistic)
		}
		seen[r.CheckName()] = true
	}
	if err := p.Delta.validate(); err != nil {
		return fmt.Errorf("delta: %w", err)
	}
	if err := p.Adoption.validate(); err != nil {
		return fmt.Errorf("adoption: %w", err)
	}
	if !(p.Compare.Alpha > 0 && p.Compare.Alpha < 1) {
		return fmt.Errorf("compare: alpha: must be between 0 and 1")
	}
	if p.Compare.MinSamples < 1 {
		return fmt.Errorf("compare: min_samples: must be at least 1")
	}
	if err := p.Prometheus.validate(); err != nil {
		return fmt.Errorf("prometheus: %w", err)
	}
	return nil
}

func (r Rule) validate(window int) error {
	if !artifact.IsKPI(r.KPI) {
		return fmt.Errorf("kpi: unknown KPI %q (known: %s)", r.KPI, strings.Join(artifact.KPINames, ", "))
	}
	if !ValidStatistic(r.Statistic) {
		return fmt.Errorf("statistic: want mean, median, min, max, last or pN (N in 1..99), got %q", r.Statistic)
	}
	if r.Direction != AtLeast && r.Direction != AtMost {
		return fmt.Errorf("direction: want \">=\" (at_least) or \"<=\" (at_most), got %q", r.Direction)
	}
	if !finite(r.Fail) {
		return fmt.Errorf("fail: must be a finite number")
	}
	if r.Warn != nil {
		if !finite(*r.Warn) {
			return fmt.Errorf("warn: must be a finite number")
		}
		if r.Breaches(*r.Warn, r.Fail) {
			return fmt.Errorf("warn: %g is already past the fail level %g (direction %s)", *r.Warn, r.Fail, r.Direction)
		}
	}
	switch r.OnMissing {
	case OnMissingFail, OnMissingInconclusive, OnMissingSkip:
	default:
		return fmt.Errorf("on_missing: want fail, inconclusive or skip, got %q", r.OnMissing)
	}
	if s := r.Sustained; s != nil {
		switch {
		case s.Consecutive > 0 && (s.K != 0 || s.N != 0):
			return fmt.Errorf("sustained: give either consecutive or k and n, not both")
		case s.Consecutive > 0:
			if s.Consecutive > window {
				return fmt.Errorf("sustained: consecutive %d exceeds the window %d", s.Consecutive, window)
			}
		case s.K < 1 || s.N < 1:
			return fmt.Errorf("sustained: want consecutive >= 1, or k >= 1 and n >= 1")
		case s.K > s.N:
			return fmt.Errorf("sustained: k %d exceeds n %d", s.K, s.N)
		case s.N > window:
			return fmt.Errorf("sustained: n %d exceeds the window %d", s.N, window)
		}
	}
	if !finite(r.MinEffect) || r.MinEffect < 0 {
		return fmt.Errorf("min_effect: must be a finite number >= 0")
	}
	return nil
}

func (d DeltaRule) validate() error {
	for _, x := range []struct {
		name string
		v    float64
	}{{"min_full_apply_ratio", d.MinFullApplyRatio}, {"strict_min_full_apply_ratio", d.StrictMinFullApplyRatio}} {
		if !(x.v >= 0 && x.v <= 1) {
			return fmt.Errorf("%s: must be between 0 and 1, got %g", x.name, x.v)
		}
	}
	if d.MaxSignatureStuck < 0 {
		return fmt.Errorf("max_signature_stuck: must be >= 0")
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// CanonicalJSON is the policy's canonical form: artifact.Marshal of the
// effective policy (fields in declaration order, two-space indent).
func (p *Policy) CanonicalJSON() []byte {
	b, err := artifact.Marshal(p)
	if err != nil {
		// Validate guarantees finite numbers, the only way to fail.
		panic(fmt.Sprintf("policy: marshal: %v", err))
	}
	return b
}

// Digest is "sha256:<hex>" of CanonicalJSON.
func (p *Policy) Digest() string {
	sum := sha256.Sum256(p.CanonicalJSON())
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Clone returns a deep copy.
func (p *Policy) Clone() *Policy {
	q := *p
	q.KPIs = make([]Rule, len(p.KPIs))
	q.Prometheus = p.Prometheus.clone()
	for i, r := range p.KPIs {
		if r.Warn != nil {
			w := *r.Warn
			r.Warn = &w
		}
		if r.Sustained != nil {
			s := *r.Sustained
			r.Sustained = &s
		}
		q.KPIs[i] = r
	}
	return &q
}
