package artifact

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// fastDecoder decodes the two artifacts a long soak is made of — the
// ITER_SUMMARY files and the ledger — without reflection: at 100,000
// iterations encoding/json spent most of Load's CPU time and allocations on
// them.
//
// It accepts a subset of what the strict decoder (encoding/json with
// DisallowUnknownFields) accepts: keys spelled exactly and given once,
// strings without escapes, numbers the Go type holds, nothing but
// white space after the object. On anything else it gives up, and the
// caller decodes the document the strict way, which accepts it or explains
// the error with file and line. So a document decodes to the same value,
// or fails with the same error, whichever path it takes; the fuzz tests
// hold the two paths to that.
type fastDecoder struct {
	data []byte
	i    int
	bad  bool
	// words holds short strings that repeat from record to record (keys,
	// modes, reasons), so that 100,000 records share one copy of each.
	words map[string]string
	// w is set when data is a window on a stream (ReadTuningReport).
	w *window
}

const maxWords = 4096

func (d *fastDecoder) reset(data []byte) { d.data, d.i, d.bad = data, 0, false }

// fail leaves the fast path; every later read fails at once.
func (d *fastDecoder) fail() {
	d.bad = true
	d.i = len(d.data)
}

// done reports whether the document was decoded and nothing but white
// space follows.
func (d *fastDecoder) done() bool {
	d.ws()
	return !d.bad && d.i == len(d.data)
}

func (d *fastDecoder) ws() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\r', '\n':
			d.i++
		default:
			return
		}
	}
}

// peek returns the next byte after white space.
func (d *fastDecoder) peek() byte {
	d.ws()
	if d.i >= len(d.data) {
		d.fail()
		return 0
	}
	return d.data[d.i]
}

func (d *fastDecoder) literal(lit string) bool {
	if !bytes.HasPrefix(d.data[d.i:], []byte(lit)) {
		d.fail()
		return false
	}
	d.i += len(lit)
	return true
}

// null consumes a null; encoding/json leaves the Go value as it is (nil,
// zero), which in a fresh value is what skipping the member gives.
func (d *fastDecoder) null() bool {
	return d.peek() == 'n' && d.literal("null")
}

// open consumes the opening byte c of an object or an array.
func (d *fastDecoder) open(c byte) bool {
	if d.peek() != c {
		d.fail()
		return false
	}
	d.i++
	return true
}

// member moves to the next member of an object that is n members in: it
// consumes the separator, the key and the colon, and returns the key;
// false at the closing brace (consumed) or on anything unexpected.
func (d *fastDecoder) member(n int) ([]byte, bool) {
	c := d.peek()
	if c == '}' {
		d.i++
		return nil, false
	}
	if n > 0 {
		if c != ',' {
			d.fail()
			return nil, false
		}
		d.i++
		c = d.peek()
	}
	if c != '"' {
		d.fail()
		return nil, false
	}
	key := d.raw()
	if d.peek() != ':' {
		d.fail()
		return nil, false
	}
	d.i++
	return key, !d.bad
}

// element moves to the next element of an array that is n elements in;
// false at the closing bracket (consumed) or on anything unexpected.
func (d *fastDecoder) element(n int) bool {
	c := d.peek()
	if c == ']' {
		d.i++
		return false
	}
	if n > 0 {
		if c != ',' {
			d.fail()
			return false
		}
		d.i++
	}
	return !d.bad
}

// take marks member bit of an object as seen and reports whether a
// non-null value follows. A key given twice leaves the fast path:
// encoding/json merges repeated members into one value.
func (d *fastDecoder) take(seen *uint32, bit uint) bool {
	if *seen&(1<<bit) != 0 {
		d.fail()
		return false
	}
	*seen |= 1 << bit
	return !d.null() && !d.bad
}

