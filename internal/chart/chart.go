// Package chart draws the per-KPI charts of soak-reports as SVG: the
// KPI's value per iteration, the policy thresholds as dashed lines
// labelled with their value on the line and on the y axis, the judged
// window shaded in the colour of its outcome (pass green, warn amber, fail
// red, inconclusive grey, not judged blue-grey), and the iterations after
// which the tuner applied a change marked along the bottom. The y axis
// names the KPI's unit.
//
// Long soaks are decimated before plotting: the iterations are split into
// at most Buckets buckets and each bucket keeps its minimum and maximum
// (in iteration order), so a 100,000-iteration chart keeps every spike
// and dip a pixel could show while drawing about 2×Buckets points.
//
// Text does not depend on one font's metrics: it asks for a generic
// sans-serif stack, every label is anchored by the viewer
// (text-anchor start, middle or end) at the point it belongs to, and
// where text must leave room for something after it (legend entries, the
// y tick labels) the room is computed from a conservative width per
// character (CharWidth em), wider than the common sans-serif faces, so
// a substitute font never makes a label overprint its swatch or an axis.
//
// Output is deterministic: same series, same bytes.
package chart

import (
	"errors"
	"html"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/soakline/soakline/internal/numfmt"
)

// Colours, chosen so that tests (and people) can tell the elements apart.
const (
	ValueColor     = "#1f77b4"
	ThresholdColor = "#d62728"
	WarnColor      = "#e67e00"
	ApplyColor     = "#9467bd"
	AxisColor      = "#444444"
	GridColor      = "#e3e3e3"
)

// Outcomes of the judged window and their shading colours.
const (
	OutcomePass         = "PASS"
	OutcomeWarn         = "WARN"
	OutcomeFail         = "FAIL"
	OutcomeInconclusive = "INCONCLUSIVE"
)

// WindowColor is the shading of a judged window with the given outcome
// ("" or unknown: not judged by any check).
func WindowColor(outcome string) string {
	switch outcome {
	case OutcomePass:
		return "#2ca02c" // green
	case OutcomeWarn:
		return "#f0a500" // amber
	case OutcomeFail:
		return "#d62728" // red
	case OutcomeInconclusive:
		return "#8c8c8c" // grey
	}
	return "#7896b4" // blue-grey: shown, not judged
}

// FontFamily is the generic stack every text asks for.
const FontFamily = `system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Liberation Sans","DejaVu Sans",sans-serif`

// CharWidth is the width, in em, assumed for one character when room
// must be left after a text: wider than the average character of the
// fonts of FontFamily (DejaVu Sans, the widest, averages about 0.6 em over
// lower case, digits and punctuation).
const CharWidth = 0.68

// Buckets is the default number of decimation buckets: about one per
// horizontal pixel of the plot area at the default size.
const Buckets = 500

// Series is one KPI over a soak.
type Series struct {
	KPI string
	// Unit is the unit of the values (artifact.KPIUnit), named on the y
	// axis; "" names none.
	Unit       string
	Iterations []int     // ascending
	Values     []float64 // same length; NaN where the KPI is missing
	// Threshold is the policy's fail threshold with its direction (">=" or
	// "<="); Warn the warn threshold. Both may be nil.
	Threshold *float64
	Direction string
	Warn      *float64
	// WindowFirst..WindowLast is the judged window (0, 0: none), Outcome
	// the status of the check that judged the KPI over it (OutcomePass,
	// ...; "": no check judges this KPI).
	WindowFirst, WindowLast int
	Outcome                 string
	// Applies are the iterations after which tuning changed parameters.
	Applies []int
	// ValueLabel names the values in the legend ("": "value").
	ValueLabel string
	// Baseline, when not nil, is a second series drawn dashed under the
	// values (same length as Values; NaN where missing), named in the
	// legend by BaselineLabel ("": "baseline").
	Baseline      []float64
	BaselineLabel string
	// Marks are vertical lines at x positions, each labelled (a decision
	// point, for instance).
	Marks []Mark
}

// Mark is a labelled vertical line at X.
type Mark struct {
	X     int
	Label string
}

// Colours of the additions a canary chart uses.
const (
	BaselineColor = "#7f7f7f"
	MarkColor     = "#111111"
)

