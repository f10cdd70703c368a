package artifact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The Python toolkit's json.dump writes NaN, Infinity and -Infinity
// literals, which are not JSON. sanitizeLegacy rewrites them (outside
// strings) into strings so that the document parses, and the lenient
// readers below turn those strings back into non-finite numbers that the
// gate reports as data errors.
func sanitizeLegacy(data []byte) []byte {
	return ReplaceNonFinite(TrimBOM(data), `"NaN"`, `"Infinity"`, `"-Infinity"`)
}

// ReplaceNonFinite rewrites the NaN, Infinity and -Infinity literals the
// Python toolkit's json.dump writes outside strings into nan, inf and ninf
// (e.g. `"NaN"` to keep them as strings, or null to read them as missing),
// so that a JSON decoder reads the document. data is returned as is when
// it holds no such literal.
func ReplaceNonFinite(data []byte, nan, inf, ninf string) []byte {
	if !bytes.Contains(data, []byte("NaN")) && !bytes.Contains(data, []byte("Infinity")) {
		return data
	}
	var out bytes.Buffer
	inStr, esc := false, false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if inStr {
			out.WriteByte(c)
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		}
		switch {
		case c == '"':
			inStr = true
			out.WriteByte(c)
		case bytes.HasPrefix(data[i:], []byte("NaN")):
			out.WriteString(nan)
			i += len("NaN") - 1
		case bytes.HasPrefix(data[i:], []byte("-Infinity")):
			out.WriteString(ninf)
			i += len("-Infinity") - 1
		case bytes.HasPrefix(data[i:], []byte("Infinity")):
			out.WriteString(inf)
			i += len("Infinity") - 1
		default:
			out.WriteByte(c)
		}
	}
	return out.Bytes()
}

// decodeLegacyObject parses a legacy document into a generic object.
func decodeLegacyObject(file string, data []byte) (map[string]any, error) {
	clean := sanitizeLegacy(data)
	dec := json.NewDecoder(bytes.NewReader(clean))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, jsonError(file, clean, err)
	}
	if err := trailing(file, clean, dec); err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &Error{File: file, Line: 1, Err: fmt.Errorf("want a JSON object, got %s", jsonTypeName(v))}
	}
	return m, nil
}

func jsonTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// legacyNum reads a lenient number: JSON numbers, null (missing), and the
// strings NaN/Infinity/-Infinity that sanitizeLegacy produced.
func legacyNum(v any) (f float64, ok bool, err error) {
	switch x := v.(type) {
	case nil:
		return 0, false, nil
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return 0, false, fmt.Errorf("number %s out of range", x)
		}
		return f, true, nil
	case string:
		switch x {
		case "NaN":
			return math.NaN(), true, nil
		case "Infinity":
			return math.Inf(1), true, nil
		case "-Infinity":
			return math.Inf(-1), true, nil
		}
		// Echo the string only when it is a quoted number: any other
		// string may be a credential (an api key where a number belongs)
		// and errors reach every stage's stderr.
		if _, err := strconv.ParseFloat(x, 64); err == nil && len(x) <= 32 {
			return 0, false, fmt.Errorf("want a number, got string %q", x)
		}
		return 0, false, fmt.Errorf("want a number, got a string of %d bytes", len(x))
	case bool:
		return 0, false, fmt.Errorf("want a number, got a boolean")
	}
	return 0, false, fmt.Errorf("want a number, got %s", jsonTypeName(v))
}

// legacySummaryKPIs maps legacy summary keys onto Summary fields.
var legacySummaryKPIs = []string{
	"maker_taker_ratio", "p95_latency_ms", "risk_ratio", "net_bps", "gross_bps", "fees_eff_bps",
	"slippage_bps", "adverse_bps", "inventory_bps", "adverse_bps_p95", "slippage_bps_p95",
	"cancel_ratio", "order_age_p95_ms", "ws_lag_p95_ms", "maker_share_pct",
}

func decodeLegacySummary(file string, data []byte) (*IterationSummary, error) {
	if s, ok := legacySummaryFast(file, sanitizeLegacy(data)); ok {
		return s, nil
	}
	return decodeLegacySummaryGeneral(file, data)
}

