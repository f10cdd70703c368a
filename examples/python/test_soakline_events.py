"""Tests of soakline_events (python3 -m unittest, from this directory)."""

import io
import json
import os
import tempfile
import unittest

from soakline_events import ContractError, EventWriter, read_overrides


def lines(fn):
    buf = io.StringIO()
    w = EventWriter(buf)
    fn(w)
    return buf.getvalue()


class WriteTest(unittest.TestCase):
    def test_canonical_lines(self):
        got = lines(lambda w: (
            w.effective_params(0, {"min_interval_ms": 60, "engine.concurrency_limit": 10.0, "base_spread_bps_delta": 0.05}),
            w.order(12, "place", latency_ms=3.5),
            w.order(40, "cancel", latency_ms=2.25, age_ms=28),
            w.fill(55, "maker", qty=0.01, price=65000.5, gross_bps=4, fees_bps=0.2, adverse_bps=-2.5, age_ms=43),
            w.fill(56, "taker", qty=2, price=10, gross_bps=-1, fees_bps=-2, slippage_bps=-0.5),
            w.block(60, "risk"),
            w.ws(61.0, lag_ms=120),
        ))
        self.assertEqual(got, "".join(l + "\n" for l in [
            '{"kind":"effective_params","t_ms":0,"params":{"base_spread_bps_delta":0.05,"engine.concurrency_limit":10,"min_interval_ms":60}}',
            '{"kind":"order","t_ms":12,"action":"place","latency_ms":3.5}',
            '{"kind":"order","t_ms":40,"action":"cancel","latency_ms":2.25,"age_ms":28}',
            '{"kind":"fill","t_ms":55,"liquidity":"maker","qty":0.01,"price":65000.5,"gross_bps":4,"fees_bps":0.2,"adverse_bps":-2.5,"age_ms":43}',
            '{"kind":"fill","t_ms":56,"liquidity":"taker","qty":2,"price":10,"gross_bps":-1,"fees_bps":-2,"slippage_bps":-0.5}',
            '{"kind":"block","t_ms":60,"reason":"risk"}',
            '{"kind":"ws","t_ms":61,"lag_ms":120}',
        ]))
        for l in got.splitlines():
            json.loads(l)

    def test_annotations_and_extensions(self):
        got = lines(lambda w: w.fill(1, "taker", qty=1, price=2, symbol="BTC-USD", side="sell", order_id=17,
                                     x_diag={"book": [1, 2.5], "ok": True}))
        self.assertEqual(got, '{"kind":"fill","t_ms":1,"liquidity":"taker","qty":1,"price":2,'
                              '"symbol":"BTC-USD","side":"sell","order_id":17,"x_diag":{"book":[1,2.5],"ok":true}}\n')

    def test_refused_writes_nothing(self):
        cases = [
            ("taker fee positive", lambda w: w.fill(2000, "taker", qty=1, price=1, fees_bps=5), "positive on a taker fill"),
            ("maker fee as cost", lambda w: w.fill(2000, "maker", qty=1, price=1, fees_bps=5, age_ms=1), "largest maker rebate"),
            ("gross huge", lambda w: w.fill(2000, "taker", qty=1, price=1, gross_bps=1e6), "gross_bps 1000000 is not within"),
            ("epoch", lambda w: w.ws(1733540000000, lag_ms=1), "not the epoch"),
            ("backwards", lambda w: w.ws(0, lag_ms=1), "goes back more than 1000 ms"),
            ("fractional t_ms", lambda w: w.ws(2000.5, lag_ms=1), "whole number"),
            ("maker without age", lambda w: w.fill(2000, "maker", qty=1, price=1), "needs age_ms"),
            ("cancel without age", lambda w: w.order(2000, "cancel", latency_ms=1), "needs age_ms"),
            ("nan", lambda w: w.order(2000, "place", latency_ms=float("nan")), "not finite"),
            ("bool", lambda w: w.order(2000, "place", latency_ms=True), "want a number"),
            ("unknown field", lambda w: w.block(2000, "risk", venue="x"), "start with x_"),
            ("side on ws", lambda w: w.ws(2000, lag_ms=1, symbol=""), "1 to 256 bytes"),
            ("reason", lambda w: w.block(2000, "RISK"), "unknown reason"),
        ]
        for name, fn, want in cases:
            with self.subTest(name):
                buf = io.StringIO()
                w = EventWriter(buf)
                w.ws(2000, lag_ms=1)
                before = buf.getvalue()
                with self.assertRaises(ContractError) as cm:
                    fn(w)
                self.assertIn(want, str(cm.exception))
                self.assertEqual(buf.getvalue(), before)

    def test_create_renames_or_removes(self):
        with tempfile.TemporaryDirectory() as d:
            with EventWriter.create(d) as w:
                w.ws(1, lag_ms=2)
                self.assertFalse(os.path.exists(os.path.join(d, "events.jsonl")))
            with open(os.path.join(d, "events.jsonl")) as f:
                self.assertEqual(f.read(), '{"kind":"ws","t_ms":1,"lag_ms":2}\n')
            with self.assertRaises(RuntimeError):
                with EventWriter.create(d) as w:
                    w.ws(1, lag_ms=3)
                    raise RuntimeError("bot crashed")
            self.assertEqual(os.listdir(d), ["events.jsonl"])
            with open(os.path.join(d, "events.jsonl")) as f:
                self.assertIn('"lag_ms":2}', f.read())

    def test_read_overrides_flattens_sections(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "runtime_overrides.json")
            with open(p, "w") as f:
                json.dump({"schema_version": 1, "kind": "runtime_overrides", "min_interval_ms": 60,
                           "engine": {"concurrency_limit": 10}}, f)
            self.assertEqual(read_overrides(p), {"min_interval_ms": 60, "engine.concurrency_limit": 10})


if __name__ == "__main__":
    unittest.main()
