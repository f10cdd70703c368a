// Package botevents is what a Go bot needs to run under soak-run --exec:
// ReadEnv reads the iteration soak-run gives (SOAK_ITERATION, SOAK_ITER_DIR,
// ...), ReadOverrides the parameters it is to run with, and Writer writes
// the events.jsonl it leaves: one JSON object per line, in the form
// soak-run reads fastest, each checked against the contract before it is
// written. The contract (every variable, record, field, unit, sign and
// bound, and how each KPI is computed from them) is docs/bot-contract.md;
// this package imports nothing of soakline's, so a Go bot can depend on it
// alone. examples/fakebot is a bot written against it.
//
//	env, err := botevents.ReadEnv(os.Getenv)
//	if err != nil { ... }
//	params, err := botevents.ReadOverrides(env.Overrides) // flat keys: "engine.concurrency_limit"
//	if err != nil { ... }
//	w, err := botevents.Create(env.Dir)
//	if err != nil { ... }
//	defer w.Abort() // no half-written events.jsonl if the bot fails
//	w.EffectiveParams(0, running)         // what the bot runs with, read back
//	w.Order(botevents.Order{TMs: 12, Action: botevents.Place, LatencyMs: 3.5})
//	w.Fill(botevents.Fill{TMs: 55, Liquidity: botevents.Maker, Qty: 0.01, Price: 65000.5,
//		GrossBps: 4, FeesBps: 0.2, AdverseBps: -2.5, AgeMs: 43})
//	if err := w.Close(); err != nil { ... } // renames the file into place
//
// A method returns an error, and writes nothing, for an event the contract
// rejects (soak-run would refuse the whole file); the error names the field.
// At an iteration timeout soak-run sends SIGTERM and waits --kill-grace: a
// bot that calls Close in its SIGTERM handler leaves what it did, which
// soak-run keeps (the timed-out iteration is failed all the same).
package botevents

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"unicode/utf8"
)

// FileName is the file soak-run reads in SOAK_ITER_DIR.
const FileName = "events.jsonl"

// Bounds of the contract (docs/bot-contract.md, "Bounds").
const (
	MaxTMs            = 7 * 24 * 3600 * 1000 // t_ms: at most seven days after the iteration started
	OrderToleranceMs  = 1000                 // t_ms may go back this far below the largest earlier t_ms
	MaxDurationMs     = 24 * 3600 * 1000     // latency_ms, lag_ms
	MaxAgeMs          = MaxTMs               // age_ms
	MaxBps            = 10000                // |each PnL component| of a fill
	MaxMakerRebateBps = 3                    // largest positive fees_bps, maker fills only
	MaxAnnotBytes     = 256                  // symbol, order_id
)

// Action is an order event's action.
type Action string

// The order actions.
const (
	Place   Action = "place"
	Replace Action = "replace"
	Cancel  Action = "cancel"
)

// Liquidity says whether a fill added (maker) or took (taker) liquidity.
type Liquidity string

// The two liquidity sides.
const (
	Maker Liquidity = "maker"
	Taker Liquidity = "taker"
)

// Reason is why an order action was not sent.
type Reason string

// The block reasons.
const (
	MinInterval Reason = "min_interval"
	Concurrency Reason = "concurrency"
	Risk        Reason = "risk"
	Throttle    Reason = "throttle"
)

// Annotations are optional fields soak-run checks and otherwise ignores.
// An empty string is not written.
type Annotations struct {
	Symbol  string // 1 to 256 bytes
	Side    string // "buy" or "sell"
	OrderID string // 1 to 256 bytes
}

// Order is an order action that was sent: a place, replace or cancel.
type Order struct {
	TMs       int64   // ms since the iteration started
	Action    Action  // place, replace or cancel
	LatencyMs float64 // decision to exchange acknowledgement
	AgeMs     float64 // replace and cancel: how long the replaced or cancelled quote had rested
	Annotations
}

// Fill is a fill of one of the bot's orders. The PnL components are
// signed basis points of this fill's notional qty·price: a cost is
// negative (see the contract for each one's reference).
type Fill struct {
	TMs          int64
	Liquidity    Liquidity
	Qty, Price   float64 // > 0
	GrossBps     float64
	FeesBps      float64 // a fee is negative; a maker rebate positive (at most +3)
	SlippageBps  float64
	AdverseBps   float64
	InventoryBps float64
	AgeMs        float64 // maker fills: how long the quote had rested; not used for taker fills
	Annotations
}

// Block is an order action the bot decided not to send: one per attempt.
type Block struct {
	TMs    int64
	Reason Reason
	Annotations
}

// WS is a market-data lag sample.
type WS struct {
	TMs    int64
	LagMs  float64
	Symbol string
}

// Writer writes events as JSON Lines. It is not safe for concurrent use.
type Writer struct {
	w      io.Writer
	f      *os.File // Create's temporary file
	path   string   // Create's destination
	buf    []byte
	maxT   int64
	err    error
	closed bool
}

