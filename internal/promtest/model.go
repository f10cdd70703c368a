package promtest

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// LatencyBuckets are the bucket bounds (seconds) of bot_order_latency_seconds.
var LatencyBuckets = []float64{0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.75, 1, 2}

// Model is one track of a bot: per step, orders with latencies, fills split
// between maker and taker, blocks (some by the risk limit) and the net edge.
// Degraded (a bad release) multiplies latencies by 1.5 and takes 2 bps off
// the edge, as the fakebot's --degrade-after does.
type Model struct {
	Track       string
	MakerShare  float64 // of fill notional
	LatencyBase float64 // seconds; p95 is about 1.51 times it
	RiskShare   float64 // of blocks
	EdgeBps     float64
	Orders      int // per step
	rng         *rand.Rand
}

// NewModel returns a healthy track: maker share 0.88, p95 latency about
// 250 ms, risk ratio 0.1, net edge 4 bps, 40 orders a step.
func NewModel(track string, seed uint64) *Model {
	return &Model{Track: track, MakerShare: 0.88, LatencyBase: 0.165, RiskShare: 0.1, EdgeBps: 4, Orders: 40,
		rng: rand.New(rand.NewPCG(seed, 0x50a111e))}
}

// Activity is one step of a track.
type Activity struct {
	Maker, Taker float64   // fill notional
	Latencies    []float64 // seconds
	Risk, Other  int       // blocks
	Edge         float64   // bps, the gauge's value after the step
}

// Step draws one step; degraded is a bad release.
func (m *Model) Step(degraded bool) Activity {
	var a Activity
	lat, edge := m.LatencyBase, m.EdgeBps
	if degraded {
		lat, edge = lat*1.5, edge-2
	}
	for i := 0; i < m.Orders; i++ {
		a.Latencies = append(a.Latencies, lat*math.Exp(0.25*m.rng.NormFloat64()))
		n := 1000 * (0.5 + m.rng.Float64())
		if m.rng.Float64() < m.MakerShare {
			a.Maker += n
		} else {
			a.Taker += n
		}
	}
	for i := 0; i < 10; i++ {
		if m.rng.Float64() < m.RiskShare {
			a.Risk++
		} else {
			a.Other++
		}
	}
	a.Edge = edge + 0.3*m.rng.NormFloat64()
	return a
}

// Exporter serves the metrics contract of several tracks on /metrics
// (127.0.0.1, the official client library's registry and text encoder);
// Feed adds a step's activity.
type Exporter struct {
	URL, Addr string
	srv       *httptest.Server
	fills     *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	blocks    *prometheus.CounterVec
	edge      *prometheus.GaugeVec
	mu        sync.Mutex
}

// NewExporter starts an exporter; Close stops it.
func NewExporter() *Exporter {
	reg := prometheus.NewPedanticRegistry()
	e := &Exporter{
		fills:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bot_fills_notional_total", Help: "Fill notional in quote currency, by role."}, []string{"track", "role"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "bot_order_latency_seconds", Help: "Order acknowledgement latency.", Buckets: LatencyBuckets}, []string{"track"}),
		blocks:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bot_order_blocks_total", Help: "Orders blocked before sending, by reason."}, []string{"track", "reason"}),
		edge:    prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "bot_net_edge_bps", Help: "Net edge of recent fills, basis points."}, []string{"track"}),
	}
	reg.MustRegister(e.fills, e.latency, e.blocks, e.edge)
	// The text format through expfmt, as soak-gate --prometheus writes
	// it (promhttp would pull compression modules into the module graph).
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mfs, err := reg.Gather()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		format := expfmt.NewFormat(expfmt.TypeTextPlain)
		w.Header().Set("Content-Type", string(format))
		enc := expfmt.NewEncoder(w, format)
		for _, mf := range mfs {
			if err := enc.Encode(mf); err != nil {
				return
			}
		}
	}))
	e.URL = e.srv.URL
	e.Addr = strings.TrimPrefix(e.srv.URL, "http://")
	return e
}

