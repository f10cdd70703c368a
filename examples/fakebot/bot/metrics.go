package bot

import (
	"math"
	"net/http"
	"slices"
	"sort"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/soakline/soakline/pkg/botevents"
)

// LatencyBuckets are the bucket bounds (seconds) of
// bot_order_latency_seconds: 20 ms apart around the policy's 340 ms level,
// so that histogram_quantile's interpolation inside a bucket stays within
// a few milliseconds of the exact p95 soak-run computes from events.
var LatencyBuckets = []float64{0.05, 0.1, 0.15, 0.2, 0.22, 0.24, 0.26, 0.28, 0.3, 0.32, 0.34, 0.36, 0.38, 0.4,
	0.42, 0.44, 0.46, 0.48, 0.5, 0.55, 0.6, 0.7, 0.8, 1, 1.5, 2, 5}

// metrics is the metrics contract (docs/metrics-contract.md) of one track,
// exported with the official client library. Every labelled child exists
// from the start at 0, so a ratio has both of its sides from the first
// scrape and a missing series means a missing bot, never a quiet one.
type metrics struct {
	reg                   *prometheus.Registry
	fills                 *prometheus.CounterVec // bot_fills_notional_total{track,role}
	latency               prometheus.Observer    // bot_order_latency_seconds{track}
	blocks                *prometheus.CounterVec // bot_order_blocks_total{track,reason}
	edge                  prometheus.Gauge       // bot_net_edge_bps{track}
	param                 *prometheus.GaugeVec   // bot_effective_param{track,key}
	track                 string
	mu                    sync.Mutex
	edgeSum, edgeNotional float64 // net·notional and notional since the last edge update
}

func newMetrics(track string) *metrics {
	m := &metrics{reg: prometheus.NewPedanticRegistry(), track: track}
	c := prometheus.Labels{"track": track}
	m.fills = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bot_fills_notional_total",
		Help: "Notional of the bot's fills in quote currency, by liquidity role.", ConstLabels: c}, []string{"role"})
	lat := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "bot_order_latency_seconds",
		Help: "Order acknowledgement latency (send to exchange ack).", Buckets: LatencyBuckets, ConstLabels: c})
	m.latency = lat
	m.blocks = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bot_order_blocks_total",
		Help: "Order actions the bot decided not to send, by reason.", ConstLabels: c}, []string{"reason"})
	m.edge = prometheus.NewGauge(prometheus.GaugeOpts{Name: "bot_net_edge_bps",
		Help: "Net edge of the last second's fills, notional-weighted, basis points.", ConstLabels: c})
	m.param = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "bot_effective_param",
		Help: "The value of each runtime parameter the bot runs with.", ConstLabels: c}, []string{"key"})
	m.reg.MustRegister(m.fills, lat, m.blocks, m.edge, m.param)
	for _, role := range []string{"maker", "taker"} {
		m.fills.WithLabelValues(role)
	}
	for _, r := range blockReasons {
		m.blocks.WithLabelValues(string(r))
	}
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// setParams exports the parameters the bot runs with (all of them: keys
// no longer in params are removed).
func (m *metrics) setParams(p map[string]float64) {
	m.param.Reset()
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		m.param.WithLabelValues(k).Set(p[k])
	}
}

// order adds an order's latency; degraded is a bad release: the latency
// is half again as long.
func (m *metrics) order(latencyMs float64, degraded bool) {
	l := latencyMs / 1000
	if degraded {
		l *= DegradeLatencyFactor
	}
	m.latency.Observe(l)
}

// fill adds a fill; degraded is a bad release: its net edge is 2 bps lower.
func (m *metrics) fill(f botevents.Fill, degraded bool) {
	n := f.Qty * f.Price
	if !(n > 0) || math.IsInf(n, 0) {
		return
	}
	m.fills.WithLabelValues(string(f.Liquidity)).Add(n)
	net := f.GrossBps + f.FeesBps + f.SlippageBps + f.AdverseBps + f.InventoryBps
	if degraded {
		net -= DegradeEdgeBps
	}
	m.mu.Lock()
	m.edgeSum += net * n
	m.edgeNotional += n
	m.mu.Unlock()
}

// block counts a refused order action.
func (m *metrics) block(r botevents.Reason) {
	if slices.Contains(blockReasons[:], r) {
		m.blocks.WithLabelValues(string(r)).Inc()
	}
}

// flushEdge sets bot_net_edge_bps to the notional-weighted net edge of the
// fills since the last flush; without fills it keeps its value.
func (m *metrics) flushEdge() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.edgeNotional > 0 {
		m.edge.Set(m.edgeSum / m.edgeNotional)
	}
	m.edgeSum, m.edgeNotional = 0, 0
}

// Degradation of --degrade-after: a bad release.
const (
	DegradeLatencyFactor = 1.5 // p95 latency +50%
	DegradeEdgeBps       = 2.0 // net edge −2 bps
)
