package artifact

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// TuningReport is TUNING_REPORT.json: the ledger of a soak, one entry per
// iteration.
type TuningReport struct {
	SchemaVersion int                 `json:"schema_version"`
	Kind          Kind                `json:"kind"`
	Iterations    []Tuning            `json:"iterations"`
	Summary       TuningReportSummary `json:"summary"`

	Legacy bool `json:"-"`
}

// TuningReportSummary counts the ledger's outcomes.
type TuningReportSummary struct {
	Count   int            `json:"count"`
	Applied int            `json:"applied"`
	Guards  map[string]int `json:"guards"` // iterations in which each guard held something back
}

// Summarize recomputes Summary from Iterations.
func (r *TuningReport) Summarize() {
	s := TuningReportSummary{Count: len(r.Iterations), Guards: map[string]int{}}
	for _, it := range r.Iterations {
		if it.Applied {
			s.Applied++
		}
		for _, g := range it.Guards {
			s.Guards[g]++
		}
	}
	r.Summary = s
}

// DecodeTuningReport reads TUNING_REPORT.json of either format: ours
// strictly; the legacy object ({"iterations": [...]}) or bare list leniently.
func DecodeTuningReport(file string, data []byte) (*TuningReport, error) {
	var d Decoder
	return d.TuningReport(file, data)
}

// TuningReport is DecodeTuningReport.
func (dec *Decoder) TuningReport(file string, data []byte) (*TuningReport, error) {
	d := &dec.fast
	d.reset(TrimBOM(data))
	r := new(TuningReport)
	d.tuningReport(r)
	if d.done() && r.Kind == KindTuningReport && r.SchemaVersion >= 1 && r.SchemaVersion <= SchemaVersion {
		return r, nil
	}
	return decodeTuningReport(file, data)
}

func decodeTuningReport(file string, data []byte) (*TuningReport, error) {
	return decodeTuningReportPath(file, data, true)
}

// decodeTuningReportPath is decodeTuningReport; fast says whether a legacy
// ledger may take legacyReportFast (the tests compare the two paths).
func decodeTuningReportPath(file string, data []byte, fast bool) (*TuningReport, error) {
	trimmed := bytes.TrimLeft(TrimBOM(data), " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		if fast {
			if r, ok := legacyReportFast(sanitizeLegacy(data), true); ok {
				return r, nil
			}
		}
		return decodeLegacyReportList(file, data)
	}
	env, err := PeekEnvelope(file, data)
	if err != nil {
		return nil, err
	}
	if env.Kind == "" {
		if fast {
			if r, ok := legacyReportFast(sanitizeLegacy(data), false); ok {
				return r, nil
			}
		}
		m, err := decodeLegacyObject(file, data)
		if err != nil {
			return nil, err
		}
		list, ok := m["iterations"].([]any)
		if !ok {
			return nil, &Error{File: file, Line: lineOfKey(data, "iterations"), Err: fmt.Errorf("iterations: want a list")}
		}
		return legacyReport(file, sanitizeLegacy(data), list)
	}
	var r TuningReport
	if err := decodeStrict(file, TrimBOM(data), env, KindTuningReport, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func decodeLegacyReportList(file string, data []byte) (*TuningReport, error) {
	clean := sanitizeLegacy(data)
	dec := json.NewDecoder(bytes.NewReader(clean))
	dec.UseNumber()
	var list []any
	if err := dec.Decode(&list); err != nil {
		return nil, jsonError(file, clean, err)
	}
	if err := trailing(file, clean, dec); err != nil {
		return nil, err
	}
	return legacyReport(file, clean, list)
}

func legacyReport(file string, data []byte, list []any) (*TuningReport, error) {
	r := &TuningReport{SchemaVersion: SchemaVersion, Kind: KindTuningReport, Legacy: true}
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, &Error{File: file, Err: fmt.Errorf("iterations[%d]: want an object, got %s", i, jsonTypeName(e))}
		}
		t, err := legacyTuning(file, data, m)
		if err != nil {
			return nil, err
		}
		r.Iterations = append(r.Iterations, *t)
	}
	r.Summarize()
	return r, nil
}