// NewWriter returns a Writer writing to w. Call Flush at the end.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Create returns a Writer to a temporary file in dir that Close renames to
// dir/events.jsonl, so soak-run never reads a half-written file.
func Create(dir string) (*Writer, error) {
	f, err := os.CreateTemp(dir, ".events.jsonl.tmp-*")
	if err != nil {
		return nil, err
	}
	return &Writer{w: f, f: f, path: filepath.Join(dir, FileName)}, nil
}

// Order writes an order event.
func (w *Writer) Order(o Order) error {
	var age bool
	switch o.Action {
	case Place:
		age = o.AgeMs != 0
	case Replace, Cancel:
		age = true
	default:
		return fmt.Errorf("order: unknown action %q", o.Action)
	}
	b := w.start("order", o.TMs)
	b = str(b, "action", string(o.Action))
	b = num(b, "latency_ms", o.LatencyMs)
	if age {
		b = num(b, "age_ms", o.AgeMs)
	}
	err := errors.Join(checkT(o.TMs, w.maxT), duration("order: latency_ms", o.LatencyMs, MaxDurationMs),
		duration("order: age_ms", o.AgeMs, MaxAgeMs), o.Annotations.check(true))
	return w.end(b, o.TMs, o.Annotations, err)
}

// Fill writes a fill event.
func (w *Writer) Fill(f Fill) error {
	var err error
	if f.Liquidity != Maker && f.Liquidity != Taker {
		return fmt.Errorf("fill: unknown liquidity %q", f.Liquidity)
	}
	if !(f.Qty > 0 && f.Qty <= math.MaxFloat64) {
		err = errors.Join(err, errors.New("fill: qty must be positive and finite"))
	}
	if !(f.Price > 0 && f.Price <= math.MaxFloat64) {
		err = errors.Join(err, errors.New("fill: price must be positive and finite"))
	}
	b := w.start("fill", f.TMs)
	b = str(b, "liquidity", string(f.Liquidity))
	b = num(b, "qty", f.Qty)
	b = num(b, "price", f.Price)
	for _, c := range [...]struct {
		name string
		v    float64
	}{{"gross_bps", f.GrossBps}, {"fees_bps", f.FeesBps}, {"slippage_bps", f.SlippageBps}, {"adverse_bps", f.AdverseBps}, {"inventory_bps", f.InventoryBps}} {
		if !(math.Abs(c.v) <= MaxBps) {
			err = errors.Join(err, fmt.Errorf("fill: %s %v is not within ±%d bps", c.name, c.v, MaxBps))
		}
		if c.v != 0 {
			b = num(b, c.name, c.v)
		}
	}
	switch {
	case f.Liquidity == Taker && f.FeesBps > 0:
		err = errors.Join(err, fmt.Errorf("fill: fees_bps %v is positive on a taker fill: a fee is a cost and is negative", f.FeesBps))
	case f.FeesBps > MaxMakerRebateBps:
		err = errors.Join(err, fmt.Errorf("fill: fees_bps %v is above the largest maker rebate (+%d bps): a fee is a cost and is negative", f.FeesBps, MaxMakerRebateBps))
	}
	if f.Liquidity == Maker || f.AgeMs != 0 {
		b = num(b, "age_ms", f.AgeMs)
	}
	err = errors.Join(err, checkT(f.TMs, w.maxT), duration("fill: age_ms", f.AgeMs, MaxAgeMs), f.Annotations.check(true))
	return w.end(b, f.TMs, f.Annotations, err)
}

// Block writes a block event.
func (w *Writer) Block(k Block) error {
	switch k.Reason {
	case MinInterval, Concurrency, Risk, Throttle:
	default:
		return fmt.Errorf("block: unknown reason %q", k.Reason)
	}
	b := w.start("block", k.TMs)
	b = str(b, "reason", string(k.Reason))
	return w.end(b, k.TMs, k.Annotations, errors.Join(checkT(k.TMs, w.maxT), k.Annotations.check(true)))
}

// WS writes a market-data lag sample.
func (w *Writer) WS(x WS) error {
	b := w.start("ws", x.TMs)
	b = num(b, "lag_ms", x.LagMs)
	a := Annotations{Symbol: x.Symbol}
	return w.end(b, x.TMs, a, errors.Join(checkT(x.TMs, w.maxT), duration("ws: lag_ms", x.LagMs, MaxDurationMs), a.check(false)))
}

