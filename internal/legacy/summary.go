package legacy

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/go-json-experiment/json"
	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// IterationSummary reads an ITER_SUMMARY file of either format: ours
// strictly, the toolkit's leniently, converted to ours (Mode "legacy",
// Legacy set; the envelope is set so that a later stage can re-encode it).
func IterationSummary(file string, data []byte) (*artifact.IterationSummary, error) {
	// A file without "kind" (unescaped or escaped) is the toolkit's; ours,
	// the usual case at 100,000 files a soak, pays for one look at the
	// envelope.
	if !containsKind(data) && !bytes.Contains(data, []byte(`\u`)) {
		return summary(file, sanitize(data))
	}
	s, err := decodeSummary(file, data)
	if err == nil {
		return s, nil
	}
	if env, perr := PeekEnvelope(file, data); perr != nil {
		return nil, perr
	} else if env.Kind != "" {
		return nil, err
	}
	return summary(file, sanitize(data))
}

// containsKind is bytes.Contains(data, []byte(`"kind"`)), faster on the
// toolkit's files: bytes.Index looks for the pattern's first byte, a quote,
// which starts every other token of a JSON file, and fell back to comparing
// at every position (0.12 s of CPU at 100,000 legacy summaries, none of
// which has the pattern); 'k' is rarer.
func containsKind(data []byte) bool {
	for i := 1; i < len(data); {
		j := bytes.IndexByte(data[i:], 'k')
		if j < 0 {
			return false
		}
		i += j
		if data[i-1] == '"' && bytes.HasPrefix(data[i:], []byte(`kind"`)) {
			return true
		}
		i++
	}
	return false
}

// summaryDoc is the part of a legacy ITER_SUMMARY that is read; the
// decoder skips the rest without building it (a summary's "blocks",
// "neg_edge_drivers", ... are most of its bytes).
type summaryDoc struct {
	Iteration any            `json:"iteration"`
	Summary   jsontext.Value `json:"summary"`
	Tuning    jsontext.Value `json:"tuning"`
}

// tuningDoc is the part of a legacy tuning record or ledger entry that is
// read.
type tuningDoc struct {
	Iteration       any `json:"iteration"`
	ProposedDeltas  any `json:"proposed_deltas"`
	Deltas          any `json:"deltas"`
	SuggestedDeltas any `json:"suggested_deltas"`
	Applied         any `json:"applied"`
	ChangedKeys     any `json:"changed_keys"`
	Rationale       any `json:"rationale"`
	OldHash         any `json:"old_hash"`
	StateHash       any `json:"state_hash"`
	Signature       any `json:"signature"`
	SkipReason      any `json:"skip_reason"`
	Oscillation     any `json:"oscillation_detected"`
	Velocity        any `json:"velocity_violation"`
	Cooldown        any `json:"cooldown_active"`
	Freeze          any `json:"freeze_triggered"`
}

func (t *tuningDoc) get(key string) any {
	switch key {
	case "iteration":
		return t.Iteration
	case "proposed_deltas":
		return t.ProposedDeltas
	case "deltas":
		return t.Deltas
	case "suggested_deltas":
		return t.SuggestedDeltas
	case "applied":
		return t.Applied
	case "changed_keys":
		return t.ChangedKeys
	case "rationale":
		return t.Rationale
	case "old_hash":
		return t.OldHash
	case "state_hash":
		return t.StateHash
	case "signature":
		return t.Signature
	case "skip_reason":
		return t.SkipReason
	case "oscillation_detected":
		return t.Oscillation
	case "velocity_violation":
		return t.Velocity
	case "cooldown_active":
		return t.Cooldown
	case "freeze_triggered":
		return t.Freeze
	}
	return nil
}

// kpiDoc is the part of a legacy summary's "summary" object that is read.
type kpiDoc struct {
	MakerTakerRatio  lenient  `json:"maker_taker_ratio"`
	P95LatencyMs     lenient  `json:"p95_latency_ms"`
	RiskRatio        lenient  `json:"risk_ratio"`
	NetBps           lenient  `json:"net_bps"`
	GrossBps         lenient  `json:"gross_bps"`
	FeesBps          lenient  `json:"fees_eff_bps"`
	SlippageBps      lenient  `json:"slippage_bps"`
	AdverseBps       lenient  `json:"adverse_bps"`
	InventoryBps     lenient  `json:"inventory_bps"`
	AdverseBpsP95    lenient  `json:"adverse_bps_p95"`
	SlippageBpsP95   lenient  `json:"slippage_bps_p95"`
	CancelRatio      lenient  `json:"cancel_ratio"`
	OrderAgeP95Ms    lenient  `json:"order_age_p95_ms"`
	WSLagP95Ms       lenient  `json:"ws_lag_p95_ms"`
	MakerSharePct    lenient  `json:"maker_share_pct"`
	MakerTakerSource lenient  `json:"maker_taker_source"`
	Fills            fillsDoc `json:"fills"`
	RuntimeUTC       lenient  `json:"runtime_utc"`
}

