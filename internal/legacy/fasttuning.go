package legacy

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/pkg/artifact"
)

// errSlowPath stops the typed reader of a tuning record (fastTuning) at a
// shape it does not read: an error, or a value the generic reader
// (tuningDoc, tuning) would read differently. The caller then reads the
// record, or its whole file, the generic way, which gives the result or the
// error text that way always gave.
var errSlowPath = errors.New("legacy: tuning record needs the generic reader")

// fastTuning is a legacy tuning record (an ITER_SUMMARY's "tuning" or a
// ledger entry) read straight into our record, without building generic
// values: the result is the one tuning(file, data, tuningDoc) gives for
// every record it accepts. Anything else (an error, a nested value where
// a scalar is read, a number out of range inside a member read, a
// proposed delta that is not a number) is errSlowPath.
type fastTuning artifact.Tuning

// deltaKV is one member of a deltas object, before the map is built.
type deltaKV struct {
	key string
	f   float64
	ok  bool // a number (or NaN/Infinity): num's ok
}

// UnmarshalJSONFrom reads a tuning record from dec.
func (ft *fastTuning) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	return readTuning(dec, (*artifact.Tuning)(ft))
}

// readTuning reads the object at dec into tu (zero on entry), as tuning
// converts it; see fastTuning.
func readTuning(dec *jsontext.Decoder, tu *artifact.Tuning) error {
	if dec.PeekKind() != '{' {
		return errSlowPath
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}
	var (
		buf      [8]deltaKV
		kvs      = buf[:0]
		srcStart [3]int // where each deltas source's members start in kvs
		srcEnd   [3]int
		srcSet   [3]bool // the source is a non-null object
		iterSet  bool
		iterVal  float64
		sigSet   bool
		sig      string
		skipObj  bool
		skipG    [4]bool // cooldown, freeze, oscillation, velocity
		skipNote string
		skipNoOp bool
		flags    [4]bool // oscillation_detected, velocity_violation, cooldown_active, freeze_triggered
		scratch  []byte
	)
	for dec.PeekKind() != '}' {
		name, err := readName(dec, &scratch)
		if err != nil {
			return err
		}
		switch string(name) {
		case "iteration":
			k := dec.PeekKind()
			switch k {
			case '0':
				f, err := readFloat(dec)
				if err != nil {
					return err
				}
				iterSet, iterVal = true, f
			case '"':
				s, err := readString(dec)
				if err != nil {
					return err
				}
				if f, ok := nonFiniteString(s); ok {
					iterSet, iterVal = true, f
				}
			default:
				if err := skipScalar(dec); err != nil {
					return err
				}
			}
		case "proposed_deltas", "deltas", "suggested_deltas":
			i := 0
			switch string(name) {
			case "deltas":
				i = 1
			case "suggested_deltas":
				i = 2
			}
			switch dec.PeekKind() {
			case 'n':
				if _, err := dec.ReadToken(); err != nil {
					return err
				}
				continue
			case '{':
			default:
				return errSlowPath
			}
			dec.ReadToken()
			srcSet[i], srcStart[i] = true, len(kvs)
			for dec.PeekKind() != '}' {
				key, err := readName(dec, &scratch)
				if err != nil {
					return err
				}
				kv := deltaKV{key: intern(key)}
				switch dec.PeekKind() {
				case '0':
					if kv.f, err = readFloat(dec); err != nil {
						return err
					}
					kv.ok = true
				case 'n':
					if _, err := dec.ReadToken(); err != nil {
						return err
					}
				case '"':
					s, err := readString(dec)
					if err != nil {
						return err
					}
					if kv.f, kv.ok = nonFiniteString(s); !kv.ok {
						return errSlowPath // num's error
					}
				default:
					return errSlowPath // num's error
				}
				kvs = append(kvs, kv)
			}
			if _, err := dec.ReadToken(); err != nil {
				return err
			}
			srcEnd[i] = len(kvs)
		case "applied":
			if dec.PeekKind() == 't' {
				tu.Applied = true
			}
			if err := skipScalar(dec); err != nil {
				return err
			}
		case "changed_keys":
			if tu.ChangedKeys, err = readStrings(dec); err != nil {
				return err
			}
		case "rationale":
			switch dec.PeekKind() {
			case '"':
				s, err := readString(dec)
				if err != nil {
					return err
				}
				for part := range strings.SplitSeq(s, " | ") { // tuning's Split, without its slice
					if part = strings.TrimSpace(part); part != "" {
						tu.Rationale = append(tu.Rationale, part)
					}
				}
			default:
				if tu.Rationale, err = readStrings(dec); err != nil {
					return err
				}
			}
		case "old_hash":
			if tu.OldHash, _, err = readStringOr(dec); err != nil {
				return err
			}
		case "state_hash":
			if tu.StateHash, _, err = readStringOr(dec); err != nil {
				return err
			}
		case "signature":
			if sig, sigSet, err = readStringOr(dec); err != nil {
				return err
			}
		case "skip_reason":
			switch dec.PeekKind() {
			case '"':
				if tu.SkipReason, _, err = readStringOr(dec); err != nil {
					return err
				}
			case '{':
				skipObj = true
				dec.ReadToken()
				for dec.PeekKind() != '}' {
					key, err := readName(dec, &scratch)
					if err != nil {
						return err
					}
					g := -1
					switch string(key) {
					case "cooldown":
						g = 0
					case "freeze":
						g = 1
					case "oscillation":
						g = 2
					case "velocity":
						g = 3
					case "no_op":
						skipNoOp = dec.PeekKind() == 't'
					case "note":
						if dec.PeekKind() == '"' {
							if skipNote, _, err = readStringOr(dec); err != nil {
								return err
							}
							continue
						}
					}
					if g >= 0 {
						skipG[g] = dec.PeekKind() == 't'
					}
					if err := skipScalar(dec); err != nil {
						return err
					}
				}
				if _, err := dec.ReadToken(); err != nil {
					return err
				}
			default:
				if err := skipScalar(dec); err != nil {
					return err
				}
			}
		case "oscillation_detected", "velocity_violation", "cooldown_active", "freeze_triggered":
			i := slices.Index([]string{"oscillation_detected", "velocity_violation", "cooldown_active", "freeze_triggered"}, string(name))
			flags[i] = dec.PeekKind() == 't'
			if err := skipScalar(dec); err != nil {
				return err
			}
		default:
			if err := dec.SkipValue(); err != nil {
				return err
			}
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return err
	}

	// What tuning does with the members read, in its order.
	if iterSet {
		tu.Iteration = int(iterVal)
	}
	src := -1
	for i := range srcSet {
		if srcSet[i] {
			src = i
			break
		}
	}
	n := 0
	if src >= 0 {
		for _, kv := range kvs[srcStart[src]:srcEnd[src]] {
			if kv.ok && finite(kv.f) {
				n++
			}
		}
	}
	tu.ProposedDeltas = make(map[string]float64, n)
	if src >= 0 {
		for _, kv := range kvs[srcStart[src]:srcEnd[src]] {
			if kv.ok && finite(kv.f) {
				tu.ProposedDeltas[kv.key] = numfmt.Round(kv.f)
			}
		}
	}
	if tu.StateHash == "" && sigSet && sig != "na" {
		tu.StateHash = sig
	}
	if skipObj {
		var guards []string
		for i, g := range []string{"cooldown", "freeze", "oscillation", "velocity"} {
			if skipG[i] {
				guards = append(guards, g)
			}
		}
		tu.Guards = guards
		tu.SkipReason = strings.Join(guards, ",")
		if tu.SkipReason == "" {
			tu.SkipReason = skipNote
		}
		if skipNoOp && tu.SkipReason == "" {
			tu.SkipReason = "no_op"
		}
	}
	for i, guard := range []string{"oscillation", "velocity", "cooldown", "freeze"} {
		if flags[i] && !slices.Contains(tu.Guards, guard) {
			tu.Guards = append(tu.Guards, guard)
		}
	}
	slices.Sort(tu.Guards)
	return nil
}

// readName reads an object member's name with dec, unquoted (see
// unquoteName).
func readName(dec *jsontext.Decoder, scratch *[]byte) ([]byte, error) {
	raw, err := dec.ReadValue()
	if err != nil {
		return nil, err
	}
	return unquoteName(raw, scratch)
}

// unquoteName returns the unquoted bytes of the string raw (a name or a
// string value), valid until the next read; escapes are decoded into
// scratch.
func unquoteName(raw jsontext.Value, scratch *[]byte) ([]byte, error) {
	if len(raw) < 2 || raw[0] != '"' {
		return nil, errSlowPath
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1], nil
	}
	b, err := jsontext.AppendUnquote((*scratch)[:0], raw)
	if err != nil {
		return nil, err
	}
	*scratch = b
	return b, nil
}

