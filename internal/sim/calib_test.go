package sim

import (
	"fmt"
	"os"
	"testing"

	"github.com/soakline/soakline/internal/events"
)

func TestCalibrate(t *testing.T) {
	if os.Getenv("CALIB") == "" {
		t.Skip()
	}
	show := func(name string, p map[string]float64) {
		var k testKPIs
		if err := Run(Config{Seed: 1}, 1, p, func(ev *events.Event) error { return k.Add(ev) }); err != nil {
			t.Fatal(err)
		}
		s := k.Summary()
		fmt.Printf("%-10s mt=%.3f p95=%.1f risk=%.3f net=%.3f adv95=%.2f slip95=%.2f\n", name, *s.MakerTakerRatio, *s.P95LatencyMs, *s.RiskRatio, *s.NetBps, *s.AdverseBpsP95, *s.SlippageBpsP95)
	}
	show("default", nil)
	show("tuned", map[string]float64{KeyBaseSpreadBpsDelta: 0.25, KeyImpactCapRatio: 0.075, KeyMaxDeltaRatio: 0.13, KeyTailAgeMs: 700, KeyMinIntervalMs: 70, KeyReplaceRatePerMin: 255, KeyConcurrencyLimit: 8})
}
