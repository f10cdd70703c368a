package artifact

import (
	"io"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
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

// DecodeTuningReport decodes TUNING_REPORT.json of ours strictly.
// internal/legacy reads the Python toolkit's.
func DecodeTuningReport(file string, data []byte) (*TuningReport, error) {
	r := new(TuningReport)
	if err := Decode(file, data, KindTuningReport, r); err != nil {
		return nil, err
	}
	return r, nil
}

// ReadTuningReport is DecodeTuningReport reading from r as the ledger is
// decoded, rather than holding it whole: the ledger of a long soak is large
// (85 MB at 100,000 iterations). A ledger the stream does not decode is
// read again whole from the start, for DecodeTuningReport to say where it
// is wrong.
func ReadTuningReport(file string, r io.ReadSeeker) (*TuningReport, error) {
	rep := new(TuningReport)
	dec := jsontext.NewDecoder(r)
	if jsonv2.UnmarshalDecode(dec, rep, strict) == nil && Header(rep.Kind).Check(KindTuningReport) == nil && rep.SchemaVersion == SchemaVersion {
		if _, err := dec.ReadToken(); err == io.EOF {
			return rep, nil
		}
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, PathError(file, err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, PathError(file, err)
	}
	return DecodeTuningReport(file, data)
}
