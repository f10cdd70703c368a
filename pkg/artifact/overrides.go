package artifact

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
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
	Params  map[string]float64
	Legacy  bool     // read from a file without an envelope (internal/legacy)
	Ignored []string // legacy keys that held no number, skipped
}

// MarshalJSON writes the envelope, then the parameters as nested objects
// with sorted keys.
func (o Overrides) MarshalJSON() ([]byte, error) {
	root := map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(o.Params)) {
		v := o.Params[k]
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("override %s: non-finite value", k)
		}
		if strings.EqualFold(k, "schema_version") || strings.EqualFold(k, "kind") {
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
		m[last] = decimal(v)
	}
	body, err := json.Marshal(root) // map keys sorted
	if err != nil {
		return nil, err
	}
	head := fmt.Sprintf("{\"schema_version\":%d,\"kind\":%q", SchemaVersion, KindRuntimeOverrides)
	if len(root) > 0 {
		head += ","
	}
	return append([]byte(head), body[1:]...), nil
}

// A decimal is a parameter value written in plain decimals, never with
// an exponent: 0.0000001, not 1e-07.
type decimal float64

// MarshalJSON writes d in plain decimals.
func (d decimal) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, float64(d), 'f', -1, 64), nil
}
