package legacy

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/go-json-experiment/json"

	"github.com/soakline/soakline/internal/kpi"
	"github.com/soakline/soakline/pkg/artifact"
)

// nonFinite marks a NaN or Infinity literal replaced by a string before
// decoding (ReplaceNonFinite writes it as the escape \u0000); it starts
// with NUL so no real string collides with it.
const nonFinite = "\u0000"

// EdgeReport reads the legacy Python toolkit's (extended)
// EDGE_REPORT.json into a Summary, leniently:
//
//   - The KPIs are read from the object "totals" (or "total"): net_bps,
//     adverse_bps_p95, slippage_bps_p95, cancel_ratio, order_age_p95_ms,
//     ws_lag_p95_ms, maker_share_pct, p95_latency_ms. Other members
//     (neg_edge_drivers, symbols, runtime, ...) are ignored.
//   - fills {maker_count|maker_fills, taker_count|taker_fills, maker_volume,
//     taker_volume} gives Fills and maker_taker_ratio: by volume when both
//     volumes are present with a positive sum (source fills_volume), else by
//     count when both counts are present with a positive sum (fills_count),
//     else missing. There is no default ratio.
//   - block_reasons {REASON: {count, ratio}} gives Blocks (from the counts)
//     and risk_ratio = block_reasons.risk.ratio, divided by 100 if it is
//     above 1 (a percentage); without that ratio, risk count / total count
//     when the total is positive. That is the legacy risk blocks / blocks,
//     not risk_ratio's risk-limit hits per attempted action: the report
//     has no order count to convert it. It is kept as recorded; it is never
//     below the per-action value of the same run, so a level on the
//     per-action scale judges it more strictly, never less.
//   - component_breakdown {gross_bps, fees_eff_bps, slippage_bps,
//     adverse_bps, inventory_bps, net_bps} stores costs as positive numbers:
//     fees, slippage and adverse are negated, gross and inventory kept, so
//     the signed components add up to net. net_bps comes from totals.net_bps,
//     else component_breakdown.net_bps, else the sum of the five components
//     when all are present. When the reported net does not match the sum
//     (at 4 decimals), or the two reported nets differ, the reported
//     (totals) net_bps is kept and a warning says so.
//
// Missing members and nulls stay missing (nil). A member of the wrong type
// is an error naming it ("totals.cancel_ratio: want number, got string").
// NaN, Infinity and -Infinity literals, which Python's json.dump writes but
// JSON does not allow, are accepted by the parser but are an error for the
// KPI that holds them ("totals.net_bps: non-finite value NaN"): a non-finite
// KPI is not a measurement, and treating it as missing would hide a broken
// report. A UTF-8 byte order mark and CRLF line ends are tolerated. Values
// are rounded to kpi.Decimals like computed KPIs.
func EdgeReport(data []byte) (artifact.Summary, []string, error) {
	var s artifact.Summary
	clean := ReplaceNonFinite(artifact.TrimBOM(data), `"\u0000NaN"`, `"\u0000Infinity"`, `"\u0000-Infinity"`)
	var root any
	if err := json.Unmarshal(clean, &root); err != nil {
		return s, nil, fmt.Errorf("edge report: %w", artifact.JSONError("", clean, err))
	}
	top, ok := root.(map[string]any)
	if !ok {
		return s, nil, fmt.Errorf("edge report: want an object, got %s", edgeTypeName(root))
	}
	tv, path := top["totals"], "totals"
	if tv == nil {
		tv, path = top["total"], "total"
	}
	if tv == nil {
		return s, nil, errors.New("edge report: no totals object")
	}
	totals, err := edgeObject(tv, path)
	if err != nil {
		return s, nil, err
	}
	r := reader{path: path}
	for _, f := range []struct {
		key string
		dst **float64
	}{
		{"adverse_bps_p95", &s.AdverseBpsP95},
		{"slippage_bps_p95", &s.SlippageBpsP95},
		{"cancel_ratio", &s.CancelRatio},
		{"order_age_p95_ms", &s.OrderAgeP95Ms},
		{"ws_lag_p95_ms", &s.WSLagP95Ms},
		{"maker_share_pct", &s.MakerSharePct},
		{"p95_latency_ms", &s.P95LatencyMs},
	} {
		*f.dst = r.num(totals, f.key)
	}
	net := r.num(totals, "net_bps")
	var warnings []string

	// fills
	if fo := r.obj(totals, "fills"); fo != nil {
		fr := reader{path: path + ".fills", err: r.err}
		mc, mcKey := fr.firstNum(fo, "maker_count", "maker_fills")
		tc, tcKey := fr.firstNum(fo, "taker_count", "taker_fills")
		mv := fr.num(fo, "maker_volume")
		tvol := fr.num(fo, "taker_volume")
		r.err = fr.err
		mci, tci := fr.count(mc, mcKey), fr.count(tc, tcKey)
		if r.err == nil {
			r.err = fr.err
		}
		if mc != nil || tc != nil || mv != nil || tvol != nil {
			s.Fills = &artifact.Fills{MakerCount: mci, TakerCount: tci, MakerVolume: val(mv), TakerVolume: val(tvol)}
		}
		switch {
		case mv != nil && tvol != nil && *mv+*tvol > 0:
			s.MakerTakerRatio = edgeRound(*mv / (*mv + *tvol))
			s.MakerTakerSource = "fills_volume"
		case mc != nil && tc != nil && *mc+*tc > 0:
			s.MakerTakerRatio = edgeRound(*mc / (*mc + *tc))
			s.MakerTakerSource = "fills_count"
		}
	}

	// block reasons
	if bo := r.obj(totals, "block_reasons"); bo != nil {
		br := reader{path: path + ".block_reasons", err: r.err}
		var b artifact.Blocks
		hasCounts := false
		var riskRatio *float64
		for _, rs := range []struct {
			key string
			dst *int64
		}{{"min_interval", &b.MinInterval}, {"concurrency", &b.Concurrency}, {"risk", &b.Risk}, {"throttle", &b.Throttle}} {
			ro := br.obj(bo, rs.key)
			if ro == nil {
				continue
			}
			rr := reader{path: br.path + "." + rs.key, err: br.err}
			if c := rr.num(ro, "count"); c != nil {
				*rs.dst = rr.count(c, "count")
				hasCounts = true
			}
			if rs.key == "risk" {
				riskRatio = rr.num(ro, "ratio")
			}
			br.err = rr.err
		}
		r.err = br.err
		b.Total = b.MinInterval + b.Concurrency + b.Risk + b.Throttle
		if hasCounts {
			s.Blocks = &b
		}
		switch {
		case riskRatio != nil:
			v := *riskRatio
			if v > 1 {
				v /= 100
			}
			s.RiskRatio = edgeRound(v)
		case hasCounts && b.Total > 0:
			s.RiskRatio = edgeRound(float64(b.Risk) / float64(b.Total))
		}
	}

	// component breakdown
	if co := r.obj(totals, "component_breakdown"); co != nil {
		cr := reader{path: path + ".component_breakdown", err: r.err}
		comps := []struct {
			key  string
			sign float64
			dst  **float64
		}{
			{"gross_bps", 1, &s.GrossBps},
			{"fees_eff_bps", -1, &s.FeesBps},
			{"slippage_bps", -1, &s.SlippageBps},
			{"adverse_bps", -1, &s.AdverseBps},
			{"inventory_bps", 1, &s.InventoryBps},
		}
		var c [5]float64
		all := true
		for i, cp := range comps {
			v := cr.num(co, cp.key)
			if v == nil {
				all = false
				continue
			}
			c[i] = cp.sign * *v
			*cp.dst = edgeRound(c[i])
		}
		cnet := cr.num(co, "net_bps")
		r.err = cr.err
		if net != nil && cnet != nil && kpi.Round(*net) != kpi.Round(*cnet) {
			warnings = append(warnings, fmt.Sprintf("%s.net_bps %s differs from %s.component_breakdown.net_bps %s; keeping %s.net_bps",
				path, fmtF(*net), path, fmtF(*cnet), path))
		}
		if net == nil {
			net = cnet
		}
		if all {
			_, _, _, _, _, sum := kpi.Components(c)
			switch {
			case sum == nil: // components overflow: nothing to check or derive
			case net == nil:
				net = sum
			case kpi.Round(*net) != *sum:
				warnings = append(warnings, fmt.Sprintf("component_breakdown does not add up to net_bps: components sum to %s, reported net_bps %s; keeping the reported net_bps",
					fmtF(*sum), fmtF(kpi.Round(*net))))
			}
		}
	}
	if net != nil {
		s.NetBps = edgeRound(*net)
	}
	for _, p := range []**float64{&s.AdverseBpsP95, &s.SlippageBpsP95, &s.CancelRatio, &s.OrderAgeP95Ms, &s.WSLagP95Ms, &s.MakerSharePct, &s.P95LatencyMs} {
		if *p != nil {
			*p = edgeRound(**p)
		}
	}
	if r.err != nil {
		return artifact.Summary{}, nil, r.err
	}
	return s, warnings, nil
}

