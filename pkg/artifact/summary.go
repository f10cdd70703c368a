package artifact

// Summary holds the KPIs of one iteration under the legacy toolkit's names.
// A nil pointer is a KPI that was not measured: it is missing, never zero.
type Summary struct {
	MakerTakerRatio  *float64 `json:"maker_taker_ratio,omitempty"`  // 0..1, maker share of fill volume (else count)
	MakerTakerSource string   `json:"maker_taker_source,omitempty"` // fills_volume, fills_count, ... (legacy enum)
	P95LatencyMs     *float64 `json:"p95_latency_ms,omitempty"`     // ms, p95 of order latency
	RiskRatio        *float64 `json:"risk_ratio,omitempty"`         // 0..1, risk blocks / (order events + blocks): risk-limit hits per attempted action
	NetBps           *float64 `json:"net_bps,omitempty"`            // bps, = gross + fees + slippage + adverse + inventory
	GrossBps         *float64 `json:"gross_bps,omitempty"`
	FeesBps          *float64 `json:"fees_eff_bps,omitempty"`
	SlippageBps      *float64 `json:"slippage_bps,omitempty"`
	AdverseBps       *float64 `json:"adverse_bps,omitempty"`
	InventoryBps     *float64 `json:"inventory_bps,omitempty"`
	AdverseBpsP95    *float64 `json:"adverse_bps_p95,omitempty"`  // bps, p95 of per-fill adverse-selection cost
	SlippageBpsP95   *float64 `json:"slippage_bps_p95,omitempty"` // bps, p95 of per-fill slippage cost
	CancelRatio      *float64 `json:"cancel_ratio,omitempty"`     // 0..1, cancels / (place+replace+cancel)
	OrderAgeP95Ms    *float64 `json:"order_age_p95_ms,omitempty"`
	WSLagP95Ms       *float64 `json:"ws_lag_p95_ms,omitempty"`
	MakerSharePct    *float64 `json:"maker_share_pct,omitempty"`  // 0..100, maker share of fill count
	PnLPerHour       *float64 `json:"pnl_per_hour,omitempty"`     // quote currency per hour, net PnL of the fills over the iteration's time
	FillRate         *float64 `json:"fill_rate,omitempty"`        // 0..1, maker fills / (maker fills + replaces + cancels): quotes that ended in a fill
	QuoteUptimePct   *float64 `json:"quote_uptime_pct,omitempty"` // 0..100, share of the iteration's time with a quote on the book

	Fills  *Fills  `json:"fills,omitempty"`
	Blocks *Blocks `json:"blocks,omitempty"`
	Events int64   `json:"events,omitempty"` // events the KPIs were computed from
	Input  string  `json:"input,omitempty"`  // --exec: events.jsonl, or else a legacy EDGE_REPORT.json
}

// Fills counts an iteration's fills by liquidity side.
type Fills struct {
	MakerCount  int64   `json:"maker_count"`
	TakerCount  int64   `json:"taker_count"`
	MakerVolume float64 `json:"maker_volume"`
	TakerVolume float64 `json:"taker_volume"`
}

// Blocks counts an iteration's blocked order actions by reason.
type Blocks struct {
	MinInterval int64 `json:"min_interval"`
	Concurrency int64 `json:"concurrency"`
	Risk        int64 `json:"risk"`
	Throttle    int64 `json:"throttle"`
	Total       int64 `json:"total"`
}

// F returns a pointer to v, for filling a Summary.
func F(v float64) *float64 { return &v }
