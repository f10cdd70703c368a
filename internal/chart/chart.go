// Package chart draws the per-KPI charts of soak-reports as SVG with
// gonum.org/v1/plot: the KPI's value per iteration, the policy threshold
// as a dashed line, the judged window shaded, and the iterations after
// which the tuner applied a change marked along the bottom.
//
// Long soaks are decimated before plotting: the iterations are split into
// at most Buckets buckets and each bucket keeps its minimum and maximum
// (in iteration order), so a 100,000-iteration chart keeps every spike
// and dip a pixel could show while drawing about 2×Buckets points.
//
// Output is deterministic: same series, same bytes. Fonts are not embedded
// (vgsvg's default): embedding Liberation Sans would add ~400 kB to every
// chart; text is laid out with Liberation Sans metrics and viewers
// substitute a metric-compatible sans-serif (Arial, Helvetica).
package chart

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Colours, chosen so that tests (and people) can tell the elements apart.
var (
	ValueColor     = color.NRGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff} // #1f77b4
	ThresholdColor = color.NRGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff} // #d62728
	WarnColor      = color.NRGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff} // #ff7f0e
	WindowColor    = color.NRGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0x33} // #2ca02c, 20 % opaque
	ApplyColor     = color.NRGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff} // #9467bd
)

// Buckets is the default number of decimation buckets: about one per
// horizontal pixel of the plot area at the default size.
const Buckets = 500

// Series is one KPI over a soak.
type Series struct {
	KPI        string
	Iterations []int     // ascending
	Values     []float64 // same length; NaN where the KPI is missing
	// Threshold is the policy's fail threshold with its direction (">=" or
	// "<="); Warn the warn threshold. Both may be nil.
	Threshold *float64
	Direction string
	Warn      *float64
	// WindowFirst..WindowLast is the judged window (0, 0: none).
	WindowFirst, WindowLast int
	// Applies are the iterations after which tuning changed parameters.
	Applies []int
}

