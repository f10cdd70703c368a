package render

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/internal/stats"
	"github.com/soakline/soakline/pkg/artifact"
)

// audit builds POST_SOAK_AUDIT.md.
func (m *model) audit(charts []chartFile) *Doc {
	d := &Doc{Title: "Post-soak audit"}
	v := m.v
	src := v.Source.Path
	if src == "" {
		src = m.in.Soak.Path
	}
	head := "Source: " + src
	if m.in.Soak.Legacy || v.Source.Legacy {
		head += " (legacy Python toolkit format)"
	}
	if at := m.in.GeneratedAt; at != "" {
		head += ". Generated: " + at
	} else if v.GeneratedAt != "" {
		head += ". Generated: " + v.GeneratedAt
	}
	if v.ToolVersion != "" {
		head += ". soakline " + v.ToolVersion
	}
	d.add(Para{Text: head + "."})

	// 1. Overview.
	m.overview(d)

	// 2. Checks.
	m.checksTable(d)

	// 3. KPI table, all iterations vs the judged window.
	d.add(Heading{2, "3. KPIs: all iterations vs judged window"})
	t := Table{Head: []string{"KPI", "iterations", "n", "mean", "median", "min", "max", "trend"}, Right: []int{2, 3, 4, 5, 6}}
	for _, s := range m.kpis {
		all := finite(s.values)
		win := m.windowValues(s)
		ls := m.kpiLevels(s.name)
		t.Rows = append(t.Rows, statsRow(s.name, "all "+m.allSpan(), all, ls), statsRow("", "window "+m.windowSpan(), win, ls))
	}
	d.add(t)
	d.add(Para{Text: "Trend: " + stats.TrendMethod + ". The slope is per iteration."})

	// 4. Sparklines.
	d.add(Heading{2, "4. Sparklines"})
	d.add(Para{Text: "One character per iteration (or per equal bucket of iterations, averaged, when there are more than " + strconv.Itoa(sparkWidth) + "), scaled from the KPI's minimum ('" + string(sparkChars[0]) + "') to its maximum ('" + string(sparkChars[len(sparkChars)-1]) + "'); '?' is a bucket without a value. The last line marks the judged window with W."})
	d.add(Code{m.sparklines()})

	// 5. Guard activity.
	m.guardSection(d)

	// 6. Tuning ledger in short.
	d.add(Heading{2, "6. Tuning ledger"})
	m.ledgerSection(d)

	// 7. Anomalies and peaks.
	d.add(Heading{2, "7. Anomalies and peaks"})
	m.anomalies(d)

	// 8. Data quality.
	d.add(Heading{2, "8. Data quality"})
	if notes := m.dataQuality(); len(notes) == 0 {
		d.add(Para{Text: "No data-quality issues: no gaps, no missing KPIs, no failed iterations."})
	} else {
		d.add(List{notes})
	}

	// 9. Charts.
	d.add(Heading{2, "9. Charts"})
	if len(charts) == 0 {
		d.add(Para{Text: "No KPI has a value: nothing to chart."})
	} else {
		d.add(Para{Text: "Value per iteration, in the KPI's unit (named on the y axis); dashed red: the fail threshold (orange: warn), its value on the axis and the line; shaded: the judged window, coloured by the outcome of the KPI's check (green PASS, amber WARN, red FAIL, grey INCONCLUSIVE, blue-grey when no check judges the KPI); purple triangles: iterations after which tuning applied a change. Long soaks are drawn from the minimum and maximum of each of 500 buckets."})
		for _, c := range charts {
			d.add(Image{Alt: "Chart of " + c.kpi + " per iteration", Src: c.src, Caption: m.chartCaption(c.kpi)})
		}
	}
	return d
}

// overview is the audit's section 1.
func (m *model) overview(d *Doc) {
	v := m.v
	d.add(Heading{2, "1. Overview"})
	items := []string{
		"Iterations: " + m.iterationsLine(),
		"Judged window: " + m.windowLine(),
		"Time range: " + m.timeRange(),
	}
	pol := v.Policy.Name
	if v.Policy.Source != "" {
		pol += " (" + v.Policy.Source + ")"
	}
	if v.Policy.Digest != "" {
		pol += ", digest " + short(v.Policy.Digest)
	}
	items = append(items, "Policy: "+pol)
	if m.in.JudgedBy != "" {
		items = append(items, "Judged by: "+m.in.JudgedBy+", "+settingsText(v.Settings))
	}
	items = append(items, "Freeze ready: "+yesNo(v.FreezeReady))
	d.add(List{items})
	d.add(Para{Strong: "Verdict: " + v.Verdict, Text: reasonText(v)})
}