// EffectiveParams writes the effective_params record: the parameters the
// bot runs with, read back from its own configuration, under the flat key
// names of runtime_overrides.json ("engine.concurrency_limit"). Keys are
// written sorted.
func (w *Writer) EffectiveParams(tMs int64, params map[string]float64) error {
	if len(params) == 0 || len(params) > 1024 {
		return fmt.Errorf("effective_params: want 1 to 1024 parameters, got %d", len(params))
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b := w.start("effective_params", tMs)
	b = append(b, `,"params":{`...)
	var err error
	for i, k := range keys {
		v := params[k]
		if len(k) == 0 || len(k) > 256 || !utf8.ValidString(k) || hasControl(k) {
			err = errors.Join(err, fmt.Errorf("effective_params: key %q: want 1 to 256 bytes of UTF-8 without control characters", k))
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			err = errors.Join(err, fmt.Errorf("effective_params: %s is not finite", k))
			continue
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = AppendFloat(b, v)
	}
	b = append(b, '}')
	return w.end(b, tMs, Annotations{}, errors.Join(err, checkT(tMs, w.maxT)))
}

// Flush writes the buffered lines.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if len(w.buf) > 0 {
		_, w.err = w.w.Write(w.buf)
		w.buf = w.buf[:0]
	}
	return w.err
}

// Close flushes, and for a Writer from Create syncs the file and renames
// it to events.jsonl; on error the temporary file is removed.
func (w *Writer) Close() error {
	err := w.Flush()
	if w.f == nil || w.closed {
		return err
	}
	w.closed = true
	if err == nil {
		err = w.f.Chmod(0o644) // CreateTemp makes it 0600
	}
	if err == nil {
		err = w.f.Sync()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(w.f.Name(), w.path)
	}
	if err != nil {
		os.Remove(w.f.Name())
	}
	return err
}

// Abort removes a Create Writer's temporary file unless Close has
// succeeded; use it in a defer.
func (w *Writer) Abort() {
	if w.f != nil && !w.closed {
		w.closed = true
		w.f.Close()
		os.Remove(w.f.Name())
	}
}

const flushAt = 64 << 10

func (w *Writer) start(kind string, t int64) []byte {
	b := append(w.buf, `{"kind":"`...)
	b = append(b, kind...)
	b = append(b, `","t_ms":`...)
	return strconv.AppendInt(b, t, 10)
}

// end completes the line in b, or takes it back on err.
func (w *Writer) end(b []byte, t int64, a Annotations, err error) error {
	if w.err != nil {
		return w.err
	}
	if err != nil {
		w.buf = b[:len(w.buf)]
		return err
	}
	if a.Symbol != "" {
		b = append(b, `,"symbol":`...)
		b = appendString(b, a.Symbol)
	}
	if a.Side != "" {
		b = append(b, `,"side":`...)
		b = appendString(b, a.Side)
	}
	if a.OrderID != "" {
		b = append(b, `,"order_id":`...)
		b = appendString(b, a.OrderID)
	}
	w.buf = append(b, "}\n"...)
	w.maxT = max(w.maxT, t)
	if len(w.buf) >= flushAt {
		return w.Flush()
	}
	return nil
}

func checkT(t, maxT int64) error {
	switch {
	case t < 0:
		return fmt.Errorf("t_ms %d is negative", t)
	case t > MaxTMs:
		return fmt.Errorf("t_ms %d is more than seven days after the start of the iteration: t_ms counts from the start, not from the epoch", t)
	case t < maxT-OrderToleranceMs:
		return fmt.Errorf("t_ms %d goes back more than %d ms before t_ms %d of an earlier event", t, OrderToleranceMs, maxT)
	}
	return nil
}

func duration(name string, v, limit float64) error {
	if !(v >= 0 && v <= limit) {
		return fmt.Errorf("%s %v is not within [0, %v]", name, v, limit)
	}
	return nil
}

func (a Annotations) check(sideOK bool) error {
	var err error
	for _, f := range [...]struct{ name, v string }{{"symbol", a.Symbol}, {"order_id", a.OrderID}} {
		if len(f.v) > MaxAnnotBytes || !utf8.ValidString(f.v) {
			err = errors.Join(err, fmt.Errorf("%s: want 1 to %d bytes of UTF-8", f.name, MaxAnnotBytes))
		}
	}
	if a.Side != "" && (!sideOK || a.Side != "buy" && a.Side != "sell") {
		err = errors.Join(err, fmt.Errorf("side %q: want \"buy\" or \"sell\" (order, fill and block only)", a.Side))
	}
	return err
}

func num(b []byte, key string, v float64) []byte {
	b = append(b, `,"`...)
	b = append(b, key...)
	b = append(b, `":`...)
	return AppendFloat(b, v)
}

// str appends the field key with the string v, which needs no escaping
// (one of the contract's names).
func str(b []byte, key, v string) []byte {
	b = append(b, `,"`...)
	b = append(b, key...)
	b = append(b, `":"`...)
	b = append(b, v...)
	return append(b, '"')
}

// AppendFloat appends the shortest decimal that reads back as v, formatted
// as encoding/json formats a float64 (v must be finite): a number as
// events.jsonl spells it.
func AppendFloat(b []byte, v float64) []byte {
	abs := math.Abs(v)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, v, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 {
			return true
		}
	}
	return false
}

// appendString appends s as a JSON string: quotes, backslashes and control
// characters escaped, everything else as it is (s must be valid UTF-8).
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
