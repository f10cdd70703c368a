package soakrun

import (
	"os"
	"path/filepath"

	"github.com/soakline/soakline/pkg/artifact"
)

// noteInput records in an --exec iteration's summary which file its KPIs
// were computed from, and says on standard error when the command left both
// events.jsonl and EDGE_REPORT.json: readOutput reads events.jsonl then,
// and only then (an events.jsonl without events is a failed iteration), so
// a summary with events came from it and one without from the legacy file.
func (r *runner) noteInput(sum *artifact.IterationSummary, dir string) {
	if sum.Mode != artifact.ModeExec || sum.Status != artifact.StatusOK || dir == "" || sum.Summary.Input == KPISourcePrometheus {
		return
	}
	if sum.Summary.Events == 0 {
		sum.Summary.Input = EdgeReportFile
		return
	}
	sum.Summary.Input = EventsFile
	if fi, err := os.Lstat(filepath.Join(dir, EdgeReportFile)); err == nil && !fi.IsDir() {
		r.progress.note("iteration %d: the command left both %s and %s; the KPIs are from %s, %s was not read",
			sum.Iteration, EventsFile, EdgeReportFile, EventsFile, EdgeReportFile)
	}
}
