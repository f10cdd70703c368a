package release

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/soakline/soakline/pkg/artifact"
)

// md builds a Markdown document.
type md struct{ strings.Builder }

func (b *md) line(format string, args ...any) {
	fmt.Fprintf(b, format, args...)
	b.WriteByte('\n')
}

func (b *md) blank() { b.WriteByte('\n') }

// table writes a Markdown table; cells are escaped.
func (b *md) table(head []string, rows [][]string) {
	b.WriteString("|")
	for _, h := range head {
		b.WriteString(" " + cell(h) + " |")
	}
	b.WriteString("\n|")
	for range head {
		b.WriteString("---|")
	}
	b.WriteByte('\n')
	for _, r := range rows {
		b.WriteString("|")
		for _, c := range r {
			b.WriteString(" " + cell(c) + " |")
		}
		b.WriteByte('\n')
	}
}

func cell(s string) string {
	s = strings.ReplaceAll(s, "\r", " ")
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(s, "|", `\|`)
}

// code quotes s for inline code.
func code(s string) string {
	if strings.Contains(s, "`") {
		return "``" + s + "``"
	}
	return "`" + s + "`"
}

// fmtNum formats a value with at most 4 decimals and no binary noise.
func fmtNum(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	r := math.Round(v*1e4) / 1e4
	if r == 0 {
		r = 0 // no "-0"
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

func fmtPtr(p *float64) string {
	if p == nil {
		return "—"
	}
	return fmtNum(*p)
}

// shellQuote quotes s for a POSIX shell command line in the documents.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:@+,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
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
		cond := c.Direction + " " + fmtNum(c.Threshold)
		if c.Warn != nil {
			cond += " (warn " + fmtNum(*c.Warn) + ")"
		}
		rows = append(rows, []string{c.KPI, c.Statistic, fmtPtr(c.Value), cond, c.Status, strconv.Itoa(c.N),
			fmtPtr(st.Mean), fmtPtr(st.Median), fmtPtr(st.Min), fmtPtr(st.Max), dash(st.Trend)})
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
