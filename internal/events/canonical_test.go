package events

import (
	"bytes"
	"math"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// sameAsGeneral checks that where the fast path accepts a line, the general
// parser reads the same event and check gives the same verdict.
func sameAsGeneral(t *testing.T, line []byte) (fast bool) {
	t.Helper()
	var ef Event
	var scratch []byte
	errFast, ok := parseFast(line, &ef, &scratch)
	if !ok {
		return false
	}
	var eg Event
	errGen := parseGeneral(line, &eg, &scratch)
	if (errFast == nil) != (errGen == nil) || errFast != nil && errFast.Error() != errGen.Error() {
		t.Fatalf("%q: fast path error %v, general parser error %v", line, errFast, errGen)
	}
	if errFast == nil {
		if diff := cmp.Diff(eg, ef); diff != "" {
			t.Fatalf("%q: (-general +fast):\n%s", line, diff)
		}
	}
	return true
}

// TestCanonicalTakesWriterOutput pins that every event the Writer writes
// goes through the fast path, and reads back the same; the effective_params
// record (one per iteration) is left to the general parser.
func TestCanonicalTakesWriterOutput(t *testing.T) {
	evs := append([]Event(nil), sample...)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 5000; i++ {
		var e Event
		genEvent(rng, int64(rng.IntN(1<<29)), &e) // t_ms <= MaxTMs
		evs = append(evs, e)
	}
	for i := range evs {
		b, err := AppendEvent(nil, &evs[i])
		if err != nil {
			t.Fatal(err)
		}
		line := bytes.TrimSuffix(b, []byte("\n"))
		if !sameAsGeneral(t, line) {
			t.Fatalf("fast path refused Writer output %q", line)
		}
	}
	if sameAsGeneral(t, []byte(strings.TrimSuffix(paramsText, "\n"))) {
		t.Errorf("fast path took an effective_params record")
	}
}

// TestFastTakesAnnotatedLines pins that a line in the Writer's form
// followed by annotations or x_ keys takes the fast path, with the general
// parser's result (accepted or not).
func TestFastTakesAnnotatedLines(t *testing.T) {
	for _, line := range []string{
		`{"kind":"order","t_ms":12,"action":"place","latency_ms":3.5,"symbol":"BTC-USD","side":"buy"}`,
		`{"kind":"fill","t_ms":56,"liquidity":"taker","qty":0.02,"price":65001,"gross_bps":-1,"fees_bps":-2,"x_venue":"A"}`,
		`{"kind":"fill","t_ms":56,"liquidity":"maker","qty":0.02,"price":65001,"age_ms":1,"order_id":17,"x_d":{"a":[1,2]}}`,
		`{"kind":"block","t_ms":60,"reason":"risk","order_id":"a"}`,
		`{"kind":"ws","t_ms":61,"lag_ms":120,"symbol":"ETH-USD"}`,
		`{"kind":"ws","t_ms":61,"lag_ms":120,"side":"buy"}`,
		`{"kind":"ws","t_ms":61,"lag_ms":120,"lag_ms":1}`,
		`{"kind":"order","t_ms":12,"action":"place","latency_ms":3.5,"venue":"A"}`,
	} {
		if !sameAsGeneral(t, []byte(line)) {
			t.Errorf("fast path refused %q", line)
		}
	}
}

// TestCanonicalRefuses lists near-canonical lines the fast path must leave
// to the general parser (which accepts or rejects them with its message).
func TestCanonicalRefuses(t *testing.T) {
	for _, line := range []string{
		`{"kind":"ws","t_ms":1,"lag_ms":2} `,
		`{"kind":"ws","t_ms":1, "lag_ms":2}`,
		`{"kind":"ws","t_ms":1.5,"lag_ms":2}`,
		`{"kind":"ws","t_ms":01,"lag_ms":2}`,
		`{"kind":"ws","t_ms":1,"lag_ms":02}`,
		`{"kind":"ws","t_ms":1,"lag_ms":2,"lag_ms":3}`,
		`{"kind":"ws","t_ms":1,"lag_ms":"2"}`,
		`{"kind":"ws","t_ms":1,"lag_ms":2x}`,
		`{"kind":"ws","t_ms":1,"lag_ms":1e999}`,
		`{"kind":"wss","t_ms":1,"lag_ms":2}`,
		`{"kind":"order","t_ms":1,"action":"place","latency_ms":2,"age_ms":}`,
		`{"kind":"order","t_ms":1,"action":"placed","latency_ms":2}`,
		`{"kind":"fill","t_ms":1,"liquidity":"maker","qty":1,"price":2,"fees_bps":1,"gross_bps":1,"age_ms":3}`,
		`{"kind":"block","t_ms":1,"reason":"risky"}`,
		`{"t_ms":1,"kind":"ws","lag_ms":2}`,
	} {
		var e Event
		if _, ok := parseCanonical([]byte(line), &e); ok {
			t.Errorf("fast path accepted %q", line)
		}
	}
}

// FuzzCanonical is the differential test of the fast path against the
// general parser.
func FuzzCanonical(f *testing.F) {
	for _, line := range strings.Split(sampleText, "\n") {
		f.Add([]byte(line))
	}
	f.Add([]byte(`{"kind":"order","t_ms":-0,"action":"cancel","latency_ms":-0,"age_ms":1E+2}`))
	f.Add([]byte(`{"kind":"fill","t_ms":1,"liquidity":"taker","qty":0,"price":2,"age_ms":-3}`))
	// Members after the Writer's form: the fast path's tail.
	for _, tail := range []string{`,"symbol":"B","side":"buy","order_id":7,"x_a":{"b":[1,null]}}`, `,"qty":4}`, `,}`, `, "x_a" : 1 } `,
		`,"kind":"ws"}`, `,"x_a":1}x`, `,"side":"up"}`, `,"age_ms":1}`, `,"x_\u0061":"\u0062"}`} {
		f.Add([]byte(`{"kind":"fill","t_ms":1,"liquidity":"maker","qty":1,"price":2,"fees_bps":-1,"age_ms":3` + tail))
		f.Add([]byte(`{"kind":"order","t_ms":1,"action":"place","latency_ms":2` + tail))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		if bytes.IndexByte(line, '\n') >= 0 {
			return
		}
		sameAsGeneral(t, line)
	})
}

