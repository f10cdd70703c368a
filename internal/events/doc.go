// Package events defines the event stream a soak iteration produces — by the
// built-in simulator or by a real bot under soak-run --exec — and reads and
// writes it as JSON Lines.
//
// # File format (events.jsonl)
//
// This is the contract a real bot implements under soak-run --exec: it writes
// events.jsonl in the iteration directory, one event per line.
//
// Each non-empty line is one flat JSON object (no nested objects or arrays).
// Its members are the event's fields in snake_case; values are JSON strings
// (the enumerations) or JSON numbers. The Writer puts "kind" first and then
// the fields in the order listed below; a reader accepts keys in any order
// and JSON whitespace between tokens. Keys and enumeration strings may use
// JSON escapes (they are decoded before matching).
//
//	kind       string  "order" | "fill" | "block" | "ws"           all kinds, required
//	t_ms       integer ms since the iteration started, >= 0        all kinds, required
//
//	order:
//	action     string  "place" | "replace" | "cancel"              required
//	latency_ms number  ms from decision to exchange ack, >= 0      required
//	age_ms     number  ms the quote had lived when replaced or     required for replace
//	                   cancelled, >= 0                             and cancel; optional
//	                                                               (ignored) for place
//	fill:
//	liquidity     string "maker" | "taker"                         required
//	qty           number base quantity, > 0                        required
//	price         number price in quote currency, > 0              required
//	gross_bps     number signed PnL contributions in basis points  optional, default 0
//	fees_bps      number of this fill's notional (qty*price);      optional, default 0
//	slippage_bps  number a cost is negative; net for the fill is   optional, default 0
//	adverse_bps   number the sum of the five                       optional, default 0
//	inventory_bps number                                           optional, default 0
//	age_ms        number ms the quote had lived when filled, >= 0  required
//
//	block:
//	reason     string  "min_interval" | "concurrency" | "risk" | "throttle"   required
//
//	ws:
//	lag_ms     number  market-data lag sample in ms, >= 0          required
//
// Example:
//
//	{"kind":"order","t_ms":12,"action":"place","latency_ms":3.5}
//	{"kind":"order","t_ms":40,"action":"cancel","latency_ms":2.25,"age_ms":28}
//	{"kind":"fill","t_ms":55,"liquidity":"maker","qty":0.01,"price":65000.5,"gross_bps":4,"fees_bps":-1,"adverse_bps":-2.5,"age_ms":43}
//	{"kind":"block","t_ms":60,"reason":"risk"}
//	{"kind":"ws","t_ms":61,"lag_ms":120}
//
// Writing: required fields are always written; optional fields are written
// only when non-zero (a missing optional field reads as zero). Floats are
// written as the shortest decimal that parses back to the same float64 (like
// encoding/json: strconv 'f' with precision -1 when 1e-6 <= |x| < 1e21,
// otherwise 'e' with the exponent's leading zeros removed), so writing is
// deterministic and reading what was written gives back the same values.
// Lines end with "\n".
//
// Reading is strict. A line is rejected, and reading stops with an error
// "line N: <what>" (N counts from 1 and includes empty lines; the caller adds
// the file name), for: invalid JSON, a non-object, a nested value, true,
// false or null, an unknown or duplicate field, a field that does not belong
// to the line's kind, an unknown kind/action/liquidity/reason, a wrong value
// type, a number that is not finite in float64 (NaN and Infinity are not JSON
// and are rejected too), a t_ms that is not an integer, a value out of its
// range (negative times, non-positive qty or price), a missing required
// field, data after the object, or a line longer than MaxLineBytes
// (1 MiB, counting a "\r" but not the "\n"). Strings may not contain control
// characters; invalid escapes and lone surrogates in \u escapes are errors.
//
// Tolerated: empty (or all-whitespace) lines, a last line without "\n",
// CRLF line ends, and a UTF-8 byte order mark at the start of the stream.
package events
