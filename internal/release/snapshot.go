package release

import (
	"fmt"

	"github.com/soakline/soakline/internal/legacy"
	"github.com/soakline/soakline/pkg/artifact"
)

// Snapshot is a POST_SOAK_SNAPSHOT.json as the release pair needs it: our
// verdict artifact, or the Python toolkit's schema 1.1 or 1.2 mapped onto
// it (verdict, freeze_ready, the window's KPI statistics; no checks).
type Snapshot struct {
	artifact.Verdict
	Legacy bool
}

// DecodeSnapshot reads a snapshot of either kind: ours strictly, a legacy
// one (no "kind") leniently (internal/legacy).
func DecodeSnapshot(file string, data []byte) (*Snapshot, error) {
	v, old, err := legacy.Snapshot(file, data)
	if err != nil {
		return nil, err
	}
	return &Snapshot{Verdict: *v, Legacy: old}, nil
}

// Passing reports whether a verdict may be released without --allow-fail.
func Passing(verdict string) bool {
	return verdict == artifact.VerdictPass || verdict == artifact.VerdictWarn
}

// DecodeDeltaVerify reads DELTA_VERIFY_REPORT.json: ours strictly, the
// Python toolkit's (verify_deltas_applied --json, no envelope) leniently.
func DecodeDeltaVerify(file string, data []byte) (*artifact.DeltaVerify, error) {
	return legacy.DeltaVerify(file, data)
}

// WindowText describes the judged window, e.g. "iterations 17-24 (8 of 24)".
func WindowText(v *artifact.Verdict) string {
	w := v.Window
	if w.First == 0 && w.Last == 0 {
		return "not recorded"
	}
	s := fmt.Sprintf("iterations %d-%d", w.First, w.Last)
	if v.IterationsTotal > 0 {
		s += fmt.Sprintf(" (%d of %d)", w.N, v.IterationsTotal)
	}
	return s
}
