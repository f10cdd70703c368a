package artifact

import (
	"strings"
	"testing"
)

// TestTradeKPIs: pnl_per_hour, fill_rate and quote_uptime_pct (issue 13)
// decode, and one given twice is refused, not merged.
func TestTradeKPIs(t *testing.T) {
	const old = `"net_bps":-3.1e-2`
	if !strings.Contains(fullIter, old) {
		t.Fatalf("%q is not in fullIter", old)
	}
	with := strings.Replace(fullIter, old, old+`,"pnl_per_hour":-1234.5,"fill_rate":0.25,"quote_uptime_pct":93.125`, 1)
	s, err := decodeIter("f", []byte(with))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]float64{"pnl_per_hour": -1234.5, "fill_rate": 0.25, "quote_uptime_pct": 93.125} {
		if v, ok := s.Summary.KPI(name); !ok || v != want {
			t.Errorf("%s = %v (%v), want %v", name, v, ok, want)
		}
	}
	for in, want := range map[string]string{
		strings.Replace(fullIter, old, old+`,"fill_rate":0.25,"fill_rate":0.5`, 1): `duplicate field "fill_rate"`,
		strings.Replace(fullIter, old, old+`,"quote_uptime_pct":"93"`, 1):          "summary.quote_uptime_pct: want float64, got JSON string",
	} {
		if _, err := decodeIter("f", []byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want %q", err, want)
		}
	}
}

// fullIter has every member of an iteration summary.
const fullIter = `{"schema_version":1,"kind":"iteration_summary","iteration":3,"mode":"exec","scenario":"calm","seed":18446744073709551615,"started_at":"2025-10-12T12:00:00Z","duration_ms":5,"status":"failed",
"failure":{"reason":"timeout","exit_code":137,"stderr_tail":"killed ✓"},
"summary":{"maker_taker_ratio":0.85,"maker_taker_source":"fills_volume","p95_latency_ms":250,"risk_ratio":0.3,"net_bps":-3.1e-2,"gross_bps":1,"fees_eff_bps":-0,"slippage_bps":2,"adverse_bps":3,"inventory_bps":4,"adverse_bps_p95":5,"slippage_bps_p95":6,"cancel_ratio":0.5,"order_age_p95_ms":7,"ws_lag_p95_ms":8,"maker_share_pct":9,
"fills":{"maker_count":1,"taker_count":2,"maker_volume":3.5,"taker_volume":4},"blocks":{"min_interval":1,"concurrency":2,"risk":3,"throttle":4,"total":10},"events":12000},
"tuning":{"iteration":3,"proposed_deltas":{"a":0.02,"b":-5},"applied":false,"changes":[],"changed_keys":[],"skipped":[{"key":"a","guard":"cooldown","reason":"held"}],"skip_reason":"cooldown","guards":["cooldown"],"rationale":["x"],"old_hash":"00","state_hash":"00","verified":false,"frozen":["engine"]}}`
