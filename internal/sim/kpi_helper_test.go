package sim

import (
	"math"
	"slices"

	"github.com/soakline/soakline/internal/events"
	"github.com/soakline/soakline/pkg/artifact"
)

// testKPIs is a stand-in for internal/kpi, which another engineer is writing:
// the four gate KPIs and the two driver p95s, computed the way the legacy
// toolkit defines them (volume maker share, p95 of order latency, risk share
// of blocks, notional-weighted net bps, p95 of per-fill costs).
// TODO: switch to kpi.Accumulator when it lands.
type testKPIs struct {
	makerVol, takerVol float64
	lat, adv, slip     []float64
	notional, net      float64
	risk, blocks       int
}

func (k *testKPIs) Add(ev *events.Event) error {
	switch ev.Kind {
	case events.KindOrder:
		k.lat = append(k.lat, ev.LatencyMs)
	case events.KindBlock:
		k.blocks++
		if ev.Reason == events.ReasonRisk {
			k.risk++
		}
	case events.KindFill:
		n := ev.Qty * ev.Price
		if ev.Liquidity == events.Maker {
			k.makerVol += ev.Qty
		} else {
			k.takerVol += ev.Qty
		}
		k.notional += n
		k.net += n * (ev.GrossBps + ev.FeesBps + ev.SlippageBps + ev.AdverseBps + ev.InventoryBps)
		k.adv = append(k.adv, -ev.AdverseBps)
		k.slip = append(k.slip, -ev.SlippageBps)
	}
	return nil
}

func p95(x []float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	return s[int(math.Ceil(0.95*float64(len(s))))-1]
}

func (k *testKPIs) Summary() artifact.Summary {
	return artifact.Summary{
		MakerTakerRatio: artifact.F(k.makerVol / (k.makerVol + k.takerVol)),
		P95LatencyMs:    artifact.F(p95(k.lat)),
		RiskRatio:       artifact.F(float64(k.risk) / float64(k.blocks)),
		NetBps:          artifact.F(k.net / k.notional),
		AdverseBpsP95:   artifact.F(p95(k.adv)),
		SlippageBpsP95:  artifact.F(p95(k.slip)),
	}
}
