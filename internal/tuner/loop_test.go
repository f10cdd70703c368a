package tuner

import (
	"maps"
	"testing"

	"github.com/soakline/soakline/internal/events"
	"github.com/soakline/soakline/internal/kpi"
	"github.com/soakline/soakline/internal/sim"
	"github.com/soakline/soakline/pkg/artifact"
)

// soak runs total iterations of simulate → KPIs → Decide → apply and returns
// the per-iteration KPIs and decisions. tune=false keeps the defaults.
func soak(t testing.TB, cfg sim.Config, tune bool) ([]artifact.Summary, []Decision) {
	t.Helper()
	params := sim.Defaults()
	var st State
	var sums []artifact.Summary
	var decs []Decision
	for it := 1; it <= cfg.Iterations; it++ {
		var k kpi.Accumulator
		if err := sim.Run(cfg, it, params, func(ev *events.Event) error { k.Add(ev); return nil }); err != nil {
			t.Fatal(err)
		}
		s := k.Summary()
		sums = append(sums, s)
		d := Decide(&st, Input{Iteration: it, Total: cfg.Iterations, KPIs: s, Params: maps.Clone(params), DurationMs: sim.DefaultDurationMs})
		decs = append(decs, d)
		if tune {
			params = d.Params
		}
	}
	return sums, decs
}

type means struct{ MT, P95, Risk, Net float64 }

func lastMeans(s []artifact.Summary, n int) means {
	var m means
	w := s[len(s)-n:]
	for _, x := range w {
		m.MT += *x.MakerTakerRatio / float64(n)
		m.P95 += *x.P95LatencyMs / float64(n)
		m.Risk += *x.RiskRatio / float64(n)
		m.Net += *x.NetBps / float64(n)
	}
	return m
}

func (m means) inside(t Targets) bool {
	return m.MT >= t.MakerTakerMin && m.P95 <= t.P95LatencyMax && m.Risk <= t.RiskMax && m.Net >= t.NetBpsMin
}