// readFloat reads a number as the generic reader does: out of float64's
// range is its error, so errSlowPath.
func readFloat(dec *jsontext.Decoder) (float64, error) {
	raw, err := dec.ReadValue()
	if err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return 0, errSlowPath
	}
	return f, nil
}

// readString reads a string value, interned.
func readString(dec *jsontext.Decoder) (string, error) {
	raw, err := dec.ReadValue()
	if err != nil {
		return "", err
	}
	var scratch []byte
	b, err := unquoteName(raw, &scratch)
	if err != nil {
		return "", err
	}
	return intern(b), nil
}

// readStringOr reads a string value, or skips a scalar of another kind
// (ok false); a nested value is errSlowPath.
func readStringOr(dec *jsontext.Decoder) (s string, ok bool, err error) {
	if dec.PeekKind() != '"' {
		return "", false, skipScalar(dec)
	}
	s, err = readString(dec)
	return s, err == nil, err
}

// readStrings reads what tuning keeps of a list of strings (its strings,
// nil without any) from a list, or skips a scalar.
func readStrings(dec *jsontext.Decoder) ([]string, error) {
	if dec.PeekKind() != '[' {
		return nil, skipScalar(dec)
	}
	dec.ReadToken()
	var out []string
	for dec.PeekKind() != ']' {
		if dec.PeekKind() == '"' {
			s, err := readString(dec)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
			continue
		}
		if err := skipScalar(dec); err != nil {
			return nil, err
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, err
	}
	return out, nil
}

// skipScalar skips a string, number, boolean or null; a number out of
// float64's range and a nested value (the generic reader would build it)
// are errSlowPath.
func skipScalar(dec *jsontext.Decoder) error {
	switch dec.PeekKind() {
	case '0':
		_, err := readFloat(dec)
		return err
	case '"', 't', 'f', 'n':
		_, err := dec.ReadValue()
		return err
	}
	return errSlowPath
}

// nonFiniteString is num on the strings sanitize writes for the toolkit's
// NaN and Infinity literals.
func nonFiniteString(s string) (float64, bool) {
	switch s {
	case "NaN":
		return math.NaN(), true
	case "Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	}
	return 0, false
}

// intern returns b as a string, the same string as an equal one interned
// shortly before on this P: the toolkit's records repeat their hashes (a
// state hash stays the same until a change is applied), their keys and
// their sources and times, and 100,000 copies of each were a tenth of the
// memory a legacy soak holds. A table per P (sync.Pool) costs a map
// lookup; unique.Make, tried first, cost 0.14 s of CPU at 100,000
// iterations.
func intern(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	t := internPool.Get().(*internTable)
	s := t.get(b)
	internPool.Put(t)
	return s
}

// internTable is a bounded table of interned strings.
type internTable struct{ m map[string]string }

// maxInterned bounds an internTable; a full table starts again empty.
const maxInterned = 4096

var internPool = sync.Pool{New: func() any { return &internTable{m: make(map[string]string)} }}

func (t *internTable) get(b []byte) string {
	if s, ok := t.m[string(b)]; ok {
		return s
	}
	if len(t.m) >= maxInterned {
		clear(t.m)
	}
	s := string(b)
	t.m[s] = s
	return s
}
