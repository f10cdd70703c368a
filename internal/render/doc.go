package render

import (
	"bytes"
	"fmt"
	"html"
	"strings"

	"github.com/soakline/soakline/internal/safetext"
)

// A Doc is a report as a list of blocks; Markdown and HTML are two
// renderings of the same blocks, so REPORT.html says exactly what the
// Markdown files say.
type Doc struct {
	Title string
	// Level is the title's heading level; 0 means 1. A document that is
	// part of a page with its own title (soak-gate's job summary) uses a
	// lower one.
	Level  int
	Blocks []Block
}

// Block is one of Heading, Para, Table, List, Code, Image.
type Block interface{ block() }

// Heading is a section title (level 2 or 3; the Doc's title is level 1).
type Heading struct {
	Level int
	Text  string
}

// Para is a paragraph; Strong, when set, is printed bold before Text.
// With Args, Text is a fmt format, written as it is (the program's own
// words), and each argument is escaped where it goes: a string as text,
// a CodeSpan as inline code; other arguments are formatted by the verbs.
type Para struct {
	Strong string
	Text   string
	Args   []any
}

// CodeSpan is a Para argument shown as inline code (a policy name).
type CodeSpan string

// Table is a table with a header row. Right lists the columns that are
// right-aligned (numbers). ID, when set, is the HTML table's id.
// RowStatus, when set, holds each row's check status (PASS, WARN, FAIL,
// INCONCLUSIVE, SKIP): in HTML a FAIL, WARN or INCONCLUSIVE row is marked
// by a class, a colour and a text marker before its status cell.
type Table struct {
	Head      []string
	Rows      [][]string
	Right     []int
	ID        string
	RowStatus []string
}

// List is a bullet list.
type List struct{ Items []string }

// Code is preformatted text (sparklines, stderr tails).
type Code struct{ Text string }

// Image is a chart: Src is the path relative to the output directory,
// Alt its text equivalent, Caption what it shows beyond its title (the
// chart names its KPI; the caption says how the KPI was judged).
type Image struct{ Alt, Src, Caption string }

func (Heading) block() {}
func (Para) block()    {}
func (Table) block()   {}
func (List) block()    {}
func (Code) block()    {}
func (Image) block()   {}

func (d *Doc) add(b ...Block) { d.Blocks = append(d.Blocks, b...) }

// Markdown renders d as GitHub-flavoured Markdown.
func (d *Doc) Markdown() []byte {
	var b bytes.Buffer
	b.WriteString(strings.Repeat("#", max(d.Level, 1)) + " " + mdInline(d.Title) + "\n")
	for _, blk := range d.Blocks {
		b.WriteByte('\n')
		switch x := blk.(type) {
		case Heading:
			b.WriteString(strings.Repeat("#", x.Level) + " " + mdInline(x.Text) + "\n")
		case Para:
			if x.Strong != "" {
				b.WriteString("**" + mdInline(x.Strong) + "**")
				if x.Text != "" {
					b.WriteString(" " + x.markdown(mdInline))
				}
				b.WriteByte('\n')
				continue
			}
			b.WriteString(x.markdown(mdText) + "\n")
		case Table:
			row := func(cells []string) {
				b.WriteString("|")
				for _, c := range cells {
					b.WriteString(" " + mdCell(c) + " |")
				}
				b.WriteByte('\n')
			}
			row(x.Head)
			b.WriteString("|")
			for i := range x.Head {
				if contains(x.Right, i) {
					b.WriteString("---:|")
				} else {
					b.WriteString("---|")
				}
			}
			b.WriteByte('\n')
			for _, r := range x.Rows {
				row(r)
			}
		case List:
			for _, it := range x.Items {
				b.WriteString("- " + mdText(it) + "\n")
			}
		case Code:
			body := fence(x.Text)
			b.WriteString("```text\n" + body)
			if !strings.HasSuffix(body, "\n") {
				b.WriteByte('\n')
			}
			b.WriteString("```\n")
		case Image:
			b.WriteString("![" + mdInline(x.Alt) + "](" + x.Src + ")\n")
			if x.Caption != "" {
				b.WriteString("\n" + mdText(x.Caption) + "\n")
			}
		}
	}
	return b.Bytes()
}

