package promq

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/common/model"
)

func TestParseSelector(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{in: `track="canary"`, want: `track="canary"`},
		{in: ` track = "canary" , job=~'bot.*' `, want: `track="canary",job=~"bot.*"`},
		{in: `a!="",b="x\"y"`, want: `a!="",b="x\"y"`},
		{in: `track='it\'s'`, want: `track="it's"`},
		{in: ``, err: "offset 0: want a label name"},
		{in: `track`, err: "offset 5: want =, !=, =~ or !~ after track"},
		{in: `track=canary`, err: "offset 6: want a quoted value for track"},
		{in: `track="canary"}`, err: "offset 14: want ',' between matchers"},
		{in: `track="can`, err: "offset 6: unterminated value of track"},
		{in: `a="1",`, err: "offset 6: want a label name"},
		{in: `a=~".*"`, err: "every matcher matches the empty value"},
		{in: `a=""`, err: "every matcher matches the empty value"},
		{in: `1a="x"`, err: "offset 0: want a label name"},
		{in: `a="x"} or vector(1) or {b="y"`, err: "offset 5: want ','"},
		{in: strings.Repeat("a", MaxSelectorBytes+1), err: "selector of 1025 bytes"},
	}
	for _, tc := range tests {
		ms, err := ParseSelector(tc.in)
		if tc.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
				t.Errorf("ParseSelector(%q): error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseSelector(%q): %v", tc.in, err)
			continue
		}
		if got := FormatSelector(ms); got != tc.want {
			t.Errorf("ParseSelector(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// FuzzParseSelector: an accepted selector formats to one that parses to
// the same matchers, and holds no brace or newline outside its quoted
// values (it cannot close the query's braces).
func FuzzParseSelector(f *testing.F) {
	for _, s := range []string{`track="canary"`, `a=~'x',b!="y"`, `a="}"`, `x="\n"`, `a="1",`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ms, err := ParseSelector(s)
		if err != nil {
			return
		}
		out := FormatSelector(ms)
		again, err := ParseSelector(out)
		if err != nil {
			t.Fatalf("%q formats to %q, which does not parse: %v", s, out, err)
		}
		if diff := cmp.Diff(ms, again); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
		inside := false
		for i := 0; i < len(out); i++ {
			switch {
			case out[i] == '\\' && inside:
				i++
			case out[i] == '"':
				inside = !inside
			case !inside && strings.ContainsRune("{}()[]\n", rune(out[i])):
				t.Fatalf("%q: %q outside a value", out, out[i])
			}
		}
	})
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{5 * time.Minute: "5m", time.Second: "1s", 90 * time.Minute: "1h30m", 1500 * time.Millisecond: "1s500ms", 0: "0s", 48 * time.Hour: "48h"} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%s) = %s, want %s", d, got, want)
		}
	}
}