// Feed records a step of track.
func (e *Exporter) Feed(track string, a Activity) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.fills.WithLabelValues(track, "maker").Add(a.Maker)
	e.fills.WithLabelValues(track, "taker").Add(a.Taker)
	for _, l := range a.Latencies {
		e.latency.WithLabelValues(track).Observe(l)
	}
	e.blocks.WithLabelValues(track, "risk").Add(float64(a.Risk))
	e.blocks.WithLabelValues(track, "other").Add(float64(a.Other))
	e.edge.WithLabelValues(track).Set(a.Edge)
}

// Close stops the exporter.
func (e *Exporter) Close() { e.srv.Close() }

// Recorder accumulates steps of several tracks as OpenMetrics samples, for
// Backfill.
type Recorder struct {
	series map[string]*recSeries // by "name{labels}"
}

type recSeries struct {
	family, typ, labels string
	value               float64
	samples             []string
}

// NewRecorder returns an empty recording.
func NewRecorder() *Recorder { return &Recorder{series: map[string]*recSeries{}} }

func (r *Recorder) add(family, typ, name, labels string, t time.Time, v float64, cumulative bool) {
	k := name + "{" + labels + "}"
	s, ok := r.series[k]
	if !ok {
		s = &recSeries{family: family, typ: typ, labels: labels}
		r.series[k] = s
	}
	if cumulative {
		s.value += v
	} else {
		s.value = v
	}
	s.samples = append(s.samples, fmt.Sprintf("%s{%s} %s %s", name, labels, strconv.FormatFloat(s.value, 'g', -1, 64), strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', 3, 64)))
}

// Record adds a step of track at t; extra labels (`k="v"` pairs) are
// added to every series.
func (r *Recorder) Record(track string, t time.Time, a Activity, extra ...string) {
	base := `track="` + track + `"`
	for _, e := range extra {
		base += "," + e
	}
	r.add("bot_fills_notional", "counter", "bot_fills_notional_total", base+`,role="maker"`, t, a.Maker, true)
	r.add("bot_fills_notional", "counter", "bot_fills_notional_total", base+`,role="taker"`, t, a.Taker, true)
	counts := make([]float64, len(LatencyBuckets)+1)
	var sum float64
	for _, l := range a.Latencies {
		sum += l
		for i, b := range LatencyBuckets {
			if l <= b {
				counts[i]++
			}
		}
		counts[len(LatencyBuckets)]++
	}
	for i, b := range LatencyBuckets {
		r.add("bot_order_latency_seconds", "histogram", "bot_order_latency_seconds_bucket", base+`,le="`+strconv.FormatFloat(b, 'g', -1, 64)+`"`, t, counts[i], true)
	}
	r.add("bot_order_latency_seconds", "histogram", "bot_order_latency_seconds_bucket", base+`,le="+Inf"`, t, counts[len(LatencyBuckets)], true)
	r.add("bot_order_latency_seconds", "histogram", "bot_order_latency_seconds_count", base, t, float64(len(a.Latencies)), true)
	r.add("bot_order_latency_seconds", "histogram", "bot_order_latency_seconds_sum", base, t, sum, true)
	r.add("bot_order_blocks", "counter", "bot_order_blocks_total", base+`,reason="risk"`, t, float64(a.Risk), true)
	r.add("bot_order_blocks", "counter", "bot_order_blocks_total", base+`,reason="other"`, t, float64(a.Other), true)
	r.add("bot_net_edge_bps", "gauge", "bot_net_edge_bps", base, t, a.Edge, false)
}

// OpenMetrics returns the recording as OpenMetrics text, families in
// name order, each series's samples in time order, ending "# EOF".
func (r *Recorder) OpenMetrics() []byte {
	byFamily := map[string][]*recSeries{}
	types := map[string]string{}
	for _, s := range r.series {
		byFamily[s.family] = append(byFamily[s.family], s)
		types[s.family] = s.typ
	}
	var b strings.Builder
	for _, f := range slices.Sorted(maps.Keys(byFamily)) {
		fmt.Fprintf(&b, "# TYPE %s %s\n", f, types[f])
		ss := byFamily[f]
		sort.Slice(ss, func(i, j int) bool { return ss[i].samples[0] < ss[j].samples[0] })
		for _, s := range ss {
			for _, line := range s.samples {
				b.WriteString(line)
				b.WriteByte('\n')
			}
		}
	}
	b.WriteString("# EOF\n")
	return []byte(b.String())
}