// Options sets the size of a chart.
type Options struct {
	Width, Height int // pixels (user units); default 720×300
	Buckets       int // default Buckets
	// XLabel names the x axis ("": "iteration"); XStep is the distance
	// between consecutive x values of a series without a gap (0: 1), so
	// that x can be, say, minutes since start at a 5-minute interval.
	XLabel string
	XStep  int
}

// Point is one plotted value.
type Point struct {
	X int
	Y float64
}

// Decimate reduces a series to at most 2×buckets points: when there are
// more values than that, the x range is split into equal buckets and each
// keeps its minimum and maximum, in x order. Missing (NaN) values are
// dropped. The result is split into segments: a segment ends where
// iterations are missing (a gap in the numbering, a missing value, or an
// empty bucket), so that lines are never drawn across missing data.
func Decimate(xs []int, ys []float64, buckets int) [][]Point {
	return DecimateStep(xs, ys, buckets, 1)
}

// DecimateStep is Decimate where consecutive x values without a gap are
// step apart (step < 1: 1).
func DecimateStep(xs []int, ys []float64, buckets, step int) [][]Point {
	if step < 1 {
		step = 1
	}
	if buckets < 1 {
		buckets = 1
	}
	n := len(xs)
	if n <= 2*buckets {
		var segs [][]Point
		var cur []Point
		prevX := math.MinInt
		for i := range n {
			y := ys[i]
			if math.IsNaN(y) || math.IsInf(y, 0) {
				if len(cur) > 0 {
					segs, cur = append(segs, cur), nil
				}
				continue
			}
			if len(cur) > 0 && xs[i] != prevX+step {
				segs, cur = append(segs, cur), nil
			}
			cur = append(cur, Point{xs[i], y})
			prevX = xs[i]
		}
		if len(cur) > 0 {
			segs = append(segs, cur)
		}
		return segs
	}
	lo, hi := xs[0], xs[n-1]
	width := float64(hi-lo+1) / float64(buckets)
	var segs [][]Point
	var cur []Point
	prevBucket := -1
	i := 0
	for b := 0; b < buckets && i < n; b++ {
		end := lo + int(math.Ceil(float64(b+1)*width)) // first x of the next bucket
		minI, maxI := -1, -1
		for ; i < n && xs[i] < end; i++ {
			y := ys[i]
			if math.IsNaN(y) || math.IsInf(y, 0) {
				continue
			}
			if minI < 0 || y < ys[minI] {
				minI = i
			}
			if maxI < 0 || y > ys[maxI] {
				maxI = i
			}
		}
		if minI < 0 {
			if len(cur) > 0 {
				segs, cur = append(segs, cur), nil
			}
			continue
		}
		if len(cur) > 0 && b != prevBucket+1 {
			segs, cur = append(segs, cur), nil
		}
		first, second := minI, maxI
		if second < first {
			first, second = second, first
		}
		cur = append(cur, Point{xs[first], ys[first]})
		if second != first {
			cur = append(cur, Point{xs[second], ys[second]})
		}
		prevBucket = b
	}
	if len(cur) > 0 {
		segs = append(segs, cur)
	}
	return segs
}

// thin keeps at most one mark per bucket of the x range.
func thin(xs []int, lo, hi, buckets int) []int {
	if len(xs) <= buckets || hi <= lo {
		return xs
	}
	width := float64(hi-lo+1) / float64(buckets)
	var out []int
	last := -1
	for _, x := range xs {
		b := int(float64(x-lo) / width)
		if b != last {
			out = append(out, x)
			last = b
		}
	}
	return out
}

// Font sizes, in pixels.
const (
	titleSize = 15
	textSize  = 12
)

// TextWidth is the room, in pixels, left for s at size px: CharWidth em
// per character.
func TextWidth(s string, px float64) float64 {
	return float64(utf8.RuneCountInString(s)) * CharWidth * px
}

// legendItem is one entry of the legend: a swatch and its text.
type legendItem struct {
	kind, text string
	swatch     func(w *svgWriter, x, y float64) // y: the row's middle
}

