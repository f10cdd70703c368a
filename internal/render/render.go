// Package render turns a soak and its verdict into the soak-reports files:
// POST_SOAK_SNAPSHOT.json (the verdict as given),
// DELTA_VERIFY_REPORT.json and .md (the same bytes soak-gate --out
// writes), POST_SOAK_AUDIT.md, RECOMMENDATIONS.md, FAILURES.md, one SVG
// chart per KPI and, on request, a self-contained REPORT.html with the
// same content and the charts inline.
//
// It judges nothing: the verdict comes from the judge package (the same
// code soak-gate runs) or from a file, and render only explains it. It is
// pure: no clock, no files, no environment; the same input gives the same
// bytes.
//
// Every markdown report ends with the provenance line
// (provenance.Line): the soak's digest and the sha256 of the
// snapshot bytes it renders, so that a report can be tied to its verdict.
package render

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/soakline/soakline/internal/chart"
	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/internal/provenance"
	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/pkg/artifact"
)

// File names of the reports.
const (
	SnapshotFile        = artifact.SnapshotFile
	AuditFile           = "POST_SOAK_AUDIT.md"
	RecommendationsFile = "RECOMMENDATIONS.md"
	FailuresFile        = "FAILURES.md"
	HTMLFile            = "REPORT.html"
	ChartsDir           = "charts"
)

// Input is what the reports are made from.
type Input struct {
	Soak    *soakdir.Soak
	Verdict *artifact.Verdict
	// Snapshot is the verdict's bytes as POST_SOAK_SNAPSHOT.json holds
	// them (soak-gate's file, unchanged); nil: artifact.Marshal(Verdict).
	// The reports' provenance names their sha256.
	Snapshot []byte
	// JudgedBy says who made the verdict, for the audit's overview:
	// "soak-gate" or "soak-reports"; "" says nothing.
	JudgedBy string
	// Tuning is the tuner's rule and bounds tables the recommendations
	// and the audit's bound warnings draw on (render/tunerdata makes it);
	// nil: none, and the recommendations say that no rule applies.
	Tuning *Tuning
	// Notes are extra data-quality notes from the caller (e.g. a verdict
	// given with --verdict that was computed over other data).
	Notes []string
	// HTML adds REPORT.html.
	HTML bool
	// GeneratedAt is the reports' timestamp ("" for the verdict's own).
	GeneratedAt string
}

// DeltaVerifyFile is the delta verification report soak-gate --out
// writes too (DeltaVerifyMDFile is its markdown form).
const DeltaVerifyFile = artifact.DeltaVerifyFile

// IsOutputName reports whether name (slash-separated, relative to the
// output directory) is one Render produces in some run: a report, the
// snapshot, the delta verification report, REPORT.html, or a chart
// charts/<kpi>.svg. soak-reports never writes or deletes another name.
func IsOutputName(name string) bool {
	switch name {
	case SnapshotFile, DeltaVerifyFile, DeltaVerifyMDFile, AuditFile, RecommendationsFile, FailuresFile, HTMLFile:
		return true
	}
	dir, file, ok := strings.Cut(name, "/")
	if !ok || dir != ChartsDir {
		return false
	}
	kpi, ok := strings.CutSuffix(file, ".svg")
	return ok && kpi != "" && strings.Trim(kpi, "abcdefghijklmnopqrstuvwxyz0123456789_") == ""
}

// File is one output file; Name is slash-separated, relative to the
// output directory.
type File struct {
	Name string
	Data []byte
}

// Render produces every report file, in a fixed order: the snapshot, the
// delta verification report (JSON, markdown), the three Markdown reports,
// the charts (by KPI order), then REPORT.html.
func Render(in Input) ([]File, error) {
	if in.Soak == nil || in.Verdict == nil {
		return nil, fmt.Errorf("render: need a soak and a verdict")
	}
	m := newModel(in)
	snap := in.Snapshot
	if snap == nil {
		var err error
		if snap, err = artifact.Marshal(in.Verdict); err != nil {
			return nil, err
		}
	}
	// soak-gate --out writes these two from the same verdict with the
	// same code: the bytes agree.
	delta, err := artifact.Marshal(in.Verdict.DeltaVerification)
	if err != nil {
		return nil, err
	}
	snapDigest := artifact.Hash(snap)
	prov := provenance.Line(in.Verdict.Source.Digest, snapDigest)
	md := func(d *Doc) []byte { return append(append(d.Markdown(), '\n'), prov...) }
	// The charts are drawn while the reports are written: the audit only
	// names them.
	charts := m.chartPlan()
	svgs := make([][]byte, len(charts))
	var drawing errgroup.Group
	drawing.Go(func() error { return m.drawCharts(charts, svgs) })
	audit, recs, fails := m.audit(charts), m.recommendations(), m.failures()
	if err := drawing.Wait(); err != nil {
		return nil, err
	}
	for i := range charts {
		charts[i].svg = svgs[i]
	}
	files := []File{
		{SnapshotFile, snap},
		{DeltaVerifyFile, delta},
		{DeltaVerifyMDFile, DeltaMarkdown(in.Verdict, snapDigest)},
		{AuditFile, md(audit)},
		{RecommendationsFile, md(recs)},
		{FailuresFile, md(fails)},
	}
	images := map[string][]byte{}
	for _, c := range charts {
		files = append(files, File{c.src, c.svg})
		images[c.src] = c.svg
	}
	if in.HTML {
		files = append(files, File{HTMLFile, page(in.Verdict, []*Doc{audit, recs, fails}, images)})
	}
	return files, nil
}

