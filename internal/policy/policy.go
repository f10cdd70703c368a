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

	"go.yaml.in/yaml/v3"

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
	SchemaVersion int           `yaml:"schema_version" json:"schema_version"`
	Kind          artifact.Kind `yaml:"kind" json:"kind"`
	Name          string        `yaml:"name" json:"name"`
	Description   string        `yaml:"description" json:"description,omitempty"`
	// Window is the number of most recent iterations judged.
	Window int `yaml:"window" json:"window"`
	// Warmup trims leading iterations before the window is taken.
	Warmup Warmup `yaml:"warmup" json:"warmup"`
	// MaxFailedIterations is how many failed iterations (status "failed")
	// the window may hold.
	MaxFailedIterations int          `yaml:"max_failed_iterations" json:"max_failed_iterations"`
	KPIs                []Rule       `yaml:"kpis" json:"kpis"`
	Delta               DeltaRule    `yaml:"delta" json:"delta"`
	Adoption            AdoptionRule `yaml:"adoption" json:"adoption"`
	Compare             Compare      `yaml:"compare" json:"compare"`
	// Prometheus, when the policy has a prometheus: section, holds the
	// KPI queries that replace the built-in ones (see Queries). Absent,
	// it is left out of the canonical form, so the digest of a policy
	// without one is what it always was.
	Prometheus *Prometheus `yaml:"prometheus" json:"prometheus,omitempty"`

	// Source is the file the policy came from, or "built-in".
	Source string `yaml:"-" json:"-"`
}

// Rule judges one KPI over the window.
type Rule struct {
	KPI       string `yaml:"kpi" json:"kpi"`
	Statistic string `yaml:"statistic" json:"statistic"` // mean, median, min, max, last, or pN (N in 1..99, type-7 quantile)
	Direction string `yaml:"direction" json:"direction"` // ">=" or "<="
	// Fail is the level the statistic must meet; Warn, when set, a stricter
	// level below which (for ">=") the check warns.
	Fail      float64    `yaml:"fail" json:"fail"`
	Warn      *float64   `yaml:"warn" json:"warn,omitempty"`
	OnMissing string     `yaml:"on_missing" json:"on_missing"`
	Sustained *Sustained `yaml:"sustained" json:"sustained,omitempty"`
	// MinEffect is the smallest shift against a baseline (--compare) that
	// matters in practice; a significant regression smaller than it passes.
	MinEffect float64 `yaml:"min_effect" json:"min_effect"`
	// Toolkit holds the levels a soak written by the Python toolkit is
	// judged by where the toolkit's value of the KPI has another
	// definition than ours (risk_ratio: there risk blocks ÷ all blocks,
	// here ÷ all attempted actions; see docs/legacy.md). Without it such a
	// soak is INCONCLUSIVE on the rule: a value on another scale is not
	// compared with this rule's levels.
	Toolkit *Levels `yaml:"toolkit" json:"toolkit,omitempty"`
}

// Levels are a rule's fail level and optional warn level on another scale
// (Rule.Toolkit).
type Levels struct {
	Fail float64  `yaml:"fail" json:"fail"`
	Warn *float64 `yaml:"warn" json:"warn,omitempty"`
}

// ForToolkit returns r with its toolkit levels in place of its own, and
// false when r has none.
func (r Rule) ForToolkit() (Rule, bool) {
	if r.Toolkit == nil {
		return r, false
	}
	r.Fail, r.Warn = r.Toolkit.Fail, r.Toolkit.Warn
	return r, true
}