// SVG draws s as an SVG document.
func SVG(s Series, opt Options) ([]byte, error) {
	if len(s.Iterations) != len(s.Values) {
		return nil, errors.New("chart: iterations and values differ in length")
	}
	if s.Baseline != nil && len(s.Baseline) != len(s.Values) {
		return nil, errors.New("chart: baseline and values differ in length")
	}
	p := newPlot(s, opt.withDefaults())
	w := &svgWriter{}
	p.open(w)
	p.title(w)      // 1
	p.legend(w)     // 2
	p.window(w)     // 3
	p.axes(w)       // 4
	p.thresholds(w) // 5
	p.baseline(w)   // 5b
	p.values(w)     // 6
	p.applies(w)    // 7
	w.s("</svg>\n")
	return w.b, nil
}

// withDefaults fills in the options left zero.
func (opt Options) withDefaults() Options {
	if opt.Width <= 0 {
		opt.Width = 720
	}
	if opt.Height <= 0 {
		opt.Height = 300
	}
	if opt.Buckets <= 0 {
		opt.Buckets = Buckets
	}
	if opt.XLabel == "" {
		opt.XLabel = "iteration"
	}
	if opt.XStep <= 0 {
		opt.XStep = 1
	}
	return opt
}

// A plot is a chart laid out: its size, data and plot area ranges, the
// plot area's edges and the legend's places. Its methods draw the layers,
// in order.
type plot struct {
	s   Series
	opt Options

	W, H      float64
	th, warn  *float64 // finite thresholds, or nil
	unit      string   // after a threshold's value; a ratio has none to name
	hasWindow bool

	xlo, xhi, ylo, yhi       float64
	yticks                   []float64
	left, right, top, bottom float64
	pw, ph                   float64
	legendAt                 []placedItem
}

// placedItem is a legend entry at its place.
type placedItem struct {
	item legendItem
	x, y float64
}

const swatchW, swatchGap, legendSpacing, legendRowH = 18.0, 6.0, 18.0, 18.0

func newPlot(s Series, opt Options) *plot {
	p := &plot{s: s, opt: opt, W: float64(opt.Width), H: float64(opt.Height), th: finitePtr(s.Threshold), warn: finitePtr(s.Warn)}
	if s.Unit != "" && s.Unit != "ratio" {
		p.unit = " " + s.Unit
	}
	p.hasWindow = s.WindowFirst > 0 && s.WindowLast >= s.WindowFirst
	p.ranges()
	p.layout(p.legendItems())
	return p
}

// ranges sets the data ranges: y covers the data and the thresholds,
// padded by 6 %; x the iterations, half a step beyond each end.
func (p *plot) ranges() {
	s := p.s
	ylo, yhi := math.Inf(1), math.Inf(-1)
	for _, vs := range [][]float64{s.Values, s.Baseline} {
		for _, v := range vs {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				ylo, yhi = math.Min(ylo, v), math.Max(yhi, v)
			}
		}
	}
	for _, t := range []*float64{p.th, p.warn} {
		if t != nil {
			ylo, yhi = math.Min(ylo, *t), math.Max(yhi, *t)
		}
	}
	if math.IsInf(ylo, 1) { // no data at all
		ylo, yhi = 0, 1
	}
	pad := (yhi - ylo) * 0.06
	if pad == 0 {
		pad = math.Max(math.Abs(yhi)*0.05, 0.5)
	}
	p.ylo, p.yhi = ylo-pad, yhi+pad
	p.xlo, p.xhi = 0.5, 1.5
	if n := len(s.Iterations); n > 0 {
		half := float64(p.opt.XStep) / 2
		p.xlo, p.xhi = float64(s.Iterations[0])-half, float64(s.Iterations[n-1])+half
	}
	p.yticks = niceTicks(p.ylo, p.yhi, 5)
}