// Options sets the size of a chart.
type Options struct {
	Width, Height vg.Length // default 720×300 pt
	Buckets       int       // default Buckets
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
			if len(cur) > 0 && xs[i] != prevX+1 {
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

var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

// SVG draws s as an SVG document.
func SVG(s Series, opt Options) ([]byte, error) {
	if len(s.Iterations) != len(s.Values) {
		return nil, errors.New("chart: iterations and values differ in length")
	}
	if opt.Width == 0 {
		opt.Width = 720
	}
	if opt.Height == 0 {
		opt.Height = 300
	}
	if opt.Buckets == 0 {
		opt.Buckets = Buckets
	}
	p := plot.New()
	setFonts(p)
	p.Title.Text = s.KPI
	p.X.Label.Text = "iteration"
	p.Y.Label.Text = s.KPI
	p.Legend.Top = true
	p.Legend.Left = false
	p.Add(plotter.NewGrid())

	// The y range covers the data and the thresholds, padded by 5 %, so
	// that the window shading and the apply marks can span it exactly.
	ylo, yhi := math.Inf(1), math.Inf(-1)
	for _, v := range s.Values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			ylo, yhi = math.Min(ylo, v), math.Max(yhi, v)
		}
	}
	for _, t := range []*float64{s.Threshold, s.Warn} {
		if t != nil && !math.IsNaN(*t) && !math.IsInf(*t, 0) {
			ylo, yhi = math.Min(ylo, *t), math.Max(yhi, *t)
		}
	}
	if math.IsInf(ylo, 1) { // no data at all
		ylo, yhi = 0, 1
	}
	pad := (yhi - ylo) * 0.05
	if pad == 0 {
		pad = math.Max(math.Abs(yhi)*0.05, 0.5)
	}
	// The top gets extra room so that the legend does not cover data.
	ylo, yhi = ylo-pad, yhi+pad+(yhi-ylo+2*pad)*0.35
	xlo, xhi := 0.5, 1.5
	if n := len(s.Iterations); n > 0 {
		xlo, xhi = float64(s.Iterations[0])-0.5, float64(s.Iterations[n-1])+0.5
	}

	// 1. The judged window, shaded, under everything else.
	if s.WindowFirst > 0 && s.WindowLast >= s.WindowFirst {
		x0, x1 := float64(s.WindowFirst)-0.5, float64(s.WindowLast)+0.5
		poly, err := plotter.NewPolygon(plotter.XYs{{X: x0, Y: ylo}, {X: x1, Y: ylo}, {X: x1, Y: yhi}, {X: x0, Y: yhi}})
		if err != nil {
			return nil, err
		}
		poly.Color = WindowColor
		poly.LineStyle.Width = 0
		p.Add(poly)
		p.Legend.Add(fmt.Sprintf("judged window %d-%d", s.WindowFirst, s.WindowLast), poly)
	}
	// 2. The thresholds.
	if err := addHLine(p, s.Warn, xlo, xhi, WarnColor, "warn "+s.Direction+" "); err != nil {
		return nil, err
	}
	if err := addHLine(p, s.Threshold, xlo, xhi, ThresholdColor, "threshold "+s.Direction+" "); err != nil {
		return nil, err
	}
	// 3. The values, decimated, as lines; short series also get a dot per
	// iteration.
	segs := Decimate(s.Iterations, s.Values, opt.Buckets)
	var legendLine *plotter.Line
	var dots plotter.XYs
	for _, seg := range segs {
		xys := make(plotter.XYs, len(seg))
		for i, pt := range seg {
			xys[i] = plotter.XY{X: float64(pt.X), Y: pt.Y}
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return nil, err
		}
		l.Color = ValueColor
		l.Width = vg.Points(1.2)
		p.Add(l)
		if legendLine == nil {
			legendLine = l
		}
		if len(s.Iterations) <= 120 {
			dots = append(dots, xys...)
		}
	}
	if len(dots) > 0 {
		sc, err := plotter.NewScatter(dots)
		if err != nil {
			return nil, err
		}
		sc.Color = ValueColor
		sc.Radius = vg.Points(1.8)
		sc.Shape = draw.CircleGlyph{}
		p.Add(sc)
	}
	if legendLine != nil {
		p.Legend.Add("value", legendLine)
	}
	// 4. Tuning applies, as triangles along the bottom.
	if n := len(s.Iterations); n > 0 && len(s.Applies) > 0 {
		marks := thin(s.Applies, s.Iterations[0], s.Iterations[n-1], opt.Buckets)
		xys := make(plotter.XYs, len(marks))
		for i, x := range marks {
			xys[i] = plotter.XY{X: float64(x), Y: ylo + pad*0.4}
		}
		sc, err := plotter.NewScatter(xys)
		if err != nil {
			return nil, err
		}
		sc.Color = ApplyColor
		sc.Radius = vg.Points(2.5)
		sc.Shape = draw.PyramidGlyph{}
		p.Add(sc)
		p.Legend.Add("tuning applied", sc)
	}
	p.X.Min, p.X.Max = xlo, xhi
	p.Y.Min, p.Y.Max = ylo, yhi
	p.X.Tick.Marker = intTicks{}

	wt, err := p.WriterTo(opt.Width, opt.Height, "svg")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return nil, err
	}
	// vgsvg names the font family bare; give viewers fallbacks with the
	// same metrics.
	return bytes.ReplaceAll(buf.Bytes(), []byte("font-family:Liberation Sans;"), []byte("font-family:'Liberation Sans',Arial,Helvetica,sans-serif;")), nil
}

func addHLine(p *plot.Plot, y *float64, xlo, xhi float64, c color.Color, label string) error {
	if y == nil || math.IsNaN(*y) || math.IsInf(*y, 0) {
		return nil
	}
	l, err := plotter.NewLine(plotter.XYs{{X: xlo, Y: *y}, {X: xhi, Y: *y}})
	if err != nil {
		return err
	}
	l.Color = c
	l.Width = vg.Points(1.5)
	l.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
	p.Add(l)
	p.Legend.Add(label+strconv.FormatFloat(*y, 'g', -1, 64), l)
	return nil
}

func setFonts(p *plot.Plot) {
	p.Title.TextStyle.Font = font.From(sans, 13)
	p.X.Label.TextStyle.Font = font.From(sans, 11)
	p.Y.Label.TextStyle.Font = font.From(sans, 11)
	p.X.Tick.Label.Font = font.From(sans, 9)
	p.Y.Tick.Label.Font = font.From(sans, 9)
	p.Legend.TextStyle.Font = font.From(sans, 9)
}

// intTicks labels the iteration axis with whole numbers at a 1-2-5 step
// giving about eight labels.
type intTicks struct{}

func (intTicks) Ticks(lo, hi float64) []plot.Tick {
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
	var out []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi; v += step {
		out = append(out, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', 0, 64)})
	}
	return out
}
