// Command fakebot behaves like a market-making bot under soak-run --exec:
// it reads SOAK_ITERATION, SOAK_OVERRIDES and SOAK_ITER_DIR, trades
// against a small seeded market model with the overrides it was given,
// and leaves events.jsonl (or, with --edge-report, a legacy
// EDGE_REPORT.json) in the iteration directory. It imports only the
// standard library, pkg/botevents and the Prometheus client library, so a
// bot author can copy it and replace the market (bot/market.go) with
// their exchange. Flags make it fail, hang or write garbage on chosen
// iterations, so soak-run's failure handling can be tested. See package
// bot for the flags.
//
//	soak-run --exec --iterations 6 --auto-tune -- fakebot --events 5000
package main

import (
	"os"

	"github.com/soakline/soakline/examples/fakebot/bot"
)

func main() { os.Exit(bot.Main()) }