// legendItems are the legend's entries: what the chart shows.
func (p *plot) legendItems() []legendItem {
	s := p.s
	var items []legendItem
	valueLabel := "value"
	if s.ValueLabel != "" {
		valueLabel = s.ValueLabel
	}
	items = append(items, legendItem{"value", valueLabel, func(w *svgWriter, x, y float64) {
		w.line(x, y, x+18, y, ValueColor, 2, "")
	}})
	if s.Baseline != nil {
		label := "baseline"
		if s.BaselineLabel != "" {
			label = s.BaselineLabel
		}
		items = append(items, legendItem{"baseline", label, func(w *svgWriter, x, y float64) {
			w.line(x, y, x+18, y, BaselineColor, 2, "2 2")
		}})
	}
	if p.th != nil {
		items = append(items, legendItem{"threshold", "fail threshold", func(w *svgWriter, x, y float64) {
			w.line(x, y, x+18, y, ThresholdColor, 2, "6 3")
		}})
	}
	if p.warn != nil {
		items = append(items, legendItem{"warn", "warn threshold", func(w *svgWriter, x, y float64) {
			w.line(x, y, x+18, y, WarnColor, 2, "6 3")
		}})
	}
	if p.hasWindow {
		text := "judged window " + strconv.Itoa(s.WindowFirst) + "-" + strconv.Itoa(s.WindowLast)
		switch s.Outcome {
		case OutcomePass, OutcomeWarn, OutcomeFail, OutcomeInconclusive:
			text += ": " + s.Outcome
		default:
			text += " (KPI not checked)"
		}
		color := WindowColor(s.Outcome)
		items = append(items, legendItem{"window", text, func(w *svgWriter, x, y float64) {
			w.rect(x, y-6, 18, 12, color, 0.35, color)
		}})
	}
	if len(s.Applies) > 0 && len(s.Iterations) > 0 {
		items = append(items, legendItem{"applies", "tuning applied", func(w *svgWriter, x, y float64) {
			w.triangle(x+9, y+5, ApplyColor)
		}})
	}
	return items
}

// layout places the plot area and the legend, in rows under the title;
// each entry's room is its swatch, a gap and its text at CharWidth em per
// character. A tiny chart grows rather than invert its plot.
func (p *plot) layout(items []legendItem) {
	p.left = 12 + 18 + float64(maxLabelLen(p.yticks, p.th, p.warn))*CharWidth*textSize + 10
	p.right = p.W - 16
	if p.right-p.left < 60 {
		p.right = p.left + 60
		p.W = p.right + 16
	}
	lx, ly := p.left, 40.0
	for _, it := range items {
		wd := swatchW + swatchGap + TextWidth(it.text, textSize)
		if lx > p.left && lx+wd > p.right {
			lx, ly = p.left, ly+legendRowH
		}
		p.legendAt = append(p.legendAt, placedItem{it, lx, ly})
		lx += wd + legendSpacing
	}
	p.top = ly + legendRowH
	p.bottom = p.H - 44
	if p.bottom-p.top < 60 { // give the plot some room anyway
		p.bottom = p.top + 60
		p.H = p.bottom + 44
	}
	p.pw, p.ph = p.right-p.left, p.bottom-p.top
}

func (p *plot) px(x float64) float64 { return p.left + (x-p.xlo)/(p.xhi-p.xlo)*p.pw }
func (p *plot) py(y float64) float64 { return p.bottom - (y-p.ylo)/(p.yhi-p.ylo)*p.ph }

