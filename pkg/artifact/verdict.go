package artifact

// Verdicts, in increasing order of severity except INCONCLUSIVE, which is
// never a pass.
const (
	VerdictPass         = "PASS"
	VerdictWarn         = "WARN"
	VerdictFail         = "FAIL"
	VerdictInconclusive = "INCONCLUSIVE"
)

// Check statuses: spelled as the verdicts (INCONCLUSIVE: no data to
// judge), or SKIP (missing under on_missing: skip).
const (
	CheckPass         = VerdictPass
	CheckWarn         = VerdictWarn
	CheckFail         = VerdictFail
	CheckInconclusive = VerdictInconclusive
	CheckSkip         = "SKIP"
)

// Verdict is the judgement of a soak: POST_SOAK_SNAPSHOT.json. It keeps
// the field names of the legacy schema 1.2 that users' scripts read, and
// adds every check with its evidence.
type Verdict struct {
	SchemaVersion int    `json:"schema_version"`
	Kind          Kind   `json:"kind"`
	Verdict       string `json:"verdict"`
	Reason        string `json:"reason"` // one line: why this verdict
	FreezeReady   bool   `json:"freeze_ready"`

	IterationsTotal     int                 `json:"iterations_total"`
	IterationsAnalyzed  []int               `json:"iterations_analyzed"`
	PassCountLastN      int                 `json:"pass_count_last_n"`      // KPI checks met (PASS or WARN), the legacy meaning
	PassIterationsLastN int                 `json:"pass_iterations_last_n"` // iterations in which every KPI rule met its fail level
	KPILastN            map[string]KPIStats `json:"kpi_last_n"`
	KPIAll              map[string]KPIStats `json:"kpi_all,omitempty"`

	Window   Window   `json:"window"`
	Policy   Policy   `json:"policy"`
	Settings Settings `json:"settings"`
	Checks   []Check  `json:"checks"`

	FailedIterations      []int                `json:"failed_iterations,omitempty"`       // the window's failed iterations (not judged), the first 100
	FailedIterationsCount int                  `json:"failed_iterations_count,omitempty"` // all of them
	WindowValues          map[string][]float64 `json:"window_values,omitempty"`           // per KPI the values judged, for a later --compare

	MakerTakerHMean        *float64 `json:"maker_taker_ratio_hmean,omitempty"`         // harmonic mean of the non-zero maker_taker_ratio values
	MakerSharePct          *float64 `json:"maker_share_pct,omitempty"`                 // kpi_last_n.maker_share_pct.mean
	MakerTakerPooled       *float64 `json:"maker_taker_ratio_pooled,omitempty"`        // maker share of the window's fills pooled, 0..1
	MakerTakerPooledSource string   `json:"maker_taker_ratio_pooled_source,omitempty"` // fills_volume, or fills_count without volumes
	MakerShareSource       string   `json:"maker_share_source,omitempty"`              // read from older soak-gates' verdicts, not written
	PartialFreezeActive    bool     `json:"partial_freeze_active"`
	FrozenSubsystems       []string `json:"frozen_subsystems,omitempty"`

	Comparison        *Comparison  `json:"comparison,omitempty"`
	DeltaVerification *DeltaVerify `json:"delta_verification,omitempty"`
	DataQuality       []string     `json:"data_quality,omitempty"`
	Source            Source       `json:"source"`
	ToolVersion       string       `json:"tool_version"`
	GeneratedAt       string       `json:"generated_at,omitempty"` // only from SOURCE_DATE_EPOCH or --now
}

// KPIStats are the statistics of one KPI over a set of iterations. N counts
// the finite values; statistics of an empty set are absent.
type KPIStats struct {
	N      int      `json:"n"`
	Mean   *float64 `json:"mean,omitempty"`
	Median *float64 `json:"median,omitempty"`
	Min    *float64 `json:"min,omitempty"`
	Max    *float64 `json:"max,omitempty"`
	Trend  string   `json:"trend,omitempty"` // up, down, flat
	Slope  *float64 `json:"slope,omitempty"` // per iteration, least squares
}

// Window is the set of iterations judged.
type Window struct {
	Size      int    `json:"size"`            // the policy's window
	First     int    `json:"first,omitempty"` // first iteration judged
	Last      int    `json:"last,omitempty"`
	N         int    `json:"n"`                    // iterations judged
	WarmupCut int    `json:"warmup_cut,omitempty"` // iterations up to it were trimmed as warm-up
	Warmup    string `json:"warmup,omitempty"`     // how the cut was chosen: "" (none), "fixed" or "auto"
}

// Policy names the policy a verdict was judged by.
type Policy struct {
	Name   string `json:"name"`
	Source string `json:"source,omitempty"` // file, or "built-in"
	Digest string `json:"digest"`           // sha256 of the effective policy's canonical JSON
	Strict bool   `json:"strict,omitempty"` // judged with --strict
}

