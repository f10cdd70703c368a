package artifact

import "encoding/json"

// Run states.
const (
	RunRunning     = "running"
	RunComplete    = "complete"
	RunInterrupted = "interrupted"
	RunFailed      = "failed"
)

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
	Preset            string   `json:"preset,omitempty"`
	Command           []string `json:"command,omitempty"`
	State             string   `json:"state"`
	StartedAt         string   `json:"started_at,omitempty"`
	FinishedAt        string   `json:"finished_at,omitempty"`
	// OverridesHash is the sha256 of runtime_overrides.json at the start.
	OverridesHash string `json:"overrides_hash,omitempty"`
	// TunerState is the tuner's serialized state after the last iteration,
	// restored by --resume.
	TunerState json.RawMessage `json:"tuner_state,omitempty"`
}