// open writes the svg element and the white background.
func (p *plot) open(w *svgWriter) {
	w.s("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
	w.f(p.W)
	w.s("\" height=\"")
	w.f(p.H)
	w.s("\" viewBox=\"0 0 ")
	w.f(p.W)
	w.s(" ")
	w.f(p.H)
	w.s("\" font-family='" + FontFamily + "' font-size=\"" + strconv.Itoa(textSize) + "\" class=\"kpi-chart\" data-kpi=\"" + esc(p.s.KPI) + "\" role=\"img\" aria-label=\"" + esc(p.s.KPI+" per "+p.opt.XLabel) + "\">\n")
	w.s("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n")
}

// title is layer 1: the title.
func (p *plot) title(w *svgWriter) {
	w.text(p.W/2, 20, "middle", "title", "#1b1b1b", p.s.KPI, ` font-size="`+strconv.Itoa(titleSize)+`" font-weight="bold"`)
}

// legend is layer 2: the legend.
func (p *plot) legend(w *svgWriter) {
	w.s("<g class=\"legend\">\n")
	for _, it := range p.legendAt {
		w.s("<g class=\"legend-item\" data-kind=\"" + it.item.kind + "\">")
		it.item.swatch(w, it.x, it.y)
		w.text(it.x+swatchW+swatchGap, it.y+4, "start", "", "#1b1b1b", it.item.text, "")
		w.s("</g>\n")
	}
	w.s("</g>\n")
}

// window is layer 3: the judged window, shaded, under everything else.
func (p *plot) window(w *svgWriter) {
	if !p.hasWindow {
		return
	}
	s := p.s
	x0 := math.Max(p.px(float64(s.WindowFirst)-0.5), p.left)
	x1 := math.Min(p.px(float64(s.WindowLast)+0.5), p.right)
	color := WindowColor(s.Outcome)
	outcome := s.Outcome
	if outcome == "" {
		outcome = "none"
	}
	w.s("<g class=\"window\" data-outcome=\"" + esc(outcome) + "\">")
	w.rect(x0, p.top, x1-x0, p.ph, color, 0.16, "")
	w.s("</g>\n")
}

// axes is layer 4: grid and axes; the y tick labels near a threshold's
// label give way to it.
func (p *plot) axes(w *svgWriter) {
	left, right, top, bottom := p.left, p.right, p.top, p.bottom
	xticks := intTicks(p.xlo, p.xhi)
	w.s("<g class=\"grid\" stroke=\"" + GridColor + "\" stroke-width=\"1\">\n")
	for _, t := range p.yticks {
		w.line(left, p.py(t), right, p.py(t), "", 0, "")
	}
	for _, t := range xticks {
		w.line(p.px(t), top, p.px(t), bottom, "", 0, "")
	}
	w.s("</g>\n")
	w.s("<g class=\"axes\">\n")
	w.line(left, bottom, right, bottom, AxisColor, 1, "")
	w.line(left, top, left, bottom, AxisColor, 1, "")
	w.s("<g class=\"y-ticks\">\n")
	for _, t := range p.yticks {
		y := p.py(t)
		if near(y, p.th, p.py, textSize) || near(y, p.warn, p.py, textSize) {
			continue
		}
		w.line(left-5, y, left, y, AxisColor, 1, "")
		w.text(left-8, y+4, "end", "y-tick", AxisColor, formatTick(t, p.yticks), "")
	}
	w.s("</g>\n<g class=\"x-ticks\">\n")
	for _, t := range xticks {
		w.line(p.px(t), bottom, p.px(t), bottom+5, AxisColor, 1, "")
		w.text(p.px(t), bottom+18, "middle", "", AxisColor, strconv.FormatFloat(t, 'f', 0, 64), "")
	}
	w.s("</g>\n")
	ylabel := p.s.KPI
	if p.s.Unit != "" {
		ylabel += " (" + p.s.Unit + ")"
	}
	w.s("<text class=\"y-label\" transform=\"translate(")
	w.f(16)
	w.s(" ")
	w.f(top + p.ph/2)
	w.s(") rotate(-90)\" text-anchor=\"middle\" fill=\"" + AxisColor + "\">" + esc(ylabel) + "</text>\n")
	w.text(left+p.pw/2, p.H-8, "middle", "x-label", AxisColor, p.opt.XLabel, "")
	w.s("</g>\n")
}

// thresholds is layer 5: the thresholds: a dashed line, its value on the
// y axis and on the line (the fail threshold's at the right end, the warn
// threshold's at the left, so that the two never collide).
func (p *plot) thresholds(w *svgWriter) {
	p.hline(w, p.warn, WarnColor, "warn", "warn", false)
	p.hline(w, p.th, ThresholdColor, "threshold", "threshold", true)
}

func (p *plot) hline(w *svgWriter, v *float64, color, kind, label string, atRight bool) {
	if v == nil {
		return
	}
	left, right := p.left, p.right
	y := p.py(*v)
	val := numfmt.Level.Format(*v)
	w.s("<g class=\"" + kind + "\" data-value=\"" + val + "\">")
	w.line(left, y, right, y, color, 1.5, "6 3")
	w.line(left-5, y, left, y, color, 2, "")
	w.text(left-8, y+4, "end", kind+"-tick", color, val, ` font-weight="bold"`)
	// The label sits above the line, or below it near the top.
	ty := y - 5
	if ty-textSize < p.top {
		ty = y + textSize + 3
	}
	text := label + " " + p.s.Direction + " " + val + p.unit
	halo := ` font-weight="bold" stroke="#ffffff" stroke-width="3" paint-order="stroke"`
	if atRight {
		w.text(right-4, ty, "end", kind+"-label", color, text, halo)
	} else {
		w.text(left+4, ty, "start", kind+"-label", color, text, halo)
	}
	w.s("</g>\n")
}

// baseline is layer 5b: the baseline, dashed, and the marks.
func (p *plot) baseline(w *svgWriter) {
	s := p.s
	if s.Baseline != nil {
		if bsegs := DecimateStep(s.Iterations, s.Baseline, p.opt.Buckets, p.opt.XStep); len(bsegs) > 0 {
			w.s("<path class=\"baseline\" fill=\"none\" stroke=\"" + BaselineColor + "\" stroke-width=\"1.6\" stroke-dasharray=\"2 2\" d=\"")
			w.path(bsegs, p.px, p.py)
			w.s("\"/>\n")
		}
	}
	for _, m := range s.Marks {
		x := p.px(float64(m.X))
		if x < p.left || x > p.right {
			continue
		}
		w.s("<g class=\"mark\" data-x=\"" + strconv.Itoa(m.X) + "\">")
		w.line(x, p.top, x, p.bottom, MarkColor, 1.5, "")
		halo := ` font-weight="bold" stroke="#ffffff" stroke-width="3" paint-order="stroke"`
		if x-p.left >= TextWidth(m.Label, textSize)+8 {
			w.text(x-4, p.top+textSize+2, "end", "mark-label", MarkColor, m.Label, halo)
		} else {
			w.text(x+4, p.top+textSize+2, "start", "mark-label", MarkColor, m.Label, halo)
		}
		w.s("</g>\n")
	}
}

// values is layer 6: the values, decimated, as one path; short series
// also get a dot per iteration.
func (p *plot) values(w *svgWriter) {
	segs := DecimateStep(p.s.Iterations, p.s.Values, p.opt.Buckets, p.opt.XStep)
	if len(segs) == 0 {
		return
	}
	w.s("<path class=\"values\" fill=\"none\" stroke=\"" + ValueColor + "\" stroke-width=\"1.6\" stroke-linejoin=\"round\" d=\"")
	w.path(segs, p.px, p.py) // a lone value gets a short stroke
	w.s("\"/>\n")
	if len(p.s.Iterations) > 120 {
		return
	}
	w.s("<g class=\"dots\" fill=\"" + ValueColor + "\">")
	for _, seg := range segs {
		for _, pt := range seg {
			w.s("<circle cx=\"")
			w.f(p.px(float64(pt.X)))
			w.s("\" cy=\"")
			w.f(p.py(pt.Y))
			w.s("\" r=\"2.2\"/>")
		}
	}
	w.s("</g>\n")
}

// applies is layer 7: tuning applies, as triangles along the bottom.
func (p *plot) applies(w *svgWriter) {
	s := p.s
	n := len(s.Iterations)
	if n == 0 || len(s.Applies) == 0 {
		return
	}
	marks := thin(s.Applies, s.Iterations[0], s.Iterations[n-1], p.opt.Buckets)
	w.s("<g class=\"applies\">")
	for _, x := range marks {
		w.triangle(p.px(float64(x)), p.bottom-2, ApplyColor)
	}
	w.s("</g>\n")
}

func finitePtr(p *float64) *float64 {
	if p == nil || math.IsNaN(*p) || math.IsInf(*p, 0) {
		return nil
	}
	return p
}

// near reports whether pixel row y is within one text height of
// threshold v's row.
func near(y float64, v *float64, py func(float64) float64, size float64) bool {
	return v != nil && math.Abs(py(*v)-y) < size+2
}

// maxLabelLen is the longest y-axis label, in characters.
func maxLabelLen(ticks []float64, th, warn *float64) int {
	n := 1
	for _, t := range ticks {
		n = max(n, len(formatTick(t, ticks)))
	}
	for _, v := range []*float64{th, warn} {
		if v != nil {
			n = max(n, len(numfmt.Level.Format(*v)))
		}
	}
	return n
}

// niceTicks returns about n values at a 1-2-2.5-5 step inside [lo, hi].
func niceTicks(lo, hi float64, n int) []float64 {
	span := hi - lo
	if !(span > 0) || math.IsInf(span, 0) {
		return nil
	}
	raw := span / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5} {
		if raw <= m*mag {
			step = m * mag
			break
		}
	}
	var out []float64
	for k := math.Ceil(lo / step); k*step <= hi && len(out) < 4*n; k++ {
		v := k * step
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		out = append(out, v)
	}
	return out
}