// jsonNumber is the JSON number grammar (RFC 8259), anchored at the start.
var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`)

// FuzzParseNumber checks parseNumber against the JSON grammar for the
// extent of the number and against strconv.ParseFloat for its value.
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"0", "-0.5", "12.75", "0.000123", "1e22", "123456789012345678901", "1.5e-7", "-", "01", "1.", "1e", "0.0e+1",
		"206.16,", "-0.2541}", "99.9989", "-0.0", "01.5", "1.5E3", "12345.6", "123456.7", "1.2.3", "0.", "7,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" || !(s[0] == '-' || s[0] >= '0' && s[0] <= '9') {
			return // callers check the first byte
		}
		got, end, err := parseNumber([]byte(s), 0)
		// The same number with bytes past the slice's length in its
		// capacity, which the 8-byte loads read but must not count.
		for _, tail := range []string{"12345678", ".5e1", "e5", ".", "0.5"} {
			b := append([]byte(s), tail...)[:len(s)]
			g, en, er := parseNumber(b, 0)
			if math.Float64bits(g) != math.Float64bits(got) || en != end || er != err {
				t.Fatalf("%q with %q past its length: got %v, %d, %v; without: %v, %d, %v", s, tail, g, en, er, got, end, err)
			}
		}
		m := jsonNumber.FindString(s)
		// A '.' or an exponent with no digits after it makes a bad number
		// ("1.", "1e"), not a number followed by something else.
		dangling := len(m) < len(s) && (s[len(m)] == '.' && !strings.ContainsAny(m, ".eE") ||
			(s[len(m)] == 'e' || s[len(m)] == 'E') && !strings.ContainsAny(m, "eE"))
		if m == "" || dangling {
			if err == nil {
				t.Fatalf("%q: accepted %q, not a JSON number", s, s[:end])
			}
			return
		}
		want, werr := strconv.ParseFloat(m, 64)
		if werr != nil || math.IsInf(want, 0) {
			if err == nil {
				t.Fatalf("%q: got %v, want a range error", s, got)
			}
			return
		}
		if err != nil || end != len(m) || math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("%q: got %v, %d, %v; want %v, %d", s, got, end, err, want, len(m))
		}
	})
}

// FuzzParseInt checks parseInt against the JSON grammar and
// strconv.ParseInt: a run of digits without a leading zero, not followed by
// a fraction or exponent, in int64 range; also with digits past the slice's
// length in its capacity.
func FuzzParseInt(f *testing.F) {
	for _, s := range []string{"0", "-0", "7", "19998200", "123456789012345", "1234567890123456", "-9223372036854775808",
		"9223372036854775808", "01", "5.0", "5e3", "12}", "-", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if s == "" || !(s[0] == '-' || s[0] >= '0' && s[0] <= '9') {
			return // callers check the first byte
		}
		i := 0
		if s[0] == '-' {
			i = 1
		}
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		want, werr := strconv.ParseInt(s[:j], 10, 64)
		wantOK := j > i && !(s[i] == '0' && j-i > 1) && !(j < len(s) && strings.ContainsRune(".eE", rune(s[j]))) && werr == nil
		for _, b := range [][]byte{[]byte(s), append([]byte(s), "1234567890123456"...)[:len(s)]} {
			got, end, ok := parseInt(b, 0)
			if ok != wantOK || ok && (got != want || end != j) {
				t.Fatalf("%q: got %d, %d, %v; want %d, %d, %v", s, got, end, ok, want, j, wantOK)
			}
		}
	})
}