// HTML renders d as a fragment: a <section> with the blocks. images maps
// an Image's Src to inline SVG markup.
func (d *Doc) HTML(id string, images map[string][]byte) []byte {
	var b bytes.Buffer
	esc := html.EscapeString
	h := string(rune('0' + max(d.Level, 1)))
	b.WriteString(`<section id="` + esc(id) + `">` + "\n<h" + h + ">" + esc(d.Title) + "</h" + h + ">\n")
	for _, blk := range d.Blocks {
		switch x := blk.(type) {
		case Heading:
			lvl := string(rune('0' + x.Level))
			b.WriteString("<h" + lvl + ">" + esc(x.Text) + "</h" + lvl + ">\n")
		case Para:
			b.WriteString("<p>")
			if x.Strong != "" {
				b.WriteString("<strong>" + esc(x.Strong) + "</strong>")
				if x.Text != "" {
					b.WriteByte(' ')
				}
			}
			b.WriteString(x.html() + "</p>\n")
		case Table:
			// Narrow screens stack each row (pageCSS): every cell carries
			// its column's name; the wrapper scrolls what still does not fit.
			b.WriteString(`<div class="table-wrap">` + "\n<table")
			if x.ID != "" {
				b.WriteString(` id="` + esc(x.ID) + `"`)
			}
			b.WriteString(">\n<thead><tr>")
			for i, h := range x.Head {
				b.WriteString("<th" + align(x.Right, i) + ">" + esc(h) + "</th>")
			}
			b.WriteString("</tr></thead>\n<tbody>\n")
			for ri, r := range x.Rows {
				status := ""
				if ri < len(x.RowStatus) {
					status = x.RowStatus[ri]
				}
				mark := statusMark[status]
				if mark != "" {
					b.WriteString(`<tr class="status-` + strings.ToLower(status) + `">`)
				} else {
					b.WriteString("<tr>")
				}
				for i, c := range r {
					label := ""
					if i < len(x.Head) {
						label = ` data-label="` + esc(x.Head[i]) + `"`
					}
					if mark != "" && c == status {
						b.WriteString(`<td class="status"` + label + `><span><span class="mark">` + mark + "</span> <strong>" + esc(c) + "</strong></span></td>")
						continue
					}
					b.WriteString("<td" + align(x.Right, i) + label + ">" + esc(c) + "</td>")
				}
				b.WriteString("</tr>\n")
			}
			b.WriteString("</tbody>\n</table>\n</div>\n")
		case List:
			b.WriteString("<ul>\n")
			for _, it := range x.Items {
				b.WriteString("<li>" + esc(it) + "</li>\n")
			}
			b.WriteString("</ul>\n")
		case Code:
			b.WriteString("<pre>" + esc(strings.TrimSuffix(x.Text, "\n")) + "</pre>\n")
		case Image:
			b.WriteString(`<figure class="chart">` + "\n")
			b.Write(inlineSVG(images[x.Src]))
			if x.Caption != "" {
				b.WriteString("<figcaption>" + esc(x.Caption) + "</figcaption>\n")
			}
			b.WriteString("</figure>\n")
		}
	}
	b.WriteString("</section>\n")
	return b.Bytes()
}

// markdown is the paragraph's text in Markdown: text escaped with
// escape, or the format with its arguments escaped.
func (p Para) markdown(escape func(string) string) string {
	if p.Args == nil {
		return escape(p.Text)
	}
	args := make([]any, len(p.Args))
	for i, a := range p.Args {
		switch v := a.(type) {
		case string:
			args[i] = mdText(v)
		case CodeSpan:
			args[i] = safetext.MarkdownCode(string(v))
		default:
			args[i] = a
		}
	}
	return fmt.Sprintf(p.Text, args...)
}

// html is the paragraph's text in HTML.
func (p Para) html() string {
	if p.Args == nil {
		return html.EscapeString(p.Text)
	}
	args := make([]any, len(p.Args))
	for i, a := range p.Args {
		switch v := a.(type) {
		case string:
			args[i] = html.EscapeString(v)
		case CodeSpan:
			args[i] = "<code>" + html.EscapeString(string(v)) + "</code>"
		default:
			args[i] = a
		}
	}
	return fmt.Sprintf(html.EscapeString(p.Text), args...)
}

// statusMark is the text marker of a row whose check did not pass, so
// that the row is marked by more than its colour.
var statusMark = map[string]string{
	"FAIL":         "\u2717", // ✗
	"WARN":         "!",
	"INCONCLUSIVE": "?",
}

func align(right []int, i int) string {
	if contains(right, i) {
		return ` class="num"`
	}
	return ""
}

// inlineSVG strips the XML prolog and comments before the <svg> element so
// that the chart can sit inside HTML.
func inlineSVG(svg []byte) []byte {
	if i := bytes.Index(svg, []byte("<svg")); i >= 0 {
		svg = svg[i:]
	}
	return svg
}

// mdText escapes text that starts a block (a paragraph, a list item),
// mdInline text that follows other text on its line (a heading's, after
// a bold lead, an image's alt) and mdCell a table cell, all with the
// project's one Markdown escaper: whatever a value from input holds, it
// shows as text on one line, never as a heading, link, emphasis, HTML or
// a new line. (Inline text needs no block-start escape: "## 1. Overview"
// stays as it is.)
func mdText(s string) string { return safetext.MarkdownText(s) }

func mdInline(s string) string { return safetext.MarkdownTableCell(s) }

func mdCell(s string) string { return safetext.MarkdownTableCell(s) }

// fence keeps text from closing its code block, and drops the terminal
// escape sequences and control characters (a carriage return included)
// of a bot's stderr, keeping its lines.
func fence(s string) string { return strings.ReplaceAll(safetext.Terminal(s), "```", "'''") }

func contains[T comparable](xs []T, x T) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}
