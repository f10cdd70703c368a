// Package artifact is the schema the soakline stages share: the artifact
// kinds and their Go types, strict decoding of our own files, lenient reading
// of the legacy (Python toolkit) files, deterministic encoding, atomic writes
// and the listing of soak directories.
//
// Every artifact soakline writes is a JSON object whose first two fields are
// "schema_version" and "kind". Our kinds are decoded strictly: an unknown
// field, trailing data, another kind or an unsupported version is an error
// naming the file and the line. Files without an envelope are legacy files
// and are read leniently with the legacy field names.
//
// This package depends on the standard library only.
package artifact

import "fmt"

// SchemaVersion is the version of every kind this package writes and the
// highest one it reads.
const SchemaVersion = 1

// Kind names an artifact type; it is the "kind" field of every artifact.
type Kind string

// The artifact kinds.
const (
	KindIterationSummary Kind = "iteration_summary"
	KindTuningReport     Kind = "tuning_report"
	KindRuntimeOverrides Kind = "runtime_overrides"
	KindRun              Kind = "run"
	KindVerdict          Kind = "verdict"
	KindDeltaVerify      Kind = "delta_verify"
	KindBundle           Kind = "bundle"
	KindCanaryPlan       Kind = "canary_plan"
	KindPolicy           Kind = "policy"
)

// Envelope is the head every artifact starts with.
type Envelope struct {
	SchemaVersion int  `json:"schema_version"`
	Kind          Kind `json:"kind"`
}

// Header returns the envelope for kind k at the current version.
func Header(k Kind) Envelope { return Envelope{SchemaVersion: SchemaVersion, Kind: k} }

func (e Envelope) check(want Kind) error {
	if e.Kind == "" {
		return fmt.Errorf("not a soakline artifact: no \"kind\" field (want %s)", want)
	}
	if want != "" && e.Kind != want {
		return fmt.Errorf("wrong kind %q, want %q", e.Kind, want)
	}
	if e.SchemaVersion < 1 {
		return fmt.Errorf("%s: missing or invalid schema_version", e.Kind)
	}
	if e.SchemaVersion > SchemaVersion {
		return fmt.Errorf("%s: unsupported schema_version %d (this soakline reads up to %d)", e.Kind, e.SchemaVersion, SchemaVersion)
	}
	return nil
}
