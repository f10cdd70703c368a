package canary

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/internal/release"
	"github.com/soakline/soakline/internal/safetext"
	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/pkg/artifact"
)

// Report files written into --out DIR.
const (
	ReportJSON = "CANARY_REPORT.json"
	ReportMD   = "CANARY_REPORT.md"
)

// Report is CANARY_REPORT.json: the state of the finished run under its
// own kind.
type Report State

func writeReport(dir string, st *State, plan *release.CanaryPlan) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	charts, err := Charts(st, plan)
	if err != nil {
		return err
	}
	if len(charts) > 0 {
		cd := filepath.Join(dir, ChartsDir)
		if fi, err := os.Lstat(cd); err == nil && !fi.IsDir() {
			return fmt.Errorf("%s: not a directory (a symlink or a file): the report's charts go there", cd)
		}
		if err := os.MkdirAll(cd, 0o755); err != nil {
			return err
		}
	}
	for _, c := range charts {
		if err := soakdir.WriteFile(filepath.Join(dir, filepath.FromSlash(c.File)), c.SVG, 0o644); err != nil {
			return err
		}
	}
	r := Report(*st)
	r.Kind = KindReport
	b, err := artifact.Marshal(r)
	if err != nil {
		return err
	}
	if err := soakdir.WriteFile(filepath.Join(dir, ReportJSON), b, 0o644); err != nil {
		return err
	}
	return soakdir.WriteFile(filepath.Join(dir, ReportMD), markdown(st, charts), 0o644)
}

// Markdown renders CANARY_REPORT.md: the outcome and why, what was done,
// the timeline (every evaluation: KPI values, triggers breached, the
// comparison with the baseline) and the queries.
func Markdown(st *State) []byte { return markdown(st, nil) }

func markdown(st *State, charts []Chart) []byte {
	var b strings.Builder
	line := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	txt := safetext.MarkdownText
	cell := safetext.MarkdownTableCell
	code := safetext.MarkdownCode
	line("# Canary report: %s", txt(st.Tag))
	line("")
	line("- Outcome: **%s**", st.Outcome)
	line("- Version: %s", txt(st.Version))
	line("- Canary selector: %s", code(st.Canary))
	if st.Baseline != "" {
		line("- Baseline selector: %s", code(st.Baseline))
	}
	mode := "live"
	if st.Replay {
		mode = "replay of recorded data"
	}
	line("- Run: %s from %s, every %s, promote after %s clean, give up after %s", mode, st.Start.Format(time.RFC3339), st.Interval, st.MinDuration, st.MaxDuration)
	line("- Plan sha256: %s", st.PlanSHA256)
	for _, ev := range st.Evaluations {
		if ev.Decision != Continue {
			line("- Decided at evaluation %d (%s, +%s): %s — %s", ev.Index, ev.Time.Format(time.RFC3339), ev.Elapsed, ev.Decision, txt(strings.Join(ev.Reasons, "; ")))
			break
		}
	}
	if rb := st.Rollback; rb != nil {
		line("")
		line("## Rollback")
		line("")
		if rb.Overrides != "" {
			line("- Overrides %s restored from %s: %v", code(rb.Overrides), code(rb.RestoredFrom), rb.Restored)
		} else {
			line("- No overrides file was given: restore the pre-release overrides by hand")
		}
		if len(rb.Command) > 0 {
			line("- --on-rollback %s: %s", code(strings.Join(rb.Command, " ")), txt(rb.HookResult))
		}
	}
	line("")
	line("## Timeline")
	line("")
	var kpis []string
	if len(st.Evaluations) > 0 {
		for _, kv := range st.Evaluations[0].KPIs {
			kpis = append(kpis, cell(kv.KPI))
		}
	}
	head := []string{"#", "time", "elapsed", "decision"}
	head = append(head, kpis...)
	head = append(head, "triggers breached", "baseline", "reasons")
	line("| %s |", strings.Join(head, " | "))
	line("|%s", strings.Repeat("---|", len(head)))
	for _, ev := range st.Evaluations {
		row := []string{fmt.Sprint(ev.Index), ev.Time.Format(time.RFC3339), ev.Elapsed, ev.Decision}
		for _, kv := range ev.KPIs {
			if kv.Value != nil {
				row = append(row, numfmt.Significant.Format(*kv.Value))
			} else {
				row = append(row, "no data")
			}
		}
		var br []string
		for _, t := range ev.Triggers {
			if t.Breached {
				s := fmt.Sprintf("%s (%d/%d of %d)", t.Name, t.Hits, t.Count, t.Of)
				if t.Fired {
					s += " FIRED"
				}
				br = append(br, s)
			}
		}
		var cmp []string
		for _, c := range ev.Compare {
			cmp = append(cmp, c.KPI+" "+c.Class)
		}
		row = append(row, cell(strings.Join(br, ", ")), cell(strings.Join(cmp, ", ")), cell(strings.Join(ev.Reasons, "; ")))
		line("| %s |", strings.Join(row, " | "))
	}
	if len(charts) > 0 {
		line("")
		line("## Charts")
		line("")
		for _, c := range charts {
			line("![%s](%s)", txt(c.KPI), c.File)
			line("")
		}
	}
	if len(st.Evaluations) > 0 {
		line("")
		line("## Queries")
		line("")
		ev := st.Evaluations[0]
		for _, kv := range ev.KPIs {
			line("- %s: %s", txt(kv.KPI), code(kv.Query))
		}
		for _, c := range ev.Compare {
			line("- %s samples: canary %s, baseline %s", txt(c.KPI), code(c.Query), code(c.BaselineQuery))
		}
	}
	return []byte(b.String())
}
