package chart

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image/color"
	"io"
	"math"
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
	return Series{KPI: "p95_latency_ms", Iterations: xs, Values: ys, Threshold: &th, Warn: &warn, Direction: "<=",
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

// hex is the colour as vgsvg writes it: un-premultiplied, truncated.
func hex(c color.NRGBA) string {
	r, g, b, a := c.RGBA()
	k := 255.0 / float64(a)
	return fmt.Sprintf("#%02X%02X%02X", int(float64(r)*k), int(float64(g)*k), int(float64(b)*k))
}

// TestSVGElements checks that the chart parses as SVG and shows the
// threshold (a dashed path in the threshold colour, with its legend), the
// judged window (a filled path in the window colour, with its legend) and
// the tuning applies.
func TestSVGElements(t *testing.T) {
	data, err := SVG(fixture(40), Options{})
	if err != nil {
		t.Fatal(err)
	}
	elems := parseSVG(t, data)
	var threshold, window, texts int
	var legends []string
	for _, e := range elems {
		st := strings.ToUpper(e.attrs["style"])
		if e.name == "path" && strings.Contains(st, "STROKE:"+hex(ThresholdColor)) && strings.Contains(st, "STROKE-DASHARRAY") {
			threshold++
		}
		if e.name == "path" && strings.Contains(st, "FILL:"+hex(WindowColor)) {
			window++
		}
		if e.name == "text" {
			texts++
			legends = append(legends, strings.TrimSpace(e.text))
		}
	}
	if threshold == 0 {
		t.Errorf("no dashed threshold path in %s", hex(ThresholdColor))
	}
	if window == 0 {
		t.Errorf("no window shading filled with %s", hex(WindowColor))
	}
	for _, want := range []string{"threshold <= 340", "warn <= 330", "judged window 33-40", "tuning applied", "p95_latency_ms"} {
		found := false
		for _, l := range legends {
			found = found || l == want
		}
		if !found {
			t.Errorf("no text %q among %q", want, legends)
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
