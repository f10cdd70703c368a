package events

import (
	"bytes"
	"errors"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func scanAll(t testing.TB, in string) ([]Event, error) {
	t.Helper()
	var got []Event
	err := Scan(strings.NewReader(in), func(e *Event) error {
		got = append(got, *e)
		return nil
	})
	return got, err
}

var sample = []Event{
	{Kind: KindOrder, TMs: 12, Action: ActionPlace, LatencyMs: 3.5},
	{Kind: KindOrder, TMs: 40, Action: ActionCancel, LatencyMs: 2.25, AgeMs: 28},
	{Kind: KindOrder, TMs: 41, Action: ActionReplace, LatencyMs: 0, AgeMs: 0},
	{Kind: KindFill, TMs: 55, Liquidity: Maker, Qty: 0.01, Price: 65000.5, GrossBps: 4, FeesBps: -1, AdverseBps: -2.5, AgeMs: 43},
	{Kind: KindFill, TMs: 56, Liquidity: Taker, Qty: 1e-9, Price: 1e22, GrossBps: -0.1, FeesBps: -5, SlippageBps: -1.25, AdverseBps: 3, InventoryBps: 0.3333333333333333, AgeMs: 0},
	{Kind: KindBlock, TMs: 60, Reason: ReasonRisk},
	{Kind: KindBlock, TMs: 60, Reason: ReasonMinInterval},
	{Kind: KindBlock, TMs: 61, Reason: ReasonConcurrency},
	{Kind: KindBlock, TMs: 62, Reason: ReasonThrottle},
	{Kind: KindWS, TMs: 0, LagMs: 120},
}

const sampleText = `{"kind":"order","t_ms":12,"action":"place","latency_ms":3.5}
{"kind":"order","t_ms":40,"action":"cancel","latency_ms":2.25,"age_ms":28}
{"kind":"order","t_ms":41,"action":"replace","latency_ms":0,"age_ms":0}
{"kind":"fill","t_ms":55,"liquidity":"maker","qty":0.01,"price":65000.5,"gross_bps":4,"fees_bps":-1,"adverse_bps":-2.5,"age_ms":43}
{"kind":"fill","t_ms":56,"liquidity":"taker","qty":1e-9,"price":1e+22,"gross_bps":-0.1,"fees_bps":-5,"slippage_bps":-1.25,"adverse_bps":3,"inventory_bps":0.3333333333333333,"age_ms":0}
{"kind":"block","t_ms":60,"reason":"risk"}
{"kind":"block","t_ms":60,"reason":"min_interval"}
{"kind":"block","t_ms":61,"reason":"concurrency"}
{"kind":"block","t_ms":62,"reason":"throttle"}
{"kind":"ws","t_ms":0,"lag_ms":120}
`

func TestWriteExact(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for i := range sample {
		if err := w.Write(&sample[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sampleText, buf.String()); diff != "" {
		t.Errorf("written (-want +got):\n%s", diff)
	}
	got, err := scanAll(t, buf.String())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sample, got); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}
}

func TestReadTolerated(t *testing.T) {
	one := []Event{{Kind: KindOrder, TMs: 1, Action: ActionPlace, LatencyMs: 2}}
	two := append(one, Event{Kind: KindWS, TMs: 3, LagMs: 4})
	tests := []struct {
		name, in string
		want     []Event
	}{
		{"empty input", "", nil},
		{"only newlines", "\n\n\r\n  \n", nil},
		{"no final newline", `{"kind":"order","t_ms":1,"action":"place","latency_ms":2}`, one},
		{"crlf", "{\"kind\":\"order\",\"t_ms\":1,\"action\":\"place\",\"latency_ms\":2}\r\n{\"kind\":\"ws\",\"t_ms\":3,\"lag_ms\":4}\r\n", two},
		{"bom", "\xef\xbb\xbf{\"kind\":\"order\",\"t_ms\":1,\"action\":\"place\",\"latency_ms\":2}\n", one},
		{"keys any order, spaces", " { \"latency_ms\" : 2.0 ,\t\"action\":\"place\", \"t_ms\":1, \"kind\" : \"order\" } \n\n{\"lag_ms\":4e0,\"t_ms\":3,\"kind\":\"ws\"}", two},
		{"escapes", `{"k\u0069nd":"\u006frder","t_ms":1,"action":"pl\u0061ce","latency_ms":20e-1}`, one},
		{"exponent forms", `{"kind":"order","t_ms":1,"action":"place","latency_ms":0.2E+1}`, one},
		{"place with age", `{"kind":"order","t_ms":1,"action":"place","latency_ms":2,"age_ms":5}`,
			[]Event{{Kind: KindOrder, TMs: 1, Action: ActionPlace, LatencyMs: 2, AgeMs: 5}}},
		{"fill minimal", `{"kind":"fill","t_ms":1,"liquidity":"taker","qty":1,"price":2,"age_ms":3}`,
			[]Event{{Kind: KindFill, TMs: 1, Liquidity: Taker, Qty: 1, Price: 2, AgeMs: 3}}},
		{"long number", `{"kind":"ws","t_ms":1,"lag_ms":0.1000000000000000055511151231257827}`,
			[]Event{{Kind: KindWS, TMs: 1, LagMs: 0.1}}},
		// What real bots write (issue 17, item 2).
		{"t_ms integral float", `{"kind":"ws","t_ms":5.0,"lag_ms":4}`, []Event{{Kind: KindWS, TMs: 5, LagMs: 4}}},
		{"t_ms exponent", `{"kind":"ws","t_ms":5e3,"lag_ms":4}` + "\n" + `{"kind":"ws","t_ms":5000.000,"lag_ms":4}`,
			[]Event{{Kind: KindWS, TMs: 5000, LagMs: 4}, {Kind: KindWS, TMs: 5000, LagMs: 4}}},
		{"taker fill without age", `{"kind":"fill","t_ms":1,"liquidity":"taker","qty":1,"price":2}`,
			[]Event{{Kind: KindFill, TMs: 1, Liquidity: Taker, Qty: 1, Price: 2}}},
		{"taker fill without age, bps", `{"kind":"fill","t_ms":1,"liquidity":"taker","qty":1,"price":2,"gross_bps":1,"fees_bps":-2}`,
			[]Event{{Kind: KindFill, TMs: 1, Liquidity: Taker, Qty: 1, Price: 2, GrossBps: 1, FeesBps: -2}}},
		{"symbol side order_id", `{"kind":"fill","t_ms":1,"liquidity":"maker","qty":1,"price":2,"age_ms":3,"symbol":"BTC-USD","side":"buy","order_id":"a-17"}` + "\n" +
			`{"kind":"order","t_ms":2,"action":"place","latency_ms":2,"side":"sell","order_id":123456789012345678901234567890}` + "\n" +
			`{"kind":"block","t_ms":3,"reason":"risk","symbol":"ETH\u002dUSD","order_id":7}` + "\n" +
			`{"kind":"ws","t_ms":4,"lag_ms":1,"symbol":"BTC-USD"}`,
			[]Event{{Kind: KindFill, TMs: 1, Liquidity: Maker, Qty: 1, Price: 2, AgeMs: 3},
				{Kind: KindOrder, TMs: 2, Action: ActionPlace, LatencyMs: 2}, {Kind: KindBlock, TMs: 3, Reason: ReasonRisk},
				{Kind: KindWS, TMs: 4, LagMs: 1}}},
		{"extension keys", `{"kind":"ws","t_ms":1,"x_diag":{"book":[1,2.5,{"a":null}],"ok":true,"s":"\u00e9"},"lag_ms":4,"x_n":-1e3,"x_f":false,"x_e":[],"x_o":{}}`,
			[]Event{{Kind: KindWS, TMs: 1, LagMs: 4}}},
		{"t_ms back within the tolerance", `{"kind":"ws","t_ms":5000,"lag_ms":4}` + "\n" + `{"kind":"ws","t_ms":4000,"lag_ms":4}`,
			[]Event{{Kind: KindWS, TMs: 5000, LagMs: 4}, {Kind: KindWS, TMs: 4000, LagMs: 4}}},
		{"maker rebate", `{"kind":"fill","t_ms":1,"liquidity":"maker","qty":1,"price":2,"fees_bps":3,"age_ms":3}`,
			[]Event{{Kind: KindFill, TMs: 1, Liquidity: Maker, Qty: 1, Price: 2, FeesBps: 3, AgeMs: 3}}},
		{"bounds", `{"kind":"fill","t_ms":604800000,"liquidity":"maker","qty":1,"price":2,"gross_bps":10000,"adverse_bps":-10000,"age_ms":604800000}` + "\n" +
			`{"kind":"order","t_ms":604800000,"action":"cancel","latency_ms":86400000,"age_ms":604800000}`,
			[]Event{{Kind: KindFill, TMs: 604800000, Liquidity: Maker, Qty: 1, Price: 2, GrossBps: 10000, AdverseBps: -10000, AgeMs: 604800000},
				{Kind: KindOrder, TMs: 604800000, Action: ActionCancel, LatencyMs: 86400000, AgeMs: 604800000}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scanAll(t, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	const ok = `{"kind":"ws","t_ms":1,"lag_ms":2}` + "\n"
	tests := []struct {
		name, in, want string
	}{
		{"not object", `[1]`, "line 1: not a JSON object"},
		{"garbage", `hello`, "line 1: not a JSON object"},
		{"empty object", `{}`, "line 1: missing kind"},
		{"unknown field", `{"kind":"ws","t_ms":1,"lag_ms":2,"x":1}`, `line 1: unknown field "x" (a bot's own fields start with x_)`},
		{"unknown kind", `{"kind":"trade"}`, `line 1: unknown kind "trade"`},
		{"unknown action", `{"kind":"order","action":"amend"}`, `line 1: unknown action "amend"`},
		{"unknown liquidity", `{"kind":"fill","liquidity":"both"}`, `line 1: unknown liquidity "both"`},
		{"unknown reason", `{"kind":"block","reason":"RISK"}`, `line 1: unknown reason "RISK"`},
		{"kind number", `{"kind":1}`, "line 1: kind: want string, got number"},
		{"qty string", `{"kind":"fill","qty":"1"}`, "line 1: qty: want number, got string"},
		{"bool", `{"kind":"ws","lag_ms":true}`, "line 1: lag_ms: want number, got boolean"},
		{"null", `{"kind":"ws","lag_ms":null}`, "line 1: lag_ms: want number, got null"},
		{"nested", `{"kind":"ws","lag_ms":{"a":1}}`, "line 1: lag_ms: want number, got object (nested values are not allowed)"},
		{"nan", `{"kind":"ws","t_ms":1,"lag_ms":NaN}`, "line 1: lag_ms: want number, got NaN or Infinity (not allowed)"},
		{"neg infinity", `{"kind":"ws","t_ms":1,"lag_ms":-Infinity}`, "line 1: lag_ms: invalid number"},
		{"overflow", `{"kind":"ws","t_ms":1,"lag_ms":1e400}`, "line 1: lag_ms: number out of float64 range"},
		{"t_ms float", `{"kind":"ws","t_ms":1.5,"lag_ms":1}`, "line 1: t_ms: 1.5 is not a whole number of milliseconds"},
		{"t_ms negative", `{"kind":"ws","t_ms":-1,"lag_ms":1}`, "line 1: ws: negative t_ms"},
		{"missing t_ms", `{"kind":"ws","lag_ms":1}`, "line 1: ws: missing t_ms"},
		{"fill missing qty", `{"kind":"fill","t_ms":1,"liquidity":"maker","price":2,"age_ms":1}`, "line 1: fill: missing qty"},
		{"fill missing liquidity", `{"kind":"fill","t_ms":1,"qty":1,"price":2,"age_ms":1}`, "line 1: fill: missing liquidity"},
		{"fill zero qty", `{"kind":"fill","t_ms":1,"liquidity":"maker","qty":0,"price":2,"age_ms":1}`, "line 1: fill: qty must be positive and finite"},
		{"cancel missing age", `{"kind":"order","t_ms":1,"action":"cancel","latency_ms":1}`, "line 1: order: missing age_ms"},
		{"order missing latency", `{"kind":"order","t_ms":1,"action":"place"}`, "line 1: order: missing latency_ms"},
		{"negative latency", `{"kind":"order","t_ms":1,"action":"place","latency_ms":-1}`, "line 1: order: latency_ms must be finite and >= 0"},
		{"foreign field", `{"kind":"block","t_ms":1,"reason":"risk","qty":1}`, "line 1: block: field qty does not belong to kind block"},
		{"duplicate", `{"kind":"ws","t_ms":1,"lag_ms":1,"lag_ms":2}`, "line 1: duplicate field lag_ms"},
		{"trailing garbage", `{"kind":"ws","t_ms":1,"lag_ms":1} x`, "line 1: data after the object"},
		{"two objects", `{"kind":"ws","t_ms":1,"lag_ms":1}{}`, "line 1: data after the object"},
		{"trailing comma", `{"kind":"ws","t_ms":1,"lag_ms":1,}`, "line 1: expected a quoted field name"},
		{"unterminated", `{"kind":"ws","t_ms":1,"lag_ms":1`, "line 1: unexpected end of line in object"},
		{"unterminated string", `{"kind":"ws`, "line 1: unterminated string"},
		{"leading zero", `{"kind":"ws","t_ms":1,"lag_ms":01}`, "line 1: expected ',' or '}' after value"},
		{"dot number", `{"kind":"ws","t_ms":1,"lag_ms":1.}`, "line 1: lag_ms: invalid number"},
		{"bad escape", `{"kind":"w\s"}`, "line 1: invalid escape in string"},
		{"lone surrogate", `{"kind":"\ud800"}`, "line 1: lone surrogate in \\u escape in string"},
		{"control char", "{\"kind\":\"w\ts\"}", "line 1: control character in string"},
		{"bom not at start", ok + "\xef\xbb\xbf" + ok, "line 2: not a JSON object"},
		{"line number counts empty lines", ok + "\n\r\n" + ok + "{", "line 5: unexpected end of line in object"},
		{"too long", ok + `{"kind":"ws","t_ms":1,"lag_ms":1` + strings.Repeat(" ", MaxLineBytes) + "}\n" + ok, "line 2: line longer than 1048576 bytes"},
		{"too long last", ok + strings.Repeat(" ", MaxLineBytes+1), "line 2: line longer than 1048576 bytes"},
		// What is certainly wrong (issue 17, item 3).
		{"maker fill without age", `{"kind":"fill","t_ms":1,"liquidity":"maker","qty":1,"price":2}`, "line 1: fill: missing age_ms"},
		{"taker fee positive", `{"kind":"fill","t_ms":1,"liquidity":"taker","qty":1,"price":2,"fees_bps":5}`,
			"line 1: fill: fees_bps 5 is positive on a taker fill: a fee is a cost and is negative (write -5)"},
		{"maker fee as cost", `{"kind":"fill","t_ms":1,"liquidity":"maker","qty":1,"price":2,"fees_bps":5,"age_ms":1}`,
			"line 1: fill: fees_bps 5 is above the largest maker rebate (+3 bps): a fee is a cost and is negative (write -5)"},
		{"gross huge", `{"kind":"fill","t_ms":1,"liquidity":"taker","qty":1,"price":2,"gross_bps":1e6}`,
			"line 1: fill: gross_bps 1000000 is beyond ±10000 bps (100% of the fill's notional): basis points, not a price or a fraction?"},
		{"adverse huge", `{"kind":"fill","t_ms":1,"liquidity":"taker","qty":1,"price":2,"adverse_bps":-10000.5}`,
			"line 1: fill: adverse_bps -10000.5 is beyond ±10000 bps (100% of the fill's notional): basis points, not a price or a fraction?"},
		{"epoch t_ms", `{"kind":"ws","t_ms":1733540000000,"lag_ms":1}`,
			"line 1: ws: t_ms 1733540000000 looks like epoch milliseconds: t_ms counts milliseconds from the start of the iteration (at most 604800000)"},
		{"t_ms beyond seven days", `{"kind":"ws","t_ms":604800001,"lag_ms":1}`,
			"line 1: ws: t_ms 604800001 is more than seven days after the start of the iteration (at most 604800000)"},
		{"latency in microseconds", `{"kind":"order","t_ms":1,"action":"place","latency_ms":86400001}`,
			"line 1: order: latency_ms 86400001 is above 86400000 (one day): milliseconds, not microseconds?"},
		{"lag huge", `{"kind":"ws","t_ms":1,"lag_ms":1e9}`, "line 1: ws: lag_ms 1000000000 is above 86400000 (one day): milliseconds, not microseconds?"},
		{"t_ms backwards", `{"kind":"ws","t_ms":5000,"lag_ms":1}` + "\n" + `{"kind":"ws","t_ms":9000,"lag_ms":1}` + "\n\n" + `{"kind":"ws","t_ms":7999,"lag_ms":1}`,
			"line 4: t_ms 7999 goes back more than 1000 ms before t_ms 9000 of an earlier line: write events in time order"},
		{"t_ms half", `{"kind":"ws","t_ms":5.5e0,"lag_ms":1}`, "line 1: t_ms: 5.5e0 is not a whole number of milliseconds"},
		{"t_ms float huge", `{"kind":"ws","t_ms":1e19,"lag_ms":1}`, "line 1: t_ms: not an integer in int64 range"},
		{"bad side", `{"kind":"order","t_ms":1,"action":"place","latency_ms":1,"side":"BUY"}`, `line 1: unknown side "BUY" (want "buy" or "sell")`},
		{"side on ws", `{"kind":"ws","t_ms":1,"lag_ms":1,"side":"buy"}`, "line 1: ws: field side does not belong to kind ws"},
		{"empty symbol", `{"kind":"ws","t_ms":1,"lag_ms":1,"symbol":""}`, "line 1: symbol: want 1 to 256 bytes, got 0"},
		{"symbol number", `{"kind":"ws","t_ms":1,"lag_ms":1,"symbol":5}`, "line 1: symbol: want string, got number"},
		{"order_id bool", `{"kind":"block","t_ms":1,"reason":"risk","order_id":true}`, "line 1: order_id: want string or number, got boolean"},
		{"duplicate symbol", `{"kind":"ws","t_ms":1,"lag_ms":1,"symbol":"a","symbol":"b"}`, "line 1: duplicate field symbol"},
		{"bad extension", `{"kind":"ws","t_ms":1,"lag_ms":1,"x_a":[1,}`, `line 1: "x_a": invalid value`},
		{"extension too deep", `{"kind":"ws","t_ms":1,"lag_ms":1,"x_a":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, `line 1: "x_a": nested more than 32 deep`},
		{"escaped extension key, bad escaped value", `{"kind":"ws","t_ms":1,"lag_ms":1,"x_\u0061":["\u0062",}`, `line 1: "x_a": invalid value`},
		{"x_ alone is not an extension", `{"kind":"ws","t_ms":1,"lag_ms":1,"x_":1}`, `line 1: unknown field "x_" (a bot's own fields start with x_)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := scanAll(t, tt.in)
			if err == nil {
				t.Fatal("no error")
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			var le *LineError
			if !errors.As(err, &le) {
				t.Errorf("not a *LineError: %T", err)
			}
		})
	}
}

func TestMaxLineAccepted(t *testing.T) {
	line := `{"kind":"ws","t_ms":1,"lag_ms":1}`
	in := line + strings.Repeat(" ", MaxLineBytes-len(line)) + "\n" + line
	got, err := scanAll(t, in)
	if err != nil || len(got) != 2 {
		t.Fatalf("got %d events, err %v", len(got), err)
	}
}

func TestScanCallbackError(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := Scan(strings.NewReader(sampleText), func(*Event) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || err.Error() != "line 3: stop" {
		t.Fatalf("err = %v", err)
	}
}

type errReader struct{ data io.Reader }

func (r errReader) Read(p []byte) (int, error) {
	n, err := r.data.Read(p)
	if err == io.EOF {
		return n, errors.New("disk on fire")
	}
	return n, err
}

func TestReadError(t *testing.T) {
	err := Scan(errReader{strings.NewReader(sampleText)}, func(*Event) error { return nil })
	if err == nil || err.Error() != "read after line 10: disk on fire" {
		t.Fatalf("err = %v", err)
	}
}

// oneByteReader forces lines across buffer boundaries.
type oneByteReader struct{ r io.Reader }

func (r oneByteReader) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return r.r.Read(p)
}

func TestSmallReads(t *testing.T) {
	var got []Event
	err := Scan(oneByteReader{strings.NewReader(sampleText)}, func(e *Event) error {
		got = append(got, *e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sample, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestWriteInvalid(t *testing.T) {
	tests := []struct {
		name string
		e    Event
		want string
	}{
		{"zero", Event{}, "invalid kind"},
		{"nan latency", Event{Kind: KindOrder, Action: ActionPlace, LatencyMs: math.NaN()}, "order: latency_ms must be finite and >= 0"},
		{"inf gross", Event{Kind: KindFill, Liquidity: Maker, Qty: 1, Price: 1, GrossBps: math.Inf(1)}, "fill: gross_bps is not finite"},
		{"foreign", Event{Kind: KindWS, LagMs: 1, Qty: 1}, "ws: field qty does not belong to kind ws"},
		{"bad action", Event{Kind: KindOrder, Action: 9}, "order: invalid action"},
		{"bad reason", Event{Kind: KindBlock}, "block: invalid reason"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			w := NewWriter(&buf)
			err := w.Write(&tt.e)
			if err == nil {
				t.Fatal("no error")
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			w.Flush()
			if buf.Len() != 0 {
				t.Errorf("wrote %q", buf.String())
			}
		})
	}
}

// TestParseNumberExact checks the fast number path against strconv.
func TestParseNumberExact(t *testing.T) {
	for _, s := range []string{"0", "-0", "1", "0.1", "0.3", "123.456", "65000.5", "999999999999999", "0.000000000000000000001",
		"1e22", "1e23", "9007199254740993", "12345678901234567890", "4.35", "2.2250738585072014e-308", "1.7976931348623157e308",
		"0.1e-22", "100000000000000000000000e-10"} {
		got, _, err := parseNumber([]byte(s), 0)
		if err != nil {
			t.Errorf("%s: %v", s, err)
			continue
		}
		want, _ := strconvParse(s)
		if math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("%s: got %v want %v", s, got, want)
		}
	}
}

func TestNoAllocs(t *testing.T) {
	in := strings.Repeat(sampleText, 1000)
	r := strings.NewReader(in)
	rd := NewReader(r)
	var e Event
	for rd.Next(&e) == nil && rd.Line() < 100 {
	}
	allocs := testing.AllocsPerRun(1000, func() {
		if err := rd.Next(&e); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per line", allocs)
	}
}
