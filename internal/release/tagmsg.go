package release

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/soakline/soakline/internal/safetext"
)

// Trailer keys of the tag message that release-tag verify reads back.
const (
	TrailerSums   = "Bundle-SHA256SUMS"
	TrailerBundle = "Bundle-Path"
)

// TagMessage renders the annotated tag's message: the verdict, the KPI
// summary of the judged window, and the bundle's digest as a trailer.
// Every value from the bundle is one line of plain text without control
// characters (safetext.TerminalLine): none can add a line, forge a
// trailer or send escape sequences to the terminal of whoever runs git
// show.
func TagMessage(t *Tagging) string {
	var b strings.Builder
	v := &t.Snapshot.Verdict
	plain := safetext.TerminalLine
	fmt.Fprintf(&b, "Release %s: soak verdict %s\n\n", plain(t.Manifest.Version), plain(v.Verdict))
	fmt.Fprintf(&b, "Verdict: %s — %s\n", plain(v.Verdict), plain(dash(v.Reason)))
	fmt.Fprintf(&b, "Freeze ready: %s\n", yesNo(v.FreezeReady))
	fmt.Fprintf(&b, "Judged window: %s\n", plain(WindowText(v)))
	fmt.Fprintf(&b, "Policy: %s\n", plain(policyText(v.Policy)))
	if t.Manifest.Git != nil {
		fmt.Fprintf(&b, "Bundle built at: %s\n", plain(t.Manifest.Git.Commit))
	}
	b.WriteString("\nKPI summary of the judged window:\n")
	var table strings.Builder
	tw := tabwriter.NewWriter(&table, 0, 4, 2, ' ', 0)
	for _, row := range kpiRows(v) {
		for i := range row {
			row[i] = plain(row[i])
		}
		// KPI, statistic, value, policy, status, n, mean...
		if row[3] == "not judged" {
			fmt.Fprintf(tw, "  %s\tmean %s\t\tnot judged\t\n", row[0], row[6])
			continue
		}
		fmt.Fprintf(tw, "  %s\t%s %s\t%s\t%s\tn=%s\n", row[0], row[1], row[2], row[3], row[4], row[5])
	}
	tw.Flush()
	for _, line := range strings.SplitAfter(table.String(), "\n") {
		b.WriteString(strings.TrimRight(line, " \n"))
		if strings.HasSuffix(line, "\n") {
			b.WriteByte('\n')
		}
	}
	fmt.Fprintf(&b, "\n%s: %s\n", TrailerBundle, plain(t.BundlePath))
	fmt.Fprintf(&b, "%s: sha256:%s\n", TrailerSums, plain(t.SumsSHA256))
	return b.String()
}

// ParseTagMessage reads the bundle digest (hex) and the bundle path back
// from a tag message; the last occurrence of each trailer counts.
func ParseTagMessage(msg string) (sums, bundlePath string, err error) {
	for _, line := range strings.Split(msg, "\n") {
		line = strings.TrimRight(line, "\r")
		if v, ok := strings.CutPrefix(line, TrailerSums+": "); ok {
			sums = strings.TrimPrefix(strings.TrimSpace(v), "sha256:")
		}
		if v, ok := strings.CutPrefix(line, TrailerBundle+": "); ok {
			bundlePath = strings.TrimSpace(v)
		}
	}
	if len(sums) != 64 || !isHex(sums) {
		return "", "", errors.New("the tag message carries no " + TrailerSums + " line: it was not made by release-tag")
	}
	return strings.ToLower(sums), bundlePath, nil
}
