package events

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/soakline/soakline/pkg/botevents"
)

// Param is one parameter of an effective_params record: a key in the
// flat, dotted spelling of runtime_overrides.json ("min_interval_ms",
// "engine.concurrency_limit") and the value the system under test ran with.
type Param struct {
	Key   string
	Value float64
}

// Limits of an effective_params record.
const (
	MaxParams        = 1024 // parameters in one record
	MaxParamKeyBytes = 256  // bytes of one key
)

// ParamsOf returns m as the Params of an effective_params event: sorted by
// key.
func ParamsOf(m map[string]float64) []Param {
	out := make([]Param, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, Param{Key: k, Value: m[k]})
	}
	return out
}

// ParamsMap returns the parameters as a map.
func ParamsMap(ps []Param) map[string]float64 {
	m := make(map[string]float64, len(ps))
	for _, p := range ps {
		m[p.Key] = p.Value
	}
	return m
}

func validateParams(ps []Param) error {
	const k = "effective_params: "
	switch {
	case len(ps) == 0:
		return errors.New(k + "params must hold at least one parameter")
	case len(ps) > MaxParams:
		return errors.New(k + "more than " + strconv.Itoa(MaxParams) + " params")
	}
	for i, p := range ps {
		if !validParamKey(p.Key) {
			return errors.New(k + "params: key " + strconv.Quote(p.Key) + " must be 1 to " + strconv.Itoa(MaxParamKeyBytes) +
				" bytes of UTF-8 without control characters")
		}
		if !(math.Abs(p.Value) <= math.MaxFloat64) {
			return errors.New(k + "params: " + strconv.Quote(p.Key) + " is not finite")
		}
		if i > 0 {
			switch c := strings.Compare(ps[i-1].Key, p.Key); {
			case c == 0:
				return errors.New(k + "params: duplicate key " + strconv.Quote(p.Key))
			case c > 0:
				return errors.New(k + "params must be sorted by key (see ParamsOf)")
			}
		}
	}
	return nil
}

func validParamKey(s string) bool {
	if len(s) == 0 || len(s) > MaxParamKeyBytes || !utf8.ValidString(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return false
		}
	}
	return true
}

// parseParams parses the object at b[i] == '{' of a params member. It
// returns the parameters sorted by key; check finds duplicates and bad keys.
func parseParams(b []byte, i int, scratch *[]byte) ([]Param, int, error) {
	i = skipSpace(b, i+1)
	var ps []Param
	if i < len(b) && b[i] == '}' {
		return ps, i + 1, nil
	}
	for {
		if i >= len(b) {
			return nil, 0, errAt("params: unexpected end of line in object")
		}
		if b[i] != '"' {
			return nil, 0, errAt("params: expected a quoted parameter name")
		}
		key, j, err := parseString(b, i, scratch)
		if err != nil {
			return nil, 0, errAt("params: " + err.Error())
		}
		name := "params: " + strconv.Quote(string(key))
		i = skipSpace(b, j)
		if i >= len(b) || b[i] != ':' {
			return nil, 0, errAt(name + ": expected ':' after the parameter name")
		}
		i = skipSpace(b, i+1)
		if i >= len(b) || !(b[i] == '-' || b[i] >= '0' && b[i] <= '9') {
			return nil, 0, wrongType(name, b, i, "number")
		}
		v, j, err := parseNumber(b, i)
		if err != nil {
			return nil, 0, errAt(name + ": " + err.Error())
		}
		if len(ps) == MaxParams {
			return nil, 0, errAt("effective_params: more than " + strconv.Itoa(MaxParams) + " params")
		}
		ps = append(ps, Param{Key: string(key), Value: v})
		i = skipSpace(b, j)
		if i >= len(b) {
			return nil, 0, errAt("params: unexpected end of line in object")
		}
		if b[i] == ',' {
			i = skipSpace(b, i+1)
			continue
		}
		if b[i] == '}' {
			break
		}
		return nil, 0, errAt("params: expected ',' or '}' after value")
	}
	slices.SortStableFunc(ps, func(a, b Param) int { return strings.Compare(a.Key, b.Key) })
	return ps, i + 1, nil
}

