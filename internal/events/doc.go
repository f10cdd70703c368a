// Package events defines the event stream a soak iteration produces — by the
// built-in simulator or by a real bot under soak-run --exec — and reads and
// writes it as JSON Lines.
//
// # File format (events.jsonl)
//
// This is the contract a real bot implements under soak-run --exec: it writes
// events.jsonl in the iteration directory, one event per line. The
// contract's page for bot authors, with units, sign conventions, reference
// prices, bounds and every KPI's formula, is docs/bot-contract.md; this is
// the reader's and writer's summary of it.
//
// Each non-empty line is one JSON object. Its members are the event's
// fields in snake_case; values are JSON strings (the enumerations) or JSON
// numbers, with no nesting except the params object of an effective_params
// record and the values of extension keys. The Writer puts "kind" first and
// then the fields in the order listed below; a reader accepts keys in any
// order and JSON whitespace between tokens. Keys and enumeration strings may
// use JSON escapes (they are decoded before matching).
//
//	kind       string  "order" | "fill" | "block" | "ws" |         all kinds, required
//	                   "effective_params"
//	t_ms       integer ms since the iteration started,             all kinds, required
//	                   0..MaxTMs; a whole number written as a float
//	                   ("5.0", "5e3") is accepted; at most
//	                   OrderToleranceMs below the largest earlier t_ms
//
//	order:
//	action     string  "place" | "replace" | "cancel"              required
//	latency_ms number  ms from decision to exchange ack,           required
//	                   0..MaxDurationMs
//	age_ms     number  ms the quote had lived when replaced or     required for replace
//	                   cancelled, 0..MaxAgeMs                      and cancel; optional
//	                                                               (ignored) for place
//	fill:
//	liquidity     string "maker" | "taker"                         required
//	qty           number base quantity, > 0                        required
//	price         number price in quote currency, > 0              required
//	gross_bps     number signed PnL contributions in basis points  optional, default 0
//	fees_bps      number of this fill's notional (qty*price);      optional, default 0
//	slippage_bps  number a cost is negative; each within ±MaxBps;  optional, default 0
//	adverse_bps   number fees_bps <= 0 on taker fills and          optional, default 0
//	inventory_bps number <= MaxMakerRebateBps on maker fills       optional, default 0
//	age_ms        number ms the quote had lived when filled,       required for maker
//	                     0..MaxAgeMs                               fills; optional (not
//	                                                               used) for taker fills
//
//	block:
//	reason     string  "min_interval" | "concurrency" | "risk" | "throttle"   required
//
//	ws:
//	lag_ms     number  market-data lag sample in ms, 0..MaxDurationMs         required
//
//	effective_params:
//	params     object  the parameters the bot ran with: keys in    required
//	                   the flat spelling of runtime_overrides.json
//	                   ("engine.concurrency_limit" for the key
//	                   concurrency_limit of its "engine" section),
//	                   values JSON numbers; 1 to 1024 keys, each 1 to
//	                   256 bytes, no control characters, none twice
//
//	optional annotations, checked and not kept in Event:
//	symbol     string  1 to MaxAnnotBytes bytes                    order, fill, block, ws
//	side       string  "buy" | "sell"                              order, fill, block
//	order_id   string (1 to MaxAnnotBytes bytes) or number         order, fill, block
//	x_*        any JSON value nested at most 32 deep: the bot's    all kinds
//	           own extension, checked for syntax and ignored
//
// Example:
//
//	{"kind":"order","t_ms":12,"action":"place","latency_ms":3.5}
//	{"kind":"order","t_ms":40,"action":"cancel","latency_ms":2.25,"age_ms":28}
//	{"kind":"fill","t_ms":55,"liquidity":"maker","qty":0.01,"price":65000.5,"gross_bps":4,"fees_bps":-1,"adverse_bps":-2.5,"age_ms":43}
//	{"kind":"block","t_ms":60,"reason":"risk"}
//	{"kind":"ws","t_ms":61,"lag_ms":120}
//	{"kind":"effective_params","t_ms":0,"params":{"engine.concurrency_limit":10,"min_interval_ms":60}}
//
// # Reporting the parameters (effective_params)
//
// soak-run writes the parameters of each iteration to runtime_overrides.json
// (SOAK_OVERRIDES) and cannot see whether the bot used them: a bot that
// reads another file, misspells a key or falls back to its defaults
// produces events all the same. So the bot reports the values it actually
// runs with, as read back from its own configuration after start-up — not
// a copy of the overrides file — in an effective_params record: one per
// iteration, usually the first line, with every parameter soak-run wrote
// (extra keys are allowed and ignored). soak-run compares each value with
// the one it wrote: a whole number exactly, any other value within a
// relative tolerance of 1e-6 (so a bot that keeps a parameter as a float32
// matches, while a copy rounded to fewer than 7 significant digits may
// not: write the shortest round-trip form, as Writer does). Several
// records are allowed (a bot that reloads); every one must agree. The
// result goes to the iteration summary's "adoption" ("adopted", "mismatch"
// with the differing keys, or "unreported" when the stream has no record)
// and soak-gate's overrides_adopted check judges it (by default a mismatch
// fails the soak and a missing report warns). A bot that leaves only a
// legacy EDGE_REPORT.json cannot report and is recorded as unreported. An
// effective_params record is not an event for the KPIs and is not counted
// in them.
//
// Writing: required fields are always written; optional fields are written
// only when non-zero (a missing optional field reads as zero); params keys
// are written in sorted order (Event.Params is kept sorted: see ParamsOf). Floats are
// written as the shortest decimal that parses back to the same float64 (like
// encoding/json: strconv 'f' with precision -1 when 1e-6 <= |x| < 1e21,
// otherwise 'e' with the exponent's leading zeros removed), so writing is
// deterministic and reading what was written gives back the same values.
// Lines end with "\n".
//
// Reading is strict. A line is rejected, and reading stops with an error
// "line N: <what>" (N counts from 1 and includes empty lines; the caller adds
// the file name), for: invalid JSON, a non-object, a nested value, true,
// false or null, an unknown or duplicate field (other than an x_ key), a
// field that does not belong to the line's kind, an unknown
// kind/action/liquidity/reason/side, a wrong value type, a number that is not
// finite in float64 (NaN and Infinity are not JSON and are rejected too), a
// t_ms that is not a whole number, a value out of its range (see the bounds
// above and the constants; a t_ms that looks like epoch milliseconds is
// named as such), a t_ms going back more than OrderToleranceMs, a missing required
// field, an empty params object, a parameter that is not a number or is
// given twice, a parameter key outside the limits above, data after the
// object, or a line longer than MaxLineBytes
// (1 MiB, counting a "\r" but not the "\n"). Strings may not contain control
// characters; invalid escapes and lone surrogates in \u escapes are errors.
//
// Tolerated: empty (or all-whitespace) lines, a last line without "\n",
// CRLF line ends, and a UTF-8 byte order mark at the start of the stream.
package events
