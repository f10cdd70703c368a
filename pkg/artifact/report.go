package artifact

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
