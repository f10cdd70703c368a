"""Write the events.jsonl a bot leaves for ``soak-run --exec``.

A single file, standard library only: copy it next to your bot. The contract
it implements -- every record, field, unit, sign and bound, and how soak-run
computes each KPI from them -- is docs/bot-contract.md in the soakline
repository. Each method checks its event against that contract and raises
ContractError (writing nothing) where soak-run would refuse the file.

    import os
    from soakline_events import EventWriter, read_overrides

    params = read_overrides(os.environ["SOAK_OVERRIDES"])   # flat keys
    with EventWriter.create(os.environ["SOAK_ITER_DIR"]) as w:
        w.effective_params(0, my_config_as_running())       # read back, not copied
        w.order(12, "place", latency_ms=3.5)
        w.fill(55, "maker", qty=0.01, price=65000.5, gross_bps=4,
               fees_bps=0.2, adverse_bps=-2.5, age_ms=43)
    # on leaving the block the file is renamed to events.jsonl; on an
    # exception it is removed, so soak-run never reads half a file.
"""

import json
import math
import os
import tempfile

__all__ = ["ContractError", "EventWriter", "read_overrides", "FILE_NAME"]

FILE_NAME = "events.jsonl"

# Bounds of the contract (docs/bot-contract.md, "Bounds").
MAX_T_MS = 7 * 24 * 3600 * 1000  # t_ms counts from the iteration start
ORDER_TOLERANCE_MS = 1000  # t_ms may go back this far below the largest earlier t_ms
MAX_DURATION_MS = 24 * 3600 * 1000  # latency_ms, lag_ms
MAX_AGE_MS = MAX_T_MS  # age_ms
MAX_BPS = 10000  # |each PnL component| of a fill: 100% of its notional
MAX_MAKER_REBATE_BPS = 3  # largest positive fees_bps, maker fills only
MAX_ANNOT_BYTES = 256  # symbol, order_id

ACTIONS = ("place", "replace", "cancel")
LIQUIDITY = ("maker", "taker")
REASONS = ("min_interval", "concurrency", "risk", "throttle")
SIDES = ("buy", "sell")


class ContractError(ValueError):
    """An event soak-run would refuse; nothing was written for it."""


def _num(name, v):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ContractError("%s: want a number, got %r" % (name, v))
    v = float(v)
    if math.isnan(v) or math.isinf(v):
        raise ContractError("%s: not finite" % name)
    return v


def _fmt(v):
    # repr gives the shortest decimal that reads back as the same float;
    # whole numbers are written without ".0".
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def _in(name, v, lo, hi):
    v = _num(name, v)
    if not lo <= v <= hi:
        raise ContractError("%s %s is not within [%s, %s]" % (name, _fmt(v), _fmt(lo), _fmt(hi)))
    return v


def _annot(name, v):
    if not isinstance(v, str) or not 1 <= len(v.encode("utf-8")) <= MAX_ANNOT_BYTES:
        raise ContractError("%s: want a string of 1 to %d bytes" % (name, MAX_ANNOT_BYTES))
    return v


