package artifact

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The legacy readers below decode a legacy ITER_SUMMARY or ledger straight
// into the fields used, skipping the rest, instead of building a generic
// tree of map[string]any first: at 100,000 iterations the tree was most of
// soak-gate's CPU time and memory.
//
// Like fastDecoder for our format, they accept a subset of what the
// general legacy path (decodeLegacyObject and the pickers over its tree)
// accepts: keys spelled exactly and given once among those read, strings
// without escapes, no error of any kind. On anything else they give up and
// the caller takes the general path, which decodes the same document to
// the same value or explains the error; the fuzz tests hold the two paths
// to that.

// maxLegacyDepth bounds the nesting of skipped values; deeper documents
// take the general path.
const maxLegacyDepth = 64

// skipValue consumes one JSON value, checking its syntax.
func (d *fastDecoder) skipValue(depth int) {
	if depth > maxLegacyDepth {
		d.fail()
		return
	}
	switch c := d.peek(); {
	case c == '"':
		d.raw()
	case c == '{':
		d.i++
		for n := 0; ; n++ {
			if _, ok := d.member(n); !ok {
				return
			}
			d.skipValue(depth + 1)
		}
	case c == '[':
		d.i++
		for n := 0; d.element(n); n++ {
			d.skipValue(depth + 1)
		}
	case c == 't':
		d.literal("true")
	case c == 'f':
		d.literal("false")
	case c == 'n':
		d.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		d.number()
	default:
		d.fail()
	}
}

// legacyNum is legacyNum on the value at d.i: ok when it is a number or
// one of the strings NaN/Infinity/-Infinity, isErr when legacyNum would
// have returned an error; null is neither.
func (d *fastDecoder) legacyNum() (f float64, ok, isErr bool) {
	switch c := d.peek(); {
	case c == 'n':
		d.literal("null")
		return 0, false, false
	case c == '-' || c >= '0' && c <= '9':
		f, err := strconv.ParseFloat(string(d.number()), 64)
		if err != nil {
			return 0, false, true
		}
		return f, true, false
	case c == '"':
		switch string(d.raw()) {
		case "NaN":
			return math.NaN(), true, false
		case "Infinity":
			return math.Inf(1), true, false
		case "-Infinity":
			return math.Inf(-1), true, false
		}
		return 0, false, true
	}
	d.skipValue(1)
	return 0, false, true
}

// once marks bit as seen; a key read twice leaves the fast path (in the
// generic tree the last one won).
func (d *fastDecoder) once(seen *uint32, bit uint) bool {
	if *seen&(1<<bit) != 0 {
		d.fail()
		return false
	}
	*seen |= 1 << bit
	return true
}

// legacySummaryFast is decodeLegacySummary on the fast path.
func legacySummaryFast(file string, clean []byte) (*IterationSummary, bool) {
	var d fastDecoder
	d.reset(clean)
	s := &IterationSummary{SchemaVersion: SchemaVersion, Kind: KindIterationSummary, Mode: ModeLegacy, Status: StatusOK, File: file, Legacy: true}
	if !d.open('{') {
		return nil, false
	}
	var seen uint32
	var iter float64
	var iterOK bool
	var tuning *Tuning
	for n := 0; ; n++ {
		key, ok := d.member(n)
		if !ok {
			break
		}
		switch string(key) {
		case "iteration":
			if !d.once(&seen, 0) {
				return nil, false
			}
			f, ok, isErr := d.legacyNum()
			if isErr {
				return nil, false
			}
			iter, iterOK = f, ok
		case "summary":
			if !d.once(&seen, 1) {
				return nil, false
			}
			if d.null() {
				continue
			}
			if d.peek() != '{' || !d.legacySummaryObject(&s.Summary, &s.StartedAt) {
				return nil, false
			}
		case "tuning":
			if !d.once(&seen, 2) {
				return nil, false
			}
			if d.peek() != '{' {
				d.skipValue(1)
				continue
			}
			tuning = new(Tuning)
			if !d.legacyTuning(tuning) {
				return nil, false
			}
		default:
			d.skipValue(1)
		}
		if d.bad {
			return nil, false
		}
	}
	if !d.done() || !iterOK || iter != math.Trunc(iter) || iter < 1 || iter > math.MaxInt32 {
		return nil, false
	}
	s.Iteration = int(iter)
	if tuning != nil {
		tuning.Iteration = s.Iteration
		s.Tuning = tuning
	}
	return s, true
}

