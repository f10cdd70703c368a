// Package artifact is the schema the soakline stages share: the artifact
// kinds and their Go types, the envelope every artifact starts with
// ("schema_version" and "kind", first), the KPI table, and strict decoding
// and deterministic encoding.
//
// Decoding is strict, for every kind: the envelope must name the kind
// wanted at a supported version; an unknown member (at any depth), a
// member name in another case ("KIND" is not "kind"), a member given twice,
// data after the object, invalid UTF-8 and NaN or Infinity are errors.
// Every decoding error is a *fileerr.Error naming the file and, where
// there is one, the line: "ITER_SUMMARY_7.json: line 3: unknown field "x"".
//
// Files without an envelope are the Python toolkit's: internal/legacy
// converts them. Files are listed, read and written by internal/soakdir.
package artifact

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
)

// SchemaVersion is the version of every kind this package writes and the
// highest one it reads.
const SchemaVersion = 1

// Kind names an artifact type; it is the "kind" member of every artifact.
type Kind string

// The artifact kinds, and the Go type of each.
const (
	KindIterationSummary Kind = "iteration_summary" // IterationSummary
	KindTuningReport     Kind = "tuning_report"     // TuningReport
	KindRuntimeOverrides Kind = "runtime_overrides" // Overrides
	KindRun              Kind = "run"               // RunRecord
	KindVerdict          Kind = "verdict"           // Verdict
	KindDeltaVerify      Kind = "delta_verify"      // DeltaVerify
	KindBundle           Kind = "bundle"            // release.Manifest (internal/release)
	KindCanaryPlan       Kind = "canary_plan"       // release.CanaryPlan (internal/release)
	KindPolicy           Kind = "policy"            // policy.Policy (internal/policy)
)

// Envelope is the head every artifact starts with.
type Envelope struct {
	SchemaVersion int  `json:"schema_version"`
	Kind          Kind `json:"kind"`
}

// Header returns the envelope for kind k at the current version.
func Header(k Kind) Envelope { return Envelope{SchemaVersion: SchemaVersion, Kind: k} }

// Check reports whether e names kind want (any kind when want is "") at a
// version this package reads.
func (e Envelope) Check(want Kind) error {
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

// Well-known file names of a soak directory.
const (
	TuningReportFile = "TUNING_REPORT.json"
	OverridesFile    = "runtime_overrides.json"
	RunFile          = "RUN.json"
	SnapshotFile     = "POST_SOAK_SNAPSHOT.json"
	DeltaVerifyFile  = "DELTA_VERIFY_REPORT.json"
)

// IterationFileName is the file name of iteration n's summary.
func IterationFileName(n int) string { return "ITER_SUMMARY_" + strconv.Itoa(n) + ".json" }

// Hash returns the sha256 (hex) of data: the digests artifacts record.
func Hash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
