package chart

import (
	"bytes"
	"encoding/xml"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecimate(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name    string
		xs      []int
		ys      []float64
		buckets int
		want    [][]Point
	}{
		{"empty", nil, nil, 4, nil},
		{"short series kept whole", []int{1, 2, 3}, []float64{5, 6, 7}, 4, [][]Point{{{1, 5}, {2, 6}, {3, 7}}}},
		{"missing value splits", []int{1, 2, 3, 4}, []float64{5, nan, 7, 8}, 4, [][]Point{{{1, 5}}, {{3, 7}, {4, 8}}}},
		{"numbering gap splits", []int{1, 2, 5, 6}, []float64{1, 2, 3, 4}, 4, [][]Point{{{1, 1}, {2, 2}}, {{5, 3}, {6, 4}}}},
		{"min and max per bucket in x order", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, []float64{3, 9, 1, 4, 4, 4, 8, 0, 2, 5}, 2,
			[][]Point{{{2, 9}, {3, 1}, {7, 8}, {8, 0}}}},
		{"empty bucket splits", []int{1, 2, 3, 4, 5, 6, 7, 8, 9}, []float64{1, 2, 3, nan, nan, nan, 7, 8, 9}, 3,
			[][]Point{{{1, 1}, {3, 3}}, {{7, 7}, {9, 9}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Decimate(tc.xs, tc.ys, tc.buckets)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Decimate (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecimateKeepsExtremes: a single spike in 100,000 values survives.
func TestDecimateKeepsExtremes(t *testing.T) {
	n := 100000
	xs, ys := make([]int, n), make([]float64, n)
	for i := range n {
		xs[i], ys[i] = i+1, 300+float64(i%7)
	}
	ys[77777] = 900
	ys[12345] = -5
	segs := Decimate(xs, ys, Buckets)
	var pts int
	var hi, lo float64 = math.Inf(-1), math.Inf(1)
	for _, s := range segs {
		pts += len(s)
		for _, p := range s {
			hi, lo = math.Max(hi, p.Y), math.Min(lo, p.Y)
		}
	}
	if pts > 2*Buckets || hi != 900 || lo != -5 {
		t.Errorf("got %d points, max %v, min %v; want <= %d points, 900, -5", pts, hi, lo, 2*Buckets)
	}
}

func fixture(n int) Series {
	xs, ys := make([]int, n), make([]float64, n)
	for i := range n {
		xs[i], ys[i] = i+1, 300+40*math.Sin(float64(i)/5)
	}
	th, warn := 340.0, 330.0
	return Series{KPI: "p95_latency_ms", Unit: "ms", Outcome: OutcomeFail, Iterations: xs, Values: ys, Threshold: &th, Warn: &warn, Direction: "<=",
		WindowFirst: n - 7, WindowLast: n, Applies: []int{1, 3, 5}}
}

type svgElem struct {
	name  string
	attrs map[string]string
	text  string
}

// parseSVG decodes the document with encoding/xml and returns its elements.
func parseSVG(t *testing.T, data []byte) []svgElem {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	var out []svgElem
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			e := svgElem{name: x.Name.Local, attrs: map[string]string{}}
			for _, a := range x.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			out = append(out, e)
		case xml.CharData:
			if len(out) > 0 {
				out[len(out)-1].text += string(x)
			}
		}
	}
	if len(out) == 0 || out[0].name != "svg" {
		t.Fatalf("root element is not <svg>")
	}
	return out
}

// find returns the elements with the given name and class.
func find(elems []svgElem, name, class string) []svgElem {
	var out []svgElem
	for _, e := range elems {
		if e.name == name && strings.Contains(" "+e.attrs["class"]+" ", " "+class+" ") {
			out = append(out, e)
		}
	}
	return out
}

func num(t *testing.T, e svgElem, attr string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(e.attrs[attr], 64)
	if err != nil {
		t.Fatalf("<%s %s=%q>: %v", e.name, attr, e.attrs[attr], err)
	}
	return v
}

// TestSVGElements checks that the chart parses as SVG and shows: the y
// axis named with the KPI's unit; each threshold as a dashed line in its
// colour, labelled with its value on the y axis (left of the axis) and on
// the line with direction and unit; the judged window shaded; the legend
// and the tuning applies.
func TestSVGElements(t *testing.T) {
	data, err := SVG(fixture(40), Options{})
	if err != nil {
		t.Fatal(err)
	}
	elems := parseSVG(t, data)
	texts := map[string]bool{}
	for _, e := range elems {
		if e.name == "text" {
			texts[strings.TrimSpace(e.text)] = true
		}
	}
	for _, want := range []string{"p95_latency_ms", "p95_latency_ms (ms)", "iteration", "threshold <= 340 ms", "warn <= 330 ms",
		"340", "330", "judged window 33-40: FAIL", "tuning applied", "value", "fail threshold", "warn threshold"} {
		if !texts[want] {
			t.Errorf("no text %q in the chart", want)
		}
	}
	left := math.Inf(1) // the y axis: the leftmost vertical axis-coloured line
	for _, e := range elems {
		if e.name == "line" && e.attrs["x1"] == e.attrs["x2"] && e.attrs["stroke"] == AxisColor {
			left = math.Min(left, num(t, e, "x1"))
		}
	}
	for _, tc := range []struct {
		kind, color, value, label string
	}{
		{"threshold", ThresholdColor, "340", "threshold <= 340 ms"},
		{"warn", WarnColor, "330", "warn <= 330 ms"},
	} {
		g := find(elems, "g", tc.kind)
		if len(g) != 1 || g[0].attrs["data-value"] != tc.value {
			t.Errorf("%s: want one group with data-value %s, got %v", tc.kind, tc.value, g)
			continue
		}
		dashed := false
		for _, e := range find(elems, "line", "") {
			dashed = dashed || (e.attrs["stroke"] == tc.color && e.attrs["stroke-dasharray"] != "")
		}
		if !dashed {
			t.Errorf("%s: no dashed line in %s", tc.kind, tc.color)
		}
		ticks := find(elems, "text", tc.kind+"-tick")
		if len(ticks) != 1 || strings.TrimSpace(ticks[0].text) != tc.value || ticks[0].attrs["fill"] != tc.color ||
			ticks[0].attrs["text-anchor"] != "end" || num(t, ticks[0], "x") >= left {
			t.Errorf("%s: want its value %s on the y axis (right-aligned left of x=%v, in %s), got %v", tc.kind, tc.value, left, tc.color, ticks)
		}
		labels := find(elems, "text", tc.kind+"-label")
		if len(labels) != 1 || strings.TrimSpace(labels[0].text) != tc.label {
			t.Errorf("%s: want the line labelled %q, got %v", tc.kind, tc.label, labels)
		}
	}
	if ys := find(elems, "text", "y-label"); len(ys) != 1 || !strings.Contains(ys[0].text, "(ms)") {
		t.Errorf("y axis label %v does not name the unit", ys)
	}
	if n := len(find(elems, "g", "applies")); n != 1 {
		t.Errorf("%d groups of tuning applies, want 1", n)
	}
}

// TestSVGWindowOutcome: the judged window is shaded in the colour of the
// KPI's check outcome, and the legend says which.
func TestSVGWindowOutcome(t *testing.T) {
	for _, tc := range []struct{ outcome, color, legend string }{
		{OutcomePass, "#2ca02c", "judged window 33-40: PASS"},
		{OutcomeWarn, "#f0a500", "judged window 33-40: WARN"},
		{OutcomeFail, "#d62728", "judged window 33-40: FAIL"},
		{OutcomeInconclusive, "#8c8c8c", "judged window 33-40: INCONCLUSIVE"},
		{"", "#7896b4", "judged window 33-40 (KPI not checked)"},
	} {
		t.Run(tc.outcome, func(t *testing.T) {
			s := fixture(40)
			s.Outcome = tc.outcome
			data, err := SVG(s, Options{})
			if err != nil {
				t.Fatal(err)
			}
			elems := parseSVG(t, data)
			var fills []string
			for i, e := range elems {
				if e.name == "g" && strings.Contains(e.attrs["class"], "window") && i+1 < len(elems) && elems[i+1].name == "rect" {
					fills = append(fills, elems[i+1].attrs["fill"])
				}
			}
			if len(fills) != 1 || fills[0] != tc.color {
				t.Errorf("window shaded %v, want %s", fills, tc.color)
			}
			var legend []string
			for _, e := range elems {
				if e.name == "text" && e.attrs["class"] == "" && strings.HasPrefix(e.text, "judged window") {
					legend = append(legend, strings.TrimSpace(e.text))
				}
			}
			if len(legend) != 1 || legend[0] != tc.legend {
				t.Errorf("legend %q, want %q", legend, tc.legend)
			}
		})
	}
}

// TestSVGFontIndependent: the text asks for a generic font stack, never
// one font alone, and is anchored where it belongs (a y tick label by its
// end at the axis, the legend's text by its start after its swatch); each
// legend entry leaves its text CharWidth em per character before the
// next entry, so a wider substitute font cannot run into the next swatch.
func TestSVGFontIndependent(t *testing.T) {
	s := fixture(40)
	s.KPI, s.Unit = "slippage_bps_p95", "bps"
	data, err := SVG(s, Options{Width: 520})
	if err != nil {
		t.Fatal(err)
	}
	elems := parseSVG(t, data)
	ff := elems[0].attrs["font-family"]
	if !strings.HasSuffix(ff, ",sans-serif") || strings.Count(ff, ",") < 3 {
		t.Errorf("font-family %q is not a stack ending in a generic family", ff)
	}
	for _, e := range elems {
		if e.attrs["font-family"] != "" && e.name != "svg" || strings.Contains(e.attrs["style"], "font-family") {
			t.Errorf("<%s> names its own font: %v", e.name, e.attrs)
		}
	}
	type box struct{ x0, x1, y float64 }
	var items []box
	for i, e := range elems {
		if e.name != "g" || e.attrs["class"] != "legend-item" {
			continue
		}
		// The swatch's elements, then the text.
		sw := math.Inf(-1)
		j := i + 1
		for ; j < len(elems) && elems[j].name != "text"; j++ {
			for _, a := range []string{"x2", "x"} {
				if v, err := strconv.ParseFloat(elems[j].attrs[a], 64); err == nil {
					w, _ := strconv.ParseFloat(elems[j].attrs["width"], 64)
					sw = math.Max(sw, v+w)
				}
			}
			if d := elems[j].attrs["d"]; d != "" { // the apply triangle: 8 px wide from its M x
				x, _ := strconv.ParseFloat(strings.Fields(strings.TrimPrefix(d, "M"))[0], 64)
				sw = math.Max(sw, x+8)
			}
		}
		txt := elems[j]
		if a := txt.attrs["text-anchor"]; a != "" && a != "start" {
			t.Errorf("legend text %q anchored %q: its start would move with the font", txt.text, a)
		}
		x := num(t, txt, "x")
		if x < sw+4 {
			t.Errorf("legend text %q starts at %v, less than 4 px after its swatch (ends %v)", txt.text, x, sw)
		}
		items = append(items, box{x0: x, x1: x + TextWidth(strings.TrimSpace(txt.text), textSize), y: num(t, txt, "y")})
		if items[len(items)-1].x1 > 520 {
			t.Errorf("legend text %q may run past the chart's edge", txt.text)
		}
	}
	if len(items) != 5 {
		t.Fatalf("%d legend entries, want 5", len(items))
	}
	rows := map[float64]bool{}
	for i := 1; i < len(items); i++ {
		rows[items[i].y] = true
		if items[i].y == items[i-1].y && items[i].x0 < items[i-1].x1+18 {
			t.Errorf("legend entry %d starts at %v, inside the room of the previous text (to %v)", i, items[i].x0, items[i-1].x1)
		}
	}
	if len(rows) < 2 {
		t.Errorf("a 520 px chart fits its legend in one row: the room per character is not reserved")
	}
	for _, e := range elems {
		if e.name == "text" && strings.HasSuffix(e.attrs["class"], "-tick") && e.attrs["text-anchor"] != "end" {
			t.Errorf("y tick %q not anchored by its end at the axis", e.text)
		}
	}
}

// TestSVGDeterministic: same series, same bytes, also for a decimated one.
func TestSVGDeterministic(t *testing.T) {
	for _, n := range []int{30, 5000} {
		a, err := SVG(fixture(n), Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := SVG(fixture(n), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("n=%d: two renderings differ", n)
		}
	}
}

func TestSVGNoData(t *testing.T) {
	s := Series{KPI: "net_bps", Iterations: []int{1, 2}, Values: []float64{math.NaN(), math.NaN()}}
	data, err := SVG(s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	parseSVG(t, data)
}

func BenchmarkSVG100k(b *testing.B) {
	s := fixture(100000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SVG(s, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSVGEdgeCases: odd series still give well-formed SVG with finite
// coordinates: one iteration, no values, a constant, huge and negative
// values, a threshold far from the data, a window beyond the data, a
// tiny size.
func TestSVGEdgeCases(t *testing.T) {
	nan := math.NaN()
	th, far := 340.0, 1e9
	for _, tc := range []struct {
		name string
		s    Series
		opt  Options
	}{
		{"one iteration", Series{KPI: "net_bps", Iterations: []int{7}, Values: []float64{2.5}, Threshold: &th, Direction: ">="}, Options{}},
		{"no values", Series{KPI: "net_bps", Iterations: []int{1, 2, 3}, Values: []float64{nan, nan, nan}, Threshold: &th, Direction: ">=", WindowFirst: 1, WindowLast: 3, Outcome: OutcomeInconclusive}, Options{}},
		{"constant", Series{KPI: "risk_ratio", Unit: "ratio", Iterations: []int{1, 2, 3}, Values: []float64{0, 0, 0}}, Options{}},
		{"huge and negative", Series{KPI: "net_bps", Unit: "bps", Iterations: []int{1, 2, 3}, Values: []float64{-3e12, 5e12, math.Inf(1)}}, Options{}},
		{"threshold far away", Series{KPI: "p95_latency_ms", Unit: "ms", Iterations: []int{1, 2}, Values: []float64{300, 310}, Threshold: &far, Warn: &th, Direction: "<="}, Options{}},
		{"window beyond data", Series{KPI: "p95_latency_ms", Iterations: []int{1, 2}, Values: []float64{300, 310}, WindowFirst: 5, WindowLast: 9, Outcome: OutcomePass, Applies: []int{40}}, Options{}},
		{"tiny", fixture(50), Options{Width: 60, Height: 40}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := SVG(tc.s, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			parseSVG(t, data)
			for _, bad := range []string{"NaN", "Inf"} {
				if bytes.Contains(data, []byte(bad)) {
					t.Errorf("output holds %q:\n%s", bad, data)
				}
			}
		})
	}
}

// TestThresholdWrittenAsALevel: a threshold's value on the chart is the
// level as every report writes it (numfmt.Level: every digit,
// never an exponent), not Go's %g ("1e-05", "2.5e+06").
func TestThresholdWrittenAsALevel(t *testing.T) {
	for _, tc := range []struct {
		level float64
		want  string
	}{{0.00001, "0.00001"}, {2500000, "2500000"}, {0.83, "0.83"}} {
		s := fixture(30)
		s.Threshold = &tc.level
		svg, err := SVG(s, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(svg, []byte(`data-value="`+tc.want+`"`)) {
			t.Errorf("threshold %v: no data-value=%q in the chart", tc.level, tc.want)
		}
	}
}
