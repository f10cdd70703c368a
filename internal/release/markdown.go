package release

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/internal/safetext"
	"github.com/soakline/soakline/pkg/artifact"
)

// md builds a Markdown document. Every value written into it is escaped
// for where it goes: line escapes its string arguments as Markdown text
// (values of type Markdown are already Markdown), table its cells, sh the
// words of a shell step. No value from input can add a line, a heading, a
// link, HTML or a command.
type md struct{ strings.Builder }

// Markdown is text that is already Markdown: the documents' own markup, or
// a value escaped for it (code, codeList).
type Markdown string

// line writes one line: format is ours; string arguments are escaped with
// safetext.MarkdownText, Markdown ones written as they are.
func (b *md) line(format string, args ...any) {
	for i, a := range args {
		switch v := a.(type) {
		case string:
			args[i] = safetext.MarkdownText(v)
		case Markdown:
			args[i] = string(v)
		}
	}
	b.WriteString(safetext.TerminalLine(fmt.Sprintf(format, args...)))
	b.WriteByte('\n')
}

// sh writes one line of a shell code block, indented by indent: words are
// joined with spaces and each is already a shell word (shellWord, or our
// own text such as "\"$OVERRIDES\""). A value never adds a line.
func (b *md) sh(indent string, words ...string) {
	b.WriteString(indent + safetext.TerminalLine(strings.Join(words, " ")))
	b.WriteByte('\n')
}

func (b *md) blank() { b.WriteByte('\n') }

// table writes a Markdown table; cells are escaped.
func (b *md) table(head []string, rows [][]string) {
	mrows := make([][]Markdown, len(rows))
	for i, r := range rows {
		mrows[i] = make([]Markdown, len(r))
		for j, c := range r {
			mrows[i][j] = Markdown(safetext.MarkdownTableCell(c))
		}
	}
	b.tableMD(head, mrows)
}

// tableMD writes a Markdown table of cells that are already Markdown
// (escaped with safetext.MarkdownTableCell or safetext.MarkdownTableCode).
func (b *md) tableMD(head []string, rows [][]Markdown) {
	b.WriteString("|")
	for _, h := range head {
		b.WriteString(" " + safetext.MarkdownTableCell(h) + " |")
	}
	b.WriteString("\n|")
	for range head {
		b.WriteString("---|")
	}
	b.WriteByte('\n')
	for _, r := range rows {
		b.WriteString("|")
		for _, c := range r {
			b.WriteString(" " + safetext.TerminalLine(string(c)) + " |")
		}
		b.WriteByte('\n')
	}
}

// code quotes s as inline code.
func code(s string) Markdown { return Markdown(safetext.MarkdownCode(s)) }

// tableCode quotes s as inline code in a table cell.
func tableCode(s string) Markdown { return Markdown(safetext.MarkdownTableCode(s)) }

// shellWord quotes s as one word of a POSIX shell command in the
// documents. A path that starts with "-" gets "./" so that the command
// does not read it as an option.
func shellWord(s string) string {
	if strings.HasPrefix(s, "-") {
		s = "./" + s
	}
	return safetext.ShellWord(s)
}

// shellSuffixed is the shell word "$VAR<fixed><name>" (fixed is ours,
// name a release name): name inside the double quotes when it has only
// ReleaseNameChars, else single-quoted after them, so that the word
// expands to exactly the variable's value, fixed and name.
func shellSuffixed(variable, fixed, name string) string {
	if CheckReleaseName("release name", name) == nil {
		return `"$` + variable + fixed + name + `"`
	}
	return `"$` + variable + fixed + `"` + safetext.ShellWord(name)
}

// shortText is at most n bytes of s, for a digest shown shortened (before it
// is escaped: an escape is never cut in two).
func shortText(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func fmtPtr(p *float64) string {
	if p == nil {
		return "—"
	}
	return numfmt.Doc.Format(*p)
}

// fmtNear formats a statistic shown beside a check against the check's
// levels (numfmt.Value), so that it never rounds onto or across
// one of them.
func fmtNear(p *float64, c *artifact.Check) string {
	if p == nil {
		return "—"
	}
	return numfmt.Value.Format(*p, numfmt.Levels(c)...)
}

// checkCond is a check's condition with its levels shown exactly.
func checkCond(c *artifact.Check) string {
	cond := c.Direction + " " + numfmt.Level.Format(c.Threshold)
	if c.Warn != nil {
		cond += " (warn " + numfmt.Level.Format(*c.Warn) + ")"
	}
	return cond
}

// kpiRows is the KPI table of the judged window: one row per KPI check
// (value against the policy's level), then the window's other KPIs with
// their statistics only.
func kpiRows(v *artifact.Verdict) [][]string {
	var rows [][]string
	judged := map[string]bool{}
	for _, c := range v.Checks {
		if c.KPI == "" {
			continue
		}
		judged[c.KPI] = true
		st := v.KPILastN[c.KPI]
		rows = append(rows, []string{c.KPI, c.Statistic, numfmt.CheckValue(&c), checkCond(&c), c.Status, strconv.Itoa(c.N),
			fmtNear(st.Mean, &c), fmtNear(st.Median, &c), fmtNear(st.Min, &c), fmtNear(st.Max, &c), dash(st.Trend)})
	}
	var rest []string
	for k := range v.KPILastN {
		if !judged[k] {
			rest = append(rest, k)
		}
	}
	sort.Slice(rest, func(i, j int) bool {
		return kpiOrder(rest[i]) < kpiOrder(rest[j]) || kpiOrder(rest[i]) == kpiOrder(rest[j]) && rest[i] < rest[j]
	})
	for _, k := range rest {
		st := v.KPILastN[k]
		rows = append(rows, []string{k, "—", "—", "not judged", "—", strconv.Itoa(st.N),
			fmtPtr(st.Mean), fmtPtr(st.Median), fmtPtr(st.Min), fmtPtr(st.Max), dash(st.Trend)})
	}
	return rows
}

var kpiHead = []string{"KPI", "statistic", "value", "policy", "status", "n", "mean", "median", "min", "max", "trend"}

func kpiOrder(k string) int {
	for i, n := range artifact.KPINames {
		if n == k {
			return i
		}
	}
	return len(artifact.KPINames)
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// compactInts writes 1,2,3,5,7,8,9 as "1-3, 5, 7-9".
func compactInts(ns []int) string {
	var parts []string
	for i := 0; i < len(ns); {
		j := i
		for j+1 < len(ns) && ns[j+1] == ns[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", ns[i], ns[j]))
		} else {
			parts = append(parts, strconv.Itoa(ns[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}
