package release

import "github.com/soakline/soakline/pkg/artifact"

// The canary plan is written by release-tag (this package) and run by
// release-tag canary (internal/canary); it is not part of the schema the
// soak stages share (pkg/artifact).

// CanaryPlan is CANARY_PLAN.json: the canary rollout of a tagged release
// for machines — the same stages, checkpoints and automatic rollback
// triggers as CANARY_CHECKLIST.md.
type CanaryPlan struct {
	SchemaVersion int           `json:"schema_version"`
	Kind          artifact.Kind `json:"kind"`
	Tag           string        `json:"tag"`
	Version       string        `json:"version"` // the bundle's version
	Commit        string        `json:"commit"`  // the commit the tag points to
	// BundleSumsSHA256 is the SHA-256 of the bundle's SHA256SUMS, as in the
	// tag message.
	BundleSumsSHA256 string          `json:"bundle_sums_sha256"`
	Verdict          string          `json:"verdict"`
	Policy           artifact.Policy `json:"policy"`

	TrafficPercent float64 `json:"traffic_percent"`
	MinHours       int     `json:"min_hours"`
	MaxHours       int     `json:"max_hours"`
	// EvaluationInterval is how often every trigger is evaluated (a
	// Prometheus rule group interval, e.g. "5m").
	EvaluationInterval string `json:"evaluation_interval"`

	PreDeployment []string           `json:"pre_deployment"`
	Checkpoints   []CanaryCheckpoint `json:"checkpoints"`
	Triggers      []CanaryTrigger    `json:"triggers"`
	Promotion     []string           `json:"promotion"`

	// Watch is what release-tag canary needs beyond the triggers: the
	// KPI queries of the policy, the comparison settings and the grace
	// for missing data. Plans written before it have none.
	Watch *CanaryWatch `json:"watch,omitempty"`
}

// CanaryWatch holds the settings of release-tag canary.
type CanaryWatch struct {
	// Grace is how many evaluations in a row may lack data (or find
	// Prometheus unreachable) before the canary is held.
	Grace int `json:"grace"`
	// Alpha and MinSamples are the policy's comparison settings, for the
	// one-sided test of canary against baseline.
	Alpha      float64 `json:"alpha"`
	MinSamples int     `json:"min_samples"`
	// KPIs lists, per KPI the policy judges, its query and what a
	// regression against the baseline is.
	KPIs []CanaryKPI `json:"kpis"`
}

// CanaryKPI is one KPI as release-tag canary reads it from Prometheus.
type CanaryKPI struct {
	KPI string `json:"kpi"`
	// Query is the PromQL expression with the placeholders $selector and
	// $range; empty when the policy has none for this KPI (not watched).
	Query     string  `json:"query,omitempty"`
	Direction string  `json:"direction"`  // ">=" or "<=": the good side
	MinEffect float64 `json:"min_effect"` // smallest shift against the baseline that matters
	OnMissing string  `json:"on_missing"` // fail, inconclusive or skip
}

// CanaryCheckpoint is a scheduled look at the canary.
type CanaryCheckpoint struct {
	Hour   int      `json:"hour"`
	Checks []string `json:"checks"`
}

// CanaryTrigger is an automatic rollback (or hold) rule derived from one
// threshold of the gate's policy.
type CanaryTrigger struct {
	Name      string  `json:"name"`
	KPI       string  `json:"kpi,omitempty"`
	Statistic string  `json:"statistic,omitempty"`
	Level     string  `json:"level"`               // fail, warn or missing
	Condition string  `json:"condition"`           // e.g. "> 340" — when the trigger fires
	Threshold float64 `json:"threshold,omitempty"` // the policy's level
	Expr      string  `json:"expr"`                // PromQL; a non-empty result fires
	For       string  `json:"for"`                 // how long the expression must hold
	Every     string  `json:"every"`               // evaluation interval
	Action    string  `json:"action"`              // rollback or hold
	// Query is the KPI's PromQL over the bot's own metrics, with the
	// placeholders $selector and $range (release-tag canary evaluates it
	// over the canary's series); empty when the policy has no query for
	// the KPI.
	Query string `json:"query,omitempty"`
	// Count of the last Of evaluations must meet Condition (for a missing
	// trigger: lack data) for the trigger to fire: "for" and "k of n"
	// as evaluation counts.
	Count int `json:"count,omitempty"`
	Of    int `json:"of,omitempty"`
}
