package artifact

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Overrides is runtime_overrides.json: the parameters the system under test
// runs with. Keys are canonical dotted paths: a flat key such as
// "min_interval_ms" sits at the top level of the file, where the bot reads
// it, and "engine.concurrency_limit" is the key concurrency_limit inside the
// "engine" object. Values are numbers.
//
// The file carries schema_version and kind first, then the parameters
// (sorted); a bot that reads only the parameter keys it knows ignores both.
type Overrides struct {
	Params map[string]float64
	Legacy bool // read from a file without an envelope
	// Ignored lists legacy keys that held no number and were skipped.
	Ignored []string
}

// Keys returns the parameter keys in sorted order.
func (o *Overrides) Keys() []string {
	keys := make([]string, 0, len(o.Params))
	for k := range o.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// MarshalJSON writes the envelope, then the parameters as nested objects
// with sorted keys and two-space indentation.
func (o Overrides) MarshalJSON() ([]byte, error) {
	root := map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(o.Params)) {
		v := o.Params[k]
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("override %s: non-finite value", k)
		}
		if isEnvelopeKey(k) {
			return nil, fmt.Errorf("override key %q is reserved", k)
		}
		parts := strings.Split(k, ".")
		m := root
		for _, p := range parts[:len(parts)-1] {
			sub, ok := m[p].(map[string]any)
			if !ok {
				if _, clash := m[p]; clash {
					return nil, fmt.Errorf("override %s: %s is both a value and a section", k, p)
				}
				sub = map[string]any{}
				m[p] = sub
			}
			m = sub
		}
		last := parts[len(parts)-1]
		if _, clash := m[last].(map[string]any); clash {
			return nil, fmt.Errorf("override %s: is both a value and a section", k)
		}
		m[last] = v
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "{\"schema_version\":%d,\"kind\":%q", SchemaVersion, KindRuntimeOverrides)
	if err := writeObjectBody(&buf, root, len(root) > 0); err != nil {
		return nil, err
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func writeObjectBody(buf *bytes.Buffer, m map[string]any, leadingComma bool) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		if i > 0 || leadingComma {
			buf.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		buf.Write(kb)
		buf.WriteByte(':')
		switch v := m[k].(type) {
		case float64:
			buf.WriteString(strconv.FormatFloat(v, 'f', -1, 64))
		case map[string]any:
			buf.WriteByte('{')
			if err := writeObjectBody(buf, v, false); err != nil {
				return err
			}
			buf.WriteByte('}')
		}
	}
	return nil
}

// Encode returns the file bytes of o (indented, trailing newline).
func (o Overrides) Encode() ([]byte, error) { return Marshal(o) }

// Hash returns the sha256 (hex) of data, the overrides' "state hash".
func Hash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// DecodeOverrides reads runtime_overrides.json of either format. Ours must
// hold only numbers besides the envelope; a legacy file (no envelope) is
// read leniently: every numeric leaf becomes a dotted key, anything else is
// listed in Ignored.
func DecodeOverrides(file string, data []byte) (*Overrides, error) {
	env, err := PeekEnvelope(file, data)
	if err != nil {
		return nil, err
	}
	legacy := env.Kind == ""
	if !legacy {
		if err := env.check(KindRuntimeOverrides); err != nil {
			return nil, &Error{File: file, Line: lineOfKey(TrimBOM(data), "kind"), Err: err}
		}
	}
	m, err := decodeLegacyObject(file, data)
	if err != nil {
		return nil, err
	}
	o := &Overrides{Params: map[string]float64{}, Legacy: legacy}
	clean := sanitizeLegacy(data)
	var walk func(prefix string, m map[string]any) error
	walk = func(prefix string, m map[string]any) error {
		// In key order: with several bad keys, the error names the same
		// one every time.
		for _, k := range slices.Sorted(maps.Keys(m)) {
			v := m[k]
			key := prefix + k
			if !legacy && strings.Contains(k, ".") {
				// Ours nests sections as objects; a dotted JSON key would
				// clash with them ({"a": 1, "a.b": 2} cannot be written).
				return &Error{File: file, Line: lineOfKey(clean, k), Err: fmt.Errorf("%q: a key of runtime_overrides cannot contain \".\"; nest it in a section", key)}
			}
			if prefix == "" && isEnvelopeKey(k) {
				// The envelope, or in a legacy file a key our envelope
				// reserves.
				if legacy {
					o.Ignored = append(o.Ignored, key)
				}
				continue
			}
			if sub, ok := v.(map[string]any); ok {
				if err := walk(key+".", sub); err != nil {
					return err
				}
				continue
			}
			f, ok, err := legacyNum(v)
			if err == nil && ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
				err = fmt.Errorf("non-finite value")
			}
			if err != nil || !ok {
				if legacy {
					o.Ignored = append(o.Ignored, key)
					continue
				}
				if err == nil {
					err = fmt.Errorf("want a number, got null")
				}
				return &Error{File: file, Line: lineOfKey(clean, k), Err: fmt.Errorf("%s: %w", key, err)}
			}
			// {"a.b": 1, "a": {"b": 2}} names one parameter twice; which
			// one won depended on map order.
			if _, dup := o.Params[key]; dup {
				return &Error{File: file, Line: lineOfKey(clean, k), Err: fmt.Errorf("%s: given twice (as a dotted key and inside a section)", key)}
			}
			o.Params[key] = f
		}
		return nil
	}
	if err := walk("", m); err != nil {
		return nil, err
	}
	sort.Strings(o.Ignored)
	return o, nil
}

// isEnvelopeKey reports whether encoding/json, which matches field names
// case-insensitively, would read key as "schema_version" or "kind".
func isEnvelopeKey(key string) bool {
	return strings.EqualFold(key, "schema_version") || strings.EqualFold(key, "kind")
}