// checksTable is the audit's section 2: every check with its value and
// levels.
func (m *model) checksTable(d *Doc) {
	v := m.v
	d.add(Heading{2, "2. Checks"})
	if len(v.Checks) == 0 {
		d.add(Para{Text: "The verdict lists no checks."})
	} else {
		t := Table{Head: []string{"check", "KPI", "statistic", "value", "threshold", "n", "status"}, Right: []int{3, 5}, ID: "checks"}
		for i := range v.Checks {
			c := &v.Checks[i]
			th := c.Direction + " " + numfmt.Level.Format(c.Threshold)
			if c.Warn != nil {
				th += " (warn " + numfmt.Level.Format(*c.Warn) + ")"
			}
			t.Rows = append(t.Rows, []string{c.Name, dash(c.KPI), dash(c.Statistic), checkValue(c), th, strconv.Itoa(c.N), c.Status})
			t.RowStatus = append(t.RowStatus, c.Status)
		}
		d.add(t)
	}
}

// guardSection is the audit's section 5: how often each guard fired, and
// in which iterations.
func (m *model) guardSection(d *Doc) {
	d.add(Heading{2, "5. Guard activity"})
	guards := m.guardActivity()
	if len(guards) == 0 {
		if len(m.ledger) == 0 {
			d.add(Para{Text: "No tuning ledger: no guard data (the soak ran without --auto-tune, or its TUNING_REPORT.json is absent)."})
		} else {
			d.add(Para{Text: "No guard fired in " + plural(len(m.ledger), "ledger entry", "ledger entries") + "."})
		}
	} else {
		t := Table{Head: []string{"guard", "fired", "iterations"}, Right: []int{1}}
		for _, g := range guards {
			t.Rows = append(t.Rows, []string{g.name, strconv.Itoa(len(g.iters)), ranges(g.iters, 20)})
		}
		d.add(t)
	}
}

// chartCaption says how a chart's KPI was judged: each check of it with
// its evidence and status, or that none judges it.
func (m *model) chartCaption(kpi string) string {
	var parts []string
	for i := range m.v.Checks {
		if c := &m.v.Checks[i]; c.KPI == kpi {
			parts = append(parts, "Check "+c.Name+": "+checkEvidence(c)+".")
		}
	}
	if len(parts) == 0 {
		return "No check of the policy judges this KPI; it is shown for context over iterations " + m.allSpan() + "."
	}
	return strings.Join(parts, " ")
}

