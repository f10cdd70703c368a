package events

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// LineError is a problem with one line of an events stream.
type LineError struct {
	Line int64 // 1-based line number
	Err  error
}

// Error returns "line N: <what>".
func (e *LineError) Error() string {
	return "line " + strconv.FormatInt(e.Line, 10) + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *LineError) Unwrap() error { return e.Err }

// Reader reads events from a JSON Lines stream. It reuses its buffers: in
// steady state reading a line allocates nothing. A Reader is not safe for
// concurrent use.
type Reader struct {
	r          io.Reader
	buf        []byte
	start, end int // unread bytes are buf[start:end]
	line       int64
	rerr       error // error from r, io.EOF at the end
	err        error // sticky error returned by Next
	started    bool  // BOM check done
	scratch    []byte
	maxT       int64 // the largest t_ms so far
}

const readBufSize = 256 << 10

// NewReader returns a Reader reading from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{r: r, buf: make([]byte, readBufSize)}
}

// Line returns the number of the line the last event came from (or of the
// line the error is about).
func (rd *Reader) Line() int64 { return rd.line }

// Next reads the next event into *e, overwriting all its fields. It returns
// io.EOF at the end of the stream, a *LineError for a bad line, and the
// underlying reader's error wrapped otherwise. After an error every call
// returns the same error.
func (rd *Reader) Next(e *Event) error {
	if rd.err != nil {
		return rd.err
	}
	for {
		line, ok := rd.nextLine()
		if !ok {
			return rd.err
		}
		err := parseLine(line, e, &rd.scratch)
		if err == errEmpty {
			continue
		}
		if err == nil {
			if e.TMs >= rd.maxT { // in order
				rd.maxT = e.TMs
				return nil
			}
			if e.TMs >= rd.maxT-OrderToleranceMs {
				return nil
			}
			err = errBackwards(e.TMs, rd.maxT)
		}
		rd.err = &LineError{Line: rd.line, Err: err}
		return rd.err
	}
}

// nextLine returns the next line without its "\n" (and "\r"), or false
// with rd.err set.
func (rd *Reader) nextLine() ([]byte, bool) {
	for {
		if i := bytes.IndexByte(rd.buf[rd.start:rd.end], '\n'); i >= 0 {
			if i > MaxLineBytes {
				rd.line++
				rd.err = &LineError{Line: rd.line, Err: errTooLong}
				return nil, false
			}
			line := rd.buf[rd.start : rd.start+i]
			rd.start += i + 1
			return rd.take(line), true
		}
		if rd.end-rd.start > MaxLineBytes {
			rd.line++
			rd.err = &LineError{Line: rd.line, Err: errTooLong}
			return nil, false
		}
		if rd.rerr != nil {
			if rd.start < rd.end { // last line without "\n"
				line := rd.buf[rd.start:rd.end]
				rd.start = rd.end
				return rd.take(line), true
			}
			if rd.rerr == io.EOF {
				rd.err = io.EOF
			} else {
				rd.err = fmt.Errorf("read after line %d: %w", rd.line, rd.rerr)
			}
			return nil, false
		}
		rd.fill()
	}
}

