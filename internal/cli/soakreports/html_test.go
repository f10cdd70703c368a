package soakreports

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/soakline/soakline/internal/chart"
	"github.com/soakline/soakline/pkg/artifact"
)

// chromium finds Debian's chromium (or Google's build) on PATH.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium is not installed; skipping the REPORT.html rendering test (apt-get install chromium)")
	return ""
}

// TestHTMLInChromium opens REPORT.html in headless Chromium with the
// network effectively off: a screenshot must be produced, and the DOM must
// hold the verdict, the three reports and the inline charts.
func TestHTMLInChromium(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()
	soak, out := filepath.Join(dir, "soak dir"), filepath.Join(dir, "reports out")
	writeOurs(t, soak, 24, failShape, map[int]bool{21: true})
	if _, stderr, code := runCLI(t, "", nil, soak, "--out", out, "--html"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	page := filepath.Join(out, "REPORT.html")
	url := "file://" + filepath.ToSlash(page)
	url = strings.ReplaceAll(url, " ", "%20")
	common := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + filepath.Join(dir, "profile")}

	shot := filepath.Join(dir, "shot.png")
	runChromium(t, bin, append(common, "--screenshot="+shot, "--window-size=1280,2000", url)...)
	fi, err := os.Stat(shot)
	if err != nil || fi.Size() < 10000 {
		t.Fatalf("no usable screenshot (%v, %d bytes)", err, sizeOf(fi))
	}
	png, _ := os.ReadFile(shot)
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("screenshot is not a PNG")
	}

	dom := runChromium(t, bin, append(common, "--dump-dom", url)...)
	for _, want := range []string{
		`id="verdict"`, "Verdict: FAIL", `<section id="audit">`, `<section id="recommendations">`,
		`<section id="failures">`, "<svg", "judged window 17-24", "engine.concurrency_limit",
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered DOM lacks %q", want)
		}
	}
}

// measureJS measures REPORT.html laid out in the iframe#page of the probe
// page (see TestHTMLLayoutInChromium) and writes its findings as JSON
// into <pre id="layout-measure">, which --dump-dom then prints.
const measureJS = `window.addEventListener("load", function () {
  var frame = document.getElementById("page"), win = frame.contentWindow, doc = frame.contentDocument;
  var vw = doc.documentElement.clientWidth, out = {vw: vw, inner: win.innerWidth,
    scrollWidth: doc.documentElement.scrollWidth, overflow: [], failRows: [], overlaps: [], charts: 0, checks: false};
  function r(el) { return el.getBoundingClientRect(); }
  function name(el) { return el.tagName.toLowerCase() + " " + JSON.stringify((el.textContent || "").trim().slice(0, 30)); }
  // The checks table: by its id, else the first table after the heading.
  var table = doc.getElementById("checks");
  Array.prototype.forEach.call(doc.querySelectorAll("h2"), function (h) {
    if (table || !/^2\. Checks/.test(h.textContent)) return;
    for (var el = h.nextElementSibling; el && !table; el = el.nextElementSibling) table = el.tagName === "TABLE" ? el : el.querySelector("table");
  });
  if (table) {
    out.checks = true;
    [table].concat(Array.prototype.slice.call(table.querySelectorAll("*"))).forEach(function (el) {
      var b = r(el);
      if (b.width === 0 && b.height === 0) return; // not rendered (the header row when stacked)
      if (b.left < -0.5 || b.right > vw + 0.5) out.overflow.push(name(el) + " spans " + Math.round(b.left) + ".." + Math.round(b.right));
    });
    Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (tr) {
      var cells = tr.querySelectorAll("td"), last = cells[cells.length - 1];
      if (!/FAIL/.test(last.textContent)) return;
      var st = win.getComputedStyle(cells[0]);
      out.failRows.push({cls: tr.className, bg: st.backgroundColor, bar: st.boxShadow, status: last.innerText.replace(/\s+/g, " ").trim(),
        statusColor: win.getComputedStyle(last).color, visible: r(last).right <= vw + 0.5 && r(last).width > 0});
    });
  }
  Array.prototype.forEach.call(doc.querySelectorAll("figure.chart svg"), function (svg) {
    out.charts++;
    var kpi = svg.getAttribute("data-kpi"), boxes = [];
    Array.prototype.forEach.call(svg.querySelectorAll("g.legend-item"), function (g, i) {
      Array.prototype.forEach.call(g.children, function (c) { boxes.push({item: i, text: c.tagName === "text", b: r(c), what: c.tagName + " " + JSON.stringify(c.textContent || "")}); });
    });
    var sb = r(svg);
    boxes.forEach(function (x, i) {
      if (x.text && (x.b.right > sb.right + 0.5 || x.b.left < sb.left - 0.5)) out.overlaps.push(kpi + ": legend " + x.what + " leaves the chart");
      boxes.forEach(function (y, j) {
        if (j <= i || (!x.text && !y.text)) return;
        var ix = Math.min(x.b.right, y.b.right) - Math.max(x.b.left, y.b.left), iy = Math.min(x.b.bottom, y.b.bottom) - Math.max(x.b.top, y.b.top);
        if (ix > 0.5 && iy > 0.5) out.overlaps.push(kpi + ": legend " + x.what + " overlaps " + y.what);
      });
    });
    var axis = null;
    Array.prototype.forEach.call(svg.querySelectorAll("g.axes > line"), function (l) { if (l.getAttribute("x1") === l.getAttribute("x2")) axis = r(l); });
    Array.prototype.forEach.call(svg.querySelectorAll("text.y-tick, text.threshold-tick, text.warn-tick"), function (t) {
      var b = r(t);
      if (axis && b.right > axis.left + 0.5) out.overlaps.push(kpi + ": y label " + t.textContent + " crosses the axis");
      if (b.left < sb.left - 0.5) out.overlaps.push(kpi + ": y label " + t.textContent + " leaves the chart");
    });
  });
  var pre = document.createElement("pre");
  pre.id = "layout-measure";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});`

