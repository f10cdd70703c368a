package tuner

import (
	"fmt"
	"os"
	"testing"

	"github.com/soakline/soakline/internal/sim"
)

func TestExplore(t *testing.T) {
	if os.Getenv("EXPLORE") == "" {
		t.Skip()
	}
	sc := sim.Scenario(os.Getenv("EXPLORE"))
	for seed := uint64(1); seed <= 10; seed++ {
		cfg := sim.Config{Seed: seed, Iterations: 24, Scenario: sc}
		s, decs := soak(t, cfg, true)
		s0, _ := soak(t, cfg, false)
		if seed == 1 {
			for i, x := range s {
				fmt.Printf("%2d mt=%.3f p95=%.0f risk=%.3f net=%.2f adv=%.2f slip=%.2f guards=%v changed=%v\n", i+1, *x.MakerTakerRatio, *x.P95LatencyMs, *x.RiskRatio, *x.NetBps, *x.AdverseBpsP95, *x.SlippageBpsP95, decs[i].Guards, decs[i].ChangedKeys)
			}
			fmt.Println(decs[len(decs)-1].Params)
		}
		m, m0 := lastMeans(s, 8), lastMeans(s0, 8)
		fmt.Printf("seed %d tuned %+v in=%v | untuned %+v in=%v\n", seed, m, m.inside(DefaultConfig().Targets), m0, m0.inside(DefaultConfig().Targets))
	}
}