// Settings are the gate's settings that change the outcome, beyond the
// policy: with it and Source.Digest they say how the verdict was made.
type Settings struct {
	Strict          bool   `json:"strict"`                     // --strict: the delta ratio's strict threshold
	Mock            bool   `json:"mock"`                       // --mock or USE_MOCK=1: the relaxed mock policy
	Warmup          string `json:"warmup,omitempty"`           // "" (the policy's), a number, or "auto"
	LastN           int    `json:"last_n,omitempty"`           // --last-n; 0: the policy's window
	CompareBaseline string `json:"compare_baseline,omitempty"` // sha256 of the --compare baseline's data
}

// Check is one judged rule with its evidence.
type Check struct {
	Name              string   `json:"name"`
	KPI               string   `json:"kpi,omitempty"`
	Statistic         string   `json:"statistic,omitempty"`
	Direction         string   `json:"direction"` // ">=" or "<="
	Threshold         float64  `json:"threshold"`
	Warn              *float64 `json:"warn,omitempty"`
	Value             *float64 `json:"value,omitempty"`
	N                 int      `json:"n"`
	WindowFirst       int      `json:"window_first,omitempty"`
	WindowLast        int      `json:"window_last,omitempty"`
	Sustained         string   `json:"sustained,omitempty"`          // "3 consecutive", "3 of the last 5"
	Iterations        []int    `json:"iterations,omitempty"`         // evidence: breached, missing or failed (the first 100)
	IterationsOmitted int      `json:"iterations_omitted,omitempty"` // the rest
	Status            string   `json:"status"`
	Reason            string   `json:"reason"`
}

// Comparison records a --compare against a baseline.
type Comparison struct {
	Baseline string  `json:"baseline"`
	Alpha    float64 `json:"alpha"`
	Method   string  `json:"method"`
}

// DeltaVerify is DELTA_VERIFY_REPORT.json: whether what the tuner proposed
// was really applied.
type DeltaVerify struct {
	SchemaVersion       int     `json:"schema_version,omitempty"`
	Kind                Kind    `json:"kind,omitempty"`
	ProposedCount       int     `json:"proposed_count"`
	FullApplyCount      int     `json:"full_apply_count"`
	PartialOKCount      int     `json:"partial_ok_count"` // held back by a guard, with the reason recorded
	FailCount           int     `json:"fail_count"`
	UnverifiedCount     int     `json:"unverified_count"`
	SignatureStuckCount int     `json:"signature_stuck_count"`
	FullApplyRatio      float64 `json:"full_apply_ratio"`
	Checked             bool    `json:"checked"`        // false when there was nothing to verify against
	Note                string  `json:"note,omitempty"` // what could not be checked
	RatioDefinition     string  `json:"ratio_definition"`
	MinRatio            float64 `json:"min_full_apply_ratio"`
	MaxSignatureStuck   int     `json:"max_signature_stuck"`
	Status              string  `json:"status"`                  // PASS, FAIL or SKIP (nothing to verify)
	Source              *Source `json:"source,omitempty"`        // the soak verified; without it, evidence about no soak
	PolicyDigest        string  `json:"policy_digest,omitempty"` // the policy verified by
	// Pairs are the verified proposals in iteration order, all of them or
	// in a long ledger a selection that keeps every kind of problem visible
	// (judge.VerifyDeltas); PairsOmitted counts, per outcome, the rest.
	Pairs        []DeltaPair    `json:"pairs,omitempty"`
	PairsOmitted map[string]int `json:"pairs_omitted,omitempty"`
}

// Delta outcomes. Only full_apply and partial_ok count as success;
// unverified (nothing to check the proposal against) never does.
const (
	DeltaFullApply      = "full_apply"
	DeltaPartialOK      = "partial_ok"
	DeltaFail           = "fail"
	DeltaUnverified     = "unverified"
	DeltaSignatureStuck = "signature_stuck"
)

// DeltaPair is the verification of one iteration's proposal.
type DeltaPair struct {
	Iteration      int                `json:"iteration"`
	Outcome        string             `json:"outcome"` // a Delta outcome
	Reason         string             `json:"reason"`
	Proposed       map[string]float64 `json:"proposed"`
	Applied        []Change           `json:"applied,omitempty"`
	Skipped        []Skip             `json:"skipped,omitempty"`
	OldHash        string             `json:"old_hash,omitempty"`
	StateHash      string             `json:"state_hash,omitempty"`
	SignatureStuck bool               `json:"signature_stuck,omitempty"`
	Problems       []string           `json:"problems,omitempty"`
}

// Source says what was judged: the soak's path and digests (sha256 over
// the iteration files judged, in order; of TUNING_REPORT.json and
// runtime_overrides.json as read, "" when the soak has none).
type Source struct {
	Path            string `json:"path"`
	Legacy          bool   `json:"legacy,omitempty"`
	Digest          string `json:"digest,omitempty"`
	LedgerDigest    string `json:"ledger_digest,omitempty"`
	OverridesDigest string `json:"overrides_digest,omitempty"`
}
