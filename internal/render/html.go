package render

import (
	"bytes"
	"html"
	"strings"

	"github.com/soakline/soakline/pkg/artifact"
)

// pageCSS keeps REPORT.html readable with no network: no fonts, scripts
// or images are fetched; the charts are inline SVG.
const pageCSS = `body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#1b1b1b;line-height:1.45}
h1{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
h2{margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
thead th{background:#f3f3f3}
pre{background:#f6f8fa;padding:.8em;overflow-x:auto;font-size:.85em}
figure.chart{margin:1em 0}
figure.chart svg{width:100%;height:auto;max-width:960px}
figcaption{font-size:.85em;color:#555}
nav a{margin-right:1em}
.verdict{font-size:1.4em;padding:.5em .8em;border-radius:4px;display:inline-block}
.PASS{background:#dff3df}.WARN{background:#fff1d6}.FAIL{background:#fbdcdc}.INCONCLUSIVE{background:#e6e6e6}
`

// page assembles REPORT.html: a verdict banner, a table of contents and
// the three reports, charts inline.
func page(v *artifact.Verdict, docs []*Doc, images map[string][]byte) []byte {
	esc := html.EscapeString
	ids := []string{"audit", "recommendations", "failures"}
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
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
