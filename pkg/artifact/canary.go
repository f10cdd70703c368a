package artifact

// CanaryPlan is CANARY_PLAN.json: the canary rollout of a tagged release
// for machines — the same stages, checkpoints and automatic rollback
// triggers as CANARY_CHECKLIST.md.
type CanaryPlan struct {
	SchemaVersion int    `json:"schema_version"`
	Kind          Kind   `json:"kind"`
	Tag           string `json:"tag"`
	Version       string `json:"version"` // the bundle's version
	Commit        string `json:"commit"`  // the commit the tag points to
	// BundleSumsSHA256 is the SHA-256 of the bundle's SHA256SUMS, as in the
	// tag message.
	BundleSumsSHA256 string `json:"bundle_sums_sha256"`
	Verdict          string `json:"verdict"`
	Policy           Policy `json:"policy"`

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
}
