package artifact

// Units of the KPIs, as charts label their axes.
const (
	UnitMs    = "ms"    // milliseconds
	UnitBps   = "bps"   // basis points (1/100 of a percent)
	UnitPct   = "%"     // percent, 0-100
	UnitRatio = "ratio" // a fraction, 0-1
	// UnitQuotePerHour is an amount of the quote currency per hour of
	// the iteration's time (pnl_per_hour).
	UnitQuotePerHour = "quote/h"
)

// KPIUnit is the unit of a KPI's values (UnitMs, UnitBps, UnitPct,
// UnitRatio or UnitQuotePerHour); "" for a name that is not a KPI. With KPINames and KPIRange
// it is the one KPI table every stage reads.
func KPIUnit(name string) string {
	switch name {
	case "p95_latency_ms", "order_age_p95_ms", "ws_lag_p95_ms":
		return UnitMs
	case "net_bps", "gross_bps", "fees_eff_bps", "slippage_bps", "adverse_bps", "inventory_bps",
		"adverse_bps_p95", "slippage_bps_p95":
		return UnitBps
	case "maker_share_pct", "quote_uptime_pct":
		return UnitPct
	case "maker_taker_ratio", "risk_ratio", "cancel_ratio", "fill_rate":
		return UnitRatio
	case "pnl_per_hour":
		return UnitQuotePerHour
	}
	return ""
}
