package release

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"

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
// one (no "kind") leniently.
func DecodeSnapshot(file string, data []byte) (*Snapshot, error) {
	env, err := artifact.PeekEnvelope(file, data)
	if err != nil {
		return nil, err
	}
	if env.Kind != "" {
		var v artifact.Verdict
		if err := artifact.Decode(file, data, artifact.KindVerdict, &v); err != nil {
			return nil, err
		}
		if v.Verdict == "" {
			return nil, artifact.Errorf(file, 0, "verdict is empty")
		}
		return &Snapshot{Verdict: v}, nil
	}
	return decodeLegacySnapshot(file, data)
}

type legacyStats struct {
	Mean   *float64 `json:"mean"`
	Median *float64 `json:"median"`
	Min    *float64 `json:"min"`
	Max    *float64 `json:"max"`
	Trend  string   `json:"trend"`
}

func decodeLegacySnapshot(file string, data []byte) (*Snapshot, error) {
	var l struct {
		Verdict            string                 `json:"verdict"`
		FreezeReady        bool                   `json:"freeze_ready"`
		IterationsTotal    int                    `json:"iterations_total"`
		IterationsAnalyzed []int                  `json:"iterations_analyzed"`
		PassCountLastN     *int                   `json:"pass_count_last_n"`
		PassCountLast8     *int                   `json:"pass_count_last8"`
		KPILastN           map[string]legacyStats `json:"kpi_last_n"`
		KPILast8           map[string]legacyStats `json:"kpi_last8"`
		Timestamp          string                 `json:"timestamp"`
	}
	dec := json.NewDecoder(bytes.NewReader(artifact.TrimBOM(data)))
	if err := dec.Decode(&l); err != nil {
		return nil, artifact.Errorf(file, 0, "legacy snapshot: %v", err)
	}
	if l.Verdict == "" {
		return nil, artifact.Errorf(file, 0, "no \"verdict\" field: not a POST_SOAK_SNAPSHOT.json")
	}
	v := artifact.Verdict{
		SchemaVersion: artifact.SchemaVersion, Kind: artifact.KindVerdict,
		Verdict: l.Verdict, FreezeReady: l.FreezeReady,
		IterationsTotal: l.IterationsTotal, IterationsAnalyzed: l.IterationsAnalyzed,
		Reason:   "verdict from a Python-toolkit snapshot (no checks recorded)",
		Policy:   artifact.Policy{Name: "legacy", Source: "Python toolkit snapshot"},
		KPILastN: map[string]artifact.KPIStats{},
	}
	switch {
	case l.PassCountLastN != nil:
		v.PassCountLastN = *l.PassCountLastN
	case l.PassCountLast8 != nil:
		v.PassCountLastN = *l.PassCountLast8
	}
	kpis := l.KPILastN
	if kpis == nil {
		kpis = l.KPILast8
	}
	n := len(l.IterationsAnalyzed)
	for k, s := range kpis {
		st := artifact.KPIStats{N: n, Mean: finite(s.Mean), Median: finite(s.Median), Min: finite(s.Min), Max: finite(s.Max), Trend: s.Trend}
		v.KPILastN[k] = st
	}
	if n > 0 {
		ns := append([]int(nil), l.IterationsAnalyzed...)
		sort.Ints(ns)
		v.Window = artifact.Window{Size: n, First: ns[0], Last: ns[len(ns)-1], N: n}
	}
	return &Snapshot{Verdict: v, Legacy: true}, nil
}

func finite(p *float64) *float64 {
	if p == nil || math.IsNaN(*p) || math.IsInf(*p, 0) {
		return nil
	}
	return p
}

// Passing reports whether a verdict may be released without --allow-fail.
func Passing(verdict string) bool {
	return verdict == artifact.VerdictPass || verdict == artifact.VerdictWarn
}

// DecodeDeltaVerify reads DELTA_VERIFY_REPORT.json: ours strictly, the
// Python toolkit's (verify_deltas_applied --json, no envelope) leniently.
func DecodeDeltaVerify(file string, data []byte) (*artifact.DeltaVerify, error) {
	env, err := artifact.PeekEnvelope(file, data)
	if err != nil {
		return nil, err
	}
	var d artifact.DeltaVerify
	if env.Kind != "" {
		if err := artifact.Decode(file, data, artifact.KindDeltaVerify, &d); err != nil {
			return nil, err
		}
		return &d, nil
	}
	if err := json.Unmarshal(artifact.TrimBOM(data), &d); err != nil {
		return nil, artifact.Errorf(file, 0, "legacy delta report: %v", err)
	}
	return &d, nil
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
