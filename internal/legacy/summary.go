package legacy

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/soakline/soakline/pkg/artifact"
)

// IterationSummary reads an ITER_SUMMARY file of either format: ours
// strictly, the toolkit's leniently, converted to ours (Mode "legacy",
// Legacy set; the envelope is set so that a later stage can re-encode it).
func IterationSummary(file string, data []byte) (*artifact.IterationSummary, error) {
	if env, err := PeekEnvelope(file, data); err != nil {
		return nil, err
	} else if env.Kind != "" {
		return artifact.DecodeIterationSummary(file, data)
	}
	return summary(file, sanitize(data))
}

// legacySummaryKPIs maps legacy summary keys onto Summary fields.
var legacySummaryKPIs = []string{
	"maker_taker_ratio", "p95_latency_ms", "risk_ratio", "net_bps", "gross_bps", "fees_eff_bps",
	"slippage_bps", "adverse_bps", "inventory_bps", "adverse_bps_p95", "slippage_bps_p95",
	"cancel_ratio", "order_age_p95_ms", "ws_lag_p95_ms", "maker_share_pct",
}

// summary converts a legacy ITER_SUMMARY (sanitized: clean) to ours.
func summary(file string, clean []byte) (*artifact.IterationSummary, error) {
	m, err := object(file, clean)
	if err != nil {
		return nil, err
	}
	fail := func(key string, err error) error {
		return &artifact.Error{File: file, Line: artifact.KeyLine(clean, key), Err: fmt.Errorf("%s: %w", key, err)}
	}
	// The envelope is set so that a legacy summary re-encoded by a later
	// stage is a valid artifact of ours; Legacy keeps where it came from.
	s := &artifact.IterationSummary{SchemaVersion: artifact.SchemaVersion, Kind: artifact.KindIterationSummary, Mode: artifact.ModeLegacy, Status: artifact.StatusOK, File: file, Legacy: true}
	n, ok, err := num(m["iteration"])
	if err != nil {
		return nil, fail("iteration", err)
	}
	if !ok || n != math.Trunc(n) || n < 1 || n > math.MaxInt32 {
		return nil, &artifact.Error{File: file, Line: artifact.KeyLine(clean, "iteration"), Err: fmt.Errorf("iteration: want a positive integer")}
	}
	s.Iteration = int(n)

	sum, _ := m["summary"].(map[string]any)
	if m["summary"] != nil && sum == nil {
		return nil, fail("summary", fmt.Errorf("want an object, got %s", typeName(m["summary"])))
	}
	for _, key := range legacySummaryKPIs {
		v, ok, err := num(sum[key])
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
		var fl artifact.Fills
		fl.MakerCount = int64(float(f, "maker_count", "maker_fills"))
		fl.TakerCount = int64(float(f, "taker_count", "taker_fills"))
		fl.MakerVolume = float(f, "maker_volume")
		fl.TakerVolume = float(f, "taker_volume")
		s.Summary.Fills = &fl
	}
	if ts, ok := sum["runtime_utc"].(string); ok {
		s.StartedAt = ts
	}
	if t, ok := m["tuning"].(map[string]any); ok {
		tu, err := tuning(file, clean, t)
		if err != nil {
			return nil, err
		}
		tu.Iteration = s.Iteration
		s.Tuning = tu
	}
	return s, nil
}

func float(m map[string]any, keys ...string) float64 {
	for _, k := range keys {
		if v, ok, err := num(m[k]); err == nil && ok && finite(v) {
			return v
		}
	}
	return 0
}

// tuning reads a legacy tuning record or TUNING_REPORT entry.
// skip_reason comes as "", a string or an object of guard flags.
func tuning(file string, data []byte, t map[string]any) (*artifact.Tuning, error) {
	tu := &artifact.Tuning{ProposedDeltas: map[string]float64{}}
	if n, ok, _ := num(t["iteration"]); ok {
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
			f, ok, err := num(d[k])
			if err != nil {
				return nil, &artifact.Error{File: file, Line: artifact.KeyLine(data, k), Err: fmt.Errorf("proposed_deltas.%s: %w", k, err)}
			}
			// A non-finite delta proposes nothing that could be applied or
			// verified, and could not be written back: like null, it is
			// missing.
			if ok && finite(f) {
				tu.ProposedDeltas[k] = artifact.Round(f)
			}
		}
	} else if deltas != nil {
		return nil, &artifact.Error{File: file, Line: artifact.KeyLine(data, "proposed_deltas"), Err: fmt.Errorf("proposed_deltas: want an object, got %s", typeName(deltas))}
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
		if b, _ := t[flag.key].(bool); b && !slices.Contains(tu.Guards, flag.guard) {
			tu.Guards = append(tu.Guards, flag.guard)
		}
	}
	sort.Strings(tu.Guards)
	return tu, nil
}