// legacySummaryObject reads the "summary" object of a legacy ITER_SUMMARY.
func (d *fastDecoder) legacySummaryObject(s *Summary, startedAt *string) bool {
	d.i++ // {
	var seen uint32
	const firstOther = 15 // bits 0-14 are the KPIs of legacySummaryKPIs
	var src string
	var srcOK bool
	for n := 0; ; n++ {
		key, ok := d.member(n)
		if !ok {
			break
		}
		switch k := string(key); k {
		case "maker_taker_source":
			if !d.once(&seen, firstOther) {
				return false
			}
			if d.peek() == '"' {
				src, srcOK = string(d.raw()), true
			} else {
				d.skipValue(1)
			}
		case "fills":
			if !d.once(&seen, firstOther+1) {
				return false
			}
			if d.peek() != '{' {
				d.skipValue(1)
				continue
			}
			fl := d.legacyFills()
			if fl == nil {
				return false
			}
			s.Fills = fl
		case "runtime_utc":
			if !d.once(&seen, firstOther+2) {
				return false
			}
			if d.peek() == '"' {
				*startedAt = string(d.raw())
			} else {
				d.skipValue(1)
			}
		default:
			bit := -1
			for i, name := range legacySummaryKPIs {
				if name == k {
					bit = i
					break
				}
			}
			if bit < 0 {
				d.skipValue(1)
				break
			}
			if !d.once(&seen, uint(bit)) {
				return false
			}
			f, ok, isErr := d.legacyNum()
			if isErr {
				return false
			}
			if ok {
				s.SetKPI(k, f)
			}
		}
		if d.bad {
			return false
		}
	}
	if d.bad {
		return false
	}
	if srcOK {
		s.MakerTakerSource = src
		if src == "fallback" || src == "mock_default" {
			s.MakerTakerRatio = nil
		}
	}
	if s.P95LatencyMs != nil && *s.P95LatencyMs == 0 {
		s.P95LatencyMs = nil
	}
	return true
}

// legacyFills reads the "fills" object as legacyFloat does: the first of a
// field's keys with a finite number wins; anything else counts as missing.
func (d *fastDecoder) legacyFills() *Fills {
	d.i++ // {
	keys := [...]string{"maker_count", "maker_fills", "taker_count", "taker_fills", "maker_volume", "taker_volume"}
	var vals [len(keys)]float64
	var have [len(keys)]bool
	var seen uint32
	for n := 0; ; n++ {
		key, ok := d.member(n)
		if !ok {
			break
		}
		i := slices.Index(keys[:], string(key))
		if i < 0 {
			d.skipValue(1)
		} else {
			if !d.once(&seen, uint(i)) {
				return nil
			}
			f, ok, isErr := d.legacyNum()
			if ok && !isErr && !math.IsNaN(f) && !math.IsInf(f, 0) {
				vals[i], have[i] = f, true
			}
		}
		if d.bad {
			return nil
		}
	}
	if d.bad {
		return nil
	}
	pick := func(i ...int) float64 {
		for _, j := range i {
			if have[j] {
				return vals[j]
			}
		}
		return 0
	}
	return &Fills{
		MakerCount:  int64(pick(0, 1)),
		TakerCount:  int64(pick(2, 3)),
		MakerVolume: pick(4),
		TakerVolume: pick(5),
	}
}

// legacyDelta is one member of a legacy deltas object.
type legacyDelta struct {
	key string
	f   float64
	ok  bool
}

// legacyDeltaSet is one of a tuning record's three deltas keys.
type legacyDeltaSet struct {
	given bool // present and not null
	obj   bool
	bad   bool // a member legacyNum refuses
	list  []legacyDelta
}

const maxLegacyDeltas = 64

func (d *fastDecoder) legacyDeltaObject(out *legacyDeltaSet) {
	if d.null() {
		return
	}
	out.given = true
	if d.peek() != '{' {
		d.skipValue(1)
		return
	}
	out.obj = true
	d.i++
	for n := 0; ; n++ {
		key, ok := d.member(n)
		if !ok {
			return
		}
		if n >= maxLegacyDeltas {
			d.fail()
			return
		}
		for _, e := range out.list {
			if e.key == string(key) {
				d.fail() // repeated: the last one won
				return
			}
		}
		k := d.intern(key)
		f, ok, isErr := d.legacyNum()
		if isErr {
			out.bad = true
		}
		out.list = append(out.list, legacyDelta{k, f, ok})
	}
}