// raw returns the bytes of the string at d.i, which are its value: escapes
// leave the fast path, as do control characters and invalid UTF-8 (which
// encoding/json rejects or replaces).
func (d *fastDecoder) raw() []byte {
	if d.peek() != '"' {
		d.fail()
		return nil
	}
	start := d.i + 1
	ascii := true
	for j := start; j < len(d.data); j++ {
		switch c := d.data[j]; {
		case c == '"':
			s := d.data[start:j]
			if !ascii && !utf8.Valid(s) {
				d.fail()
				return nil
			}
			d.i = j + 1
			return s
		case c == '\\' || c < 0x20:
			d.fail()
			return nil
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	d.fail()
	return nil
}

func (d *fastDecoder) str() string { return string(d.raw()) }

// word is str for strings that repeat across records.
func (d *fastDecoder) word() string { return d.intern(d.raw()) }

func (d *fastDecoder) intern(b []byte) string {
	if len(b) > 64 {
		return string(b)
	}
	if s, ok := d.words[string(b)]; ok {
		return s
	}
	s := string(b)
	if d.words == nil {
		d.words = make(map[string]string)
	}
	if len(d.words) < maxWords {
		d.words[s] = s
	}
	return s
}

// number returns the JSON number at d.i.
func (d *fastDecoder) number() []byte {
	d.ws()
	data, i := d.data, d.i
	digits := func() bool {
		start := i
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
		return i > start
	}
	if i < len(data) && data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case !digits():
		d.fail()
		return nil
	}
	if i < len(data) && data[i] == '.' {
		i++
		if !digits() {
			d.fail()
			return nil
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if !digits() {
			d.fail()
			return nil
		}
	}
	n := data[d.i:i]
	d.i = i
	return n
}

// The number readers parse as encoding/json does (strconv, for the bit
// size of the Go type); what does not fit leaves the fast path.

func (d *fastDecoder) int64(bits int) int64 {
	n, err := strconv.ParseInt(string(d.number()), 10, bits)
	if err != nil {
		d.fail()
	}
	return n
}

func (d *fastDecoder) int() int { return int(d.int64(strconv.IntSize)) }

func (d *fastDecoder) uint64() uint64 {
	n, err := strconv.ParseUint(string(d.number()), 10, 64)
	if err != nil {
		d.fail()
	}
	return n
}

func (d *fastDecoder) float() float64 {
	f, err := strconv.ParseFloat(string(d.number()), 64)
	if err != nil {
		d.fail()
	}
	return f
}

func (d *fastDecoder) bool() bool {
	switch d.peek() {
	case 't':
		return d.literal("true")
	case 'f':
		d.literal("false")
		return false
	}
	d.fail()
	return false
}

// words reads an array of strings; like encoding/json, [] gives an empty
// slice, not nil.
func (d *fastDecoder) wordList() []string {
	if !d.open('[') {
		return nil
	}
	var buf [8]string
	out := buf[:0]
	for n := 0; d.element(n); n++ {
		s := ""
		if !d.null() {
			s = d.word()
		}
		out = append(out, s)
	}
	return append(make([]string, 0, len(out)), out...)
}

func (d *fastDecoder) floatMap() map[string]float64 {
	if !d.open('{') {
		return nil
	}
	m := make(map[string]float64)
	for n := 0; ; n++ {
		key, ok := d.member(n)
		if !ok {
			return m
		}
		k := d.intern(key)
		if d.null() {
			m[k] = 0
			continue
		}
		m[k] = d.float()
	}
}

func (d *fastDecoder) intMap() map[string]int {
	if !d.open('{') {
		return nil
	}
	m := make(map[string]int)
	for n := 0; ; n++ {
		key, ok := d.member(n)
		if !ok {
			return m
		}
		k := d.intern(key)
		if d.null() {
			m[k] = 0
			continue
		}
		m[k] = d.int()
	}
}

// The readers of the artifact types below consume one object each; their
// keys are the json tags of the types.

func (d *fastDecoder) iterationSummary(s *IterationSummary) {
	if !d.open('{') {
		return
	}
	var seen uint32
	for n := 0; ; n++ {
		key, ok := d.member(n)
		if !ok {
			return
		}
		switch string(key) {
		case "schema_version":
			if d.take(&seen, 0) {
				s.SchemaVersion = d.int()
			}
		case "kind":
			if d.take(&seen, 1) {
				s.Kind = Kind(d.word())
			}
		case "iteration":
			if d.take(&seen, 2) {
				s.Iteration = d.int()
			}
		case "mode":
			if d.take(&seen, 3) {
				s.Mode = d.word()
			}
		case "scenario":
			if d.take(&seen, 4) {
				s.Scenario = d.word()
			}
		case "seed":
			if d.take(&seen, 5) {
				s.Seed = d.uint64()
			}
		case "started_at":
			if d.take(&seen, 6) {
				s.StartedAt = d.str()
			}
		case "duration_ms":
			if d.take(&seen, 7) {
				s.DurationMs = d.int64(64)
			}
		case "status":
			if d.take(&seen, 8) {
				s.Status = d.word()
			}
		case "failure":
			if d.take(&seen, 9) {
				s.Failure = new(Failure)
				d.failure(s.Failure)
			}
		case "summary":
			if d.take(&seen, 10) {
				d.summary(&s.Summary)
			}
		case "tuning":
			if d.take(&seen, 11) {
				s.Tuning = new(Tuning)
				d.tuning(s.Tuning)
			}
		case "adoption":
			if d.take(&seen, 12) {
				s.Adoption = new(Adoption)
				d.adoption(s.Adoption)
			}
		default:
			d.fail()
			return
		}
	}
}

func (d *fastDecoder) adoption(a *Adoption) {
	if !d.open('{') {
		return
	}
	var seen uint32
	for n := 0; ; n++ {
		key, ok := d.member(n)
		if !ok {
			return
		}
		switch string(key) {
		case "status":
			if d.take(&seen, 0) {
				a.Status = d.word()
			}
		case "keys":
			if d.take(&seen, 1) {
				a.Keys = d.int()
			}
		case "records":
			if d.take(&seen, 2) {
				a.Records = d.int()
			}
		case "mismatches":
			if d.take(&seen, 3) {
				a.Mismatches = d.mismatches()
			}
		default:
			d.fail()
			return
		}
	}
}

func (d *fastDecoder) mismatches() []Mismatch {
	if !d.open('[') {
		return nil
	}
	out := []Mismatch{}
	for n := 0; d.element(n); n++ {
		var m Mismatch
		if !d.null() {
			d.mismatch(&m)
		}
		out = append(out, m)
	}
	return out
}

func (d *fastDecoder) mismatch(m *Mismatch) {
	if !d.open('{') {
		return
	}
	var seen uint32
	for n := 0; ; n++ {
		key, ok := d.member(n)
		if !ok {
			return
		}
		switch string(key) {
		case "key":
			if d.take(&seen, 0) {
				m.Key = d.word()
			}
		case "wrote":
			if d.take(&seen, 1) {
				m.Wrote = d.float()
			}
		case "reported":
			if d.take(&seen, 2) {
				v := d.float()
				m.Reported = &v
			}
		default:
			d.fail()
			return
		}
	}
}

func (d *fastDecoder) failure(f *Failure) {
	if !d.open('{') {
		return
	}
	var seen uint32
	for n := 0; ; n++ {
		key, ok := d.member(n)
		if !ok {
			return
		}
		switch string(key) {
		case "reason":
			if d.take(&seen, 0) {
				f.Reason = d.word()
			}
		case "exit_code":
			if d.take(&seen, 1) {
				c := d.int()
				f.ExitCode = &c
			}
		case "stderr_tail":
			if d.take(&seen, 2) {
				f.StderrTail = d.str()
			}
		default:
			d.fail()
			return
		}
	}
}

// kpiBits numbers the KPI members of a summary object for take; the other
// members come after them.
var kpiBits = func() map[string]uint {
	m := make(map[string]uint, len(KPINames))
	for i, name := range KPINames {
		m[name] = uint(i)
	}
	return m
}()

func (d *fastDecoder) summary(s *Summary) {
	if !d.open('{') {
		return
	}
	k := uint(len(KPINames))
	var seen uint32
	for n := 0; ; n++ {
		key, ok := d.member(n)
		if !ok {
			return
		}
		switch string(key) {
		case "maker_taker_source":
			if d.take(&seen, k) {
				s.MakerTakerSource = d.word()
			}
		case "fills":
			if d.take(&seen, k+1) {
				s.Fills = new(Fills)
				d.fills(s.Fills)
			}
		case "blocks":
			if d.take(&seen, k+2) {
				s.Blocks = new(Blocks)
				d.blocks(s.Blocks)
			}
		case "events":
			if d.take(&seen, k+3) {
				s.Events = d.int64(64)
			}
		case "input":
			if d.take(&seen, k+4) {
				s.Input = d.word()
			}
		default:
			bit, ok := kpiBits[string(key)]
			if !ok {
				d.fail()
				return
			}
			if d.take(&seen, bit) {
				v := d.float()
				*s.kpiPtr(KPINames[bit]) = &v
			}
		}
	}
}

func (d *fastDecoder) fills(f *Fills) {
	if !d.open('{') {
		return
	}
	var seen uint32
	for n := 0; ; n++ {
		key, ok := d.member(n)
		if !ok {
			return
		}
		switch string(key) {
		case "maker_count":
			if d.take(&seen, 0) {
				f.MakerCount = d.int64(64)
			}
		case "taker_count":
			if d.take(&seen, 1) {
				f.TakerCount = d.int64(64)
			}
		case "maker_volume":
			if d.take(&seen, 2) {
				f.MakerVolume = d.float()
			}
		case "taker_volume":
			if d.take(&seen, 3) {
				f.TakerVolume = d.float()
			}
		default:
			d.fail()
			return
		}
	}
}

func (d *fastDecoder) blocks(b *Blocks) {
	if !d.open('{') {
		return
	}
	var seen uint32
	for n := 0; ; n++ {
		key, ok := d.member(n)
		if !ok {
			return
		}
		var p *int64
		var bit uint
		switch string(key) {
		case "min_interval":
			p, bit = &b.MinInterval, 0
		case "concurrency":
			p, bit = &b.Concurrency, 1
		case "risk":
			p, bit = &b.Risk, 2
		case "throttle":
			p, bit = &b.Throttle, 3
		case "total":
			p, bit = &b.Total, 4
		default:
			d.fail()
			return
		}
		if d.take(&seen, bit) {
			*p = d.int64(64)
		}
	}
}

func (d *fastDecoder) tuning(t *Tuning) {
	if !d.open('{') {
		return
	}
	var seen uint32
	for n := 0; ; n++ {
		key, ok := d.member(n)
		if !ok {
			return
		}
		switch string(key) {
		case "iteration":
			if d.take(&seen, 0) {
				t.Iteration = d.int()
			}
		case "proposed_deltas":
			if d.take(&seen, 1) {
				t.ProposedDeltas = d.floatMap()
			}
		case "applied":
			if d.take(&seen, 2) {
				t.Applied = d.bool()
			}
		case "changes":
			if d.take(&seen, 3) {
				t.Changes = d.changes()
			}
		case "changed_keys":
			if d.take(&seen, 4) {
				t.ChangedKeys = d.wordList()
			}
		case "skipped":
			if d.take(&seen, 5) {
				t.Skipped = d.skips()
			}
		case "skip_reason":
			if d.take(&seen, 6) {
				t.SkipReason = d.word()
			}
		case "guards":
			if d.take(&seen, 7) {
				t.Guards = d.wordList()
			}
		case "rationale":
			if d.take(&seen, 8) {
				t.Rationale = d.wordList()
			}
		case "old_hash":
			if d.take(&seen, 9) {
				t.OldHash = d.str()
			}
		case "state_hash":
			if d.take(&seen, 10) {
				t.StateHash = d.str()
			}
		case "verified":
			if d.take(&seen, 11) {
				t.Verified = d.bool()
			}
		case "frozen":
			if d.take(&seen, 12) {
				t.Frozen = d.wordList()
			}
		default:
			d.fail()
			return
		}
	}
}

func (d *fastDecoder) changes() []Change {
	if !d.open('[') {
		return nil
	}
	var buf [8]Change
	out := buf[:0]
	for n := 0; d.element(n); n++ {
		var c Change
		if !d.null() {
			d.change(&c)
		}
		out = append(out, c)
	}
	return append(make([]Change, 0, len(out)), out...)
}

func (d *fastDecoder) change(c *Change) {
	if !d.open('{') {
		return
	}
	var seen uint32
	for n := 0; ; n++ {
		key, ok := d.member(n)
		if !ok {
			return
		}
		switch string(key) {
		case "key":
			if d.take(&seen, 0) {
				c.Key = d.word()
			}
		case "old":
			if d.take(&seen, 1) {
				c.Old = d.float()
			}
		case "new":
			if d.take(&seen, 2) {
				c.New = d.float()
			}
		case "delta":
			if d.take(&seen, 3) {
				c.Delta = d.float()
			}
		default:
			d.fail()
			return
		}
	}
}

func (d *fastDecoder) skips() []Skip {
	if !d.open('[') {
		return nil
	}
	out := []Skip{}
	for n := 0; d.element(n); n++ {
		var s Skip
		if !d.null() {
			d.skip(&s)
		}
		out = append(out, s)
	}
	return out
}

func (d *fastDecoder) skip(s *Skip) {
	if !d.open('{') {
		return
	}
	var seen uint32
	for n := 0; ; n++ {
		key, ok := d.member(n)
		if !ok {
			return
		}
		switch string(key) {
		case "key":
			if d.take(&seen, 0) {
				s.Key = d.word()
			}
		case "guard":
			if d.take(&seen, 1) {
				s.Guard = d.word()
			}
		case "reason":
			if d.take(&seen, 2) {
				s.Reason = d.word()
			}
		default:
			d.fail()
			return
		}
	}
}

func (d *fastDecoder) tuningReport(r *TuningReport) {
	if !d.open('{') {
		return
	}
	var seen uint32
	for n := 0; ; n++ {
		// On a stream, the members other than the entries must fit in
		// what is ahead; one that does not leaves the fast path.
		d.ahead(64 << 10)
		key, ok := d.member(n)
		if !ok {
			return
		}
		switch string(key) {
		case "schema_version":
			if d.take(&seen, 0) {
				r.SchemaVersion = d.int()
			}
		case "kind":
			if d.take(&seen, 1) {
				r.Kind = Kind(d.word())
			}
		case "iterations":
			if d.take(&seen, 2) {
				r.Iterations = d.tunings()
			}
		case "summary":
			if d.take(&seen, 3) {
				d.tuningReportSummary(&r.Summary)
			}
		default:
			d.fail()
			return
		}
	}
}

// tunings reads the entries of a ledger (see tuningChunks).
func (d *fastDecoder) tunings() []Tuning {
	if !d.open('[') {
		return nil
	}
	var c tuningChunks
	for n := 0; ; n++ {
		d.ahead(1)
		if !d.element(n) {
			break
		}
		d.whole()
		e := c.next()
		if !d.null() {
			d.tuning(e)
		}
	}
	if out := c.slice(); out != nil {
		return out
	}
	return []Tuning{}
}

// tuningChunks collects ledger entries in chunks and copies them into one
// slice of the right size at the end: growing a slice of 100,000 entries
// by append allocated five times its size and spent a third of the
// ledger's decoding time copying.
type tuningChunks struct {
	full  [][]Tuning
	cur   []Tuning
	total int
}

// next appends a zero entry and returns it, to be filled.
func (c *tuningChunks) next() *Tuning {
	if len(c.cur) == cap(c.cur) {
		if c.cur != nil {
			c.full = append(c.full, c.cur)
		}
		c.cur = make([]Tuning, 0, 16<<min(len(c.full), 6)) // 16, 32, ... 1024
	}
	c.total++
	c.cur = append(c.cur, Tuning{})
	return &c.cur[len(c.cur)-1]
}

// slice returns the entries in order, nil when there are none.
func (c *tuningChunks) slice() []Tuning {
	switch {
	case c.total == 0:
		return nil
	case len(c.full) == 0:
		return c.cur
	}
	out := make([]Tuning, 0, c.total)
	for _, f := range c.full {
		out = append(out, f...)
	}
	return append(out, c.cur...)
}

func (d *fastDecoder) tuningReportSummary(s *TuningReportSummary) {
	if !d.open('{') {
		return
	}
	var seen uint32
	for n := 0; ; n++ {
		key, ok := d.member(n)
		if !ok {
			return
		}
		switch string(key) {
		case "count":
			if d.take(&seen, 0) {
				s.Count = d.int()
			}
		case "applied":
			if d.take(&seen, 1) {
				s.Applied = d.int()
			}
		case "guards":
			if d.take(&seen, 2) {
				s.Guards = d.intMap()
			}
		default:
			d.fail()
			return
		}
	}
}