func reasonText(v *artifact.Verdict) string {
	if v.Reason == "" {
		return ""
	}
	return "- " + v.Reason
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// settingsText names the settings a verdict was judged with.
func settingsText(s artifact.Settings) string {
	var parts []string
	if s.Strict {
		parts = append(parts, "--strict")
	}
	if s.Mock {
		parts = append(parts, "mock policy")
	}
	if s.LastN > 0 {
		parts = append(parts, "--last-n "+strconv.Itoa(s.LastN))
	}
	if s.Warmup != "" {
		parts = append(parts, "--warmup "+s.Warmup)
	}
	if s.CompareBaseline != "" {
		parts = append(parts, "--compare baseline "+short(s.CompareBaseline))
	}
	if len(parts) == 0 {
		return "no settings beyond the policy"
	}
	return "settings: " + strings.Join(parts, ", ")
}

func short(digest string) string {
	if algo, hex, ok := strings.Cut(digest, ":"); ok {
		return algo + ":" + short(hex)
	}
	if len(digest) > 12 {
		return digest[:12]
	}
	return digest
}

func (m *model) iterationsLine() string {
	n := len(m.iters)
	if n == 0 {
		return "none"
	}
	s := fmt.Sprintf("%d (%d-%d)", n, m.nums[0], m.nums[n-1])
	if len(m.failed) > 0 {
		s += ", " + plural(len(m.failed), "failed", "failed")
	}
	return s
}

func (m *model) allSpan() string {
	if len(m.nums) == 0 {
		return "(none)"
	}
	return fmt.Sprintf("%d-%d", m.nums[0], m.nums[len(m.nums)-1])
}

func (m *model) windowSpan() string {
	if len(m.winIdx) == 0 {
		return "(none)"
	}
	return fmt.Sprintf("%d-%d", m.nums[m.winIdx[0]], m.nums[m.winIdx[len(m.winIdx)-1]])
}

func (m *model) windowLine() string {
	w := m.v.Window
	if len(m.winIdx) == 0 {
		return fmt.Sprintf("none (policy window %d)", w.Size)
	}
	s := fmt.Sprintf("%s (%s, policy window %d", m.windowSpan(), plural(len(m.winIdx), "iteration", "iterations"), w.Size)
	if w.WarmupCut > 0 {
		s += fmt.Sprintf(", iterations 1-%d trimmed as warm-up", w.WarmupCut)
	}
	return s + ")"
}

// timeRange is from the first iteration's start to the last one's end, on
// the soak's clock.
func (m *model) timeRange() string {
	var first, last *artifact.IterationSummary
	for _, it := range m.iters {
		if it.StartedAt != "" {
			if first == nil {
				first = it
			}
			last = it
		}
	}
	if first == nil {
		return "not recorded"
	}
	end := last.StartedAt
	if t, err := time.Parse(time.RFC3339Nano, last.StartedAt); err == nil && last.DurationMs > 0 {
		end = t.Add(time.Duration(last.DurationMs) * time.Millisecond).UTC().Format(time.RFC3339)
	}
	if end == first.StartedAt {
		return first.StartedAt + " (every iteration carries this same time)"
	}
	s := first.StartedAt + " to " + end
	if t0, err := time.Parse(time.RFC3339Nano, first.StartedAt); err == nil {
		if t1, err := time.Parse(time.RFC3339Nano, end); err == nil && t1.After(t0) {
			s += " (" + t1.Sub(t0).Round(time.Second).String() + ")"
		}
	}
	return s
}

// statsRow is one row of the KPI table over xs, which it reorders (the
// median last, in place: the rows of a 100,000-iteration soak copied 25 MB).
// Values are shown against levels, the levels of the checks that judge the
// KPI (TableNumbers against them).
func statsRow(name, scope string, xs []float64, levels []float64) []string {
	if len(xs) == 0 {
		return []string{name, scope, "0", "n/a", "n/a", "n/a", "n/a", "no data"}
	}
	tr := stats.Trend(xs)
	trend := tr.Direction
	if !math.IsNaN(tr.Slope) {
		trend += " (slope " + numfmt.Table.Format(tr.Slope) + ")"
	}
	near := func(v float64) string { return numfmt.Table.Format(v, levels...) }
	mean, lo, hi := near(stats.Mean(xs)), near(stats.Min(xs)), near(stats.Max(xs))
	return []string{name, scope, strconv.Itoa(len(xs)), mean, near(stats.QuantileInPlace(xs, 0.5)), lo, hi, trend}
}

// Sparklines use ten ASCII levels so that they render in any console,
// including Windows code pages.
const (
	sparkChars = " .:-=+*#%@"
	sparkWidth = 60
)

// Sparkline draws xs (NaN: missing) in at most width characters: values
// are averaged per equal bucket and scaled between lo and hi.
func Sparkline(xs []float64, width int, lo, hi float64) string {
	n := len(xs)
	if n == 0 {
		return ""
	}
	if width > n {
		width = n
	}
	out := make([]byte, width)
	for b := range width {
		start, end := b*n/width, (b+1)*n/width
		var sum float64
		var k int
		for _, v := range xs[start:end] {
			if !math.IsNaN(v) {
				sum += v
				k++
			}
		}
		if k == 0 {
			out[b] = '?'
			continue
		}
		level := len(sparkChars) - 1
		if hi > lo {
			level = int(math.Round((sum/float64(k) - lo) / (hi - lo) * float64(len(sparkChars)-1)))
		}
		level = max(0, min(level, len(sparkChars)-1))
		out[b] = sparkChars[level]
	}
	return string(out)
}

func (m *model) sparklines() string {
	nameW := len("window")
	for _, s := range m.kpis {
		nameW = max(nameW, len(s.name))
	}
	var b strings.Builder
	width := min(len(m.iters), sparkWidth)
	for _, s := range m.kpis {
		all := finite(s.values)
		lo, hi := math.NaN(), math.NaN()
		if len(all) > 0 {
			lo, hi = stats.Min(all), stats.Max(all)
		}
		fmt.Fprintf(&b, "%-*s |%s| min %s max %s\n", nameW, s.name, Sparkline(s.values, width, lo, hi), numfmt.Table.Format(lo), numfmt.Table.Format(hi))
	}
	// The window line: a bucket is W when any of its iterations is judged.
	n := len(m.iters)
	if n > 0 {
		line := make([]byte, width)
		for k := range width {
			line[k] = ' '
			for i := k * n / width; i < (k+1)*n/width; i++ {
				if m.inWin[i] {
					line[k] = 'W'
					break
				}
			}
		}
		fmt.Fprintf(&b, "%-*s |%s| %s\n", nameW, "window", line, m.windowSpan())
	}
	return b.String()
}

type guardUse struct {
	name  string
	iters []int
}

// guardActivity lists each guard with the iterations in which it fired
// or held a proposal back, by guard name.
func (m *model) guardActivity() []guardUse {
	by := map[string][]int{}
	for _, t := range m.ledger {
		seen := map[string]bool{}
		names := slices.Clone(t.Guards)
		for _, s := range t.Skipped {
			names = append(names, s.Guard)
		}
		for _, g := range names {
			if g == "" || g == "no_op" || seen[g] {
				continue
			}
			seen[g] = true
			by[g] = append(by[g], t.Iteration)
		}
	}
	out := make([]guardUse, 0, len(by))
	for g, its := range by {
		slices.Sort(its)
		out = append(out, guardUse{g, its})
	}
	slices.SortFunc(out, func(a, b guardUse) int { return strings.Compare(a.name, b.name) })
	return out
}

func (m *model) ledgerSection(d *Doc) {
	if len(m.ledger) == 0 {
		d.add(Para{Text: "No tuning ledger: the soak ran without tuning, or TUNING_REPORT.json is absent."})
		return
	}
	var applied []int
	type keyHist struct {
		first, last  float64
		n            int
		haveValues   bool
		firstIt, lst int
	}
	hist := map[string]*keyHist{}
	var keys []string
	skips := map[string]int{}
	for _, t := range m.ledger {
		if t.Applied {
			applied = append(applied, t.Iteration)
		}
		if t.SkipReason != "" {
			skips[t.SkipReason]++
		}
		for _, c := range t.Changes {
			h := hist[c.Key]
			if h == nil {
				h = &keyHist{first: c.Old, firstIt: t.Iteration, haveValues: true}
				hist[c.Key] = h
				keys = append(keys, c.Key)
			}
			h.last, h.lst = c.New, t.Iteration
			h.n++
		}
		if len(t.Changes) == 0 && t.Applied {
			for _, k := range t.ChangedKeys { // legacy ledgers record keys only
				h := hist[k]
				if h == nil {
					h = &keyHist{firstIt: t.Iteration}
					hist[k] = h
					keys = append(keys, k)
				}
				h.lst = t.Iteration
				h.n++
			}
		}
	}
	slices.Sort(applied)
	s := fmt.Sprintf("%s; tuning applied changes after %s", plural(len(m.ledger), "ledger entry", "ledger entries"), plural(len(applied), "iteration", "iterations"))
	if len(applied) > 0 {
		s += ": " + ranges(applied, 20)
	}
	d.add(Para{Text: s + "."})
	if len(keys) > 0 {
		slices.Sort(keys)
		t := Table{Head: []string{"parameter", "changes", "first value", "last value", "iterations"}, Right: []int{1, 2, 3}}
		for _, k := range keys {
			h := hist[k]
			first, last := "not recorded", "not recorded"
			if h.haveValues {
				first, last = numfmt.Table.Format(h.first), numfmt.Table.Format(h.last)
			}
			t.Rows = append(t.Rows, []string{k, strconv.Itoa(h.n), first, last, fmt.Sprintf("%d-%d", h.firstIt, h.lst)})
		}
		d.add(t)
		if !hist[keys[0]].haveValues {
			d.add(Para{Text: "The legacy ledger records which keys changed but not their values."})
		}
	}
	// A parameter at a bound is one the rules wanted to move further.
	var atBound []string
	for _, b := range boundStays(m.tuning.Bounds, m.ledger) {
		atBound = append(atBound, fmt.Sprintf("Warning: %s sat at its %s %s in %s: %s", b.Key, map[string]string{"min": "minimum", "max": "maximum"}[b.Side], numfmt.Table.Format(b.Value),
			plural(len(b.Iterations), "iteration", "iterations"), ranges(b.Iterations, 20)))
	}
	if len(atBound) > 0 {
		d.add(Para{Text: "Parameters at a bound of the tuner's bounds table: the tuner cannot move them further that way, so the KPIs they protect had no more help from them there."}, List{atBound})
	}
	if len(skips) > 0 {
		reasons := make([]string, 0, len(skips))
		for r := range skips {
			reasons = append(reasons, r)
		}
		slices.SortFunc(reasons, func(a, b string) int {
			if skips[a] != skips[b] {
				return skips[b] - skips[a]
			}
			return strings.Compare(a, b)
		})
		t := Table{Head: []string{"skip reason", "entries"}, Right: []int{1}}
		for i, r := range reasons {
			if i == 20 {
				t.Rows = append(t.Rows, []string{fmt.Sprintf("(%d more reasons)", len(reasons)-20), ""})
				break
			}
			t.Rows = append(t.Rows, []string{r, strconv.Itoa(skips[r])})
		}
		d.add(t)
	}
}

// anomalies lists, per KPI, the peak and the low with their iteration, and
// the values far from the KPI's median: more than 4 robust standard
// deviations (1.4826 x the median absolute deviation) away, or outside the
// KPI's valid range.
func (m *model) anomalies(d *Doc) {
	t := Table{Head: []string{"KPI", "peak", "at iteration", "low", "at iteration", "median"}, Right: []int{1, 2, 3, 4, 5}}
	var notes []string
	for _, s := range m.kpis {
		if s.n == 0 {
			continue
		}
		hiI, loI := -1, -1
		for i, v := range s.values {
			if math.IsNaN(v) {
				continue
			}
			if hiI < 0 || v > s.values[hiI] {
				hiI = i
			}
			if loI < 0 || v < s.values[loI] {
				loI = i
			}
		}
		all := finite(s.values) // a copy: reordered in place
		med := stats.QuantileInPlace(all, 0.5)
		ls := m.kpiLevels(s.name)
		t.Rows = append(t.Rows, []string{s.name, numfmt.Table.Format(s.values[hiI], ls...), strconv.Itoa(m.nums[hiI]), numfmt.Table.Format(s.values[loI], ls...), strconv.Itoa(m.nums[loI]), numfmt.Table.Format(med, ls...)})

		dev := make([]float64, len(all))
		for i, v := range all {
			dev[i] = math.Abs(v - med)
		}
		mad := 1.4826 * stats.QuantileInPlace(dev, 0.5)
		lo, hi := artifact.KPIRange(s.name)
		var out []string
		count := 0
		for i, v := range s.values {
			if math.IsNaN(v) {
				continue
			}
			why := ""
			switch {
			case v < lo || v > hi:
				why = "outside the valid range"
			case mad > 0 && math.Abs(v-med) > 4*mad:
				why = fmt.Sprintf("%s robust SD from the median", numfmt.Table.Format(math.Abs(v-med)/mad))
			}
			if why == "" {
				continue
			}
			count++
			if count <= 10 {
				out = append(out, fmt.Sprintf("%s at iteration %d (%s)", numfmt.Table.Format(v), m.nums[i], why))
			}
		}
		if count > 10 {
			out = append(out, fmt.Sprintf("%d more", count-10))
		}
		if len(out) > 0 {
			notes = append(notes, s.name+": "+strings.Join(out, "; "))
		}
	}
	if len(t.Rows) == 0 {
		d.add(Para{Text: "No KPI values."})
		return
	}
	d.add(t)
	if len(notes) == 0 {
		d.add(Para{Text: "Anomalies: none (no value more than 4 robust standard deviations from its KPI's median, none outside its valid range)."})
		return
	}
	d.add(Para{Text: "Anomalies (more than 4 robust standard deviations from the median, or outside the valid range):"})
	d.add(List{notes})
}

// dataQuality collects gaps, missing KPIs, failed iterations, legacy input
// and the verdict's own notes, without repeating one.
func (m *model) dataQuality() []string {
	var notes []string
	addNote := func(s string) {
		if s != "" && !slices.Contains(notes, s) {
			notes = append(notes, s)
		}
	}
	for _, w := range m.in.Soak.Warnings {
		addNote(w)
	}
	for _, w := range m.v.DataQuality {
		addNote(w)
	}
	for _, w := range m.in.Notes {
		addNote(w)
	}
	for _, s := range m.kpis {
		if s.check == nil && s.n == 0 {
			continue
		}
		var missing []int
		for i, v := range s.values {
			if math.IsNaN(v) && m.iters[i].Status != artifact.StatusFailed {
				missing = append(missing, m.nums[i])
			}
		}
		if len(missing) == 0 {
			continue
		}
		judged := ""
		if s.check != nil {
			judged = " (judged by check " + s.check.Name + "; a missing value is never read as 0)"
		}
		addNote(fmt.Sprintf("%s missing in %s: %s%s", s.name, plural(len(missing), "iteration", "iterations"), ranges(missing, 10), judged))
	}
	if len(m.failed) > 0 {
		ns := make([]int, len(m.failed))
		for i, it := range m.failed {
			ns[i] = it.Iteration
		}
		addNote(fmt.Sprintf("%s failed: %s (see %s)", plural(len(ns), "iteration", "iterations"), ranges(ns, 10), FailuresFile))
	}
	if m.in.Soak.Legacy {
		addNote("legacy input: KPIs the Python toolkit filled with defaults (maker_taker_ratio from a fallback source, p95_latency_ms = 0) are read as missing")
	}
	return notes
}
