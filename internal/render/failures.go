package render

import (
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/internal/redact"
	"github.com/soakline/soakline/pkg/artifact"
)

// maxEvidenceRows caps the per-iteration table of one failed check.
const maxEvidenceRows = 50

// failures builds FAILURES.md: every failed or unjudgeable check with its
// evidence, and every failed iteration with its cause.
func (m *model) failures() *Doc {
	d := &Doc{Title: "Failures"}
	d.add(Para{Strong: "Verdict: " + m.v.Verdict, Text: reasonText(m.v)})
	var failed, inconclusive, warned []*artifact.Check
	for i := range m.v.Checks {
		c := &m.v.Checks[i]
		switch c.Status {
		case artifact.CheckFail:
			failed = append(failed, c)
		case artifact.CheckInconclusive:
			inconclusive = append(inconclusive, c)
		case artifact.CheckWarn:
			warned = append(warned, c)
		}
	}
	if len(failed)+len(inconclusive)+len(m.failed) == 0 {
		text := fmt.Sprintf("No failures: %s passed or warned, and %s finished.", plural(len(m.v.Checks), "check", "checks"), plural(len(m.iters), "iteration", "iterations"))
		if len(m.v.Checks) == 0 {
			text = fmt.Sprintf("No failures: the verdict has no failed check, and %s finished.", plural(len(m.iters), "iteration", "iterations"))
		}
		d.add(Para{Strong: "No failures.", Text: strings.TrimPrefix(text, "No failures: ")})
	}
	if len(failed) > 0 {
		d.add(Heading{2, "Failed checks"})
		for _, c := range failed {
			m.checkSection(d, c)
		}
	}
	if len(inconclusive) > 0 {
		d.add(Heading{2, "Checks that could not be judged"})
		for _, c := range inconclusive {
			m.checkSection(d, c)
		}
	}
	if len(m.failed) > 0 {
		d.add(Heading{2, "Failed iterations"})
		for _, it := range m.failed {
			d.add(Heading{3, "Iteration " + strconv.Itoa(it.Iteration)})
			items := []string{"File: " + m.fileName(it)}
			if it.Failure != nil {
				items = append(items, "Cause: "+dash(redact.Text(it.Failure.Reason)))
				if it.Failure.ExitCode != nil {
					items = append(items, "Exit code: "+strconv.Itoa(*it.Failure.ExitCode))
				}
			} else {
				items = append(items, "Cause: not recorded")
			}
			if it.StartedAt != "" {
				items = append(items, "Started: "+it.StartedAt)
			}
			if it.DurationMs > 0 {
				items = append(items, "Duration: "+strconv.FormatInt(it.DurationMs, 10)+" ms")
			}
			d.add(List{items})
			if it.Failure != nil && it.Failure.StderrTail != "" {
				d.add(Para{Text: "Standard error (tail):"})
				// A soak written elsewhere may carry an unredacted tail.
				d.add(Code{redact.Text(it.Failure.StderrTail)})
			}
		}
	}
	if len(warned) > 0 {
		d.add(Heading{2, "Warnings (not failures)"})
		items := make([]string, len(warned))
		for i, c := range warned {
			items[i] = c.Name + ": " + checkEvidence(c) + reasonSuffix(c)
		}
		d.add(List{items})
	}
	return d
}

func reasonSuffix(c *artifact.Check) string {
	if c.Reason == "" {
		return ""
	}
	return " - " + c.Reason
}

func (m *model) fileName(it *artifact.IterationSummary) string {
	if it.File == "" {
		return artifact.IterationFileName(it.Iteration)
	}
	if m.in.Soak.Dir != "" {
		return filepath.ToSlash(filepath.Join(m.in.Soak.Dir, filepath.Base(it.File)))
	}
	return it.File // a stream: its name
}

// checkSection explains one check: its evidence line, its reason, and for
// a KPI check the window's values per iteration against the threshold.
func (m *model) checkSection(d *Doc, c *artifact.Check) {
	d.add(Heading{3, c.Name + ": " + c.Status})
	items := []string{"Evidence: " + checkEvidence(c)}
	if c.Reason != "" {
		items = append(items, "Reason: "+c.Reason)
	}
	d.add(List{items})
	if c.KPI == "" {
		return
	}
	var s *kpiSeries
	for _, k := range m.kpis {
		if k.name == c.KPI {
			s = k
		}
	}
	if s == nil || len(m.winIdx) == 0 {
		return
	}
	t := Table{Head: []string{"iteration", c.KPI, "vs threshold", "file"}, Right: []int{0, 1}}
	rows, breaches := 0, 0
	for _, i := range m.winIdx {
		v := s.values[i]
		status := "ok"
		switch {
		case m.iters[i].Status == artifact.StatusFailed:
			status = "failed iteration"
		case math.IsNaN(v):
			status = "missing"
		case c.Direction == ">=" && v < c.Threshold, c.Direction == "<=" && v > c.Threshold:
			status = "breach"
		}
		if status != "ok" {
			breaches++
		}
		// Long windows list only the breaches and missing values.
		if len(m.winIdx) > maxEvidenceRows && status == "ok" {
			continue
		}
		if rows == maxEvidenceRows {
			continue
		}
		rows++
		t.Rows = append(t.Rows, []string{strconv.Itoa(m.nums[i]), numfmt.Table.Format(v, numfmt.Levels(c)...), status, filepath.Base(m.fileName(m.iters[i]))})
	}
	d.add(Para{Text: fmt.Sprintf("Per iteration in the window (%d of %d breach the threshold %s %s or are missing):", breaches, len(m.winIdx), c.Direction, numfmt.Level.Format(c.Threshold))})
	if len(t.Rows) > 0 {
		d.add(t)
	}
	if shown := len(t.Rows); shown < breaches {
		d.add(Para{Text: fmt.Sprintf("%d more not listed.", breaches-shown)})
	}
}
