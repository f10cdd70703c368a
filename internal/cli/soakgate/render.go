package soakgate

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/internal/render"
	"github.com/soakline/soakline/internal/safetext"
	"github.com/soakline/soakline/pkg/artifact"
)

func threshold(c artifact.Check) string {
	s := c.Direction + " " + numfmt.Level.Format(c.Threshold)
	if c.Warn != nil {
		s += " (warn " + numfmt.Level.Format(*c.Warn) + ")"
	}
	return s
}

// writeTable prints the short human table of the checks.
func writeTable(w io.Writer, v *artifact.Verdict) {
	fmt.Fprintf(w, "soak-gate: %s by policy %s (%s), window %s of %d iterations\n",
		v.Verdict, v.Policy.Name, v.Policy.Source, windowText(v.Window), v.IterationsTotal)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  STATUS\tCHECK\tVALUE\tTHRESHOLD\tN")
	for _, c := range v.Checks {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%d\n", c.Status, c.Name, numfmt.CheckValue(&c), threshold(c), c.N)
	}
	tw.Flush()
	for _, c := range v.Checks {
		if c.Status != artifact.CheckPass {
			fmt.Fprintf(w, "  %s %s: %s\n", c.Status, c.Name, c.Reason)
		}
	}
	for _, n := range v.DataQuality {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	if v.Verdict == artifact.VerdictPass || v.Verdict == artifact.VerdictWarn {
		fmt.Fprintf(w, "soak-gate: %s: %s (freeze_ready=%t)\n", v.Verdict, v.Reason, v.FreezeReady)
	}
}

func windowText(w artifact.Window) string {
	if w.N == 0 {
		return "empty"
	}
	return fmt.Sprintf("%d-%d (%d of %d)", w.First, w.Last, w.N, w.Size)
}

// stepSummary is the markdown appended to GITHUB_STEP_SUMMARY, rendered
// by the reports' one Markdown renderer (render.Doc) under a level-3
// title: every value from the soak or the policy is escaped (a code span
// for the policy name), so that a reason cannot add a heading, a link, an
// image or HTML to the job's summary page.
func stepSummary(v *artifact.Verdict) []byte {
	d := render.Doc{Title: "soak-gate: " + v.Verdict, Level: 3, Blocks: []render.Block{
		render.Para{Text: v.Reason},
		render.Para{Text: "Policy %s (%s), window %s, %d iterations in total, freeze_ready: %t.",
			Args: []any{render.CodeSpan(v.Policy.Name), v.Policy.Source, windowText(v.Window), v.IterationsTotal, v.FreezeReady}},
	}}
	t := render.Table{Head: []string{"Status", "Check", "Value", "Threshold", "n", "Reason"}}
	for _, c := range v.Checks {
		t.Rows = append(t.Rows, []string{c.Status, c.Name, numfmt.CheckValue(&c), threshold(c), strconv.Itoa(c.N), c.Reason})
	}
	d.Blocks = append(d.Blocks, t)
	if len(v.DataQuality) > 0 {
		d.Blocks = append(d.Blocks, render.Para{Text: "Data quality:"}, render.List{Items: v.DataQuality})
	}
	// A blank line after it, so that the next step's summary starts apart.
	return append(d.Markdown(), '\n')
}

// JUnit XML.
type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Error     *junitMessage `xml:"error,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// junitXML has one test case per check: FAIL is a failure (WARN too with
// --fail-on-warn), INCONCLUSIVE an error, SKIP skipped.
func junitXML(v *artifact.Verdict, failOnWarn bool) ([]byte, error) {
	// encoding/xml escapes markup and replaces characters XML does not
	// allow; the terminal escaper also removes escape sequences, which CI
	// pages and terminals showing the report would otherwise interpret.
	line, text := safetext.TerminalLine, safetext.Terminal
	s := junitSuite{Name: line("soak-gate." + v.Policy.Name), Tests: len(v.Checks)}
	for _, c := range v.Checks {
		c.Name, c.Status, c.Reason = line(c.Name), line(c.Status), text(c.Reason)
		tc := junitCase{Name: c.Name, Classname: s.Name}
		msg := line(fmt.Sprintf("%s: value %s vs threshold %s (n=%d)", c.Status, numfmt.CheckValue(&c), threshold(c), c.N))
		switch {
		case c.Status == artifact.CheckFail, c.Status == artifact.CheckWarn && failOnWarn:
			tc.Failure = &junitMessage{Message: msg, Type: c.Status, Text: c.Reason}
			s.Failures++
		case c.Status == artifact.CheckInconclusive:
			tc.Error = &junitMessage{Message: msg, Type: c.Status, Text: c.Reason}
			s.Errors++
		case c.Status == artifact.CheckSkip:
			tc.Skipped = &junitMessage{Message: c.Reason}
			s.Skipped++
		default:
			tc.SystemOut = c.Status + ": " + c.Reason
		}
		s.Cases = append(s.Cases, tc)
	}
	out, err := xml.MarshalIndent(junitSuites{Suites: []junitSuite{s}}, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(append([]byte(xml.Header), out...), '\n'), nil
}