// Sustained makes a rule judge iterations instead of a statistic: it fails
// only when the per-iteration value breaches the fail level in Consecutive
// consecutive iterations of the window, or in K of the last N iterations
// of the window (and warns likewise for the warn level). One flaky
// iteration then does not flip the verdict.
type Sustained struct {
	Consecutive int `yaml:"consecutive" json:"consecutive,omitempty"`
	K           int `yaml:"k" json:"k,omitempty"`
	N           int `yaml:"n" json:"n,omitempty"`
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
	MinFullApplyRatio       float64 `yaml:"min_full_apply_ratio" json:"min_full_apply_ratio"`
	StrictMinFullApplyRatio float64 `yaml:"strict_min_full_apply_ratio" json:"strict_min_full_apply_ratio"`
	// MaxSignatureStuck is how many proposals may be recorded as applied
	// while the overrides' state hash did not change.
	MaxSignatureStuck int `yaml:"max_signature_stuck" json:"max_signature_stuck"`
	// OnOverridesChanged is the overrides_soaked check's status when
	// runtime_overrides.json is not the state the tuning ledger ends in
	// (edited after the soak): fail, warn, inconclusive or skip (no check).
	OnOverridesChanged string `yaml:"on_overrides_changed" json:"on_overrides_changed"`
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
	OnMismatch   string `yaml:"on_mismatch" json:"on_mismatch"`
	OnUnreported string `yaml:"on_unreported" json:"on_unreported"`
}

func validAdopt(s string) bool {
	switch s {
	case AdoptFail, AdoptWarn, AdoptInconclusive, AdoptSkip:
		return true
	}
	return false
}

