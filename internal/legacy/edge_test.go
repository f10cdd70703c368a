package legacy

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/soakline/soakline/pkg/artifact"
)

const legacyExample = `{"totals": {"net_bps": -1.5, "adverse_bps_p95": 5.0, "slippage_bps_p95": 3.5, "cancel_ratio": 0.60, "order_age_p95_ms": 340, "ws_lag_p95_ms": 130, "maker_share_pct": 88.0, "p95_latency_ms": 250.0, "fills": {"maker_count": 500, "taker_count": 500, "maker_volume": 25000.0, "taker_volume": 25000.0}, "component_breakdown": {"gross_bps": 5.0, "fees_eff_bps": 2.0, "slippage_bps": 3.5, "adverse_bps": 2.0, "inventory_bps": 1.0, "net_bps": -1.5}, "neg_edge_drivers": ["slippage_bps", "adverse_bps"], "block_reasons": {"min_interval": {"count": 15, "ratio": 0.5}, "concurrency": {"count": 10, "ratio": 0.33}, "risk": {"count": 5, "ratio": 0.17}, "throttle": {"count": 0, "ratio": 0.0}}}, "symbols": {}, "runtime": {"utc": "2025-10-12T12:00:00Z", "version": "test"}}`

func TestEdgeReport(t *testing.T) {
	example := artifact.Summary{
		MakerTakerRatio:  artifact.F(0.5),
		MakerTakerSource: "fills_volume",
		P95LatencyMs:     artifact.F(250),
		RiskRatio:        artifact.F(0.17),
		NetBps:           artifact.F(-1.5),
		GrossBps:         artifact.F(5),
		FeesBps:          artifact.F(-2),
		SlippageBps:      artifact.F(-3.5),
		AdverseBps:       artifact.F(-2),
		InventoryBps:     artifact.F(1),
		AdverseBpsP95:    artifact.F(5),
		SlippageBpsP95:   artifact.F(3.5),
		CancelRatio:      artifact.F(0.6),
		OrderAgeP95Ms:    artifact.F(340),
		WSLagP95Ms:       artifact.F(130),
		MakerSharePct:    artifact.F(88),
		Fills:            &artifact.Fills{MakerCount: 500, TakerCount: 500, MakerVolume: 25000, TakerVolume: 25000},
		Blocks:           &artifact.Blocks{MinInterval: 15, Concurrency: 10, Risk: 5, Total: 30},
	}
	tests := []struct {
		name     string
		in       string
		want     artifact.Summary
		warnings []string
	}{
		{"example", legacyExample, example, nil},
		{"bom and crlf", "\xef\xbb\xbf" + strings.ReplaceAll(strings.ReplaceAll(legacyExample, ", ", ",\r\n"), "{", "{\r\n"), example, nil},
		{"total, empty", `{"total": {}}`, artifact.Summary{}, nil},
		{"nulls are missing", `{"totals": {"net_bps": null, "fills": null, "cancel_ratio": null}}`, artifact.Summary{}, nil},
		{"count fallback, legacy count names", `{"totals": {"fills": {"maker_fills": 3, "taker_fills": 1}}}`, artifact.Summary{
			MakerTakerRatio: artifact.F(0.75), MakerTakerSource: "fills_count",
			Fills: &artifact.Fills{MakerCount: 3, TakerCount: 1},
		}, nil},
		{"zero fills: no ratio", `{"totals": {"fills": {"maker_count": 0, "taker_count": 0, "maker_volume": 0, "taker_volume": 0}}}`, artifact.Summary{
			Fills: &artifact.Fills{},
		}, nil},
		{"one volume only: counts", `{"totals": {"fills": {"maker_count": 1, "taker_count": 3, "maker_volume": 5}}}`, artifact.Summary{
			MakerTakerRatio: artifact.F(0.25), MakerTakerSource: "fills_count",
			Fills: &artifact.Fills{MakerCount: 1, TakerCount: 3, MakerVolume: 5},
		}, nil},
		{"risk ratio in percent", `{"totals": {"block_reasons": {"risk": {"count": 1, "ratio": 25}}}}`, artifact.Summary{
			RiskRatio: artifact.F(0.25), Blocks: &artifact.Blocks{Risk: 1, Total: 1},
		}, nil},
		{"risk ratio from counts", `{"totals": {"block_reasons": {"risk": {"count": 1}, "throttle": {"count": 3}}}}`, artifact.Summary{
			RiskRatio: artifact.F(0.25), Blocks: &artifact.Blocks{Risk: 1, Throttle: 3, Total: 4},
		}, nil},
		{"net from components", `{"totals": {"component_breakdown": {"gross_bps": 1, "fees_eff_bps": 0.25, "slippage_bps": 0, "adverse_bps": 0.5, "inventory_bps": 0.1}}}`, artifact.Summary{
			NetBps: artifact.F(0.35), GrossBps: artifact.F(1), FeesBps: artifact.F(-0.25), SlippageBps: artifact.F(0), AdverseBps: artifact.F(-0.5), InventoryBps: artifact.F(0.1),
		}, nil},
		{"components do not add up", `{"totals": {"net_bps": 2, "component_breakdown": {"gross_bps": 1, "fees_eff_bps": 0.25, "slippage_bps": 0, "adverse_bps": 0.5, "inventory_bps": 0.1}}}`, artifact.Summary{
			NetBps: artifact.F(2), GrossBps: artifact.F(1), FeesBps: artifact.F(-0.25), SlippageBps: artifact.F(0), AdverseBps: artifact.F(-0.5), InventoryBps: artifact.F(0.1),
		}, []string{"component_breakdown does not add up to net_bps: components sum to 0.35, reported net_bps 2; keeping the reported net_bps"}},
		{"two nets differ", `{"totals": {"net_bps": 2, "component_breakdown": {"gross_bps": 2, "net_bps": 3}}}`, artifact.Summary{
			NetBps: artifact.F(2), GrossBps: artifact.F(2),
		}, []string{"totals.net_bps 2 differs from totals.component_breakdown.net_bps 3; keeping totals.net_bps"}},
		{"net from breakdown", `{"totals": {"component_breakdown": {"net_bps": -0.123456}}}`, artifact.Summary{NetBps: artifact.F(-0.1235)}, nil},
		{"overflowing components", `{"totals": {"component_breakdown": {"gross_bps": 1e308, "fees_eff_bps": -1e308, "slippage_bps": 0, "adverse_bps": 0, "inventory_bps": 1e308}}}`, artifact.Summary{
			GrossBps: artifact.F(1e308), FeesBps: artifact.F(1e308), SlippageBps: artifact.F(0), AdverseBps: artifact.F(0), InventoryBps: artifact.F(1e308),
		}, nil},
		{"NaN inside a string is fine", `{"totals": {"runtime": "NaN Infinity"}, "x": "\"NaN"}`, artifact.Summary{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, warnings, err := EdgeReport([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.warnings, warnings); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFromEdgeReportErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"not json", `{`, "edge report: line 1: invalid JSON: unexpected end of JSON input"},
		{"array", `[]`, "edge report: want an object, got array"},
		{"no totals", `{"symbols": {}}`, "edge report: no totals object"},
		{"totals not object", `{"totals": 3}`, "edge report: totals: want object, got number"},
		{"string kpi", `{"totals": {"cancel_ratio": "0.6"}}`, "edge report: totals.cancel_ratio: want number, got string"},
		{"NaN", `{"totals": {"net_bps": NaN}}`, "edge report: totals.net_bps: non-finite value NaN"},
		{"-Infinity", `{"totals": {"component_breakdown": {"adverse_bps": -Infinity}}}`, "edge report: totals.component_breakdown.adverse_bps: non-finite value -Infinity"},
		{"Infinity in fills", `{"totals": {"fills": {"maker_volume": Infinity}}}`, "edge report: totals.fills.maker_volume: non-finite value Infinity"},
		{"fills not object", `{"totals": {"fills": [1]}}`, "edge report: totals.fills: want object, got array"},
		{"fractional count", `{"totals": {"fills": {"maker_count": 1.5}}}`, "edge report: totals.fills.maker_count: want a non-negative integer count, got 1.5"},
		{"bool ratio", `{"totals": {"block_reasons": {"risk": {"ratio": true}}}}`, "edge report: totals.block_reasons.risk.ratio: want number, got boolean"},
		{"overflow", `{"totals": {"p95_latency_ms": 1e999}}`, "edge report: line 1: totals.p95_latency_ms: want float64, got JSON number 1e999"},
		{"trailing data", `{"totals": {}} {}`, "edge report: line 1: trailing data after the JSON object"},
		// encoding/json kept the last of a repeated key.
		{"repeated key", `{"totals": {"net_bps": 1, "net_bps": 2}}`, `edge report: line 1: duplicate field "net_bps"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := EdgeReport([]byte(tt.in))
			if err == nil {
				t.Fatal("no error")
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzEdgeReport checks that any input gives a result or an error, never a
// panic, and that a result has only finite KPIs (it must marshal to JSON).
func FuzzEdgeReport(f *testing.F) {
	f.Add([]byte(legacyExample))
	f.Add([]byte(`{"total": {"net_bps": NaN, "fills": {"maker_fills": 1}}}`))
	f.Add([]byte(`{"totals": {"block_reasons": {"risk": {"count": 2, "ratio": 150}}, "component_breakdown": {"gross_bps": -Infinity}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, _, err := EdgeReport(data)
		if err != nil {
			if s != (artifact.Summary{}) {
				t.Fatalf("summary with error %v", err)
			}
			return
		}
		if _, err := json.Marshal(s); err != nil {
			t.Fatalf("result does not marshal: %v", err)
		}
	})
}