class EventWriter:
    """Writes events as JSON Lines to a text file object (see create)."""

    def __init__(self, f):
        self._f = f
        self._max_t = 0
        self._tmp = None
        self._dest = None

    @classmethod
    def create(cls, iter_dir):
        """A writer to a temporary file in iter_dir that close() renames to
        iter_dir/events.jsonl; use it as a context manager."""
        fd, tmp = tempfile.mkstemp(prefix=".events.jsonl.tmp-", dir=iter_dir)
        w = cls(os.fdopen(fd, "w", encoding="utf-8", newline="\n"))
        w._tmp, w._dest = tmp, os.path.join(iter_dir, FILE_NAME)
        return w

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self.abort()
        return False

    def close(self):
        """Flush; for a writer from create, sync and rename into place."""
        if self._tmp is None:
            self._f.flush()
            return
        try:
            self._f.flush()
            os.fsync(self._f.fileno())
            self._f.close()
            os.chmod(self._tmp, 0o644)
            os.replace(self._tmp, self._dest)
        except BaseException:
            self.abort()
            raise
        self._tmp = None

    def abort(self):
        """Remove a create() writer's temporary file."""
        if self._tmp is not None:
            try:
                self._f.close()
            finally:
                try:
                    os.remove(self._tmp)
                except FileNotFoundError:
                    pass
                self._tmp = None

    # -- records ---------------------------------------------------------

    def effective_params(self, t_ms, params):
        """The parameters the bot runs with, read back from its own
        configuration, under the flat keys of runtime_overrides.json."""
        if not isinstance(params, dict) or not 1 <= len(params) <= 1024:
            raise ContractError("effective_params: want 1 to 1024 parameters")
        body = []
        for k in sorted(params):
            if not isinstance(k, str) or not 1 <= len(k.encode("utf-8")) <= 256 or any(ord(c) < 0x20 for c in k):
                raise ContractError("effective_params: key %r: want 1 to 256 bytes without control characters" % (k,))
            body.append("%s:%s" % (json.dumps(k), _fmt(_num("effective_params: " + k, params[k]))))
        self._line("effective_params", t_ms, ['"params":{%s}' % ",".join(body)], {})

    def order(self, t_ms, action, latency_ms, age_ms=None, **annot):
        """An order action that was sent. age_ms (how long the replaced or
        cancelled quote had rested) is required for replace and cancel."""
        if action not in ACTIONS:
            raise ContractError("order: unknown action %r (want one of %s)" % (action, ", ".join(ACTIONS)))
        parts = ['"action":"%s"' % action, '"latency_ms":' + _fmt(_in("order: latency_ms", latency_ms, 0, MAX_DURATION_MS))]
        if age_ms is None and action != "place":
            raise ContractError("order: %s needs age_ms" % action)
        if age_ms is not None:
            parts.append('"age_ms":' + _fmt(_in("order: age_ms", age_ms, 0, MAX_AGE_MS)))
        self._line("order", t_ms, parts, annot)

    def fill(self, t_ms, liquidity, qty, price, gross_bps=0, fees_bps=0, slippage_bps=0,
             adverse_bps=0, inventory_bps=0, age_ms=None, **annot):
        """A fill of one of the bot's orders. The *_bps are signed basis
        points of this fill's notional qty*price: a cost is negative.
        age_ms is required for maker fills and not used for taker fills."""
        if liquidity not in LIQUIDITY:
            raise ContractError("fill: unknown liquidity %r (want maker or taker)" % (liquidity,))
        qty, price = _num("fill: qty", qty), _num("fill: price", price)
        if qty <= 0 or price <= 0:
            raise ContractError("fill: qty and price must be positive")
        parts = ['"liquidity":"%s"' % liquidity, '"qty":' + _fmt(qty), '"price":' + _fmt(price)]
        comps = (("gross_bps", gross_bps), ("fees_bps", fees_bps), ("slippage_bps", slippage_bps),
                 ("adverse_bps", adverse_bps), ("inventory_bps", inventory_bps))
        for name, v in comps:
            v = _in("fill: " + name, v, -MAX_BPS, MAX_BPS)
            if name == "fees_bps" and v > 0 and liquidity == "taker":
                raise ContractError("fill: fees_bps %s is positive on a taker fill: a fee is a cost and is negative" % _fmt(v))
            if name == "fees_bps" and v > MAX_MAKER_REBATE_BPS:
                raise ContractError("fill: fees_bps %s is above the largest maker rebate (+%d bps): a fee is a cost and is negative"
                                    % (_fmt(v), MAX_MAKER_REBATE_BPS))
            if v != 0:
                parts.append('"%s":%s' % (name, _fmt(v)))
        if age_ms is None and liquidity == "maker":
            raise ContractError("fill: a maker fill needs age_ms")
        if age_ms is not None:
            parts.append('"age_ms":' + _fmt(_in("fill: age_ms", age_ms, 0, MAX_AGE_MS)))
        self._line("fill", t_ms, parts, annot)

    def block(self, t_ms, reason, **annot):
        """An order action the bot decided not to send: one per attempt."""
        if reason not in REASONS:
            raise ContractError("block: unknown reason %r (want one of %s)" % (reason, ", ".join(REASONS)))
        self._line("block", t_ms, ['"reason":"%s"' % reason], annot)

    def ws(self, t_ms, lag_ms, symbol=None):
        """A market-data lag sample."""
        annot = {} if symbol is None else {"symbol": symbol}
        self._line("ws", t_ms, ['"lag_ms":' + _fmt(_in("ws: lag_ms", lag_ms, 0, MAX_DURATION_MS))], annot, side_ok=False)

    def _line(self, kind, t_ms, parts, annot, side_ok=True):
        if isinstance(t_ms, bool) or not isinstance(t_ms, int):
            if isinstance(t_ms, float) and t_ms == int(t_ms):
                t_ms = int(t_ms)
            else:
                raise ContractError("%s: t_ms: want a whole number of milliseconds, got %r" % (kind, t_ms))
        if t_ms < 0 or t_ms > MAX_T_MS:
            raise ContractError("%s: t_ms %d is not within [0, %d]: milliseconds since the iteration started, not the epoch"
                                % (kind, t_ms, MAX_T_MS))
        if t_ms < self._max_t - ORDER_TOLERANCE_MS:
            raise ContractError("%s: t_ms %d goes back more than %d ms before t_ms %d of an earlier event"
                                % (kind, t_ms, ORDER_TOLERANCE_MS, self._max_t))
        extra = []
        for key in ("symbol", "side", "order_id"):
            if key in annot:
                v = annot[key]
                if key == "side":
                    if not side_ok or v not in SIDES:
                        raise ContractError("%s: side %r: want buy or sell (order, fill and block only)" % (kind, v))
                elif key == "order_id" and isinstance(v, int) and not isinstance(v, bool):
                    extra.append('"order_id":%d' % v)
                    continue
                else:
                    _annot(key, v)
                extra.append('"%s":%s' % (key, json.dumps(v)))
        for key in annot:
            if key not in ("symbol", "side", "order_id"):
                if not key.startswith("x_") or len(key) < 3:
                    raise ContractError("%s: unknown field %r (a bot's own fields start with x_)" % (kind, key))
                try:
                    extra.append("%s:%s" % (json.dumps(key), json.dumps(annot[key], allow_nan=False, separators=(",", ":"))))
                except (TypeError, ValueError) as e:
                    raise ContractError("%s: %s: %s" % (kind, key, e))
        self._f.write('{"kind":"%s","t_ms":%d,%s}\n' % (kind, t_ms, ",".join(parts + extra)))
        self._max_t = max(self._max_t, t_ms)


def read_overrides(path):
    """runtime_overrides.json as flat keys: a section's keys are prefixed
    with its name ("engine.concurrency_limit"); schema_version and kind are
    the envelope, not parameters."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    out = {}
    for k, v in doc.items():
        if k in ("schema_version", "kind"):
            continue
        if isinstance(v, dict):
            for k2, v2 in v.items():
                out[k + "." + k2] = v2
        else:
            out[k] = v
    return out