// formatTick prints a y tick with as many decimals as the step needs.
func formatTick(v float64, ticks []float64) string {
	dec := 0
	if len(ticks) > 1 {
		step := ticks[1] - ticks[0]
		for ; dec < 10; dec++ {
			scaled := step * math.Pow(10, float64(dec))
			if math.Abs(scaled-math.Round(scaled)) < 1e-6*math.Max(1, scaled) {
				break
			}
		}
	}
	return strconv.FormatFloat(v, 'f', dec, 64)
}

// intTicks places whole-number iteration ticks at a 1-2-5 step giving
// about eight labels.
func intTicks(lo, hi float64) []float64 {
	span := hi - lo
	step := 1.0
search:
	for mag := 1.0; ; mag *= 10 {
		for _, m := range []float64{1, 2, 5} {
			step = m * mag
			if span/step <= 8 || mag > 1e15 {
				break search
			}
		}
	}
	var out []float64
	for v := math.Ceil(lo/step) * step; v <= hi; v += step {
		out = append(out, v)
	}
	return out
}

func esc(s string) string { return html.EscapeString(s) }

// svgWriter appends SVG markup; coordinates are written with one decimal.
type svgWriter struct{ b []byte }

func (w *svgWriter) s(x string) { w.b = append(w.b, x...) }

