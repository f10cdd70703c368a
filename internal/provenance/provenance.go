// Package provenance ties a markdown report to the soak and verdict it
// renders. The markdown reports (POST_SOAK_AUDIT.md, RECOMMENDATIONS.md,
// FAILURES.md, DELTA_VERIFY_REPORT.md) end with one provenance line, an
// HTML comment a reader does not see:
//
//	<!-- soakline-provenance soak=<sha256 hex> verdict=<sha256 hex> -->
//
// soak is the soak's digest (Source.Digest of the verdict) and verdict the
// sha256 of the POST_SOAK_SNAPSHOT.json bytes the report renders, so that
// release-bundle can prove a report belongs to the soak and verdict it
// bundles.
package provenance

import (
	"bytes"
	"regexp"
)

var lineRE = regexp.MustCompile(`^<!-- soakline-provenance soak=([0-9a-f]{64}) verdict=([0-9a-f]{64}) -->\n?\z`)

// Line returns the provenance line, newline included.
func Line(soakDigest, verdictDigest string) string {
	return "<!-- soakline-provenance soak=" + soakDigest + " verdict=" + verdictDigest + " -->\n"
}

// Parse finds the provenance line at the end of a report; ok is
// false when the report has none (a legacy report, or one edited by hand).
func Parse(report []byte) (soakDigest, verdictDigest string, ok bool) {
	i := bytes.LastIndex(report, []byte("<!-- soakline-provenance "))
	if i < 0 || (i > 0 && report[i-1] != '\n') {
		return "", "", false
	}
	m := lineRE.FindSubmatch(report[i:])
	if m == nil {
		return "", "", false
	}
	return string(m[1]), string(m[2]), true
}
