package legacy

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// Overrides reads runtime_overrides.json of either format: ours strictly;
// the toolkit's leniently: every numeric leaf becomes a dotted key
// ("engine.concurrency_limit"), anything else (strings, lists, null,
// non-finite numbers, keys our envelope reserves) is listed in Ignored.
func Overrides(file string, data []byte) (*artifact.Overrides, error) {
	if env, err := PeekEnvelope(file, data); err != nil {
		return nil, err
	} else if env.Kind != "" {
		return decodeOverrides(file, data)
	}
	clean := sanitize(data)
	m, err := object(file, clean)
	if err != nil {
		return nil, err
	}
	o := &artifact.Overrides{Params: map[string]float64{}, Legacy: true}
	var walk func(prefix string, m map[string]any) error
	walk = func(prefix string, m map[string]any) error {
		// In key order: with several bad keys, the error names the same
		// one every time.
		for _, k := range slices.Sorted(maps.Keys(m)) {
			key := prefix + k
			if sub, ok := m[k].(map[string]any); ok && !(prefix == "" && reserved(k)) {
				if err := walk(key+".", sub); err != nil {
					return err
				}
				continue
			}
			f, ok, err := num(m[k])
			if err != nil || !ok || !finite(f) || prefix == "" && reserved(k) {
				o.Ignored = append(o.Ignored, key)
				continue
			}
			// {"a.b": 1, "a": {"b": 2}} names one parameter twice.
			if _, dup := o.Params[key]; dup {
				return &fileerr.Error{File: file, Line: fileerr.KeyLine(clean, k), Err: fmt.Errorf("%s: given twice (as a dotted key and inside a section)", key)}
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

// reserved reports whether a top-level key spells our envelope's
// "schema_version" or "kind" in any case.
func reserved(key string) bool {
	return strings.EqualFold(key, "schema_version") || strings.EqualFold(key, "kind")
}
