#!/usr/bin/env python3
"""A toy market maker written only against docs/bot-contract.md.

soak-run --exec runs it once per iteration:

    soak-run --exec --iterations 6 --auto-tune -- python3 examples/python/example_bot.py

It reads its parameters from SOAK_OVERRIDES, "trades" against a small
seeded random market for SOAK_EVENTS events (default 400), and leaves
events.jsonl in SOAK_ITER_DIR through soakline_events. The market responds
to the parameters the way the contract's override table says a real one
does -- a wider spread raises the maker share and lowers the fill count, a
longer min interval lowers latency, a smaller impact cap means more risk
blocks -- so --auto-tune has something to tune. It is a demonstration of
the contract, not a market model.
"""

import os
import random
import sys

from soakline_events import EventWriter, read_overrides


def main():
    it = int(os.environ["SOAK_ITERATION"])
    seed = int(os.environ.get("SOAK_SEED", "0"))
    out = os.environ["SOAK_ITER_DIR"]
    n = int(os.environ.get("SOAK_EVENTS", "400"))
    p = read_overrides(os.environ["SOAK_OVERRIDES"])
    # The bot's configuration: what it runs with, reported as read back.
    cfg = {k: float(v) for k, v in p.items()}
    spread = cfg.get("base_spread_bps_delta", 0.05)
    interval = cfg.get("min_interval_ms", 60.0)
    conc = cfg.get("engine.concurrency_limit", 10.0)
    impact = cfg.get("impact_cap_ratio", 0.1)

    rng = random.Random(seed * 1000003 + it)  # only rng.random(): stable across Python versions
    maker_p = min(0.95, 0.55 + 4.0 * spread)  # wider spread: more of our fills are maker
    fill_p = max(0.05, 0.28 - 1.5 * spread)  # ... and fewer fills
    latency_base = 40.0 + 5000.0 / max(interval, 1.0) + 14.0 * conc
    risk_p = min(0.9, 0.02 / max(impact, 0.001))  # a smaller impact cap blocks more for risk
    t = 0
    resting = []  # place times of resting quotes
    with EventWriter.create(out) as w:
        w.effective_params(0, cfg)
        for _ in range(n):
            t += 1 + int(rng.random() * 20)
            x = rng.random()
            latency = round(latency_base * (0.5 + rng.random()), 2)
            if x < 0.45 or not resting:
                w.order(t, "place", latency_ms=latency, symbol="BTC-USD", side="buy" if rng.random() < 0.5 else "sell")
                resting.append(t)
            elif x < 0.52:
                placed = resting.pop(0)
                w.order(t, "cancel", latency_ms=latency, age_ms=t - placed)
            elif x < 0.60:
                placed = resting.pop(0)
                resting.append(t)
                w.order(t, "replace", latency_ms=latency, age_ms=t - placed)
            elif x < 0.60 + fill_p:
                qty = round(0.001 + rng.random() * 0.05, 4)
                price = round(65000 + rng.random() * 100, 2)
                adverse = round(-3.0 * rng.random() + 1.0, 4)
                if rng.random() < maker_p:
                    placed = resting.pop(0)
                    w.fill(t, "maker", qty=qty, price=price, gross_bps=round(2 + 40 * spread, 4), fees_bps=0.2,
                           adverse_bps=adverse, inventory_bps=round(rng.random() - 0.5, 4), age_ms=t - placed,
                           order_id="o-%d" % placed)
                else:  # a taker fill: no resting quote, no age_ms
                    w.fill(t, "taker", qty=qty, price=price, gross_bps=-1.0, fees_bps=-2.0,
                           slippage_bps=round(-rng.random(), 4), adverse_bps=adverse)
            elif x < 0.70 + fill_p:
                w.block(t, "risk" if rng.random() < risk_p else "throttle" if rng.random() < 0.5 else "min_interval")
            else:
                w.ws(t, lag_ms=round(20 + 30 * rng.random(), 2), symbol="BTC-USD")
    print("example_bot: iteration %d with %d parameters, %d events" % (it, len(cfg), n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