func (rd *Reader) take(line []byte) []byte {
	rd.line++
	if !rd.started {
		rd.started = true
		line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line
}

// fill reads more data, making room first.
func (rd *Reader) fill() {
	if rd.start > 0 {
		rd.end = copy(rd.buf, rd.buf[rd.start:rd.end])
		rd.start = 0
	}
	if rd.end == len(rd.buf) {
		nb := make([]byte, 2*len(rd.buf))
		copy(nb, rd.buf[:rd.end])
		rd.buf = nb
	}
	for tries := 0; tries < 100; tries++ {
		n, err := rd.r.Read(rd.buf[rd.end:])
		if n < 0 || n > len(rd.buf)-rd.end {
			rd.rerr = errors.New("invalid read count")
			return
		}
		rd.end += n
		if err != nil {
			rd.rerr = err
			return
		}
		if n > 0 {
			return
		}
	}
	rd.rerr = io.ErrNoProgress
}

// Scan reads every event from r and calls fn for each, in order. The *Event
// passed to fn is reused for the next line: fn must copy it to keep it. Scan
// stops at the first bad line, returning a *LineError ("line N: <what>"), or
// at the first error from fn, returned as "line N: <fn's error>" (wrapped).
// Events are delivered only from lines before a bad line.
func Scan(r io.Reader, fn func(*Event) error) error {
	rd := NewReader(r)
	var e Event
	for {
		if err := rd.Next(&e); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		if err := fn(&e); err != nil {
			return &LineError{Line: rd.line, Err: err}
		}
	}
}

// errBackwards is the error for a line whose t_ms is more than
// OrderToleranceMs before the largest t_ms of the lines before it.
func errBackwards(t, maxT int64) error { return &orderError{t, maxT} }

type orderError struct{ t, maxT int64 }

func (e *orderError) Error() string {
	return "t_ms " + strconv.FormatInt(e.t, 10) + " goes back more than " + strconv.Itoa(OrderToleranceMs) +
		" ms before t_ms " + strconv.FormatInt(e.maxT, 10) + " of an earlier line: write events in time order"
}

var (
	errEmpty   = errors.New("empty line")
	errTooLong = fmt.Errorf("line longer than %d bytes", MaxLineBytes)
)

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

func errAt(what string) error { return errors.New(what) }

// parseLine parses one line into *e. It returns errEmpty for a blank line.
func parseLine(b []byte, e *Event, scratch *[]byte) error {
	*e = Event{}
	if seen, i, ok := canonicalPrefix(b, e); ok { // parseFast, written out: no call per line
		if b[i] == '}' && i == len(b)-1 {
			return check(e, seen)
		}
		if b[i] == ',' {
			return parseMembers(b, skipSpace(b, i+1), e, seen, scratch)
		}
	}
	*e = Event{}
	return parseGeneral(b, e, scratch)
}

// parseFast is parseLine's fast path: a line that starts in the Writer's
// form is read by canonicalPrefix, and members after that form
// (annotations, x_ keys) go through the general parser's member loop. ok
// is false, with *e partly filled, if the line does not start in that
// form. Where ok is true, the result and the error are the general
// parser's (FuzzCanonical checks it): the prefix holds distinct known
// fields with valid values, which the general parser reads the same way.
func parseFast(b []byte, e *Event, scratch *[]byte) (err error, ok bool) {
	seen, i, ok := canonicalPrefix(b, e)
	if !ok {
		return nil, false
	}
	if b[i] == '}' && i == len(b)-1 {
		return check(e, seen), true
	}
	if b[i] == ',' {
		return parseMembers(b, skipSpace(b, i+1), e, seen, scratch), true
	}
	return nil, false
}

// parseGeneral parses any line into *e, which must be zero.
func parseGeneral(b []byte, e *Event, scratch *[]byte) error {
	i := skipSpace(b, 0)
	if i == len(b) {
		return errEmpty
	}
	if b[i] != '{' {
		return errAt("not a JSON object")
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		if i = skipSpace(b, i+1); i != len(b) {
			return errAt("data after the object")
		}
		return check(e, 0)
	}
	return parseMembers(b, i, e, 0, scratch)
}

// parseMembers parses an object's members from b[i] (a member's key) to
// the end of the line into *e, which holds the fields seen so far, and
// checks the event.
func parseMembers(b []byte, i int, e *Event, seen uint32, scratch *[]byte) error {
	for {
		if i >= len(b) {
			return errAt("unexpected end of line in object")
		}
		if b[i] != '"' {
			return errAt("expected a quoted field name")
		}
		key, j, err := parseString(b, i, scratch)
		if err != nil {
			return err
		}
		i = skipSpace(b, j)
		if i >= len(b) || b[i] != ':' {
			return errAt("expected ':' after field name")
		}
		i = skipSpace(b, i+1)
		bit, j, err := parseField(b, i, key, e, scratch)
		if err != nil {
			return err
		}
		if seen&bit != 0 {
			return errAt("duplicate field " + fieldName(bit))
		}
		seen |= bit
		i = skipSpace(b, j)
		if i >= len(b) {
			return errAt("unexpected end of line in object")
		}
		if b[i] == ',' {
			i = skipSpace(b, i+1)
			continue
		}
		if b[i] == '}' {
			i++
			break
		}
		return errAt("expected ',' or '}' after value")
	}
	if i = skipSpace(b, i); i != len(b) {
		return errAt("data after the object")
	}
	return check(e, seen)
}

func check(e *Event, seen uint32) error {
	if seen&fKind == 0 {
		return errAt("missing kind")
	}
	k := kindNames[e.Kind]
	if extra := seen &^ allowed[e.Kind]; extra != 0 {
		return errAt(k + ": field " + fieldName(extra&-extra) + " does not belong to kind " + k)
	}
	if miss := requiredFor(e) &^ seen; miss != 0 {
		return errAt(k + ": missing " + fieldName(miss&-miss))
	}
	// Every non-zero field was seen (*e started zero) and every seen field
	// is allowed, so Validate's field check would pass: check the values.
	return validateValues(e)
}

// parseString parses the JSON string starting at b[i] == '"'. The result
// aliases b or *scratch. It returns the index after the closing quote.
func parseString(b []byte, i int, scratch *[]byte) ([]byte, int, error) {
	start := i + 1
	for j := start; j < len(b); j++ {
		c := b[j]
		if c == '"' {
			return b[start:j], j + 1, nil
		}
		if c == '\\' {
			return parseEscaped(b, start, scratch)
		}
		if c < 0x20 {
			return nil, 0, errAt("control character in string")
		}
	}
	return nil, 0, errAt("unterminated string")
}

func parseEscaped(b []byte, start int, scratch *[]byte) ([]byte, int, error) {
	s := (*scratch)[:0]
	j := start
	for j < len(b) {
		c := b[j]
		switch {
		case c == '"':
			*scratch = s
			return s, j + 1, nil
		case c < 0x20:
			return nil, 0, errAt("control character in string")
		case c != '\\':
			s = append(s, c)
			j++
			continue
		}
		if j+1 >= len(b) {
			return nil, 0, errAt("unterminated string")
		}
		switch b[j+1] {
		case '"', '\\', '/':
			s = append(s, b[j+1])
		case 'b':
			s = append(s, '\b')
		case 'f':
			s = append(s, '\f')
		case 'n':
			s = append(s, '\n')
		case 'r':
			s = append(s, '\r')
		case 't':
			s = append(s, '\t')
		case 'u':
			r, ok := hex4(b, j+2)
			if !ok {
				return nil, 0, errAt("invalid \\u escape in string")
			}
			j += 6
			if utf16.IsSurrogate(r) {
				r2, ok := rune(0), false
				if j+1 < len(b) && b[j] == '\\' && b[j+1] == 'u' {
					r2, ok = hex4(b, j+2)
				}
				dec := utf16.DecodeRune(r, r2)
				if !ok || dec == utf8.RuneError {
					return nil, 0, errAt("lone surrogate in \\u escape in string")
				}
				r = dec
				j += 6
			}
			s = utf8.AppendRune(s, r)
			continue
		default:
			return nil, 0, errAt("invalid escape in string")
		}
		j += 2
	}
	return nil, 0, errAt("unterminated string")
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// parseField parses the value of field key at b[i] into e.
func parseField(b []byte, i int, key []byte, e *Event, scratch *[]byte) (uint32, int, error) {
	var bit uint32
	var dst *float64
	switch string(key) {
	case "kind":
		s, j, err := stringValue(b, i, "kind", scratch)
		if err != nil {
			return 0, 0, err
		}
		switch string(s) {
		case "order":
			e.Kind = KindOrder
		case "fill":
			e.Kind = KindFill
		case "block":
			e.Kind = KindBlock
		case "ws":
			e.Kind = KindWS
		case "effective_params":
			e.Kind = KindParams
		default:
			return 0, 0, errAt("unknown kind " + strconv.Quote(string(s)))
		}
		return fKind, j, nil
	case "action":
		s, j, err := stringValue(b, i, "action", scratch)
		if err != nil {
			return 0, 0, err
		}
		switch string(s) {
		case "place":
			e.Action = ActionPlace
		case "replace":
			e.Action = ActionReplace
		case "cancel":
			e.Action = ActionCancel
		default:
			return 0, 0, errAt("unknown action " + strconv.Quote(string(s)))
		}
		return fAction, j, nil
	case "liquidity":
		s, j, err := stringValue(b, i, "liquidity", scratch)
		if err != nil {
			return 0, 0, err
		}
		switch string(s) {
		case "maker":
			e.Liquidity = Maker
		case "taker":
			e.Liquidity = Taker
		default:
			return 0, 0, errAt("unknown liquidity " + strconv.Quote(string(s)))
		}
		return fLiquidity, j, nil
	case "reason":
		s, j, err := stringValue(b, i, "reason", scratch)
		if err != nil {
			return 0, 0, err
		}
		switch string(s) {
		case "min_interval":
			e.Reason = ReasonMinInterval
		case "concurrency":
			e.Reason = ReasonConcurrency
		case "risk":
			e.Reason = ReasonRisk
		case "throttle":
			e.Reason = ReasonThrottle
		default:
			return 0, 0, errAt("unknown reason " + strconv.Quote(string(s)))
		}
		return fReason, j, nil
	case "params":
		if i >= len(b) || b[i] != '{' {
			return 0, 0, wrongType("params", b, i, "object")
		}
		ps, j, err := parseParams(b, i, scratch)
		if err != nil {
			return 0, 0, err
		}
		e.Params = ps
		return fParams, j, nil
	case "t_ms":
		if i >= len(b) || !(b[i] == '-' || b[i] >= '0' && b[i] <= '9') {
			return 0, 0, wrongType("t_ms", b, i, "integer")
		}
		v, j, ok := parseInt(b, i)
		if !ok {
			// A whole number written as a float ("5.0", "5e3": what
			// Python's json.dumps writes for a float-typed integer).
			var err error
			if v, j, err = parseIntegral(b, i); err != nil {
				return 0, 0, err
			}
		}
		e.TMs = v
		return fT, j, nil
	case "symbol", "order_id":
		bit = fSymbol
		if key[0] == 'o' {
			bit = fOrderID
		}
		name := fieldName(bit)
		if bit == fOrderID && i < len(b) && (b[i] == '-' || b[i] >= '0' && b[i] <= '9') {
			_, j, err := parseNumber(b, i)
			if err != nil {
				return 0, 0, errAt("order_id: " + err.Error())
			}
			return bit, j, nil
		}
		want := "string"
		if bit == fOrderID {
			want = "string or number"
		}
		if i >= len(b) || b[i] != '"' {
			return 0, 0, wrongType(name, b, i, want)
		}
		s, j, err := parseString(b, i, scratch)
		if err != nil {
			return 0, 0, err
		}
		if len(s) == 0 || len(s) > MaxAnnotBytes {
			return 0, 0, errAt(name + ": want 1 to 256 bytes, got " + strconv.Itoa(len(s)))
		}
		return bit, j, nil
	case "side":
		s, j, err := stringValue(b, i, "side", scratch)
		if err != nil {
			return 0, 0, err
		}
		if string(s) != "buy" && string(s) != "sell" {
			return 0, 0, errAt("unknown side " + strconv.Quote(string(s)) + " (want \"buy\" or \"sell\")")
		}
		return fSide, j, nil
	case "latency_ms":
		bit, dst = fLatency, &e.LatencyMs
	case "age_ms":
		bit, dst = fAge, &e.AgeMs
	case "qty":
		bit, dst = fQty, &e.Qty
	case "price":
		bit, dst = fPrice, &e.Price
	case "gross_bps":
		bit, dst = fGross, &e.GrossBps
	case "fees_bps":
		bit, dst = fFees, &e.FeesBps
	case "slippage_bps":
		bit, dst = fSlippage, &e.SlippageBps
	case "adverse_bps":
		bit, dst = fAdverse, &e.AdverseBps
	case "inventory_bps":
		bit, dst = fInventory, &e.InventoryBps
	case "lag_ms":
		bit, dst = fLag, &e.LagMs
	default:
		if len(key) > 2 && key[0] == 'x' && key[1] == '_' {
			// The bot's own extension: any JSON value, carried in the
			// file and ignored.
			name := string(key) // key may alias *scratch, which skipValue reuses
			j, err := skipValue(b, i, 0, scratch)
			if err != nil {
				return 0, 0, errAt(strconv.Quote(name) + ": " + err.Error())
			}
			return 0, j, nil
		}
		return 0, 0, errAt("unknown field " + strconv.Quote(string(key)) + " (a bot's own fields start with x_)")
	}
	if i >= len(b) || !(b[i] == '-' || b[i] >= '0' && b[i] <= '9') {
		return 0, 0, wrongType(fieldName(bit), b, i, "number")
	}
	v, j, err := parseNumber(b, i)
	if err != nil {
		return 0, 0, errAt(fieldName(bit) + ": " + err.Error())
	}
	*dst = v
	return bit, j, nil
}

func stringValue(b []byte, i int, field string, scratch *[]byte) ([]byte, int, error) {
	if i >= len(b) || b[i] != '"' {
		return nil, 0, wrongType(field, b, i, "string")
	}
	return parseString(b, i, scratch)
}

func wrongType(field string, b []byte, i int, want string) error {
	got := "invalid value"
	if i >= len(b) {
		got = "end of line"
	} else {
		switch c := b[i]; {
		case c == '"':
			got = "string"
		case c == '-' || c >= '0' && c <= '9':
			got = "number"
		case c == '{':
			got = "object (nested values are not allowed)"
		case c == '[':
			got = "array (nested values are not allowed)"
		case bytes.HasPrefix(b[i:], []byte("true")) || bytes.HasPrefix(b[i:], []byte("false")):
			got = "boolean"
		case bytes.HasPrefix(b[i:], []byte("null")):
			got = "null"
		case bytes.HasPrefix(b[i:], []byte("NaN")) || bytes.HasPrefix(b[i:], []byte("Infinity")):
			got = "NaN or Infinity (not allowed)"
		}
	}
	return errAt(field + ": want " + want + ", got " + got)
}

// MaxAnnotBytes is the longest symbol or order_id string.
const MaxAnnotBytes = 256

// maxExtDepth is how deeply an extension value may nest.
const maxExtDepth = 32

// skipValue checks the JSON value at b[i] and returns the index after it.
func skipValue(b []byte, i, depth int, scratch *[]byte) (int, error) {
	if i >= len(b) {
		return 0, errAt("unexpected end of line")
	}
	switch c := b[i]; {
	case c == '"':
		_, j, err := parseString(b, i, scratch)
		return j, err
	case c == '-' || c >= '0' && c <= '9':
		_, j, err := parseNumber(b, i)
		return j, err
	case c == '{' || c == '[':
		if depth >= maxExtDepth {
			return 0, errAt("nested more than 32 deep")
		}
		end := byte('}')
		if c == '[' {
			end = ']'
		}
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == end {
			return i + 1, nil
		}
		for {
			if c == '{' {
				if i >= len(b) || b[i] != '"' {
					return 0, errAt("expected a quoted member name")
				}
				_, j, err := parseString(b, i, scratch)
				if err != nil {
					return 0, err
				}
				i = skipSpace(b, j)
				if i >= len(b) || b[i] != ':' {
					return 0, errAt("expected ':' after member name")
				}
				i = skipSpace(b, i+1)
			}
			j, err := skipValue(b, i, depth+1, scratch)
			if err != nil {
				return 0, err
			}
			i = skipSpace(b, j)
			if i < len(b) && b[i] == ',' {
				i = skipSpace(b, i+1)
				continue
			}
			if i < len(b) && b[i] == end {
				return i + 1, nil
			}
			return 0, errAt("expected ',' or '" + string(end) + "'")
		}
	case bytes.HasPrefix(b[i:], []byte("true")):
		return i + 4, nil
	case bytes.HasPrefix(b[i:], []byte("false")):
		return i + 5, nil
	case bytes.HasPrefix(b[i:], []byte("null")):
		return i + 4, nil
	}
	return 0, errAt("invalid value")
}

// parseIntegral parses a JSON number at b[i] that must be a whole number
// in int64 range, however it is written ("5", "5.0", "5e3").
func parseIntegral(b []byte, i int) (int64, int, error) {
	f, j, err := parseNumber(b, i)
	if err != nil {
		return 0, 0, errAt("t_ms: " + err.Error())
	}
	if f != math.Trunc(f) {
		return 0, 0, errAt("t_ms: " + string(b[i:j]) + " is not a whole number of milliseconds")
	}
	if !(f >= -(1<<63) && f < 1<<63) {
		return 0, 0, errAt("t_ms: not an integer in int64 range")
	}
	return int64(f), j, nil
}

// load8 returns the 8 bytes at b[i:], i <= len(b), as a little-endian
// word, and how many of them are in b; ok is false if they are not within
// b's capacity. Bytes past len(b) are read (slicing up to the capacity is
// legal) but digitRun never counts them.
func load8(b []byte, i int) (w uint64, in int, ok bool) {
	if cap(b)-i < 8 {
		return 0, 0, false
	}
	return binary.LittleEndian.Uint64(b[i : i+8 : cap(b)]), len(b) - i, true
}

// digitRun returns the value of the run of decimal digits at the start of
// the 8 bytes w (the first in the lowest byte), of which only the first in
// count, and the number n of its digits (8 when the run may go on).
func digitRun(w uint64, in int) (v uint64, n int) {
	x := w ^ 0x3030303030303030 // '0'..'9' become 0..9
	n = bits.TrailingZeros64(nonDigits(x, in)) >> 3
	// Move the n digits to the top: the bytes shifted in are leading zeros.
	return eightDigits(x << (8 * uint(8-n))), n
}

// nonDigits returns the high bit of each byte of x (8 bytes xor '0') that
// is not a digit: a byte above 9 (its low 7 bits + 0x76 cannot carry into
// the next byte) or with its high bit set; and of every byte from in on.
func nonDigits(x uint64, in int) uint64 {
	return ((x&0x7f7f7f7f7f7f7f7f+0x7676767676767676)|x)&0x8080808080808080 | 0x8080808080808080<<(8*uint(min(in, 8)))
}

// eightDigits returns the 8-digit number whose digits (0..9, the most
// significant in the lowest byte) are the bytes of x, with three
// multiplications: two digits, four, eight at a time.
func eightDigits(x uint64) uint64 {
	x = (x * (10<<8 + 1)) >> 8 & 0x00ff00ff00ff00ff
	x = (x * (100<<16 + 1)) >> 16 & 0x0000ffff0000ffff
	return (x * (10000<<32 + 1)) >> 32
}

var pow10u = [...]uint64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8}

// parseInt parses a JSON integer (no fraction or exponent) at b[i].
func parseInt(b []byte, i int) (int64, int, bool) {
	neg := false
	if b[i] == '-' {
		neg = true
		i++
	}
	// Up to 15 digits in two loads; longer numbers and the error cases
	// (leading zero, a fraction or exponent following) take the loop.
	if w, in, ok := load8(b, i); ok {
		v, n := digitRun(w, in)
		if n == 0 || n > 1 && b[i] == '0' {
			goto slow
		}
		j := i + n
		if n == 8 {
			w, in, ok := load8(b, j)
			if !ok {
				goto slow
			}
			u, m := digitRun(w, in)
			if m == 8 {
				goto slow
			}
			v = v*pow10u[m] + u
			j += m
		}
		if j < len(b) && (b[j] == '.' || b[j] == 'e' || b[j] == 'E') {
			return 0, 0, false
		}
		if neg {
			return -int64(v), j, true
		}
		return int64(v), j, true
	}
slow:
	if i >= len(b) || b[i] < '0' || b[i] > '9' {
		return 0, 0, false
	}
	start := i
	var u uint64
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		if u > (math.MaxUint64-9)/10 {
			return 0, 0, false
		}
		u = u*10 + uint64(b[i]-'0')
	}
	if b[start] == '0' && i-start > 1 {
		return 0, 0, false // leading zero
	}
	if i < len(b) && (b[i] == '.' || b[i] == 'e' || b[i] == 'E') {
		return 0, 0, false
	}
	if neg {
		if u > 1<<63 {
			return 0, 0, false
		}
		return -int64(u), i, true
	}
	if u > math.MaxInt64 {
		return 0, 0, false
	}
	return int64(u), i, true
}

