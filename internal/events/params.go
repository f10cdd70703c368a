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
		b = AppendFloat(b, p.Value)
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
// and reads only what it needs: a line is parsed when it contains
// "params" or a backslash — every effective_params line does, since its
// kind is spelled either literally or with an escape — and skipped
// unparsed otherwise, so a bad line of another kind is not reported here.
// A candidate line that does not parse is a *LineError, as in Scan.
func ReadParams(r io.Reader) ([]Event, error) {
	rd := NewReader(r)
	out := []Event{}
	var e Event
	for {
		line, ok := rd.nextLine()
		if !ok {
			if rd.err == io.EOF {
				return out, nil
			}
			return nil, rd.err
		}
		if !bytes.Contains(line, paramsWord) && bytes.IndexByte(line, '\\') < 0 {
			continue
		}
		if err := parseLine(line, &e, &rd.scratch); err != nil {
			if err == errEmpty {
				continue
			}
			return nil, &LineError{Line: rd.line, Err: err}
		}
		if e.Kind == KindParams {
			out = append(out, e)
		}
	}
}

var paramsWord = []byte("params")
