package artifact

// Iteration statuses: IterationSummary.Status.
const (
	StatusOK     = "ok"
	StatusFailed = "failed"
)

// Modes of a soak: IterationSummary.Mode and RunRecord.Mode.
const (
	ModeMock   = "mock"
	ModeExec   = "exec"
	ModeLegacy = "legacy" // read from the Python toolkit
)

// IterationSummary is ITER_SUMMARY_<n>.json: the KPIs of one finished
// iteration and the tuning decision taken after it.
type IterationSummary struct {
	SchemaVersion int    `json:"schema_version"`
	Kind          Kind   `json:"kind"`
	Iteration     int    `json:"iteration"` // 1-based
	Mode          string `json:"mode"`      // a Mode
	Scenario      string `json:"scenario,omitempty"`
	Seed          uint64 `json:"seed"`
	StartedAt     string `json:"started_at,omitempty"` // RFC 3339, on the soak's clock
	DurationMs    int64  `json:"duration_ms"`
	Status        string `json:"status"` // a Status

	Failure  *Failure  `json:"failure,omitempty"`
	Summary  Summary   `json:"summary"`
	Tuning   *Tuning   `json:"tuning,omitempty"`
	Adoption *Adoption `json:"adoption,omitempty"` // absent when failed, and from the toolkit or an older soak-run

	File   string `json:"-"` // where the summary was read from
	Legacy bool   `json:"-"` // read from the Python toolkit's file
}

// Failure says why an iteration produced no trustworthy KPIs.
type Failure struct {
	Reason     string `json:"reason"`
	ExitCode   *int   `json:"exit_code,omitempty"`
	StderrTail string `json:"stderr_tail,omitempty"`
}

// Adoption statuses: every key soak-run wrote was reported with the value
// written (adopted), some was reported otherwise or not at all (mismatch),
// or the system under test left no effective_params record (unreported).
const (
	AdoptionAdopted    = "adopted"
	AdoptionMismatch   = "mismatch"
	AdoptionUnreported = "unreported"
)

// Adoption compares the parameters the system under test reported in its
// effective_params records with the overrides soak-run wrote for the
// iteration (see internal/events).
type Adoption struct {
	Status  string `json:"status"`  // an Adoption status
	Keys    int    `json:"keys"`    // keys soak-run wrote and compared
	Records int    `json:"records"` // effective_params records the iteration left
	// Mismatches lists, sorted by key, every key written whose reported
	// value differs (the first differing report) or that was not reported.
	Mismatches []Mismatch `json:"mismatches,omitempty"`
}

// Mismatch is one key the system under test did not run with as written.
type Mismatch struct {
	Key      string   `json:"key"`
	Wrote    float64  `json:"wrote"`
	Reported *float64 `json:"reported"` // null: not reported
}

// Tuning is one ledger entry: what the tuner proposed after an iteration,
// what it applied and what the guards held back. The same record is the
// "tuning" of an ITER_SUMMARY and an entry of TUNING_REPORT.json.
type Tuning struct {
	Iteration      int                `json:"iteration"`
	ProposedDeltas map[string]float64 `json:"proposed_deltas"`
	Applied        bool               `json:"applied"`
	Changes        []Change           `json:"changes"`
	ChangedKeys    []string           `json:"changed_keys"`
	Skipped        []Skip             `json:"skipped,omitempty"`
	SkipReason     string             `json:"skip_reason"`      // the guards that held something back, comma-separated
	Guards         []string           `json:"guards,omitempty"` // guards that fired after this iteration
	Rationale      []string           `json:"rationale,omitempty"`
	OldHash        string             `json:"old_hash,omitempty"`   // sha256 of runtime_overrides.json before
	StateHash      string             `json:"state_hash,omitempty"` // sha256 after (equal when nothing changed)
	Verified       bool               `json:"verified"`             // re-read after the write and compared value by value
	Frozen         []string           `json:"frozen,omitempty"`     // subsystems frozen after this iteration
}

// Change is one applied parameter change.
type Change struct {
	Key   string  `json:"key"`
	Old   float64 `json:"old"`
	New   float64 `json:"new"`
	Delta float64 `json:"delta"`
}

// Skip is one proposed delta a guard held back.
type Skip struct {
	Key    string `json:"key"`
	Guard  string `json:"guard"`
	Reason string `json:"reason"`
}
