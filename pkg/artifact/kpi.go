package artifact

import "math"

// Units of the KPIs, as charts label their axes.
const (
	UnitMs           = "ms"      // milliseconds
	UnitBps          = "bps"     // basis points (1/100 of a percent)
	UnitPct          = "%"       // percent, 0-100
	UnitRatio        = "ratio"   // a fraction, 0-1
	UnitQuotePerHour = "quote/h" // quote currency per hour of the iteration's time
)

// KPIDef is one row of the KPI table.
type KPIDef struct {
	Name       string  // the member name in a Summary (the legacy toolkit's)
	Unit       string  // one of the Unit constants
	Lo, Hi     float64 // the valid values; a value outside is a data error
	Better     string  // direction of a good value: ">=" (higher is better) or "<="
	Definition string
	field      func(*Summary) **float64
}

var inf = math.Inf(1)

// KPIs is the KPI table, in report order: the one vocabulary of KPI names,
// units, ranges and directions that events, kpi, tuner, policy, render and
// the Prometheus output read.
var KPIs = []KPIDef{
	{"maker_taker_ratio", UnitRatio, 0, 1, ">=", "maker share of fill volume (of the fill count when no volume is recorded)", func(s *Summary) **float64 { return &s.MakerTakerRatio }},
	{"p95_latency_ms", UnitMs, 0, inf, "<=", "p95 of order latency", func(s *Summary) **float64 { return &s.P95LatencyMs }},
	{"risk_ratio", UnitRatio, 0, 1, "<=", "risk blocks / (order events + blocks): attempted actions refused for risk", func(s *Summary) **float64 { return &s.RiskRatio }},
	{"net_bps", UnitBps, -inf, inf, ">=", "net edge: gross + fees + slippage + adverse + inventory", func(s *Summary) **float64 { return &s.NetBps }},
	{"adverse_bps_p95", UnitBps, 0, inf, "<=", "p95 of per-fill adverse-selection cost", func(s *Summary) **float64 { return &s.AdverseBpsP95 }},
	{"slippage_bps_p95", UnitBps, 0, inf, "<=", "p95 of per-fill slippage cost", func(s *Summary) **float64 { return &s.SlippageBpsP95 }},
	{"cancel_ratio", UnitRatio, 0, 1, "<=", "cancels / (places + replaces + cancels)", func(s *Summary) **float64 { return &s.CancelRatio }},
	{"order_age_p95_ms", UnitMs, 0, inf, "<=", "p95 of the age of orders when they end", func(s *Summary) **float64 { return &s.OrderAgeP95Ms }},
	{"ws_lag_p95_ms", UnitMs, 0, inf, "<=", "p95 of the market-data (websocket) lag", func(s *Summary) **float64 { return &s.WSLagP95Ms }},
	{"gross_bps", UnitBps, -inf, inf, ">=", "gross edge of the fills", func(s *Summary) **float64 { return &s.GrossBps }},
	{"fees_eff_bps", UnitBps, -inf, inf, ">=", "effective fees, signed as a contribution to net_bps", func(s *Summary) **float64 { return &s.FeesBps }},
	{"slippage_bps", UnitBps, -inf, inf, ">=", "slippage, signed as a contribution to net_bps", func(s *Summary) **float64 { return &s.SlippageBps }},
	{"adverse_bps", UnitBps, -inf, inf, ">=", "adverse selection, signed as a contribution to net_bps", func(s *Summary) **float64 { return &s.AdverseBps }},
	{"inventory_bps", UnitBps, -inf, inf, ">=", "inventory PnL, signed as a contribution to net_bps", func(s *Summary) **float64 { return &s.InventoryBps }},
	{"maker_share_pct", UnitPct, 0, 100, ">=", "maker share of the fill count", func(s *Summary) **float64 { return &s.MakerSharePct }},
	{"pnl_per_hour", UnitQuotePerHour, -inf, inf, ">=", "net PnL of the fills per hour of the iteration", func(s *Summary) **float64 { return &s.PnLPerHour }},
	{"fill_rate", UnitRatio, 0, 1, ">=", "maker fills / (maker fills + replaces + cancels): quotes that ended in a fill", func(s *Summary) **float64 { return &s.FillRate }},
	{"quote_uptime_pct", UnitPct, 0, 100, ">=", "share of the iteration's time with a quote on the book", func(s *Summary) **float64 { return &s.QuoteUptimePct }},
}

// KPINames lists the KPI names of the table, in report order.
var KPINames []string

var kpiIndex = map[string]*KPIDef{}

func init() {
	for i := range KPIs {
		kpiIndex[KPIs[i].Name] = &KPIs[i]
		KPINames = append(KPINames, KPIs[i].Name)
	}
}

// IsKPI reports whether name is a KPI of the table.
func IsKPI(name string) bool { return kpiIndex[name] != nil }

// KPIRange is the valid range of a KPI; values outside it are data
// errors. A name that is not a KPI has no bounds.
func KPIRange(name string) (lo, hi float64) {
	if k := kpiIndex[name]; k != nil {
		return k.Lo, k.Hi
	}
	return -inf, inf
}

// KPIUnit is the unit of a KPI's values; "" for a name that is not a KPI.
func KPIUnit(name string) string {
	if k := kpiIndex[name]; k != nil {
		return k.Unit
	}
	return ""
}

// KPI returns the named KPI and whether it was measured. A non-finite value
// is returned as measured; callers judge it.
func (s *Summary) KPI(name string) (float64, bool) {
	if k := kpiIndex[name]; k != nil {
		return k.Value(s)
	}
	return 0, false
}

// Value is s.KPI(k.Name) without the lookup by name, for loops over the
// table.
func (k *KPIDef) Value(s *Summary) (float64, bool) {
	if p := *k.field(s); p != nil {
		return *p, true
	}
	return 0, false
}

// SetKPI sets the named KPI; it reports false for an unknown name.
func (s *Summary) SetKPI(name string, v float64) bool {
	k := kpiIndex[name]
	if k == nil {
		return false
	}
	*k.field(s) = F(v)
	return true
}
