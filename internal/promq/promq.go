// Package promq is a bounded client of the Prometheus HTTP API
// (/api/v1/query and /api/v1/query_range), enough for release-tag canary:
// every request has a timeout and a retry budget, every response a size
// limit, every result a series limit, and every range query at most
// MaxPoints points per series (longer ranges are split). It speaks the
// API that Prometheus-compatible stores (Thanos Query, Mimir,
// VictoriaMetrics) serve as well.
package promq

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Limits of one client.
const (
	// MaxPoints is the most points per series one range query asks for
	// (Prometheus refuses more than 11,000).
	MaxPoints = 10000
	// DefaultMaxBody bounds a response body.
	DefaultMaxBody = 32 << 20
)

// Client queries one Prometheus.
type Client struct {
	base *url.URL
	hc   *http.Client
	// Timeout bounds one request (also sent to Prometheus as timeout=).
	Timeout time.Duration
	// Attempts is the retry budget of one query: tries in all, at least 1.
	Attempts int
	// Backoff is the wait before the second try; it doubles after.
	Backoff time.Duration
	// MaxSeries is the most series a result may hold.
	MaxSeries int
	// MaxBody bounds a response body in bytes.
	MaxBody int64
}

// New returns a client of the Prometheus at rawURL (http or https, no
// query or fragment), with a 30 s timeout, three tries 0.5 s apart
// (doubling), and at most 1 series per result.
func New(rawURL string) (*Client, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("want an http or https URL without credentials, query or fragment, got %q", rawURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return &Client{base: u, hc: &http.Client{}, Timeout: 30 * time.Second, Attempts: 3,
		Backoff: 500 * time.Millisecond, MaxSeries: 1, MaxBody: DefaultMaxBody}, nil
}

// Point is one sample.
type Point struct {
	T time.Time
	V float64
}

// Series is one series of a result.
type Series struct {
	Labels map[string]string
	Points []Point
}

// QueryError is Prometheus refusing a query (bad_data, a 4xx status):
// retrying cannot help.
type QueryError struct {
	Query string
	Type  string
	Msg   string
}

func (e *QueryError) Error() string {
	return fmt.Sprintf("prometheus refused %s: %s: %s", e.Query, e.Type, e.Msg)
}

// TooManySeriesError is a result holding more series than MaxSeries.
type TooManySeriesError struct {
	Query     string
	N, Max    int
	FirstSeen string
}

func (e *TooManySeriesError) Error() string {
	return fmt.Sprintf("%s returned %d series (at most %d; first %s): narrow the selector or aggregate the query", e.Query, e.N, e.Max, e.FirstSeen)
}

// UnreachableError is the retry budget spent on network errors, 5xx or
// 429 answers, or timeouts.
type UnreachableError struct {
	Attempts int
	Last     error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("prometheus unreachable after %d tries: %v", e.Attempts, e.Last)
}

func (e *UnreachableError) Unwrap() error { return e.Last }

// Instant evaluates q at t.
func (c *Client) Instant(ctx context.Context, q string, t time.Time) ([]Series, error) {
	v := url.Values{"query": {q}, "time": {fmtTime(t)}}
	return c.do(ctx, "/api/v1/query", q, v)
}

// Range evaluates q at start, start+step, … up to end, split into
// requests of at most MaxPoints points; the series are merged by labels.
func (c *Client) Range(ctx context.Context, q string, start, end time.Time, step time.Duration) ([]Series, error) {
	if step <= 0 {
		return nil, fmt.Errorf("range query %s: step must be positive", q)
	}
	if end.Before(start) {
		return nil, fmt.Errorf("range query %s: end %s before start %s", q, end.Format(time.RFC3339), start.Format(time.RFC3339))
	}
	merged := map[string]*Series{}
	var order []string
	for s := start; !s.After(end); {
		e := s.Add(step * (MaxPoints - 1))
		if e.After(end) {
			e = end
		}
		v := url.Values{"query": {q}, "start": {fmtTime(s)}, "end": {fmtTime(e)}, "step": {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)}}
		part, err := c.do(ctx, "/api/v1/query_range", q, v)
		if err != nil {
			return nil, err
		}
		for _, p := range part {
			k := LabelKey(p.Labels)
			m, ok := merged[k]
			if !ok {
				m = &Series{Labels: p.Labels}
				merged[k] = m
				order = append(order, k)
				if len(order) > c.MaxSeries {
					return nil, &TooManySeriesError{Query: q, N: len(order), Max: c.MaxSeries, FirstSeen: LabelKey(merged[order[0]].Labels)}
				}
			}
			m.Points = append(m.Points, p.Points...)
		}
		s = e.Add(step)
	}
	sort.Strings(order)
	out := make([]Series, len(order))
	for i, k := range order {
		out[i] = *merged[k]
	}
	return out, nil
}

func fmtTime(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', 3, 64)
}

// LabelKey is the canonical text of a label set, {a="x",b="y"} with the
// names sorted: for comparing label sets and naming one in a message.
func LabelKey(l map[string]string) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k + "=" + strconv.Quote(l[k]))
	}
	b.WriteByte('}')
	return b.String()
}

func (c *Client) do(ctx context.Context, path, q string, v url.Values) ([]Series, error) {
	attempts := max(c.Attempts, 1)
	wait := c.Backoff
	var last error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(wait):
			}
			wait *= 2
		}
		res, retry, err := c.once(ctx, path, q, v)
		if err == nil {
			return res, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !retry {
			return nil, err
		}
		last = err
	}
	return nil, &UnreachableError{Attempts: attempts, Last: last}
}