// fastKPIs is kpiDoc read by the fast pass: its members found by a switch
// on their names rather than by the struct decoder, which looked up each of
// a summary's ~30 member names in its field table (0.2 s of CPU at 100,000
// summaries). The rules are the struct decoder's: names match exactly, a
// name given twice is an error (jsontext's), other members are skipped;
// anything that is not an object fails the fast pass.
type fastKPIs kpiDoc

// UnmarshalJSONFrom reads a summary's "summary" object.
func (d *fastKPIs) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	if dec.PeekKind() != '{' {
		return errSlowPath
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	var scratch []byte
	for dec.PeekKind() != '}' {
		name, err := readName(dec, &scratch)
		if err != nil {
			return err
		}
		var dst *lenient
		switch string(name) {
		case "maker_taker_ratio":
			dst = &d.MakerTakerRatio
		case "p95_latency_ms":
			dst = &d.P95LatencyMs
		case "risk_ratio":
			dst = &d.RiskRatio
		case "net_bps":
			dst = &d.NetBps
		case "gross_bps":
			dst = &d.GrossBps
		case "fees_eff_bps":
			dst = &d.FeesBps
		case "slippage_bps":
			dst = &d.SlippageBps
		case "adverse_bps":
			dst = &d.AdverseBps
		case "inventory_bps":
			dst = &d.InventoryBps
		case "adverse_bps_p95":
			dst = &d.AdverseBpsP95
		case "slippage_bps_p95":
			dst = &d.SlippageBpsP95
		case "cancel_ratio":
			dst = &d.CancelRatio
		case "order_age_p95_ms":
			dst = &d.OrderAgeP95Ms
		case "ws_lag_p95_ms":
			dst = &d.WSLagP95Ms
		case "maker_share_pct":
			dst = &d.MakerSharePct
		case "maker_taker_source":
			dst = &d.MakerTakerSource
		case "runtime_utc":
			dst = &d.RuntimeUTC
		case "fills":
			err = d.Fills.UnmarshalJSONFrom(dec)
		default:
			err = dec.SkipValue()
		}
		if dst != nil {
			err = dst.UnmarshalJSONFrom(dec)
		}
		if err != nil {
			return err
		}
	}
	_, err := dec.ReadToken()
	return err
}

// kpis returns the KPIs a legacy summary carries, by name, in the order
// errors are looked for.
func (d *kpiDoc) kpis() [15]struct {
	name string
	v    lenient
} {
	return [15]struct {
		name string
		v    lenient
	}{
		{"maker_taker_ratio", d.MakerTakerRatio}, {"p95_latency_ms", d.P95LatencyMs}, {"risk_ratio", d.RiskRatio},
		{"net_bps", d.NetBps}, {"gross_bps", d.GrossBps}, {"fees_eff_bps", d.FeesBps}, {"slippage_bps", d.SlippageBps},
		{"adverse_bps", d.AdverseBps}, {"inventory_bps", d.InventoryBps}, {"adverse_bps_p95", d.AdverseBpsP95},
		{"slippage_bps_p95", d.SlippageBpsP95}, {"cancel_ratio", d.CancelRatio}, {"order_age_p95_ms", d.OrderAgeP95Ms},
		{"ws_lag_p95_ms", d.WSLagP95Ms}, {"maker_share_pct", d.MakerSharePct},
	}
}

