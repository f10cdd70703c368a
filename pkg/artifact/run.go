package artifact

import "encoding/json"

// RunRecord is RUN.json: how a soak was started and how far it got, so that
// --resume can continue it and later stages can cite their provenance.
type RunRecord struct {
	SchemaVersion     int      `json:"schema_version"`
	Kind              Kind     `json:"kind"`
	ToolVersion       string   `json:"tool_version"`
	Mode              string   `json:"mode"`
	Scenario          string   `json:"scenario,omitempty"`
	Seed              uint64   `json:"seed"`
	IterationsPlanned int      `json:"iterations_planned"`
	IterationsDone    int      `json:"iterations_done"`
	FailedIterations  int      `json:"failed_iterations"`
	AutoTune          bool     `json:"auto_tune"`
	EventsPerIter     int      `json:"events_per_iteration,omitempty"`
	Preset            string   `json:"preset,omitempty"`  // preset file the soak started from
	Profile           string   `json:"profile,omitempty"` // named profile the soak started from
	Command           []string `json:"command,omitempty"`
	// Operational settings, kept so that --resume continues with them.
	IterationTimeoutMs  int64   `json:"iteration_timeout_ms,omitempty"`
	KillGraceMs         int64   `json:"kill_grace_ms,omitempty"` // SIGTERM to SIGKILL
	MaxFailedIterations int     `json:"max_failed_iterations,omitempty"`
	SleepSeconds        float64 `json:"sleep_seconds,omitempty"`
	KeepEvents          bool    `json:"keep_events,omitempty"`
	State               string  `json:"state"`
	StartedAt           string  `json:"started_at,omitempty"`
	FinishedAt          string  `json:"finished_at,omitempty"`
	// OverridesHash is the sha256 of runtime_overrides.json at the start.
	OverridesHash string `json:"overrides_hash,omitempty"`
	// TunerState is the tuner's serialized state after the last iteration,
	// restored by --resume.
	TunerState json.RawMessage `json:"tuner_state,omitempty"`
	// Overrides are the parameters the next iteration runs with (after
	// the last iteration: the soak's final parameters), restored by
	// --resume if runtime_overrides.json was rewritten by an iteration
	// that did not finish.
	Overrides map[string]float64 `json:"overrides,omitempty"`
}

// Run states: RunRecord.State.
const (
	// RunRunning: soak-run has started and not finished, or was killed
	// before it could say so.
	RunRunning = "running"
	// RunComplete: every planned iteration ran.
	RunComplete = "complete"
	// RunInterrupted: stopped by a signal, resumable with --resume.
	RunInterrupted = "interrupted"
	// RunFailed: stopped at the failed-iteration limit.
	RunFailed = "failed"
)
