package render

import (
	"bytes"
	"html"
	"strings"

	"github.com/soakline/soakline/pkg/artifact"
)

// pageCSS keeps REPORT.html readable with no network: no fonts, scripts
// or images are fetched; the charts are inline SVG. On a narrow screen
// (a phone, a split window) every table stacks: each row becomes a block
// and each cell a line led by its column's name, so no column is cut off;
// long names and digests wrap anywhere, and the wrapper scrolls whatever
// still does not fit instead of widening the page. A check that did not
// pass is marked by more than colour: a class, a tinted row with a bar at
// its start, and a text marker (✗ FAIL, ! WARN, ? INCONCLUSIVE) before its
// status.
const pageCSS = `*,*::before,*::after{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Liberation Sans","DejaVu Sans",sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#1b1b1b;line-height:1.45;overflow-wrap:break-word}
h1{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
h2{margin-top:1.6em}
.table-wrap{max-width:100%;overflow-x:auto;margin:.6em 0}
table{border-collapse:collapse}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top;overflow-wrap:anywhere}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
thead th{background:#f3f3f3}
tr.status-fail td{background:#fbdcdc}
tr.status-fail td:first-child{box-shadow:inset 5px 0 #c62828}
tr.status-warn td{background:#fff1d6}
tr.status-warn td:first-child{box-shadow:inset 5px 0 #e08e00}
tr.status-inconclusive td{background:#ececec}
tr.status-inconclusive td:first-child{box-shadow:inset 5px 0 #777}
td.status .mark{font-weight:bold}
tr.status-fail td.status{color:#a31515}
tr.status-warn td.status{color:#8a5300}
pre{background:#f6f8fa;padding:.8em;overflow-x:auto;font-size:.85em;max-width:100%}
figure.chart{margin:1em 0}
figure.chart svg{display:block;width:100%;height:auto;max-width:960px}
figcaption{font-size:.85em;color:#555}
nav a{margin-right:1em;display:inline-block}
.verdict{font-size:1.4em;padding:.5em .8em;border-radius:4px;display:inline-block;max-width:100%}
.PASS{background:#dff3df}.WARN{background:#fff1d6}.FAIL{background:#fbdcdc}.INCONCLUSIVE{background:#e6e6e6}
@media (max-width:700px){
body{margin:1em auto;padding:0 .6em}
.verdict{font-size:1.15em}
table,tbody,tr,td{display:block;width:100%}
thead{display:none}
tr{border:1px solid #ccc;border-radius:4px;margin:0 0 .6em}
td,td.num{border:0;border-top:1px solid #eee;display:grid;grid-template-columns:minmax(5.5em,35%) minmax(0,1fr);column-gap:.6em;text-align:left}
td:first-child{border-top:0}
td::before{content:attr(data-label);font-weight:600;color:#555}
tr.status-fail td{box-shadow:inset 5px 0 #c62828}
tr.status-warn td{box-shadow:inset 5px 0 #e08e00}
tr.status-inconclusive td{box-shadow:inset 5px 0 #777}
}
`

// page assembles REPORT.html: a verdict banner, a table of contents and
// the three reports, charts inline.
func page(v *artifact.Verdict, docs []*Doc, images map[string][]byte) []byte {
	esc := html.EscapeString
	ids := []string{"audit", "recommendations", "failures"}
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	b.WriteString(`<meta name="viewport" content="width=device-width, initial-scale=1">` + "\n")
	b.WriteString(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">` + "\n")
	b.WriteString("<title>Soak report: " + esc(v.Verdict) + "</title>\n<style>\n" + pageCSS + "</style>\n</head>\n<body>\n")
	b.WriteString(`<p class="verdict ` + esc(strings.ToUpper(v.Verdict)) + `" id="verdict">Verdict: ` + esc(verdictLine(v)) + "</p>\n<nav>")
	for i, d := range docs {
		b.WriteString(`<a href="#` + ids[i] + `">` + esc(d.Title) + "</a>")
	}
	b.WriteString("</nav>\n")
	for i, d := range docs {
		b.Write(d.HTML(ids[i], images))
	}
	b.WriteString("</body>\n</html>\n")
	return b.Bytes()
}