func fmtF(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

func val(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

// reader reads typed members of objects under path, keeping the first error.
type reader struct {
	path string
	err  error
}

func (r *reader) fail(key, what string) {
	if r.err == nil {
		r.err = fmt.Errorf("edge report: %s.%s: %s", r.path, key, what)
	}
}

// num returns the number member key of o, nil if missing or null.
func (r *reader) num(o map[string]any, key string) *float64 {
	v, ok := o[key]
	if !ok || v == nil {
		return nil
	}
	switch v := v.(type) {
	case float64:
		return &v
	case string:
		if len(v) > 0 && v[:1] == nonFinite {
			r.fail(key, "non-finite value "+v[1:])
			return nil
		}
	}
	r.fail(key, "want number, got "+edgeTypeName(v))
	return nil
}

func (r *reader) firstNum(o map[string]any, keys ...string) (*float64, string) {
	for _, k := range keys {
		if v := r.num(o, k); v != nil {
			return v, k
		}
	}
	return nil, keys[0]
}

// count converts a present count to int64, failing unless it is a
// non-negative integer.
func (r *reader) count(v *float64, key string) int64 {
	if v == nil {
		return 0
	}
	if *v < 0 || *v != math.Trunc(*v) || *v > 1<<53 {
		r.fail(key, "want a non-negative integer count, got "+fmtF(*v))
		return 0
	}
	return int64(*v)
}

// obj returns the object member key of o, nil if missing or null.
func (r *reader) obj(o map[string]any, key string) map[string]any {
	v, ok := o[key]
	if !ok || v == nil {
		return nil
	}
	m, err := edgeObject(v, r.path+"."+key)
	if err != nil {
		if r.err == nil {
			r.err = err
		}
		return nil
	}
	return m
}

func edgeObject(v any, path string) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("edge report: %s: want object, got %s", path, edgeTypeName(v))
	}
	return m, nil
}

func edgeTypeName(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		return "number"
	case string:
		if len(v) > 0 && v[:1] == nonFinite {
			return "non-finite number " + v[1:]
		}
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// edgeRound rounds a KPI as internal/kpi rounds the KPIs it computes.
func edgeRound(x float64) *float64 { return artifact.F(kpi.Round(x)) }