func (w *svgWriter) f(v float64) {
	v = math.Round(v*10) / 10
	if v == 0 {
		v = 0 // no "-0"
	}
	w.b = strconv.AppendFloat(w.b, v, 'f', -1, 64)
}

// path writes the d attribute's value of segments.
func (w *svgWriter) path(segs [][]Point, px, py func(float64) float64) {
	for _, seg := range segs {
		for i, p := range seg {
			if i == 0 {
				w.s("M")
			} else {
				w.s("L")
			}
			w.f(px(float64(p.X)))
			w.s(" ")
			w.f(py(p.Y))
		}
		if len(seg) == 1 {
			w.s("h0.01")
		}
	}
}

func (w *svgWriter) attr(name string, v float64) {
	w.s(" " + name + "=\"")
	w.f(v)
	w.s("\"")
}

// line draws a line; color "" inherits the stroke, width 0 the width.
func (w *svgWriter) line(x1, y1, x2, y2 float64, color string, width float64, dash string) {
	w.s("<line")
	w.attr("x1", x1)
	w.attr("y1", y1)
	w.attr("x2", x2)
	w.attr("y2", y2)
	if color != "" {
		w.s(" stroke=\"" + color + "\"")
	}
	if width > 0 {
		w.attr("stroke-width", width)
	}
	if dash != "" {
		w.s(" stroke-dasharray=\"" + dash + "\"")
	}
	w.s("/>")
}

func (w *svgWriter) rect(x, y, width, height float64, fill string, opacity float64, stroke string) {
	w.s("<rect")
	w.attr("x", x)
	w.attr("y", y)
	w.attr("width", width)
	w.attr("height", height)
	w.s(" fill=\"" + fill + "\"")
	w.s(" fill-opacity=\"" + strconv.FormatFloat(opacity, 'f', -1, 64) + "\"")
	if stroke != "" {
		w.s(" stroke=\"" + stroke + "\"")
	}
	w.s("/>")
}

// triangle draws an upward triangle with its base's middle at x, y.
func (w *svgWriter) triangle(x, y float64, color string) {
	w.s("<path fill=\"" + color + "\" d=\"M")
	w.f(x - 4)
	w.s(" ")
	w.f(y)
	w.s("h8l-4 -7z\"/>")
}

func (w *svgWriter) text(x, y float64, anchor, class, color, s, extra string) {
	w.s("<text")
	if class != "" {
		w.s(" class=\"" + class + "\"")
	}
	w.attr("x", x)
	w.attr("y", y)
	if anchor != "start" {
		w.s(" text-anchor=\"" + anchor + "\"")
	}
	w.s(" fill=\"" + color + "\"" + extra + ">")
	w.s(strings.TrimSpace(esc(s)))
	w.s("</text>")
}