// appendParams appends the params member's object.
func appendParams(b []byte, ps []Param) []byte {
	b = append(b, '{')
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, p.Key)
		b = append(b, ':')
		b = botevents.AppendFloat(b, p.Value)
	}
	return append(b, '}')
}

// appendString appends s as a JSON string; s is valid UTF-8 without
// control characters (validParamKey), so only '"' and '\' need escapes.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			b = append(b, '\\', c)
		} else {
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// ReadParams returns the effective_params events of the stream r, in
// stream order (none: an empty slice and nil).
//
// It is meant for a stream that Scan or ScanBatches has read without error,
// and reads only what it needs: it searches each chunk of the stream for
// "params" and for backslashes — every effective_params line has one or
// the other, since its kind is spelled either literally or with an escape
// — and parses only the lines where they occur, so the other lines cost a
// memory scan and a bad line of another kind is not reported here. A
// candidate line that does not parse is a *LineError, as in Scan, with the
// same line number (the order of t_ms is not checked here); a read error is
// "read after line N: <error>".
func ReadParams(r io.Reader) ([]Event, error) { return readParams(r, DefaultChunkSize) }

// readParams is ReadParams reading chunks of size bytes (tests use small
// ones to cut lines across chunks).
func readParams(r io.Reader, size int) ([]Event, error) {
	cr := &chunkReader{r: r, size: size}
	out := []Event{}
	var e Event
	var scratch, buf []byte
	var base int64 // lines before the chunk
	for first := true; ; first = false {
		chunk, last := cr.next(buf)
		buf = chunk
		if last && len(chunk) > MaxLineBytes && bytes.IndexByte(chunk, '\n') < 0 {
			return nil, &LineError{Line: base + 1, Err: errTooLong}
		}
		var err error
		if out, err = paramsInChunk(chunk, first, base, out, &e, &scratch); err != nil {
			return nil, err
		}
		base += int64(bytes.Count(chunk, newline))
		if last {
			if n := len(chunk); n > 0 && chunk[n-1] != '\n' {
				base++ // a last line without "\n"
			}
			if err := cr.finalErr(base); err != nil {
				return nil, err
			}
			return out, nil
		}
	}
}

// paramsInChunk appends to out the effective_params events of the lines of
// chunk (the stream's first chunk if first; base lines before it) that hold
// "params" or a backslash.
func paramsInChunk(chunk []byte, first bool, base int64, out []Event, e *Event, scratch *[]byte) ([]Event, error) {
	var lines int64 // newlines in chunk[:counted]
	counted := 0
	nextWord, nextEsc := -1, -1 // next candidate positions at or after i, -1 unknown
	for i := 0; i < len(chunk); {
		if nextWord < i {
			if j := bytes.Index(chunk[i:], paramsWord); j >= 0 {
				nextWord = i + j
			} else {
				nextWord = len(chunk)
			}
		}
		if nextEsc < i {
			if j := bytes.IndexByte(chunk[i:], '\\'); j >= 0 {
				nextEsc = i + j
			} else {
				nextEsc = len(chunk)
			}
		}
		pos := min(nextWord, nextEsc)
		if pos == len(chunk) {
			break
		}
		start := bytes.LastIndexByte(chunk[:pos], '\n') + 1
		end := len(chunk)
		if j := bytes.IndexByte(chunk[pos:], '\n'); j >= 0 {
			end = pos + j
		}
		lines += int64(bytes.Count(chunk[counted:start], newline))
		counted = start
		line := chunk[start:end]
		i = end + 1
		if len(line) > MaxLineBytes {
			return out, &LineError{Line: base + lines + 1, Err: errTooLong}
		}
		line = trimLine(line, first && start == 0)
		if err := parseLine(line, e, scratch); err != nil {
			if err == errEmpty {
				continue
			}
			return out, &LineError{Line: base + lines + 1, Err: err}
		}
		if e.Kind == KindParams {
			out = append(out, *e)
		}
	}
	return out, nil
}

var (
	paramsWord = []byte("params")
	newline    = []byte("\n")
)
