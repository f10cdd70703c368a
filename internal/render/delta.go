package render

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/internal/provenance"
	"github.com/soakline/soakline/internal/safetext"
	"github.com/soakline/soakline/pkg/artifact"
)

// DeltaVerifyMDFile is the markdown delta verification report.
const DeltaVerifyMDFile = "DELTA_VERIFY_REPORT.md"

// DeltaMarkdown is DELTA_VERIFY_REPORT.md: the verdict's delta
// verification for people. soak-gate --out and soak-reports write it from
// the same verdict, so they write the same bytes. It ends with the
// provenance line (provenance.Line) naming the soak's digest and
// verdictDigest, the sha256 (hex) of the POST_SOAK_SNAPSHOT.json bytes
// written with it.
func DeltaMarkdown(v *artifact.Verdict, verdictDigest string) []byte {
	var b bytes.Buffer
	deltaBody(&b, v)
	b.WriteString("\n")
	b.WriteString(provenance.Line(v.Source.Digest, verdictDigest))
	return b.Bytes()
}

func deltaBody(b *bytes.Buffer, v *artifact.Verdict) {
	dv := v.DeltaVerification
	b.WriteString("# Delta verification report\n\n")
	if dv == nil {
		b.WriteString("The verdict records no delta verification.\n")
		return
	}
	fmt.Fprintf(b, "Soak: %s  \nStatus: **%s**\n\n", safetext.MarkdownCode(v.Source.Path), mdText(dv.Status))
	if !dv.Checked || dv.ProposedCount == 0 {
		fmt.Fprintf(b, "%s\n", mdText(dv.Note))
		return
	}
	b.WriteString("## Metrics\n\n| Metric | Value |\n|---|---|\n")
	pct := func(n int) string { return fmt.Sprintf("%d (%.1f%%)", n, 100*float64(n)/float64(dv.ProposedCount)) }
	fmt.Fprintf(b, "| Proposals | %d |\n", dv.ProposedCount)
	fmt.Fprintf(b, "| Full applications | %s |\n", pct(dv.FullApplyCount))
	fmt.Fprintf(b, "| Partial OK (held back or clamped by a named guard) | %s |\n", pct(dv.PartialOKCount))
	fmt.Fprintf(b, "| Failed | %s |\n", pct(dv.FailCount))
	fmt.Fprintf(b, "| Unverified (nothing to check against; not a success) | %s |\n", pct(dv.UnverifiedCount))
	fmt.Fprintf(b, "| Signature stuck | %d (at most %d) |\n", dv.SignatureStuckCount, dv.MaxSignatureStuck)
	fmt.Fprintf(b, "| Full-apply ratio | %s (at least %s) |\n\n",
		numfmt.Value.Format(dv.FullApplyRatio, dv.MinRatio), numfmt.Level.Format(dv.MinRatio))
	fmt.Fprintf(b, "Ratio: %s.\n\n", mdText(dv.RatioDefinition))
	if dv.Note != "" {
		fmt.Fprintf(b, "Note: %s.\n\n", mdText(dv.Note))
	}
	b.WriteString("## Proposals\n\n")
	if n := omittedPairs(dv); n > 0 {
		var parts []string
		for _, o := range []string{artifact.DeltaFail, artifact.DeltaSignatureStuck, artifact.DeltaUnverified, artifact.DeltaPartialOK, artifact.DeltaFullApply} {
			if c := dv.PairsOmitted[o]; c > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", c, o))
			}
		}
		fmt.Fprintf(b, "%d of %d proposals listed: the first failed or signature-stuck ones, the first partial_ok and unverified ones and the last ones; not listed: %s. The counts above cover them all; TUNING_REPORT.json holds every one.\n\n",
			len(dv.Pairs), len(dv.Pairs)+n, strings.Join(parts, ", "))
	}
	b.WriteString("| Iteration | Proposed | Applied (old → new) | Held back | Hash changed | Outcome | Reason |\n|---|---|---|---|---|---|---|\n")
	for _, p := range dv.Pairs {
		keys := make([]string, 0, len(p.Proposed))
		for k := range p.Proposed {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var prop, app, held []string
		for _, k := range keys {
			prop = append(prop, fmt.Sprintf("%s %+g", k, p.Proposed[k]))
		}
		for _, ch := range p.Applied {
			app = append(app, fmt.Sprintf("%s %s → %s", ch.Key, numfmt.Value.Format(ch.Old), numfmt.Value.Format(ch.New)))
		}
		for _, sk := range p.Skipped {
			held = append(held, sk.Key+" ("+sk.Guard+")")
		}
		hash := "unknown"
		if p.OldHash != "" && p.StateHash != "" {
			hash = strconv.FormatBool(p.OldHash != p.StateHash)
		}
		fmt.Fprintf(b, "| %d | %s | %s | %s | %s | %s | %s |\n", p.Iteration, mdCell(strings.Join(prop, ", ")),
			mdCell(strings.Join(app, ", ")), mdCell(strings.Join(held, ", ")), hash, mdCell(p.Outcome), mdCell(p.Reason))
	}
}

func omittedPairs(dv *artifact.DeltaVerify) int {
	n := 0
	for _, c := range dv.PairsOmitted {
		n += c
	}
	return n
}