// Bits of the members of a legacy tuning record for once.
const (
	ltIteration = iota
	ltProposed
	ltDeltas
	ltSuggested
	ltApplied
	ltChangedKeys
	ltRationale
	ltOldHash
	ltStateHash
	ltSignature
	ltSkipReason
	ltOscillation
	ltVelocity
	ltCooldown
	ltFreeze
)

// legacyTuning is legacyTuning on the fast path, for the object at d.i,
// into the zero record tu; false to leave it.
func (d *fastDecoder) legacyTuning(tu *Tuning) bool {
	d.i++ // {
	tu.ProposedDeltas = map[string]float64{}
	var seen uint32
	var deltas [3]legacyDeltaSet
	var flags [4]bool // oscillation, velocity, cooldown, freeze
	var signature string
	var sigOK bool
	for n := 0; ; n++ {
		key, ok := d.member(n)
		if !ok {
			break
		}
		bit := -1
		switch string(key) {
		case "iteration":
			bit = ltIteration
		case "proposed_deltas":
			bit = ltProposed
		case "deltas":
			bit = ltDeltas
		case "suggested_deltas":
			bit = ltSuggested
		case "applied":
			bit = ltApplied
		case "changed_keys":
			bit = ltChangedKeys
		case "rationale":
			bit = ltRationale
		case "old_hash":
			bit = ltOldHash
		case "state_hash":
			bit = ltStateHash
		case "signature":
			bit = ltSignature
		case "skip_reason":
			bit = ltSkipReason
		case "oscillation_detected":
			bit = ltOscillation
		case "velocity_violation":
			bit = ltVelocity
		case "cooldown_active":
			bit = ltCooldown
		case "freeze_triggered":
			bit = ltFreeze
		}
		if bit < 0 {
			d.skipValue(1)
			if d.bad {
				return false
			}
			continue
		}
		if !d.once(&seen, uint(bit)) {
			return false
		}
		c := d.peek()
		switch bit {
		case ltIteration:
			if f, ok, isErr := d.legacyNum(); ok && !isErr {
				tu.Iteration = int(f)
			}
		case ltProposed, ltDeltas, ltSuggested:
			d.legacyDeltaObject(&deltas[bit-ltProposed])
		case ltApplied:
			if c == 't' || c == 'f' {
				tu.Applied = d.bool()
			} else {
				d.skipValue(1)
			}
		case ltChangedKeys:
			if c != '[' {
				d.skipValue(1)
				break
			}
			d.i++
			for i := 0; d.element(i); i++ {
				if d.peek() == '"' {
					tu.ChangedKeys = append(tu.ChangedKeys, d.word())
				} else {
					d.skipValue(1)
				}
			}
		case ltRationale:
			switch c {
			case '"':
				for _, part := range strings.Split(string(d.raw()), " | ") {
					if part = strings.TrimSpace(part); part != "" {
						tu.Rationale = append(tu.Rationale, part)
					}
				}
			case '[':
				d.i++
				for i := 0; d.element(i); i++ {
					if d.peek() == '"' {
						tu.Rationale = append(tu.Rationale, d.word())
					} else {
						d.skipValue(1)
					}
				}
			default:
				d.skipValue(1)
			}
		case ltOldHash, ltStateHash, ltSignature:
			if c != '"' {
				d.skipValue(1)
				break
			}
			s := d.word()
			switch bit {
			case ltOldHash:
				tu.OldHash = s
			case ltStateHash:
				tu.StateHash = s
			default:
				signature, sigOK = s, true
			}
		case ltSkipReason:
			switch c {
			case '"':
				tu.SkipReason = d.word()
			case '{':
				if !d.legacySkipObject(tu) {
					return false
				}
			default:
				d.skipValue(1)
			}
		default: // the four guard flags
			if c == 't' || c == 'f' {
				flags[bit-ltOscillation] = d.bool()
			} else {
				d.skipValue(1)
			}
		}
		if d.bad {
			return false
		}
	}
	if d.bad {
		return false
	}
	if tu.StateHash == "" && sigOK && signature != "na" {
		tu.StateHash = signature
	}
	var chosen *legacyDeltaSet
	for i := range deltas {
		if deltas[i].given {
			chosen = &deltas[i]
			break
		}
	}
	if chosen != nil {
		if !chosen.obj || chosen.bad {
			d.fail() // an error of the general path
			return false
		}
		for _, e := range chosen.list {
			if e.ok && !math.IsNaN(e.f) && !math.IsInf(e.f, 0) {
				tu.ProposedDeltas[e.key] = Round(e.f)
			}
		}
	}
	for i, g := range [...]string{"oscillation", "velocity", "cooldown", "freeze"} {
		if flags[i] && !contains(tu.Guards, g) {
			tu.Guards = append(tu.Guards, g)
		}
	}
	sort.Strings(tu.Guards)
	return true
}

