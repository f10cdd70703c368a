package canary_test

import (
	"testing"
	"time"

	"github.com/soakline/soakline/internal/policy"
)

// benchPolicy judges 10 KPIs, each with a query over the metrics contract.
const benchPolicy = `name: bench10
kpis:
  - {kpi: maker_taker_ratio, direction: at_least, fail: 0.5, min_effect: 0.02}
  - {kpi: p95_latency_ms, direction: at_most, fail: 900, min_effect: 20}
  - {kpi: risk_ratio, direction: at_most, fail: 0.9, min_effect: 0.03}
  - {kpi: net_bps, direction: at_least, fail: -50, min_effect: 0.5}
  - {kpi: maker_share_pct, direction: at_least, fail: 50, min_effect: 2}
  - {kpi: order_age_p95_ms, direction: at_most, fail: 2000, min_effect: 20}
  - {kpi: ws_lag_p95_ms, direction: at_most, fail: 2000, min_effect: 20}
  - {kpi: cancel_ratio, direction: at_most, fail: 1, min_effect: 0.03}
  - {kpi: adverse_bps_p95, direction: at_most, fail: 100, min_effect: 0.5}
  - {kpi: slippage_bps_p95, direction: at_most, fail: 100, min_effect: 0.5}
prometheus:
  queries:
    maker_share_pct: '100 * sum(rate(bot_fills_notional_total{role="maker",$selector}[$range])) / sum(rate(bot_fills_notional_total{$selector}[$range]))'
    order_age_p95_ms: 'histogram_quantile(0.99, sum by (le) (rate(bot_order_latency_seconds_bucket{$selector}[$range]))) * 1000'
    ws_lag_p95_ms: 'histogram_quantile(0.5, sum by (le) (rate(bot_order_latency_seconds_bucket{$selector}[$range]))) * 1000'
    cancel_ratio: 'sum(rate(bot_order_blocks_total{reason="other",$selector}[$range])) / sum(rate(bot_order_blocks_total{$selector}[$range]))'
    adverse_bps_p95: '-min(min_over_time(bot_net_edge_bps{$selector}[$range]))'
    slippage_bps_p95: 'max(max_over_time(bot_net_edge_bps{$selector}[$range])) - avg(avg_over_time(bot_net_edge_bps{$selector}[$range]))'
`

// BenchmarkReplay48h replays a 48-hour canary at 5-minute intervals (576
// evaluations) with 10 KPIs, canary against baseline (two tracks, samples
// at a 1-minute step), against a local Prometheus holding 48 hours of
// both tracks at a 15-second resolution (backfilled; not timed).
func BenchmarkReplay48h(b *testing.B) {
	pol, err := policy.Parse("bench10.yaml", []byte(benchPolicy))
	if err != nil {
		b.Fatal(err)
	}
	srv := record(b, 48*time.Hour, track{name: "baseline"}, track{name: "canary"})
	plan := writePlan(b, pol)
	args := replayArgs(plan, srv.URL, 0, 48*time.Hour, "--baseline-selector", `track="baseline"`, "--out", b.TempDir())
	args[10], args[12] = "48h", "48h" // --min-duration, --max-duration
	// Warm Prometheus's caches once, as a second look at a post-mortem does.
	if r := run(b, args...); r.code != 0 {
		b.Fatalf("exit %d\n%s", r.code, r.stderr[max(0, len(r.stderr)-2000):])
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := run(b, args...); r.code != 0 {
			b.Fatalf("exit %d", r.code)
		}
	}
}
