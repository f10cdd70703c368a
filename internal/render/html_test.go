package render

import (
	"strconv"
	"strings"
	"testing"

	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/pkg/artifact"
)

// TestPageNarrowScreens: REPORT.html declares a viewport, puts every
// table in a scroll wrapper and labels every cell with its column so the
// narrow-screen CSS can stack rows, and keeps its CSP.
func TestPageNarrowScreens(t *testing.T) {
	d := &Doc{Title: "Post-soak audit"}
	d.add(Table{Head: []string{"check", "value"}, Rows: [][]string{{"a<b", "1"}}, Right: []int{1}, ID: "checks"})
	p := string(page(&artifact.Verdict{Verdict: "FAIL"}, []*Doc{d}, nil))
	for _, want := range []string{
		`<meta name="viewport" content="width=device-width, initial-scale=1">`,
		`default-src 'none'`,
		"<div class=\"table-wrap\">\n<table id=\"checks\">",
		`<td data-label="check">a&lt;b</td><td class="num" data-label="value">1</td>`,
		"@media (max-width:700px)",
		"td::before{content:attr(data-label)",
	} {
		if !strings.Contains(p, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// TestHTMLRowStatus: a row whose check did not pass carries a class, and
// its status cell a text marker, so that it is marked by more than
// colour; a PASS row and a table without statuses are left plain.
func TestHTMLRowStatus(t *testing.T) {
	d := &Doc{Title: "T"}
	d.add(Table{
		Head:      []string{"check", "status"},
		Rows:      [][]string{{"a", "PASS"}, {"b", "FAIL"}, {"c", "WARN"}, {"d", "INCONCLUSIVE"}, {"e", "SKIP"}},
		RowStatus: []string{"PASS", "FAIL", "WARN", "INCONCLUSIVE", "SKIP"},
	})
	d.add(Table{Head: []string{"x"}, Rows: [][]string{{"FAIL"}}})
	h := string(d.HTML("audit", nil))
	for _, want := range []string{
		`<tr><td data-label="check">a</td><td data-label="status">PASS</td></tr>`,
		`<tr class="status-fail"><td data-label="check">b</td><td class="status" data-label="status"><span><span class="mark">` + "\u2717" + `</span> <strong>FAIL</strong></span></td></tr>`,
		`<tr class="status-warn"><td data-label="check">c</td><td class="status" data-label="status"><span><span class="mark">!</span> <strong>WARN</strong></span></td></tr>`,
		`<tr class="status-inconclusive"><td data-label="check">d</td><td class="status" data-label="status"><span><span class="mark">?</span> <strong>INCONCLUSIVE</strong></span></td></tr>`,
		`<tr><td data-label="check">e</td><td data-label="status">SKIP</td></tr>`,
		`<tr><td data-label="x">FAIL</td></tr>`,
	} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML lacks %s\n%s", want, h)
		}
	}
	for _, css := range []string{"tr.status-fail td{background:", "tr.status-warn td{background:", "tr.status-fail td:first-child{box-shadow:"} {
		if !strings.Contains(pageCSS, css) {
			t.Errorf("pageCSS lacks %q", css)
		}
	}
}

// TestImageCaption: a chart's caption is its own text, never its alt
// text or title again; an image without a caption gets no figcaption.
func TestImageCaption(t *testing.T) {
	d := &Doc{Title: "T"}
	d.add(Image{Alt: "Chart of net_bps per iteration", Src: "charts/net_bps.svg", Caption: "Check net_bps_mean: mean net_bps = 3 (n=8), threshold >= 2.5: PASS."})
	d.add(Image{Alt: "Chart of x per iteration", Src: "charts/x.svg"})
	images := map[string][]byte{"charts/net_bps.svg": []byte("<?xml version=\"1.0\"?>\n<svg></svg>\n"), "charts/x.svg": []byte("<svg></svg>\n")}
	h := string(d.HTML("audit", images))
	if !strings.Contains(h, "<figure class=\"chart\">\n<svg></svg>\n<figcaption>Check net_bps_mean: mean net_bps = 3 (n=8), threshold &gt;= 2.5: PASS.</figcaption>\n</figure>") {
		t.Errorf("captioned figure wrong:\n%s", h)
	}
	if strings.Count(h, "<figcaption>") != 1 || strings.Contains(h, "<figcaption>Chart of") {
		t.Errorf("figcaption repeats the alt text, or an uncaptioned image got one:\n%s", h)
	}
	md := string(d.Markdown())
	if !strings.Contains(md, "![Chart of net_bps per iteration](charts/net_bps.svg)\n\nCheck net_bps_mean: mean net_bps = 3 (n=8), threshold >= 2.5: PASS.\n") {
		t.Errorf("Markdown caption wrong:\n%s", md)
	}
}

// TestChartOutcome: a KPI judged by several checks has its chart's window
// shaded by the worst of them (FAIL over INCONCLUSIVE over WARN over
// PASS); SKIP judges nothing, and a KPI no check names has no outcome.
func TestChartOutcome(t *testing.T) {
	for _, tc := range []struct {
		statuses []string
		want     string
	}{
		{[]string{"PASS", "WARN"}, "WARN"},
		{[]string{"WARN", "INCONCLUSIVE", "PASS"}, "INCONCLUSIVE"},
		{[]string{"INCONCLUSIVE", "FAIL", "PASS"}, "FAIL"},
		{[]string{"SKIP"}, ""},
		{[]string{"SKIP", "PASS"}, "PASS"},
		{nil, ""},
	} {
		v := &artifact.Verdict{Verdict: "PASS"}
		for i, st := range tc.statuses {
			v.Checks = append(v.Checks, artifact.Check{Name: "c" + strconv.Itoa(i), KPI: "net_bps", Status: st})
		}
		it := &artifact.IterationSummary{Iteration: 1, Status: artifact.StatusOK, Summary: artifact.Summary{NetBps: artifact.F(3)}}
		m := newModel(Input{Soak: &soakdir.Soak{Iterations: []*artifact.IterationSummary{it}}, Verdict: v})
		got := "(no series)"
		for _, k := range m.kpis {
			if k.name == "net_bps" {
				got = k.outcome
			}
		}
		if got != tc.want {
			t.Errorf("%v: outcome %q, want %q", tc.statuses, got, tc.want)
		}
	}
}