func TestDecode(t *testing.T) {
	vec := `{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"b"},"value":[1700000000.5,"0.25"]}]}}`
	got, err := Decode([]byte(vec), 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []Series{{Labels: map[string]string{"a": "b"}, Points: []Point{{T: time.UnixMilli(1700000000500).UTC(), V: 0.25}}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	errs := map[string]string{
		`{"status":"error","errorType":"bad_data","error":"parse error"}`:                                                                  "prometheus refused : bad_data: parse error",
		`{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"x"]}]}}`:                                     `result[0]: bad value "x"`,
		`{"status":"success","data":{"resultType":"string","result":[1,"x"]}}`:                                                             `unsupported result type "string"`,
		`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":"1"},"values":[]},{"metric":{"a":"2"},"values":[]}]}}`: `returned 2 series (at most 1; first {a="1"})`,
		`<html>`: "not a Prometheus API response",
	}
	for body, want := range errs {
		_, err := Decode([]byte(body), 1)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Decode(%s): %v, want %q", body, err, want)
		}
	}
	s, err := Decode([]byte(`{"status":"success","data":{"resultType":"scalar","result":[5,"NaN"]}}`), 1)
	if err != nil || len(s) != 1 || len(s[0].Points) != 1 || s[0].Points[0].V == s[0].Points[0].V {
		t.Errorf("scalar NaN: %v %v", s, err)
	}
}

// FuzzDecode: Decode never panics, and what it accepts has at most
// maxSeries series.
func FuzzDecode(f *testing.F) {
	f.Add(`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"b"},"value":[1.5,"2"]}]}}`)
	f.Add(`{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"+Inf"],[2,"-1e308"]]}]}}`)
	f.Add(`{"status":"error","errorType":"timeout","error":"x"}`)
	f.Add(`{"status":"success","data":{"resultType":"scalar","result":[1,"1"]}}`)
	f.Fuzz(func(t *testing.T, body string) {
		ss, err := Decode([]byte(body), 2)
		if err != nil {
			if ss != nil {
				t.Fatal("series with an error")
			}
			return
		}
		if len(ss) > 2 {
			t.Fatalf("%d series accepted", len(ss))
		}
	})
}

// TestRangeSplits: a range longer than MaxPoints points is asked in parts
// and the parts merged; every request carries a timeout.
func TestRangeSplits(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		r.ParseForm()
		if r.Form.Get("timeout") == "" {
			t.Error("no timeout sent")
		}
		start, _ := strconv.ParseFloat(r.Form.Get("start"), 64)
		end, _ := strconv.ParseFloat(r.Form.Get("end"), 64)
		step, _ := strconv.ParseFloat(r.Form.Get("step"), 64)
		if n := int((end-start)/step) + 1; n > MaxPoints {
			t.Errorf("%d points in one request", n)
		}
		var vals []string
		for ts := start; ts <= end; ts += step {
			vals = append(vals, fmt.Sprintf(`[%g,"%g"]`, ts, ts))
		}
		fmt.Fprintf(w, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[%s]}]}}`, strings.Join(vals, ","))
	}))
	defer srv.Close()
	c, err := New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Unix(1_700_000_000, 0)
	ss, err := c.Range(context.Background(), "up", start, start.Add(25000*time.Second), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if requests.Load() != 3 || len(ss) != 1 || len(ss[0].Points) != 25001 {
		t.Fatalf("%d requests, %d series, %d points", requests.Load(), len(ss), len(ss[0].Points))
	}
	for i, p := range ss[0].Points {
		if !p.T.Equal(start.Add(time.Duration(i) * time.Second)) {
			t.Fatalf("point %d at %s", i, p.T)
		}
	}
}

// TestRetryBudget: 5xx answers are retried up to Attempts, then the query
// is Unreachable; a refused query is not retried.
func TestRetryBudget(t *testing.T) {
	var n atomic.Int32
	status := http.StatusServiceUnavailable
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(status)
		fmt.Fprint(w, `{"status":"error","errorType":"bad_data","error":"nope"}`)
	}))
	defer srv.Close()
	c, _ := New(srv.URL)
	c.Backoff = time.Millisecond
	_, err := c.Instant(context.Background(), "up", time.Unix(1, 0))
	var ue *UnreachableError
	if !errors.As(err, &ue) || n.Load() != 3 {
		t.Fatalf("%v after %d requests, want unreachable after 3", err, n.Load())
	}
	n.Store(0)
	status = http.StatusBadRequest
	_, err = c.Instant(context.Background(), "up(", time.Unix(1, 0))
	var qe *QueryError
	if !errors.As(err, &qe) || n.Load() != 1 || !strings.Contains(err.Error(), "up(") {
		t.Fatalf("%v after %d requests, want a refusal after 1", err, n.Load())
	}
}

func TestBodyLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, strings.Repeat(" ", 2000))
	}))
	defer srv.Close()
	c, _ := New(srv.URL)
	c.MaxBody = 1000
	if _, err := c.Instant(context.Background(), "up", time.Unix(1, 0)); err == nil || !strings.Contains(err.Error(), "response larger than 1000 bytes") {
		t.Fatalf("%v", err)
	}
}

func TestNewRefuses(t *testing.T) {
	for _, u := range []string{"", "ftp://x", "http://", "http://u:p@h", "http://h/?q=1", "localhost:9090"} {
		if _, err := New(u); err == nil {
			t.Errorf("New(%q) accepted", u)
		}
	}
}

// TestTimeoutIsAPrometheusDuration: the timeout= sent is a duration
// Prometheus parses, also for a fraction of a second ("1.25s" is refused
// as bad_data by Prometheus's duration parser).
func TestTimeoutIsAPrometheusDuration(t *testing.T) {
	// Each timeout spelled as Prometheus reads it: whole milliseconds, at
	// least 1. (A 500 µs deadline is too short to send a real request
	// through under -race, so the spelling is checked directly and one
	// request shows it is what the server receives.)
	for _, d := range []time.Duration{1250 * time.Millisecond, 30 * time.Second, 500 * time.Microsecond} {
		pd, err := model.ParseDuration(timeoutParam(d))
		if err != nil {
			t.Fatalf("timeout %v spelled %q: %v", d, timeoutParam(d), err)
		}
		if want := max(d.Truncate(time.Millisecond), time.Millisecond); time.Duration(pd) != want {
			t.Errorf("timeout %v spelled %q = %v", d, timeoutParam(d), time.Duration(pd))
		}
	}
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		got = r.Form.Get("timeout")
		fmt.Fprint(w, `{"status":"success","data":{"resultType":"vector","result":[]}}`)
	}))
	defer srv.Close()
	c, err := New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	c.Timeout = 1250 * time.Millisecond
	if _, err := c.Instant(context.Background(), "up", time.Unix(1_700_000_000, 0)); err != nil {
		t.Fatal(err)
	}
	if got != "1250ms" {
		t.Errorf("the server received timeout=%q, want 1250ms", got)
	}
}