// kpiSeries is one KPI over the soak, aligned with model.iters.
type kpiSeries struct {
	name   string
	values []float64 // NaN where missing
	n      int       // finite values
	check  *artifact.Check
	// outcome is the worst status of the checks that judge the KPI (FAIL,
	// INCONCLUSIVE, WARN, PASS; "": none does), the colour of its chart's
	// judged window.
	outcome string
}

type model struct {
	in     Input
	v      *artifact.Verdict
	iters  []*artifact.IterationSummary
	nums   []int
	inWin  []bool // per iteration: in the judged window
	winIdx []int  // indexes of the window's iterations
	kpis   []*kpiSeries
	ledger []artifact.Tuning
	tuning Tuning
	failed []*artifact.IterationSummary
}

func newModel(in Input) *model {
	m := &model{in: in, v: in.Verdict, iters: in.Soak.Iterations}
	if in.Tuning != nil {
		m.tuning = *in.Tuning
	}
	m.nums = make([]int, len(m.iters))
	m.inWin = make([]bool, len(m.iters))
	window := map[int]bool{}
	for _, n := range m.v.IterationsAnalyzed {
		window[n] = true
	}
	if len(window) == 0 && m.v.Window.First > 0 {
		for n := m.v.Window.First; n <= m.v.Window.Last; n++ {
			window[n] = true
		}
	}
	for i, it := range m.iters {
		m.nums[i] = it.Iteration
		if window[it.Iteration] {
			m.inWin[i] = true
			m.winIdx = append(m.winIdx, i)
		}
		if it.Status == artifact.StatusFailed {
			m.failed = append(m.failed, it)
		}
	}
	// The KPIs: every known KPI that has a value somewhere or that a check
	// judges, in artifact.KPINames order.
	checked := map[string]*artifact.Check{}
	outcome := map[string]string{}
	for i := range m.v.Checks {
		c := &m.v.Checks[i]
		if c.KPI != "" && checked[c.KPI] == nil {
			checked[c.KPI] = c
		}
		if c.KPI != "" && severity(c.Status) > severity(outcome[c.KPI]) {
			outcome[c.KPI] = c.Status
		}
	}
	for k := range artifact.KPIs {
		def := &artifact.KPIs[k]
		name := def.Name
		s := &kpiSeries{name: name, values: make([]float64, len(m.iters)), check: checked[name], outcome: outcome[name]}
		for i, it := range m.iters {
			v, ok := def.Value(&it.Summary)
			if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
				s.values[i] = math.NaN()
				continue
			}
			s.values[i] = v
			s.n++
		}
		if s.n > 0 || s.check != nil {
			m.kpis = append(m.kpis, s)
		}
	}
	// The ledger: TUNING_REPORT.json when there is one, else the tuning
	// records of the iteration summaries.
	if in.Soak.Report != nil {
		m.ledger = in.Soak.Report.Iterations
	} else {
		for _, it := range m.iters {
			if it.Tuning != nil {
				t := *it.Tuning
				if t.Iteration == 0 {
					t.Iteration = it.Iteration
				}
				m.ledger = append(m.ledger, t)
			}
		}
	}
	return m
}

// severity orders check statuses for a chart's window colour: a FAIL
// shows over an INCONCLUSIVE, that over a WARN, that over a PASS; SKIP
// and "" judge nothing.
func severity(status string) int {
	switch status {
	case artifact.CheckPass:
		return 1
	case artifact.CheckWarn:
		return 2
	case artifact.CheckInconclusive:
		return 3
	case artifact.CheckFail:
		return 4
	}
	return 0
}

// window returns the finite values of s in the judged window.
func (m *model) windowValues(s *kpiSeries) []float64 {
	out := make([]float64, 0, len(m.winIdx))
	for _, i := range m.winIdx {
		if v := s.values[i]; !math.IsNaN(v) {
			out = append(out, v)
		}
	}
	return out
}

