package chart

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// TestSVGTimeAxisBaselineMarks: the options a canary report uses — an x
// axis in minutes at a 5-minute step (no gap between consecutive
// points), a dashed baseline, a labelled mark — are drawn, escaped, and
// leave a series without them as it was.
func TestSVGTimeAxisBaselineMarks(t *testing.T) {
	nan := math.NaN()
	th := 340.0
	s := Series{KPI: "p95<&>", ValueLabel: "canary", Iterations: []int{5, 10, 15, 20, 30}, Values: []float64{300, 310, 350, 360, 370},
		Baseline: []float64{300, nan, 301, 302, 303}, BaselineLabel: "baseline <median>", Threshold: &th, Direction: "<=",
		Marks: []Mark{{X: 20, Label: "ROLLBACK <at> #4"}}}
	data, err := SVG(s, Options{XLabel: "minutes since start", XStep: 5})
	if err != nil {
		t.Fatal(err)
	}
	elems := parseSVG(t, data)
	if xl := find(elems, "text", "x-label"); len(xl) != 1 || strings.TrimSpace(xl[0].text) != "minutes since start" {
		t.Errorf("x label %v, want minutes since start", xl)
	}
	if !strings.Contains(string(data), `aria-label="p95&lt;&amp;&gt; per minutes since start"`) {
		t.Error("aria-label does not name the x axis, escaped")
	}
	// 5..20 are one segment at step 5; 30 after the gap at 25 another.
	vals := find(elems, "path", "values")
	if len(vals) != 1 || strings.Count(vals[0].attrs["d"], "M") != 2 || strings.Count(vals[0].attrs["d"], "L") != 3 {
		t.Errorf("values path %q: want 2 segments, 5 points", vals[0].attrs["d"])
	}
	base := find(elems, "path", "baseline")
	if len(base) != 1 || base[0].attrs["stroke-dasharray"] == "" || strings.Count(base[0].attrs["d"], "M") != 3 {
		t.Errorf("baseline path %v: want dashed, 3 segments (missing value, gap)", base)
	}
	marks := find(elems, "g", "mark")
	if len(marks) != 1 || marks[0].attrs["data-x"] != "20" {
		t.Fatalf("marks %v", marks)
	}
	if ml := find(elems, "text", "mark-label"); len(ml) != 1 || strings.TrimSpace(ml[0].text) != "ROLLBACK <at> #4" {
		t.Errorf("mark label %v", ml)
	}
	if !bytes.Contains(data, []byte("baseline &lt;median&gt;")) {
		t.Error("baseline legend text not escaped")
	}
	if len(find(elems, "g", "threshold")) != 1 {
		t.Error("no threshold")
	}
	// Same input, same bytes.
	again, _ := SVG(s, Options{XLabel: "minutes since start", XStep: 5})
	if !bytes.Equal(data, again) {
		t.Error("two renderings differ")
	}
	// Without the additions the output is the default one.
	plain := fixture(30)
	a, _ := SVG(plain, Options{})
	b, _ := SVG(plain, Options{XLabel: "iteration", XStep: 1})
	if !bytes.Equal(a, b) {
		t.Error("explicit defaults change the output")
	}
	if _, err := SVG(Series{KPI: "x", Iterations: []int{1}, Values: []float64{1}, Baseline: []float64{}}, Options{}); err == nil {
		t.Error("a baseline of another length was accepted")
	}
}