// summary converts a legacy ITER_SUMMARY (sanitized: clean) to ours.
func summary(file string, clean []byte) (*artifact.IterationSummary, error) {
	// The usual summary decodes in one pass into the members read; one with
	// a member of an unexpected shape (a "tuning" that is not an object, a
	// number out of range) is decoded again member by member, to read
	// what can be read and to say where the rest is wrong.
	//
	// The fast pass reads the tuning record straight into ours
	// (fastTuning); a record it does not take fails the pass, and the
	// member-by-member reader reads it with tuning.
	var sum *kpiDoc
	var tun *tuningDoc
	var ftun *fastTuning
	var m summaryDoc
	var fast struct {
		Iteration any         `json:"iteration"`
		Summary   *fastKPIs   `json:"summary"`
		Tuning    *fastTuning `json:"tuning"`
	}
	if json.Unmarshal(clean, &fast) == nil {
		m.Iteration, sum, ftun = fast.Iteration, (*kpiDoc)(fast.Summary), fast.Tuning
	} else if err := parse(file, clean, &m); err != nil {
		if _, oerr := object(file, clean); oerr != nil {
			return nil, oerr // not an object: say so
		}
		return nil, err
	}
	fail := func(key string, err error) error {
		return &fileerr.Error{File: file, Line: fileerr.KeyLine(clean, key), Err: fmt.Errorf("%s: %w", key, err)}
	}
	// The envelope is set so that a legacy summary re-encoded by a later
	// stage is a valid artifact of ours; Legacy keeps where it came from.
	s := &artifact.IterationSummary{SchemaVersion: artifact.SchemaVersion, Kind: artifact.KindIterationSummary, Mode: artifact.ModeLegacy, Status: artifact.StatusOK, File: file, Legacy: true}
	n, ok, err := num(m.Iteration)
	if err != nil {
		return nil, fail("iteration", err)
	}
	if !ok || n != math.Trunc(n) || n < 1 || n > math.MaxInt32 {
		return nil, &fileerr.Error{File: file, Line: fileerr.KeyLine(clean, "iteration"), Err: fmt.Errorf("iteration: want a positive integer")}
	}
	s.Iteration = int(n)

	switch m.Summary.Kind() {
	case 0, 'n':
	case '{':
		sum = new(kpiDoc)
		if err := json.Unmarshal(m.Summary, sum); err != nil {
			// A number out of range: the whole document's parse says
			// where.
			if perr := parse(file, clean, new(any)); perr != nil {
				return nil, perr
			}
			return nil, fail("summary", err)
		}
	default:
		var v any
		json.Unmarshal(m.Summary, &v)
		return nil, fail("summary", fmt.Errorf("want an object, got %s", typeName(v)))
	}
	if sum == nil {
		sum = new(kpiDoc)
	}
	for _, k := range sum.kpis() {
		v, ok, err := k.v.num()
		if err != nil {
			return nil, fail(k.name, err)
		}
		if ok {
			s.Summary.SetKPI(k.name, v)
		}
	}
	if src, ok := sum.MakerTakerSource.value().(string); ok {
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
	if f := sum.Fills; f.present {
		var fl artifact.Fills
		fl.MakerCount = int64(float(f.MakerCount, f.MakerFills))
		fl.TakerCount = int64(float(f.TakerCount, f.TakerFills))
		fl.MakerVolume = float(f.MakerVolume)
		fl.TakerVolume = float(f.TakerVolume)
		s.Summary.Fills = &fl
	}
	if ts, ok := sum.RuntimeUTC.value().(string); ok {
		s.StartedAt = ts
	}
	if m.Tuning.Kind() == '{' {
		tun = new(tuningDoc)
		if err := json.Unmarshal(m.Tuning, tun); err != nil {
			if perr := parse(file, clean, new(any)); perr != nil {
				return nil, perr
			}
			return nil, fail("tuning", err)
		}
	}
	if ftun != nil {
		tu := (*artifact.Tuning)(ftun)
		tu.Iteration = s.Iteration
		s.Tuning = tu
	}
	if tun != nil {
		tu, err := tuning(file, clean, tun)
		if err != nil {
			return nil, err
		}
		tu.Iteration = s.Iteration
		s.Tuning = tu
	}
	return s, nil
}

func float(vs ...lenient) float64 {
	for _, v := range vs {
		if v.kind == '0' && finite(v.f) {
			return v.f
		}
		if f, ok, err := num(v.value()); err == nil && ok && finite(f) {
			return f
		}
	}
	return 0
}

// tuning reads a legacy tuning record or TUNING_REPORT entry.
// skip_reason comes as "", a string or an object of guard flags.
func tuning(file string, data []byte, t *tuningDoc) (*artifact.Tuning, error) {
	tu := &artifact.Tuning{ProposedDeltas: map[string]float64{}}
	if n, ok, _ := num(t.get("iteration")); ok {
		tu.Iteration = int(n)
	}
	deltas := t.get("proposed_deltas")
	if deltas == nil {
		deltas = t.get("deltas")
	}
	if deltas == nil {
		deltas = t.get("suggested_deltas")
	}
	if d, ok := deltas.(map[string]any); ok {
		for _, k := range slices.Sorted(maps.Keys(d)) { // one error, the same every time
			f, ok, err := num(d[k])
			if err != nil {
				return nil, &fileerr.Error{File: file, Line: fileerr.KeyLine(data, k), Err: fmt.Errorf("proposed_deltas.%s: %w", k, err)}
			}
			// A non-finite delta proposes nothing that could be applied or
			// verified, and could not be written back: like null, it is
			// missing.
			if ok && finite(f) {
				tu.ProposedDeltas[k] = numfmt.Round(f)
			}
		}
	} else if deltas != nil {
		return nil, &fileerr.Error{File: file, Line: fileerr.KeyLine(data, "proposed_deltas"), Err: fmt.Errorf("proposed_deltas: want an object, got %s", typeName(deltas))}
	}
	tu.Applied, _ = t.get("applied").(bool)
	if keys, ok := t.get("changed_keys").([]any); ok {
		for _, k := range keys {
			if s, ok := k.(string); ok {
				tu.ChangedKeys = append(tu.ChangedKeys, s)
			}
		}
	}
	switch r := t.get("rationale").(type) {
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
	tu.OldHash, _ = t.get("old_hash").(string)
	tu.StateHash, _ = t.get("state_hash").(string)
	if tu.StateHash == "" {
		if sig, ok := t.get("signature").(string); ok && sig != "na" {
			tu.StateHash = sig
		}
	}
	switch r := t.get("skip_reason").(type) {
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
		if b, _ := t.get(flag.key).(bool); b && !slices.Contains(tu.Guards, flag.guard) {
			tu.Guards = append(tu.Guards, flag.guard)
		}
	}
	sort.Strings(tu.Guards)
	return tu, nil
}

// lenient is one member as the toolkit wrote it, read without building a
// generic value: a number, a string, a boolean, null, or the kind of
// anything else. A number out of float64's range is an error, which sends
// the summary to the member-by-member reader that says where it is.
type lenient struct {
	kind jsontext.Kind // 0: absent
	f    float64
	s    string
}

// UnmarshalJSONFrom reads the member's value from dec.
func (l *lenient) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	l.kind = dec.PeekKind()
	switch l.kind {
	case '0', '"', 'n', 't', 'f':
		// The raw value, not a token: a token's String allocates.
		raw, err := dec.ReadValue()
		if err != nil {
			return err
		}
		switch l.kind {
		case '0':
			l.f, err = strconv.ParseFloat(string(raw), 64)
			if err != nil {
				return fmt.Errorf("number %s out of range", raw)
			}
		case '"':
			var scratch []byte
			b, err := unquoteName(raw, &scratch)
			if err != nil {
				return err
			}
			l.s = intern(b) // maker_taker_source, runtime_utc: kept, and the same in most files
		}
		return nil
	}
	return dec.SkipValue()
}

// num is num(l.value()) without boxing a number in an interface (a
// legacy summary has 15 KPIs).
func (l lenient) num() (float64, bool, error) {
	if l.kind == '0' {
		return l.f, true, nil
	}
	return num(l.value())
}

// value returns l as num and the type checks read a generic value.
func (l lenient) value() any {
	switch l.kind {
	case '0':
		return l.f
	case '"':
		return l.s
	case 't':
		return true
	case 'f':
		return false
	case '{':
		return map[string]any{}
	case '[':
		return []any{}
	}
	return nil
}

// fillsDoc is a legacy summary's "fills": read when it is an object,
// ignored otherwise.
type fillsDoc struct {
	present                  bool
	MakerCount, MakerFills   lenient
	TakerCount, TakerFills   lenient
	MakerVolume, TakerVolume lenient
}

// UnmarshalJSONFrom reads the members of fills that are read.
func (d *fillsDoc) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	if dec.PeekKind() != '{' {
		return dec.SkipValue()
	}
	d.present = true
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			return err
		}
		var dst *lenient
		switch name.String() {
		case "maker_count":
			dst = &d.MakerCount
		case "maker_fills":
			dst = &d.MakerFills
		case "taker_count":
			dst = &d.TakerCount
		case "taker_fills":
			dst = &d.TakerFills
		case "maker_volume":
			dst = &d.MakerVolume
		case "taker_volume":
			dst = &d.TakerVolume
		default:
			err = dec.SkipValue()
		}
		if dst != nil {
			err = dst.UnmarshalJSONFrom(dec)
		}
		if err != nil {
			return err
		}
	}
	_, err := dec.ReadToken()
	return err
}