func finite(xs []float64) []float64 {
	out := make([]float64, 0, len(xs))
	for _, v := range xs {
		if !math.IsNaN(v) {
			out = append(out, v)
		}
	}
	return out
}

type chartFile struct {
	kpi, src string
	series   *kpiSeries
	svg      []byte // set once drawCharts is done
}

// chartPlan names the charts: one per KPI with a value.
func (m *model) chartPlan() []chartFile {
	var out []chartFile
	for _, s := range m.kpis {
		if s.n > 0 {
			out = append(out, chartFile{kpi: s.name, src: ChartsDir + "/" + s.name + ".svg", series: s})
		}
	}
	return out
}

// drawCharts draws the charts of plan, two at a time, into svgs (indexed
// like plan, which it only reads: the audit reads it meanwhile).
func (m *model) drawCharts(plan []chartFile, svgs [][]byte) error {
	var applies []int
	for _, t := range m.ledger {
		if t.Applied {
			applies = append(applies, t.Iteration)
		}
	}
	slices.Sort(applies)
	var g errgroup.Group
	g.SetLimit(2)
	for i := range plan {
		s := plan[i].series
		g.Go(func() error {
			ser := chart.Series{
				KPI: s.name, Unit: artifact.KPIUnit(s.name), Iterations: m.nums, Values: s.values, Applies: applies,
				WindowFirst: m.v.Window.First, WindowLast: m.v.Window.Last, Outcome: s.outcome,
			}
			if len(m.winIdx) > 0 {
				ser.WindowFirst, ser.WindowLast = m.nums[m.winIdx[0]], m.nums[m.winIdx[len(m.winIdx)-1]]
			}
			if c := s.check; c != nil {
				th := c.Threshold
				ser.Threshold, ser.Direction, ser.Warn = &th, c.Direction, c.Warn
			}
			svg, err := chart.SVG(ser, chart.Options{})
			if err != nil {
				return fmt.Errorf("chart %s: %w", s.name, err)
			}
			svgs[i] = svg
			return nil
		})
	}
	return g.Wait()
}

// checkValue is a check's value for people: TableNumbers against its levels.
func checkValue(c *artifact.Check) string {
	if c.Value == nil {
		return "n/a"
	}
	return numfmt.Table.Format(*c.Value, numfmt.Levels(c)...)
}

// kpiLevels are the levels of every check that judges kpi.
func (m *model) kpiLevels(kpi string) []float64 {
	var ls []float64
	for i := range m.v.Checks {
		if c := &m.v.Checks[i]; c.KPI == kpi {
			ls = append(ls, numfmt.Levels(c)...)
		}
	}
	return ls
}

// ranges compresses ascending iteration numbers: "1-3, 7, 9-10". With more
// than limit runs it ends in "... (N more)".
func ranges(ns []int, limit int) string {
	var parts []string
	for i := 0; i < len(ns); {
		j := i
		for j+1 < len(ns) && ns[j+1] == ns[j]+1 {
			j++
		}
		if i == j {
			parts = append(parts, strconv.Itoa(ns[i]))
		} else {
			parts = append(parts, strconv.Itoa(ns[i])+"-"+strconv.Itoa(ns[j]))
		}
		i = j + 1
	}
	if limit > 0 && len(parts) > limit {
		more := len(parts) - limit
		parts = append(parts[:limit], fmt.Sprintf("... (%d more)", more))
	}
	return strings.Join(parts, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// checkEvidence says in one line what a check measured and against what.
func checkEvidence(c *artifact.Check) string {
	var b strings.Builder
	if c.KPI != "" {
		stat := c.Statistic
		if stat == "" {
			stat = "value"
		}
		fmt.Fprintf(&b, "%s %s = %s", stat, c.KPI, checkValue(c))
	} else {
		fmt.Fprintf(&b, "%s = %s", c.Name, checkValue(c))
	}
	if c.WindowFirst > 0 {
		fmt.Fprintf(&b, " over iterations %d-%d", c.WindowFirst, c.WindowLast)
	}
	fmt.Fprintf(&b, " (n=%d), threshold %s %s", c.N, c.Direction, numfmt.Level.Format(c.Threshold))
	if c.Warn != nil {
		fmt.Fprintf(&b, ", warn %s %s", c.Direction, numfmt.Level.Format(*c.Warn))
	}
	fmt.Fprintf(&b, ": %s", c.Status)
	return b.String()
}

// verdictLine is the verdict and its reason in one line.
func verdictLine(v *artifact.Verdict) string {
	if v.Reason == "" {
		return v.Verdict
	}
	return v.Verdict + " - " + v.Reason
}