// Compare holds the settings of --compare.
type Compare struct {
	Alpha      float64 `yaml:"alpha" json:"alpha"`             // significance level of the Mann-Whitney U test
	MinSamples int     `yaml:"min_samples" json:"min_samples"` // fewer values on either side: "too few samples to tell"
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

// FieldError is a Validate error: the dotted path of the offending field
// ("kpis[0].statistic") and what is wrong with it. Parse adds the line.
type FieldError struct {
	Path string
	Msg  string
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Msg }

func fieldErr(path, format string, args ...any) error {
	return &FieldError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// Validate reports the first setting of p that no policy may have, as a
// *FieldError.
func (p *Policy) Validate() error {
	switch {
	case p.SchemaVersion != artifact.SchemaVersion:
		return fieldErr("schema_version", "unsupported version %d (this soak-gate reads %d)", p.SchemaVersion, artifact.SchemaVersion)
	case p.Kind != artifact.KindPolicy:
		return fieldErr("kind", "want %q, got %q", artifact.KindPolicy, p.Kind)
	case !nameRe.MatchString(p.Name):
		return fieldErr("name", "want letters, digits, '.', '_' or '-' (at most 64), got %q", p.Name)
	case p.Window < 1:
		return fieldErr("window", "must be at least 1, got %d", p.Window)
	case p.Warmup.N < 0:
		return fieldErr("warmup", "must be >= 0, got %d", p.Warmup.N)
	case p.MaxFailedIterations < 0:
		return fieldErr("max_failed_iterations", "must be >= 0, got %d", p.MaxFailedIterations)
	case len(p.KPIs) == 0:
		return fieldErr("kpis", "a policy needs at least one KPI rule")
	}
	seen := map[string]int{}
	for i, r := range p.KPIs {
		at := fmt.Sprintf("kpis[%d]", i)
		if err := r.validate(at, p.Window); err != nil {
			return err
		}
		if j, dup := seen[r.CheckName()]; dup {
			return fieldErr(at, "%s %s is already judged by kpis[%d]", r.KPI, r.Statistic, j)
		}
		seen[r.CheckName()] = i
	}
	d := p.Delta
	for _, x := range []struct {
		name string
		v    float64
	}{{"min_full_apply_ratio", d.MinFullApplyRatio}, {"strict_min_full_apply_ratio", d.StrictMinFullApplyRatio}} {
		if !(x.v >= 0 && x.v <= 1) {
			return fieldErr("delta."+x.name, "must be between 0 and 1, got %g", x.v)
		}
	}
	if d.MaxSignatureStuck < 0 {
		return fieldErr("delta.max_signature_stuck", "must be >= 0, got %d", d.MaxSignatureStuck)
	}
	if !validAdopt(d.OnOverridesChanged) {
		return fieldErr("delta.on_overrides_changed", "want fail, warn, inconclusive or skip, got %q", d.OnOverridesChanged)
	}
	if !validAdopt(p.Adoption.OnMismatch) {
		return fieldErr("adoption.on_mismatch", "want fail, warn, inconclusive or skip, got %q", p.Adoption.OnMismatch)
	}
	if !validAdopt(p.Adoption.OnUnreported) {
		return fieldErr("adoption.on_unreported", "want fail, warn, inconclusive or skip, got %q", p.Adoption.OnUnreported)
	}
	if a := p.Compare.Alpha; !(a > 0 && a < 1) {
		return fieldErr("compare.alpha", "must be between 0 and 1 (exclusive), got %g", a)
	}
	if n := p.Compare.MinSamples; n < 1 {
		return fieldErr("compare.min_samples", "must be at least 1, got %d", n)
	}
	return p.Prometheus.validate()
}

// validate checks rule r, the policy's rule at path at.
func (r Rule) validate(at string, window int) error {
	if !artifact.IsKPI(r.KPI) {
		return fieldErr(at+".kpi", "unknown KPI %q (known: %s)", r.KPI, strings.Join(artifact.KPINames, ", "))
	}
	if !ValidStatistic(r.Statistic) {
		return fieldErr(at+".statistic", "want mean, median, min, max, last or pN (N in 1..99), got %q", r.Statistic)
	}
	if r.Direction != AtLeast && r.Direction != AtMost {
		return fieldErr(at+".direction", "want \">=\" (or at_least) or \"<=\" (or at_most), got %q", r.Direction)
	}
	if err := r.levels(at, r.Fail, r.Warn); err != nil {
		return err
	}
	if t := r.Toolkit; t != nil {
		if err := r.levels(at+".toolkit", t.Fail, t.Warn); err != nil {
			return err
		}
	}
	switch r.OnMissing {
	case OnMissingFail, OnMissingInconclusive, OnMissingSkip:
	default:
		return fieldErr(at+".on_missing", "want fail, inconclusive or skip, got %q", r.OnMissing)
	}
	if s := r.Sustained; s != nil {
		at := at + ".sustained"
		switch {
		case s.Consecutive > 0 && (s.K != 0 || s.N != 0):
			return fieldErr(at, "give either consecutive or k and n, not both")
		case s.Consecutive > 0:
			if s.Consecutive > window {
				return fieldErr(at, "consecutive %d exceeds the window %d", s.Consecutive, window)
			}
		case s.K < 1 || s.N < 1:
			return fieldErr(at, "want consecutive >= 1, or k >= 1 and n >= 1")
		case s.K > s.N:
			return fieldErr(at, "k %d exceeds n %d", s.K, s.N)
		case s.N > window:
			return fieldErr(at, "n %d exceeds the window %d", s.N, window)
		}
	}
	if !finite(r.MinEffect) || r.MinEffect < 0 {
		return fieldErr(at+".min_effect", "must be >= 0, got %g", r.MinEffect)
	}
	return nil
}

// levels checks a fail and a warn level of rule r at path at.
func (r Rule) levels(at string, fail float64, warn *float64) error {
	if !finite(fail) {
		return fieldErr(at+".fail", "must be a finite number, got %g", fail)
	}
	if warn != nil {
		if !finite(*warn) {
			return fieldErr(at+".warn", "must be a finite number, got %g", *warn)
		}
		if r.Breaches(*warn, fail) {
			return fieldErr(at+".warn", "%g is already past the fail level %g (direction %s)", *warn, fail, r.Direction)
		}
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
		if r.Toolkit != nil {
			t := *r.Toolkit
			if t.Warn != nil {
				w := *t.Warn
				t.Warn = &w
			}
			r.Toolkit = &t
		}
		q.KPIs[i] = r
	}
	return &q
}

// UnmarshalYAML reads "auto" or a number (ParseWarmup).
func (w *Warmup) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseWarmup(n.Value)
	if err != nil {
		return err
	}
	*w = v
	return nil
}
