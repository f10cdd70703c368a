package events

import "encoding/binary"

// The fast path: most lines are exactly what Writer writes (keys in the
// documented order, no whitespace, no escapes). parseCanonical recognises
// that form with fixed string comparisons instead of tokenising the line,
// and hands anything else to the general parser — including the
// effective_params record, one line per iteration, whose keys vary. It never decides that a
// line is bad: if it returns ok, the general parser would have read the same
// fields with the same values (both use parseInt and parseNumber), so the
// result, and check's verdict on it, are the same. FuzzCanonical checks this.

// hasAt reports whether b[i:] starts with s. Called with a constant s of
// up to 8 bytes, it compiles to one comparison.
func hasAt(b []byte, i int, s string) bool {
	return len(b)-i >= len(s) && string(b[i:i+len(s)]) == s
}

// key is a constant of 9 to 16 bytes compared as two overlapping 8-byte
// words, its first and its last 8 bytes (the compiler calls memequal for
// string constants longer than 8 bytes).
type key struct {
	s         string
	head, end uint64
}

func newKey(s string) key {
	if len(s) <= 8 || len(s) > 16 {
		panic("events: key length out of range: " + s)
	}
	return key{s: s, head: binary.LittleEndian.Uint64([]byte(s)), end: binary.LittleEndian.Uint64([]byte(s[len(s)-8:]))}
}

// at reports whether b[i:] starts with k.
func (k *key) at(b []byte, i int) bool {
	n := len(k.s)
	return len(b)-i >= n && binary.LittleEndian.Uint64(b[i:]) == k.head && binary.LittleEndian.Uint64(b[i+n-8:]) == k.end
}

// The keys and values of the canonical form longer than 8 bytes.
var (
	kKindOrder   = newKey(`order","t_ms":`)
	kKindFill    = newKey(`fill","t_ms":`)
	kKindBlock   = newKey(`block","t_ms":`)
	kKindWS      = newKey(`ws","t_ms":`)
	kAction      = newKey(`,"action":"`)
	kLatency     = newKey(`,"latency_ms":`)
	kAge         = newKey(`,"age_ms":`)
	kLiquidity   = newKey(`,"liquidity":"`)
	kPrice       = newKey(`,"price":`)
	kGross       = newKey(`,"gross_bps":`)
	kFees        = newKey(`,"fees_bps":`)
	kSlippage    = newKey(`,"slippage_bps":`)
	kAdverse     = newKey(`,"adverse_bps":`)
	kInventory   = newKey(`,"inventory_bps"`) // and ":"
	kPrefix      = newKey(`{"kind":"`)
	kReason      = newKey(`,"reason":"`)
	kLag         = newKey(`,"lag_ms":`)
	kMinInterval = newKey(`min_interval"`)
	kConcurrency = newKey(`concurrency"`)
)

// canonNumber parses the number at b[i:] into *dst. parseNumber rejects
// anything else that may start there, the end of b included.
// It is written to inline (on failure *dst is written too: the caller
// drops the event).
func canonNumber(b []byte, i int, dst *float64) (int, bool) {
	v, j, err := parseNumber(b, i)
	*dst = v
	return j, err == nil
}

// parseCanonical parses a line in the Writer's exact form (and nothing
// after it) into *e, which must be zero, and returns the fields it carried. ok is false if the line
// is not in that form (*e may then be partly filled). Keys are compared as
// constants, which the compiler turns into a few loads.
func parseCanonical(b []byte, e *Event) (seen uint32, ok bool) {
	seen, i, ok := canonicalPrefix(b, e)
	if !ok || i != len(b)-1 || b[i] != '}' {
		return 0, false
	}
	return seen, true
}

