package artifact

import (
	"encoding/json"
	"errors"
	"strings"
)

var errHead = errors.New("top level is not a well-formed JSON object")

// scanHead walks the top level of the JSON object in data and returns the
// raw values of its "kind" and "schema_version" keys (nil when absent). It
// skips nested values without building them and without validating them
// fully: the decoder that follows does that. It fails when the top level is
// not an object it can walk.
func scanHead(data []byte) (kind, ver []byte, err error) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil, nil, errHead
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return nil, nil, nil
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return nil, nil, errHead
		}
		end, esc := scanString(data, i)
		if end < 0 {
			return nil, nil, errHead
		}
		key := data[i+1 : end-1]
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return nil, nil, errHead
		}
		i = skipSpace(data, i+1)
		vend := skipValue(data, i)
		if vend < 0 {
			return nil, nil, errHead
		}
		switch headKey(key, esc) {
		case "kind":
			kind = data[i:vend]
		case "schema_version":
			ver = data[i:vend]
		}
		i = skipSpace(data, vend)
		if i >= len(data) {
			return nil, nil, errHead
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			// What follows the object is the decoder's to judge.
			return kind, ver, nil
		default:
			return nil, nil, errHead
		}
	}
}

// headKey returns "kind" or "schema_version" when key matches one of them
// the way encoding/json matches field names, else "".
func headKey(key []byte, escaped bool) string {
	// The longest spelling is every letter as a \uXXXX escape.
	if len(key) > 6*len("schema_version") {
		return ""
	}
	k := string(key)
	if escaped {
		var s string
		if json.Unmarshal(append(append([]byte{'"'}, key...), '"'), &s) != nil {
			return ""
		}
		k = s
	}
	switch {
	case strings.EqualFold(k, "kind"):
		return "kind"
	case strings.EqualFold(k, "schema_version"):
		return "schema_version"
	}
	return ""
}

func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// scanString returns the offset after the string starting at data[i] (a
// quote) and whether it holds escapes; -1 when it does not end.
func scanString(data []byte, i int) (int, bool) {
	esc := false
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			esc = true
			j++
		case '"':
			return j + 1, esc
		}
	}
	return -1, esc
}

// skipValue returns the offset after the value starting at data[i], or -1.
// Nested objects and arrays are skipped by bracket depth; strings are
// honoured so that brackets inside them do not count.
func skipValue(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '"':
		end, _ := scanString(data, i)
		return end
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				end, _ := scanString(data, j)
				if end < 0 {
					return -1
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	// A literal: number, true, false, null (or a legacy NaN/Infinity).
	j := i
	for j < len(data) {
		switch data[j] {
		case ',', '}', ']', ' ', '\t', '\r', '\n', '{', '[', '"', ':':
			if j == i {
				return -1
			}
			return j
		}
		j++
	}
	if j == i {
		return -1
	}
	return j
}
