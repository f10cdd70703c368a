package botevents_test

import (
	"fmt"
	"os"

	"github.com/soakline/soakline/pkg/botevents"
)

// A bot's iteration: report the parameters it runs with, then its events.
// Under soak-run --exec, write with Create(os.Getenv("SOAK_ITER_DIR"))
// instead, and Close at the end.
func ExampleWriter() {
	w := botevents.NewWriter(os.Stdout)
	w.EffectiveParams(0, map[string]float64{"min_interval_ms": 60, "engine.concurrency_limit": 10})
	w.Order(botevents.Order{TMs: 12, Action: botevents.Place, LatencyMs: 3.5})
	w.Fill(botevents.Fill{TMs: 55, Liquidity: botevents.Maker, Qty: 0.01, Price: 65000.5,
		GrossBps: 4, FeesBps: 0.2, AdverseBps: -2.5, AgeMs: 43})
	w.Fill(botevents.Fill{TMs: 56, Liquidity: botevents.Taker, Qty: 0.02, Price: 65001, GrossBps: -1, FeesBps: -2})
	w.Block(botevents.Block{TMs: 60, Reason: botevents.Risk})
	if err := w.Fill(botevents.Fill{TMs: 61, Liquidity: botevents.Taker, Qty: 1, Price: 1, FeesBps: 5}); err != nil {
		fmt.Fprintln(os.Stdout, "refused:", err)
	}
	w.Flush()
	// Output:
	// refused: fill: fees_bps 5 is positive on a taker fill: a fee is a cost and is negative
	// {"kind":"effective_params","t_ms":0,"params":{"engine.concurrency_limit":10,"min_interval_ms":60}}
	// {"kind":"order","t_ms":12,"action":"place","latency_ms":3.5}
	// {"kind":"fill","t_ms":55,"liquidity":"maker","qty":0.01,"price":65000.5,"gross_bps":4,"fees_bps":0.2,"adverse_bps":-2.5,"age_ms":43}
	// {"kind":"fill","t_ms":56,"liquidity":"taker","qty":0.02,"price":65001,"gross_bps":-1,"fees_bps":-2}
	// {"kind":"block","t_ms":60,"reason":"risk"}
}