type layout struct {
	VW          float64  `json:"vw"`
	Inner       float64  `json:"inner"`
	ScrollWidth float64  `json:"scrollWidth"`
	Checks      bool     `json:"checks"`
	Overflow    []string `json:"overflow"`
	Overlaps    []string `json:"overlaps"`
	Charts      int      `json:"charts"`
	FailRows    []struct {
		Cls, Bg, Bar, Status, StatusColor string
		Visible                           bool
	} `json:"failRows"`
}

// TestHTMLLayoutInChromium lays REPORT.html out in headless Chromium at a
// phone's width (420 px) and a desktop's (1400 px) and measures it.
//
// How: headless Chromium will not make a window narrower than 500 px, and
// the page's CSP rightly forbids scripts. So the test writes a probe page
// that holds REPORT.html, byte for byte, as the srcdoc of an iframe exactly
// as wide as the width under test (and tall enough never to scroll), plus
// measureJS. The report lays out in the iframe as in a window that wide
// (its media queries see the iframe's width) under its own CSP; the
// probe's script, of the same origin, reads getBoundingClientRect and
// computed styles once everything has loaded and writes them into the
// probe's DOM, which --dump-dom prints.
//
// At both widths: no element of the checks table lies outside the
// viewport, nor does the page scroll sideways; each FAIL row carries the
// status-fail class, a tinted background, a bar and the text marker ✗
// before its visible status; in every chart no legend text overlaps a
// swatch or another text, and no y label crosses the axis, with the fonts
// this machine has (Liberation Sans is not required).
func TestHTMLLayoutInChromium(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()
	soak, out := filepath.Join(dir, "soak"), filepath.Join(dir, "out")
	writeOurs(t, soak, 24, failShape, map[int]bool{21: true})
	if _, stderr, code := runCLI(t, "", nil, soak, "--out", out, "--html"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	page, err := os.ReadFile(filepath.Join(out, "REPORT.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, width := range []int{420, 1400} {
		t.Run(strconv.Itoa(width), func(t *testing.T) {
			probe := fmt.Sprintf("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body style=\"margin:0\">\n"+
				"<iframe id=\"page\" style=\"border:0;display:block;width:%dpx;height:30000px\" srcdoc=\"%s\"></iframe>\n<script>%s</script>\n</body></html>\n",
				width, html.EscapeString(string(page)), measureJS)
			probePath := filepath.Join(dir, fmt.Sprintf("probe%d.html", width))
			if err := os.WriteFile(probePath, []byte(probe), 0o644); err != nil {
				t.Fatal(err)
			}
			dom := runChromium(t, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
				"--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
				"--user-data-dir="+filepath.Join(dir, "profile"+strconv.Itoa(width)),
				fmt.Sprintf("--window-size=%d,900", width+40), "--dump-dom", "file://"+filepath.ToSlash(probePath))
			m := regexp.MustCompile(`<pre id="layout-measure">([^<]*)</pre>`).FindStringSubmatch(dom)
			if m == nil {
				t.Fatalf("the measuring script did not run; DOM tail:\n%s", tail(dom, 1000))
			}
			var got layout
			if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &got); err != nil {
				t.Fatalf("measurements: %v", err)
			}
			if got.Inner != float64(width) {
				t.Fatalf("the viewport is %v px wide, not %d: the measurement would not test that width", got.Inner, width)
			}
			if !got.Checks {
				t.Fatalf("no checks table in the page")
			}
			for _, o := range got.Overflow {
				t.Errorf("checks table: %s, outside the %v px viewport", o, got.VW)
			}
			if got.ScrollWidth > got.VW {
				t.Errorf("the page is %v px wide in a %v px viewport: it scrolls sideways", got.ScrollWidth, got.VW)
			}
			if len(got.FailRows) != 2 {
				t.Errorf("%d FAIL rows found in the checks table, want 2 (failed_iterations, p95_latency_ms_mean)", len(got.FailRows))
			}
			for _, r := range got.FailRows {
				if !strings.Contains(" "+r.Cls+" ", " status-fail ") {
					t.Errorf("FAIL row has class %q, want status-fail", r.Cls)
				}
				if r.Bg == "" || r.Bg == "rgba(0, 0, 0, 0)" || r.Bg == "rgb(255, 255, 255)" {
					t.Errorf("FAIL row is not tinted (background %q)", r.Bg)
				}
				if r.Bar == "" || r.Bar == "none" {
					t.Errorf("FAIL row has no bar at its start (box-shadow %q)", r.Bar)
				}
				if r.Status != "\u2717 FAIL" || !r.Visible {
					t.Errorf("FAIL row's status reads %q (visible %v), want \"\u2717 FAIL\" on screen", r.Status, r.Visible)
				}
			}
			if got.Charts < 4 {
				t.Errorf("%d charts laid out, want at least 4", got.Charts)
			}
			for _, o := range got.Overlaps {
				t.Errorf("chart text: %s", o)
			}
		})
	}
}

// TestHTMLChartParts reads each chart inline in REPORT.html as SVG: the
// y axis names the KPI's unit, a judged KPI's fail threshold is labelled
// with its value on the axis and on its line, and the judged window is
// shaded in the colour of that KPI's check outcome (the fixture's
// p95_latency_ms fails, net_bps is inconclusive, maker_taker_ratio passes)
// or, for a KPI no check judges, in the colour that says so. No figure
// caption repeats its chart's title.
func TestHTMLChartParts(t *testing.T) {
	dir := t.TempDir()
	soak, out := filepath.Join(dir, "soak"), filepath.Join(dir, "out")
	writeOurs(t, soak, 24, failShape, map[int]bool{21: true})
	if _, stderr, code := runCLI(t, "", nil, soak, "--out", out, "--html"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var v artifact.Verdict
	data, err := os.ReadFile(filepath.Join(out, "POST_SOAK_SNAPSHOT.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := artifact.Decode("POST_SOAK_SNAPSHOT.json", data, artifact.KindVerdict, &v); err != nil {
		t.Fatal(err)
	}
	status, threshold := map[string]string{}, map[string]float64{}
	for _, c := range v.Checks {
		if c.KPI != "" {
			status[c.KPI], threshold[c.KPI] = c.Status, c.Threshold
		}
	}
	for kpi, want := range map[string]string{"p95_latency_ms": "FAIL", "net_bps": "INCONCLUSIVE", "maker_taker_ratio": "PASS"} {
		if status[kpi] != want {
			t.Fatalf("fixture: %s is %q, want %s", kpi, status[kpi], want)
		}
	}
	page, err := os.ReadFile(filepath.Join(out, "REPORT.html"))
	if err != nil {
		t.Fatal(err)
	}
	figures := regexp.MustCompile(`(?s)<figure class="chart">\n(<svg.*?</svg>)\n(?:<figcaption>(.*?)</figcaption>\n)?</figure>`).FindAllSubmatch(page, -1)
	if len(figures) < 4 {
		t.Fatalf("%d charts in REPORT.html, want at least 4", len(figures))
	}
	seen := map[string]bool{}
	for _, f := range figures {
		parts := svgParts(t, f[1])
		kpi := parts.attr["data-kpi"]
		seen[kpi] = true
		unit := artifact.KPIUnit(kpi)
		if unit == "" || parts.text["y-label"] != kpi+" ("+unit+")" {
			t.Errorf("%s: y axis label %q, want %q", kpi, parts.text["y-label"], kpi+" ("+unit+")")
		}
		caption := html.UnescapeString(string(f[2]))
		if caption == "" || strings.TrimSpace(caption) == kpi {
			t.Errorf("%s: caption %q is empty or repeats the title", kpi, caption)
		}
		st, judged := status[kpi]
		if !judged {
			if parts.outcome != "none" || parts.windowFill != chart.WindowColor("") {
				t.Errorf("%s: no check judges it, but the window is shaded %s (%s)", kpi, parts.windowFill, parts.outcome)
			}
			continue
		}
		if parts.outcome != st || parts.windowFill != chart.WindowColor(st) {
			t.Errorf("%s: check %s, window shaded %s for %q; want %s", kpi, st, parts.windowFill, parts.outcome, chart.WindowColor(st))
		}
		val := strconv.FormatFloat(threshold[kpi], 'g', -1, 64)
		if parts.text["threshold-tick"] != val {
			t.Errorf("%s: threshold on the axis %q, want %q", kpi, parts.text["threshold-tick"], val)
		}
		if l := parts.text["threshold-label"]; !strings.HasPrefix(l, "threshold ") || !strings.Contains(l, " "+val) {
			t.Errorf("%s: threshold line labelled %q, want its value %s", kpi, l, val)
		}
		if !strings.Contains(caption, "Check ") || !strings.Contains(caption, st) {
			t.Errorf("%s: caption %q does not say how the check came out (%s)", kpi, caption, st)
		}
	}
	for _, kpi := range []string{"p95_latency_ms", "net_bps", "maker_taker_ratio", "adverse_bps_p95"} {
		if !seen[kpi] {
			t.Errorf("no chart of %s", kpi)
		}
	}
}

type chartParts struct {
	attr                map[string]string // the <svg> element's
	text                map[string]string // by class
	outcome, windowFill string
}

// svgParts decodes one inline chart with encoding/xml.
func svgParts(t *testing.T, svg []byte) chartParts {
	t.Helper()
	p := chartParts{attr: map[string]string{}, text: map[string]string{}}
	dec := xml.NewDecoder(bytes.NewReader(svg))
	var class, prev string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("chart is not well-formed XML: %v", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			a := map[string]string{}
			for _, at := range x.Attr {
				a[at.Name.Local] = at.Value
			}
			if x.Name.Local == "svg" {
				p.attr = a
			}
			if x.Name.Local == "g" && a["class"] == "window" {
				p.outcome = a["data-outcome"]
			}
			if x.Name.Local == "rect" && prev == "g.window" {
				p.windowFill = a["fill"]
			}
			prev = x.Name.Local + "." + a["class"]
			class = ""
			if x.Name.Local == "text" {
				class = a["class"]
			}
		case xml.CharData:
			if class != "" {
				p.text[class] += string(x)
			}
		case xml.EndElement:
			class = ""
		}
	}
	return p
}

func sizeOf(fi os.FileInfo) int64 {
	if fi == nil {
		return 0
	}
	return fi.Size()
}

func runChromium(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, tail(stderr.String(), 2000))
	}
	return stdout.String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// TestHTMLSelfContained: REPORT.html fetches nothing: no scripts, no
// external URLs, and a content security policy that forbids loading.
func TestHTMLSelfContained(t *testing.T) {
	dir := t.TempDir()
	soak, out := filepath.Join(dir, "soak"), filepath.Join(dir, "out")
	writeOurs(t, soak, 12, passShape, nil)
	if _, stderr, code := runCLI(t, "", nil, soak, "--out", out, "--html"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	page, err := os.ReadFile(filepath.Join(out, "REPORT.html"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	for _, bad := range []string{"<script", "src=\"http", "href=\"http", "@import", "url(http"} {
		if strings.Contains(s, bad) {
			t.Errorf("REPORT.html contains %q", bad)
		}
	}
	if !strings.Contains(s, "default-src 'none'") {
		t.Errorf("REPORT.html has no restrictive content security policy")
	}
	if n := strings.Count(s, "<svg"); n < 4 {
		t.Errorf("REPORT.html inlines %d charts, want at least 4", n)
	}
}
