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
	// Operational settings, kept for --resume.
	IterationTimeoutMs  int64   `json:"iteration_timeout_ms,omitempty"`
	KillGraceMs         int64   `json:"kill_grace_ms,omitempty"` // SIGTERM to SIGKILL
	MaxFailedIterations int     `json:"max_failed_iterations,omitempty"`
	SleepSeconds        float64 `json:"sleep_seconds,omitempty"`
	KeepEvents          bool    `json:"keep_events,omitempty"`
	State               string  `json:"state"`
	StartedAt           string  `json:"started_at,omitempty"`
	FinishedAt          string  `json:"finished_at,omitempty"`
	OverridesHash       string  `json:"overrides_hash,omitempty"` // sha256 of runtime_overrides.json at the start
	// TunerState is the tuner's state after the last iteration, and
	// Overrides the parameters the next one runs with: --resume restores
	// both (the overrides if an unfinished iteration rewrote the file).
	TunerState json.RawMessage    `json:"tuner_state,omitempty"`
	Overrides  map[string]float64 `json:"overrides,omitempty"`
}

// Run states: RunRecord.State.
const (
	RunRunning     = "running"     // started and not finished, or killed before it could say so
	RunComplete    = "complete"    // every planned iteration ran
	RunInterrupted = "interrupted" // stopped by a signal, resumable with --resume
	RunFailed      = "failed"      // stopped at the failed-iteration limit
)