// legacySkipObject reads skip_reason given as an object of guard flags.
func (d *fastDecoder) legacySkipObject(tu *Tuning) bool {
	d.i++ // {
	names := [...]string{"cooldown", "freeze", "oscillation", "velocity", "note", "no_op"}
	var set [4]bool
	var note string
	var noOp bool
	var seen uint32
	for n := 0; ; n++ {
		key, ok := d.member(n)
		if !ok {
			break
		}
		i := slices.Index(names[:], string(key))
		if i < 0 {
			d.skipValue(1)
		} else {
			if !d.once(&seen, uint(i)) {
				return false
			}
			c := d.peek()
			switch {
			case i < 4 && (c == 't' || c == 'f'):
				set[i] = d.bool()
			case i == 4 && c == '"':
				note = d.word()
			case i == 5 && (c == 't' || c == 'f'):
				noOp = d.bool()
			default:
				d.skipValue(1)
			}
		}
		if d.bad {
			return false
		}
	}
	if d.bad {
		return false
	}
	var guards []string
	for i := range set {
		if set[i] {
			guards = append(guards, names[i])
		}
	}
	tu.Guards = guards
	tu.SkipReason = strings.Join(guards, ",")
	if tu.SkipReason == "" {
		tu.SkipReason = note
	}
	if noOp && tu.SkipReason == "" {
		tu.SkipReason = "no_op"
	}
	return true
}

// legacyReportFast is the legacy ledger on the fast path: list says
// whether the document is the bare list of entries rather than an object
// with "iterations".
func legacyReportFast(clean []byte, list bool) (*TuningReport, bool) {
	var d fastDecoder
	d.reset(clean)
	return d.legacyReport(list)
}

// legacyReport reads a legacy ledger from d.i to the end of the input, on
// a window of a stream (see ReadTuningReport) or on the whole document.
// On a stream, a top-level "kind" or "schema_version", in any case, leaves
// the fast path: whether such a document is a legacy ledger is PeekEnvelope's to
// say, on the whole document.
func (d *fastDecoder) legacyReport(list bool) (*TuningReport, bool) {
	r := &TuningReport{SchemaVersion: SchemaVersion, Kind: KindTuningReport, Legacy: true}
	var entries []Tuning
	readList := func() bool {
		if d.peek() != '[' {
			return false
		}
		d.i++
		var c tuningChunks
		for i := 0; ; i++ {
			d.ahead(1)
			if !d.element(i) {
				break
			}
			d.whole()
			if d.peek() != '{' || !d.legacyTuning(c.next()) {
				return false
			}
		}
		if d.bad {
			return false
		}
		entries = c.slice()
		return true
	}
	if list {
		if !readList() {
			return nil, false
		}
	} else {
		d.ahead(1)
		if !d.open('{') {
			return nil, false
		}
		found := false
		for n := 0; ; n++ {
			d.ahead(64 << 10)
			key, ok := d.member(n)
			if !ok {
				break
			}
			switch {
			case string(key) == "iterations":
				if found || !readList() {
					return nil, false
				}
				found = true
			case d.w != nil && isEnvelopeKey(string(key)):
				// PeekEnvelope matches these in any case.
				return nil, false
			default:
				d.whole()
				d.skipValue(1)
			}
			if d.bad {
				return nil, false
			}
		}
		if !found {
			return nil, false
		}
	}
	d.drain()
	if !d.done() {
		return nil, false
	}
	if len(entries) > 0 {
		r.Iterations = entries
	}
	r.Summarize()
	return r, true
}
