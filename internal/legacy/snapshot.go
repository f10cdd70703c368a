package legacy

import (
	"math"
	"slices"

	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// Snapshot reads POST_SOAK_SNAPSHOT.json of either format: our verdict
// strictly, or the toolkit's schema 1.1 or 1.2 leniently, mapped onto a
// verdict (verdict, freeze_ready, the iterations, the window's KPI
// statistics from kpi_last_n, or kpi_last8 in 1.1; no checks, no
// provenance). legacy says which it was.
func Snapshot(file string, data []byte) (v *artifact.Verdict, legacy bool, err error) {
	if env, err := PeekEnvelope(file, data); err != nil {
		return nil, false, err
	} else if env.Kind != "" {
		v = new(artifact.Verdict)
		if err := artifact.Decode(file, data, artifact.KindVerdict, v); err != nil {
			return nil, false, err
		}
		if v.Verdict == "" {
			return nil, false, fileerr.Errorf(file, 0, "verdict is empty")
		}
		return v, false, nil
	}
	clean := sanitize(data)
	m, err := object(file, clean)
	if err != nil {
		return nil, true, err
	}
	verdict, _ := m["verdict"].(string)
	if verdict == "" {
		return nil, true, fileerr.Errorf(file, 0, "no \"verdict\" field: not a POST_SOAK_SNAPSHOT.json")
	}
	freeze, _ := m["freeze_ready"].(bool)
	v = &artifact.Verdict{
		SchemaVersion: artifact.SchemaVersion, Kind: artifact.KindVerdict,
		Verdict: verdict, FreezeReady: freeze,
		Reason:   "verdict from a Python-toolkit snapshot (no checks recorded)",
		Policy:   artifact.Policy{Name: "legacy", Source: "Python toolkit snapshot"},
		KPILastN: map[string]artifact.KPIStats{},
	}
	if n, ok := integer(m["iterations_total"]); ok {
		v.IterationsTotal = n
	}
	if raw, ok := m["iterations_analyzed"]; ok && raw != nil {
		list, ok := raw.([]any)
		for _, x := range list {
			n, isInt := integer(x)
			ok = ok && isInt
			v.IterationsAnalyzed = append(v.IterationsAnalyzed, n)
		}
		if !ok {
			return nil, true, fileerr.Errorf(file, fileerr.KeyLine(clean, "iterations_analyzed"), "iterations_analyzed: want a list of iteration numbers")
		}
	}
	for _, key := range []string{"pass_count_last_n", "pass_count_last8"} {
		if n, ok := integer(m[key]); ok {
			v.PassCountLastN = n
			break
		}
	}
	key := "kpi_last_n"
	if m[key] == nil {
		key = "kpi_last8"
	}
	n := len(v.IterationsAnalyzed)
	if raw := m[key]; raw != nil {
		kpis, ok := raw.(map[string]any)
		if !ok {
			return nil, true, fileerr.Errorf(file, fileerr.KeyLine(clean, key), "%s: want an object of KPI statistics", key)
		}
		for name, x := range kpis {
			st, ok := x.(map[string]any)
			if !ok {
				return nil, true, fileerr.Errorf(file, fileerr.KeyLine(clean, name), "%s.%s: want an object of KPI statistics", key, name)
			}
			s := artifact.KPIStats{N: n, Mean: stat(st["mean"]), Median: stat(st["median"]), Min: stat(st["min"]), Max: stat(st["max"])}
			s.Trend, _ = st["trend"].(string)
			if c, ok := integer(st["n"]); ok && c >= 0 {
				s.N = c
			}
			v.KPILastN[name] = s
		}
	}
	if n > 0 {
		ns := slices.Sorted(slices.Values(v.IterationsAnalyzed))
		v.Window = artifact.Window{Size: n, First: ns[0], Last: ns[len(ns)-1], N: n}
	}
	return v, true, nil
}

// IsSnapshot reports whether data is one JSON object with a "verdict"
// member: a POST_SOAK_SNAPSHOT.json, ours or the toolkit's, rather than a
// soak stream (whose records have none).
func IsSnapshot(data []byte) bool {
	var top map[string]any
	if parse("", sanitize(data), &top) != nil {
		return false
	}
	_, ok := top["verdict"]
	return ok
}

// DeltaVerify reads DELTA_VERIFY_REPORT.json: ours strictly, the toolkit's
// (verify_deltas_applied --json, no envelope) leniently: the members with
// our names are read, others ignored.
func DeltaVerify(file string, data []byte) (*artifact.DeltaVerify, error) {
	var d artifact.DeltaVerify
	if env, err := PeekEnvelope(file, data); err != nil {
		return nil, err
	} else if env.Kind != "" {
		if err := artifact.Decode(file, data, artifact.KindDeltaVerify, &d); err != nil {
			return nil, err
		}
		return &d, nil
	}
	if err := parse(file, artifact.TrimBOM(data), &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// stat reads one statistic: a finite number, else missing.
func stat(v any) *float64 {
	if f, ok, _ := num(v); ok && finite(f) {
		return &f
	}
	return nil
}

// integer reads a whole number.
func integer(v any) (int, bool) {
	f, ok := v.(float64)
	if !ok || f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
		return 0, false
	}
	return int(f), true
}