// canonicalPrefix parses the Writer's form of a line's kind up to its last
// field into *e, which must be zero, and returns the fields it carried and
// the index after them, where b holds '}' or ','. ok is false if the line
// does not start in that form. A ',' is followed by more members — a bot's
// symbol, side, order_id or x_ keys — which parseLine reads with the
// general parser's member loop.
func canonicalPrefix(b []byte, e *Event) (seen uint32, end int, ok bool) {
	if len(b) < 20 || !kPrefix.at(b, 0) {
		return 0, 0, false
	}
	i := 9
	switch b[i] {
	case 'o':
		e.Kind, ok = KindOrder, kKindOrder.at(b, i)
		i += len(kKindOrder.s)
	case 'f':
		e.Kind, ok = KindFill, kKindFill.at(b, i)
		i += len(kKindFill.s)
	case 'b':
		e.Kind, ok = KindBlock, kKindBlock.at(b, i)
		i += len(kKindBlock.s)
	case 'w':
		e.Kind, ok = KindWS, kKindWS.at(b, i)
		i += len(kKindWS.s)
	}
	if !ok || i >= len(b) {
		return 0, 0, false
	}
	t, i, ok := parseInt(b, i)
	if !ok {
		return 0, 0, false
	}
	e.TMs = t
	seen = fKind | fT
	switch e.Kind {
	case KindOrder:
		if !kAction.at(b, i) {
			return 0, 0, false
		}
		i += len(kAction.s)
		switch {
		case hasAt(b, i, `place"`):
			e.Action, i = ActionPlace, i+len(`place"`)
		case hasAt(b, i, `replace"`):
			e.Action, i = ActionReplace, i+len(`replace"`)
		case hasAt(b, i, `cancel"`):
			e.Action, i = ActionCancel, i+len(`cancel"`)
		default:
			return 0, 0, false
		}
		if !kLatency.at(b, i) {
			return 0, 0, false
		}
		if i, ok = canonNumber(b, i+len(kLatency.s), &e.LatencyMs); !ok {
			return 0, 0, false
		}
		seen |= fAction | fLatency
		if kAge.at(b, i) {
			if i, ok = canonNumber(b, i+len(kAge.s), &e.AgeMs); !ok {
				return 0, 0, false
			}
			seen |= fAge
		}
	case KindFill:
		if !kLiquidity.at(b, i) {
			return 0, 0, false
		}
		i += len(kLiquidity.s)
		switch {
		case hasAt(b, i, `maker"`):
			e.Liquidity = Maker
		case hasAt(b, i, `taker"`):
			e.Liquidity = Taker
		default:
			return 0, 0, false
		}
		i += len(`maker"`)
		if !hasAt(b, i, `,"qty":`) {
			return 0, 0, false
		}
		if i, ok = canonNumber(b, i+len(`,"qty":`), &e.Qty); !ok {
			return 0, 0, false
		}
		if !kPrice.at(b, i) {
			return 0, 0, false
		}
		if i, ok = canonNumber(b, i+len(kPrice.s), &e.Price); !ok {
			return 0, 0, false
		}
		seen |= fLiquidity | fQty | fPrice
		// The optional components, each written only when non-zero.
		if kGross.at(b, i) {
			if i, ok = canonNumber(b, i+len(kGross.s), &e.GrossBps); !ok {
				return 0, 0, false
			}
			seen |= fGross
		}
		if kFees.at(b, i) {
			if i, ok = canonNumber(b, i+len(kFees.s), &e.FeesBps); !ok {
				return 0, 0, false
			}
			seen |= fFees
		}
		if kSlippage.at(b, i) {
			if i, ok = canonNumber(b, i+len(kSlippage.s), &e.SlippageBps); !ok {
				return 0, 0, false
			}
			seen |= fSlippage
		}
		if kAdverse.at(b, i) {
			if i, ok = canonNumber(b, i+len(kAdverse.s), &e.AdverseBps); !ok {
				return 0, 0, false
			}
			seen |= fAdverse
		}
		// Longer than 16 bytes: compared in two constant pieces.
		if kInventory.at(b, i) && hasAt(b, i+16, ":") {
			if i, ok = canonNumber(b, i+len(`,"inventory_bps":`), &e.InventoryBps); !ok {
				return 0, 0, false
			}
			seen |= fInventory
		}
		if kAge.at(b, i) { // optional on taker fills: check decides
			if i, ok = canonNumber(b, i+len(kAge.s), &e.AgeMs); !ok {
				return 0, 0, false
			}
			seen |= fAge
		}
	case KindBlock:
		if !kReason.at(b, i) {
			return 0, 0, false
		}
		i += len(kReason.s)
		switch {
		case kMinInterval.at(b, i):
			e.Reason, i = ReasonMinInterval, i+len(kMinInterval.s)
		case kConcurrency.at(b, i):
			e.Reason, i = ReasonConcurrency, i+len(kConcurrency.s)
		case hasAt(b, i, `risk"`):
			e.Reason, i = ReasonRisk, i+len(`risk"`)
		case hasAt(b, i, `throttle"`):
			e.Reason, i = ReasonThrottle, i+len(`throttle"`)
		default:
			return 0, 0, false
		}
		seen |= fReason
	case KindWS:
		if !kLag.at(b, i) {
			return 0, 0, false
		}
		if i, ok = canonNumber(b, i+len(kLag.s), &e.LagMs); !ok {
			return 0, 0, false
		}
		seen |= fLag
	}
	if i >= len(b) || b[i] != '}' && b[i] != ',' {
		return 0, 0, false
	}
	return seen, i, true
}