// decodeLegacySummaryGeneral reads a legacy summary through a generic tree;
// it explains what legacySummaryFast leaves.
func decodeLegacySummaryGeneral(file string, data []byte) (*IterationSummary, error) {
	m, err := decodeLegacyObject(file, data)
	if err != nil {
		return nil, err
	}
	clean := sanitizeLegacy(data)
	fail := func(key string, err error) error {
		return &Error{File: file, Line: lineOfKey(clean, key), Err: fmt.Errorf("%s: %w", key, err)}
	}
	// The envelope is set so that a legacy summary re-encoded by a later
	// stage is a valid artifact of ours; Legacy keeps where it came from.
	s := &IterationSummary{SchemaVersion: SchemaVersion, Kind: KindIterationSummary, Mode: ModeLegacy, Status: StatusOK, File: file, Legacy: true}
	n, ok, err := legacyNum(m["iteration"])
	if err != nil {
		return nil, fail("iteration", err)
	}
	if !ok || n != math.Trunc(n) || n < 1 || n > math.MaxInt32 {
		return nil, &Error{File: file, Line: lineOfKey(clean, "iteration"), Err: fmt.Errorf("iteration: want a positive integer")}
	}
	s.Iteration = int(n)

	sum, _ := m["summary"].(map[string]any)
	if m["summary"] != nil && sum == nil {
		return nil, fail("summary", fmt.Errorf("want an object, got %s", jsonTypeName(m["summary"])))
	}
	for _, key := range legacySummaryKPIs {
		v, ok, err := legacyNum(sum[key])
		if err != nil {
			return nil, fail(key, err)
		}
		if ok {
			s.Summary.SetKPI(key, v)
		}
	}
	if src, ok := sum["maker_taker_source"].(string); ok {
		s.Summary.MakerTakerSource = src
		// The Python toolkit filled a missing ratio with made-up defaults
		// (0.6 "fallback", 0.8 "mock_default"); they were never measured.
		if src == "fallback" || src == "mock_default" {
			s.Summary.MakerTakerRatio = nil
		}
	}
	// The Python toolkit wrote p95_latency_ms = 0.0 when the edge report had
	// none; no real order flow has a p95 latency of zero.
	if s.Summary.P95LatencyMs != nil && *s.Summary.P95LatencyMs == 0 {
		s.Summary.P95LatencyMs = nil
	}
	if f, ok := sum["fills"].(map[string]any); ok {
		var fl Fills
		fl.MakerCount = int64(legacyFloat(f, "maker_count", "maker_fills"))
		fl.TakerCount = int64(legacyFloat(f, "taker_count", "taker_fills"))
		fl.MakerVolume = legacyFloat(f, "maker_volume")
		fl.TakerVolume = legacyFloat(f, "taker_volume")
		s.Summary.Fills = &fl
	}
	if ts, ok := sum["runtime_utc"].(string); ok {
		s.StartedAt = ts
	}
	if t, ok := m["tuning"].(map[string]any); ok {
		tu, err := legacyTuning(file, clean, t)
		if err != nil {
			return nil, err
		}
		tu.Iteration = s.Iteration
		s.Tuning = tu
	}
	return s, nil
}

func legacyFloat(m map[string]any, keys ...string) float64 {
	for _, k := range keys {
		if v, ok, err := legacyNum(m[k]); err == nil && ok && !math.IsNaN(v) && !math.IsInf(v, 0) {
			return v
		}
	}
	return 0
}

// legacyTuning reads a legacy tuning record or TUNING_REPORT entry.
// skip_reason comes as "", a string or an object of guard flags.
func legacyTuning(file string, data []byte, t map[string]any) (*Tuning, error) {
	tu := &Tuning{ProposedDeltas: map[string]float64{}}
	if n, ok, _ := legacyNum(t["iteration"]); ok {
		tu.Iteration = int(n)
	}
	deltas := t["proposed_deltas"]
	if deltas == nil {
		deltas = t["deltas"]
	}
	if deltas == nil {
		deltas = t["suggested_deltas"]
	}
	if d, ok := deltas.(map[string]any); ok {
		for _, k := range slices.Sorted(maps.Keys(d)) { // one error, the same every time
			f, ok, err := legacyNum(d[k])
			if err != nil {
				return nil, &Error{File: file, Line: lineOfKey(data, k), Err: fmt.Errorf("proposed_deltas.%s: %w", k, err)}
			}
			// A non-finite delta proposes nothing that could be applied or
			// verified, and could not be written back: like null, it is
			// missing.
			if ok && !math.IsNaN(f) && !math.IsInf(f, 0) {
				tu.ProposedDeltas[k] = Round(f)
			}
		}
	} else if deltas != nil {
		return nil, &Error{File: file, Line: lineOfKey(data, "proposed_deltas"), Err: fmt.Errorf("proposed_deltas: want an object, got %s", jsonTypeName(deltas))}
	}
	tu.Applied, _ = t["applied"].(bool)
	if keys, ok := t["changed_keys"].([]any); ok {
		for _, k := range keys {
			if s, ok := k.(string); ok {
				tu.ChangedKeys = append(tu.ChangedKeys, s)
			}
		}
	}
	switch r := t["rationale"].(type) {
	case string:
		// The toolkit joined its reasons with " | ".
		for _, part := range strings.Split(r, " | ") {
			if part = strings.TrimSpace(part); part != "" {
				tu.Rationale = append(tu.Rationale, part)
			}
		}
	case []any:
		for _, x := range r {
			if s, ok := x.(string); ok {
				tu.Rationale = append(tu.Rationale, s)
			}
		}
	}
	tu.OldHash, _ = t["old_hash"].(string)
	tu.StateHash, _ = t["state_hash"].(string)
	if tu.StateHash == "" {
		if sig, ok := t["signature"].(string); ok && sig != "na" {
			tu.StateHash = sig
		}
	}
	switch r := t["skip_reason"].(type) {
	case string:
		tu.SkipReason = r
	case map[string]any:
		// {cooldown, velocity, oscillation, freeze, no_op: bool, note}.
		// no_op is not a guard: nothing was held back, the proposal changed
		// nothing; its note ("no effective change") is the reason.
		var guards []string
		for _, g := range []string{"cooldown", "freeze", "oscillation", "velocity"} {
			if b, _ := r[g].(bool); b {
				guards = append(guards, g)
			}
		}
		tu.Guards = guards
		tu.SkipReason = strings.Join(guards, ",")
		note, _ := r["note"].(string)
		if tu.SkipReason == "" {
			tu.SkipReason = note
		}
		if b, _ := r["no_op"].(bool); b && tu.SkipReason == "" {
			tu.SkipReason = "no_op"
		}
	}
	for _, flag := range []struct{ key, guard string }{
		{"oscillation_detected", "oscillation"}, {"velocity_violation", "velocity"},
		{"cooldown_active", "cooldown"}, {"freeze_triggered", "freeze"},
	} {
		if b, _ := t[flag.key].(bool); b && !contains(tu.Guards, flag.guard) {
			tu.Guards = append(tu.Guards, flag.guard)
		}
	}
	sort.Strings(tu.Guards)
	return tu, nil
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
