package legacy

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// decodeSummary decodes an ITER_SUMMARY file of ours strictly and
// validates it: the reading of ours behind IterationSummary.
func decodeSummary(file string, data []byte) (*artifact.IterationSummary, error) {
	// Decoded first, the envelope judged after: the peek Decode starts
	// with is only needed to explain an error (a wrong kind before its
	// unknown fields).
	s := new(artifact.IterationSummary)
	if json.Unmarshal(artifact.TrimBOM(data), s, json.RejectUnknownMembers(true)) != nil || artifact.Header(s.Kind).Check(artifact.KindIterationSummary) != nil || s.SchemaVersion != artifact.SchemaVersion {
		*s = artifact.IterationSummary{}
		if err := artifact.Decode(file, data, artifact.KindIterationSummary, s); err != nil {
			return nil, err
		}
	}
	if err := validateSummary(s); err != nil {
		return nil, &fileerr.Error{File: file, Err: err}
	}
	s.File = file
	return s, nil
}

// validateSummary checks what JSON types cannot: a positive iteration
// number, a known status and a consistent adoption record.
func validateSummary(s *artifact.IterationSummary) error {
	if s.Iteration < 1 {
		return fmt.Errorf("iteration must be >= 1, got %d", s.Iteration)
	}
	switch s.Status {
	case artifact.StatusOK, artifact.StatusFailed:
	default:
		return fmt.Errorf("status must be %q or %q, got %q", artifact.StatusOK, artifact.StatusFailed, s.Status)
	}
	if a := s.Adoption; a != nil {
		if s.Status != artifact.StatusOK {
			return fmt.Errorf("adoption: only an iteration with status %q has one", artifact.StatusOK)
		}
		return validateAdoption(a)
	}
	return nil
}

// validateAdoption checks an adoption record: a known status that agrees
// with the counts and the mismatches, sorted by key.
func validateAdoption(a *artifact.Adoption) error {
	switch {
	case a.Keys < 0 || a.Records < 0:
		return fmt.Errorf("adoption: keys and records must be >= 0")
	case a.Status == artifact.AdoptionAdopted || a.Status == artifact.AdoptionMismatch:
		if a.Records < 1 {
			return fmt.Errorf("adoption: status %q needs at least one record", a.Status)
		}
		if (a.Status == artifact.AdoptionMismatch) != (len(a.Mismatches) > 0) {
			return fmt.Errorf("adoption: status %q with %d mismatches", a.Status, len(a.Mismatches))
		}
	case a.Status == artifact.AdoptionUnreported:
		if a.Records != 0 || len(a.Mismatches) > 0 {
			return fmt.Errorf("adoption: status %q with records or mismatches", a.Status)
		}
	default:
		return fmt.Errorf("adoption: status must be %q, %q or %q, got %q", artifact.AdoptionAdopted, artifact.AdoptionMismatch, artifact.AdoptionUnreported, a.Status)
	}
	if len(a.Mismatches) > a.Keys {
		return fmt.Errorf("adoption: %d mismatches among %d keys", len(a.Mismatches), a.Keys)
	}
	for i, m := range a.Mismatches {
		if m.Key == "" {
			return fmt.Errorf("adoption: mismatches[%d]: empty key", i)
		}
		if i > 0 && a.Mismatches[i-1].Key >= m.Key {
			return fmt.Errorf("adoption: mismatches must be sorted by key, each key once")
		}
	}
	return nil
}

// decodeOverrides decodes runtime_overrides.json of ours strictly: besides
// the envelope it holds numbers, nested in sections, and nothing else.
func decodeOverrides(file string, data []byte) (*artifact.Overrides, error) {
	var m map[string]any
	if err := artifact.Decode(file, data, artifact.KindRuntimeOverrides, &m); err != nil {
		return nil, err
	}
	o := &artifact.Overrides{Params: map[string]float64{}}
	fail := func(k, format string, args ...any) error {
		return &fileerr.Error{File: file, Line: fileerr.KeyLine(data, k), Err: fmt.Errorf(format, args...)}
	}
	var walk func(prefix string, m map[string]any) error
	walk = func(prefix string, m map[string]any) error {
		// In key order: with several bad keys, the error names the same
		// one every time.
		for _, k := range slices.Sorted(maps.Keys(m)) {
			key := prefix + k
			switch v := m[k].(type) {
			case map[string]any:
				if err := walk(key+".", v); err != nil {
					return err
				}
				continue
			case float64:
				if strings.Contains(k, ".") {
					// Ours nests sections as objects; a dotted JSON key
					// would clash with them ({"a": 1, "a.b": 2}).
					return fail(k, "%q: a key of runtime_overrides cannot contain \".\"; nest it in a section", key)
				}
				if prefix == "" && reserved(k) {
					if k == "schema_version" {
						continue
					}
					return fail(k, "%q: reserved key", key)
				}
				o.Params[key] = v
			case string:
				if prefix == "" && k == "kind" {
					continue
				}
				// Echo the string only when it is a quoted number: any
				// other may be a credential, and errors reach stderr.
				if _, err := strconv.ParseFloat(v, 64); err == nil && len(v) <= 32 {
					return fail(k, "%s: want a number, got string %q", key, v)
				}
				return fail(k, "%s: want a number, got a string of %d bytes", key, len(v))
			default:
				return fail(k, "%s: want a number, got %s", key, typeName(v))
			}
		}
		return nil
	}
	if err := walk("", m); err != nil {
		return nil, err
	}
	return o, nil
}