// timeoutParam spells d as the timeout= of a query: whole milliseconds,
// at least 1 (Prometheus durations take no fractions: "1.25s" is bad_data).
func timeoutParam(d time.Duration) string {
	return strconv.FormatInt(max(d.Milliseconds(), 1), 10) + "ms"
}

func (c *Client) once(ctx context.Context, path, q string, v url.Values) (_ []Series, retry bool, _ error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	v.Set("timeout", timeoutParam(c.Timeout))
	u := *c.base
	u.Path += path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(v.Encode()))
	if err != nil {
		return nil, false, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.hc.Do(req)
	if err != nil {
		// Refused connections, resets, timeouts: worth another try.
		return nil, true, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.MaxBody+1))
	if err != nil {
		return nil, true, err
	}
	if int64(len(body)) > c.MaxBody {
		return nil, false, fmt.Errorf("%s: response larger than %d bytes: narrow the selector or the range", q, c.MaxBody)
	}
	if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
		return nil, true, fmt.Errorf("HTTP %s", resp.Status)
	}
	res, err := Decode(body, c.MaxSeries)
	if err != nil {
		var qe *QueryError
		var te *TooManySeriesError
		switch {
		case errors.As(err, &qe):
			qe.Query = q
		case errors.As(err, &te):
			te.Query = q
		default:
			err = fmt.Errorf("%s: HTTP %d: %w", q, resp.StatusCode, err)
		}
		return nil, false, err
	}
	return res, false, nil
}

type response struct {
	Status    string          `json:"status"`
	Data      json.RawMessage `json:"data"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
}

type data struct {
	ResultType string            `json:"resultType"`
	Result     []json.RawMessage `json:"result"`
}

type rawSeries struct {
	Metric map[string]string `json:"metric"`
	Value  []json.RawMessage `json:"value"`
	Values [][]json.RawMessage
}

// Decode reads a Prometheus API response: a vector, matrix or scalar
// result, at most maxSeries series. An error answer is a *QueryError;
// anything else that is not such a document is an error naming what is
// wrong. Sample values are Prometheus's strings ("NaN", "+Inf" included).
func Decode(body []byte, maxSeries int) ([]Series, error) {
	var r response
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("not a Prometheus API response: %v", err)
	}
	if r.Status != "success" {
		if r.Status == "error" {
			return nil, &QueryError{Type: r.ErrorType, Msg: r.Error}
		}
		return nil, fmt.Errorf("not a Prometheus API response: status %q", r.Status)
	}
	var d data
	if err := json.Unmarshal(r.Data, &d); err != nil {
		return nil, fmt.Errorf("not a Prometheus API response: data: %v", err)
	}
	switch d.ResultType {
	case "scalar":
		// A scalar's result is one [t, "v"] pair.
		p, err := point(d.Result)
		if err != nil {
			return nil, fmt.Errorf("scalar result: %v", err)
		}
		return []Series{{Labels: map[string]string{}, Points: []Point{p}}}, nil
	case "vector", "matrix":
	default:
		return nil, fmt.Errorf("unsupported result type %q", d.ResultType)
	}
	if len(d.Result) > maxSeries {
		first := ""
		var rs rawSeries
		if json.Unmarshal(d.Result[0], &rs) == nil {
			first = LabelKey(rs.Metric)
		}
		return nil, &TooManySeriesError{N: len(d.Result), Max: maxSeries, FirstSeen: first}
	}
	out := make([]Series, 0, len(d.Result))
	for i, raw := range d.Result {
		var rs rawSeries
		if err := json.Unmarshal(raw, &rs); err != nil {
			return nil, fmt.Errorf("result[%d]: %v", i, err)
		}
		s := Series{Labels: rs.Metric}
		if s.Labels == nil {
			s.Labels = map[string]string{}
		}
		if d.ResultType == "vector" {
			p, err := point(rs.Value)
			if err != nil {
				return nil, fmt.Errorf("result[%d]: %v", i, err)
			}
			s.Points = []Point{p}
		} else {
			s.Points = make([]Point, 0, len(rs.Values))
			for j, pv := range rs.Values {
				p, err := point(pv)
				if err != nil {
					return nil, fmt.Errorf("result[%d].values[%d]: %v", i, j, err)
				}
				s.Points = append(s.Points, p)
			}
		}
		out = append(out, s)
	}
	return out, nil
}

func point(pair []json.RawMessage) (Point, error) {
	if len(pair) != 2 {
		return Point{}, fmt.Errorf("want a [time, \"value\"] pair, got %d elements", len(pair))
	}
	var ts float64
	if err := json.Unmarshal(pair[0], &ts); err != nil || math.IsNaN(ts) || math.IsInf(ts, 0) || ts < -1e11 || ts > 1e11 {
		return Point{}, fmt.Errorf("bad timestamp %s", pair[0])
	}
	var vs string
	if err := json.Unmarshal(pair[1], &vs); err != nil {
		return Point{}, fmt.Errorf("bad value %s: want a string", pair[1])
	}
	v, err := strconv.ParseFloat(vs, 64)
	if err != nil {
		return Point{}, fmt.Errorf("bad value %q", vs)
	}
	ms := int64(math.Round(ts * 1000))
	return Point{T: time.UnixMilli(ms).UTC(), V: v}, nil
}
