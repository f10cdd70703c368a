package bot

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/soakline/soakline/pkg/botevents"
)

// legacyReport is --edge-report: the legacy Python toolkit's
// EDGE_REPORT.json, KPIs the bot computed itself instead of events
// (docs/bot-contract.md, "EDGE_REPORT.json (legacy)"). It records what the
// bot does and sums it up in the legacy toolkit's shape: the formulas are
// the contract's, with costs written as positive numbers in
// component_breakdown, as the legacy producer wrote them.
type legacyReport struct {
	latency, adverse, slippage, age, lag []float64
	orders, cancels                      int
	makerN, takerN                       int
	makerVol, takerVol                   float64
	components                           [5]float64 // Σ component·notional: gross, fees, slippage, adverse, inventory
	blocks                               map[botevents.Reason]int
}

func (r *legacyReport) Order(o botevents.Order) error {
	r.orders++
	r.latency = append(r.latency, o.LatencyMs)
	if o.Action != botevents.Place {
		r.age = append(r.age, o.AgeMs)
	}
	if o.Action == botevents.Cancel {
		r.cancels++
	}
	return nil
}

func (r *legacyReport) Fill(f botevents.Fill) error {
	n := f.Qty * f.Price
	if f.Liquidity == botevents.Maker {
		r.makerN++
		r.makerVol += n
		r.age = append(r.age, f.AgeMs)
	} else {
		r.takerN++
		r.takerVol += n
	}
	for i, c := range [5]float64{f.GrossBps, f.FeesBps, f.SlippageBps, f.AdverseBps, f.InventoryBps} {
		r.components[i] += c * n
	}
	r.adverse = append(r.adverse, max(0, -f.AdverseBps))
	r.slippage = append(r.slippage, max(0, -f.SlippageBps))
	return nil
}

func (r *legacyReport) Block(b botevents.Block) error {
	if r.blocks == nil {
		r.blocks = map[botevents.Reason]int{}
	}
	r.blocks[b.Reason]++
	return nil
}

func (r *legacyReport) WS(w botevents.WS) error {
	r.lag = append(r.lag, w.LagMs)
	return nil
}

// p95 is the nearest-rank 95th percentile of x (not empty).
func p95(x []float64) float64 {
	s := slices.Sorted(slices.Values(x))
	return s[int(math.Ceil(0.95*float64(len(s))))-1]
}

// write writes EDGE_REPORT.json into dir, complete or not at all. A KPI
// without inputs is left out (soak-run reads it as missing), never 0.
func (r *legacyReport) write(dir string) error {
	totals := map[string]any{}
	for name, x := range map[string][]float64{"p95_latency_ms": r.latency, "adverse_bps_p95": r.adverse,
		"slippage_bps_p95": r.slippage, "order_age_p95_ms": r.age, "ws_lag_p95_ms": r.lag} {
		if len(x) > 0 {
			totals[name] = p95(x)
		}
	}
	if vol := r.makerVol + r.takerVol; vol > 0 {
		var c [5]float64
		for i := range c {
			c[i] = r.components[i] / vol
		}
		net := c[0] + c[1] + c[2] + c[3] + c[4]
		totals["net_bps"] = net
		totals["fills"] = map[string]any{"maker_count": r.makerN, "taker_count": r.takerN, "maker_volume": r.makerVol, "taker_volume": r.takerVol}
		totals["component_breakdown"] = map[string]float64{"gross_bps": c[0], "fees_eff_bps": -c[1], "slippage_bps": -c[2],
			"adverse_bps": -c[3], "inventory_bps": c[4], "net_bps": net}
	}
	if r.orders > 0 {
		totals["cancel_ratio"] = float64(r.cancels) / float64(r.orders)
	}
	if fills := r.makerN + r.takerN; fills > 0 {
		totals["maker_share_pct"] = 100 * float64(r.makerN) / float64(fills)
	}
	total := 0
	for _, n := range r.blocks {
		total += n
	}
	if total > 0 {
		reasons := map[string]any{}
		for reason, n := range r.blocks {
			reasons[string(reason)] = map[string]any{"count": n, "ratio": float64(n) / float64(total)}
		}
		totals["block_reasons"] = reasons
	}
	data, err := json.MarshalIndent(map[string]any{
		"totals": totals, "symbols": map[string]any{},
		"runtime": map[string]string{"utc": "2026-01-01T00:00:00Z", "version": "fakebot"},
	}, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, "EDGE_REPORT.json"), append(data, '\n'))
}

// writeFile writes data to path through a temporary file in the same
// directory, so that soak-run never reads half a file.
func writeFile(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".fakebot-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // a no-op once renamed
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	return err
}