// appendDigits appends the run of decimal digits at b[i:] to mant (which
// wraps past 19 digits) and returns the index after the run.
func appendDigits(b []byte, i int, mant uint64) (int, uint64) {
	for ; i < len(b); i++ {
		d := b[i] - '0'
		if d > 9 {
			break
		}
		mant = mant*10 + uint64(d)
	}
	return i, mant
}

var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

var (
	errNumSyntax = errors.New("invalid number")
	errNumRange  = errors.New("number out of float64 range")
)

// parseNumber parses a JSON number at b[i] and returns its value and the
// index after it. A number whose digits (all of them, leading zeros
// included) are at most 19 and make a mantissa below 2^53, with a decimal
// exponent in [-22, 22], is converted exactly with one float operation
// (both operands are exact, so the result is correctly rounded, like
// strconv.ParseFloat); the rest go through strconv.ParseFloat.
//
// The common path has few data-dependent branches: the sign is applied
// without one (a bot's costs are negative or positive at random), and a
// leading "0" goes through the digit loop like any digit (a cost is "0.x"
// or "1.x" at random), the grammar's "0" before more digits being handled
// after it.
func parseNumber(b []byte, i int) (float64, int, error) {
	if i >= len(b) {
		return 0, 0, errNumSyntax
	}
	start := i
	var neg uint64
	if b[i] == '-' {
		neg = 1
	}
	i += int(neg)
	// The common form "d+.d+" within 8 bytes, read without a
	// data-dependent branch (a loop over the digits exits at a length that
	// varies): a mask of the non-digits (digitRun's) finds the '.' and the
	// end, a shift drops the '.', and digitRun's three multiplications make
	// the digits an integer. A number that may go on past the 8 bytes, a
	// leading "0" followed by a digit, an exponent and all errors take the
	// byte loop below.
	if w, in, ok := load8(b, i); ok {
		x := w ^ 0x3030303030303030 // '0'..'9' become 0..9
		nd := nonDigits(x, in)
		n := bits.TrailingZeros64(nd) >> 3 // integer digits, then the '.'
		if n > 0 && n < min(in, 7) && byte(w>>(8*n)) == '.' && (n == 1 || byte(w) != '0') {
			j := bits.TrailingZeros64(nd&^(1<<(8*n+8)-1)) >> 3 // the byte after the fraction
			if k := j - n - 1; k > 0 && j < 8 && (j == in || byte(w>>(8*j))|0x20 != 'e') {
				lo := uint64(1)<<(8*n) - 1
				x = x&lo | x>>8&^lo                    // the fraction moves down over the '.'
				m := eightDigits(x << (8 * uint(9-j))) // the j-1 digits at the top; < 10^6: exact, as is 10^k
				f := float64(int64(m)) / pow10[k]
				return math.Float64frombits(math.Float64bits(f) | neg<<63), i + j, nil
			}
		}
	}
	var mant uint64 // wraps past 19 digits, but then nd > 19 and it is not used
	// Integer part: "0" or a non-zero digit and more digits.
	is := i
	i, mant = appendDigits(b, i, mant)
	nd := i - is // digits in mant, leading zeros included
	if nd == 0 {
		return 0, 0, errNumSyntax
	}
	if nd > 1 && b[is] == '0' { // "01": the number is the "0", what follows is the caller's
		i, mant, nd = is+1, 0, 1
	}
	exp := 0
	if i < len(b) && b[i] == '.' {
		i++
		fs := i
		i, mant = appendDigits(b, i, mant)
		if i == fs {
			return 0, 0, errNumSyntax
		}
		nd += i - fs
		exp = fs - i
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		eneg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			eneg = b[i] == '-'
			i++
		}
		es := i
		e := 0
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			if e < 10000 {
				e = e*10 + int(b[i]-'0')
			}
		}
		if i == es {
			return 0, 0, errNumSyntax
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	if nd <= 19 && mant < 1<<53 && exp >= -22 && exp <= 22 {
		f := float64(int64(mant)) // exact: mant < 2^53
		if exp < 0 {
			f /= pow10[-exp]
		} else {
			f *= pow10[exp]
		}
		return math.Float64frombits(math.Float64bits(f) | neg<<63), i, nil // f >= 0: or-ing the sign negates it
	}
	f, err := strconv.ParseFloat(string(b[start:i]), 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, 0, errNumRange
	}
	return f, i, nil
}
