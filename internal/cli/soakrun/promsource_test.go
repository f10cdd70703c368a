package soakrun

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/internal/promq"
)

func TestPrometheusOptions(t *testing.T) {
	prom := []string{"--exec", "--kpi-source", "prometheus", "--prometheus-url", "http://127.0.0.1:9090", "--iteration-duration", "5m"}
	with := func(extra ...string) []string {
		return append(append(append([]string{}, prom...), extra...), "--", "bot")
	}
	t.Run("accepted", func(t *testing.T) {
		o, err := parse(t, with("--selector", `track="soak", job=~"bot.*"`, "--scrape-interval", "30s"), nil)
		if err != nil {
			t.Fatal(err)
		}
		want := struct {
			Source, URL, Selector string
			Window, Scrape        time.Duration
		}{KPISourcePrometheus, "http://127.0.0.1:9090", `track="soak", job=~"bot.*"`, 5 * time.Minute, 30 * time.Second}
		got := want
		got.Source, got.URL, got.Selector, got.Window, got.Scrape = o.KPISource, o.PrometheusURL, o.Selector, o.IterationDuration, o.ScrapeInterval
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("no selector", func(t *testing.T) {
		o, err := parse(t, with(), nil)
		if err != nil {
			t.Fatal(err)
		}
		src, err := newPromSource(o, policy.Default(false))
		if err != nil || src.Selector != "" {
			t.Fatalf("selector %q, %v; want none (every series)", src.Selector, err)
		}
	})
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown source", []string{"--exec", "--kpi-source", "statsd", "--", "bot"}, "--kpi-source: want events or prometheus"},
		{"url without the source", []string{"--exec", "--prometheus-url", "http://x:1", "--", "bot"}, "--prometheus-url goes with --kpi-source prometheus"},
		{"selector without the source", []string{"--exec", "--selector", `a="b"`, "--", "bot"}, "--selector goes with"},
		{"window without the source", []string{"--exec", "--iteration-duration", "1m", "--", "bot"}, "--iteration-duration goes with"},
		{"mock", []string{"--kpi-source", "prometheus", "--prometheus-url", "http://x:1", "--iteration-duration", "1m"}, "it goes with --exec"},
		{"no url", []string{"--exec", "--kpi-source", "prometheus", "--iteration-duration", "1m", "--", "bot"}, "needs --prometheus-url"},
		{"no window", []string{"--exec", "--kpi-source", "prometheus", "--prometheus-url", "http://x:1", "--", "bot"}, "needs --iteration-duration"},
		{"window under two scrapes", with("--iteration-duration", "20s"), "fewer than two scrapes"},
		{"zero scrape interval", with("--scrape-interval", "0s"), "--scrape-interval must be positive"},
		{"iteration timeout", with("--iteration-timeout", "1m"), "--iteration-timeout bounds a command per iteration"},
		{"url with credentials", with("--prometheus-url", "http://u:p@x:1"), "--prometheus-url: want an http or https URL"},
		{"url not http", with("--prometheus-url", "file:///etc/passwd"), "--prometheus-url: want an http or https URL"},
		{"bad selector", with("--selector", `track="soak`), "--selector:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, tc.args, nil)
			var ue *cliutil.UsageError
			if !errors.As(err, &ue) || cliutil.ExitCode(err) != 2 {
				t.Fatalf("got %v, want a usage error (exit 2)", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %q, want it to say %q", err, tc.want)
			}
		})
	}
}

// fakeAPI answers every instant query with the vector result for it in
// results (the query's text as key), else an empty vector.
func fakeAPI(t *testing.T, results map[string]string) *promq.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		res, ok := results[r.Form.Get("query")]
		if !ok {
			res = `[]`
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"success","data":{"resultType":"vector","result":` + res + `}}`))
	}))
	t.Cleanup(srv.Close)
	c, err := promq.New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sample(v string) string { return `[{"metric":{},"value":[1700000000,"` + v + `"]}]` }

// TestPromQueryMissingNeverZero: a KPI whose query has no series, NaN
// (0/0: nothing in the window) or an infinity is missing in the summary,
// never 0, and named in no_data; a value is rounded as internal/kpi rounds.
func TestPromQueryMissingNeverZero(t *testing.T) {
	src := &promSource{Selector: `track="soak"`, Window: 10 * time.Second, Scrape: time.Second, Queries: map[string]string{
		"maker_taker_ratio": `maker{$selector}[$range]`,
		"p95_latency_ms":    `p95{$selector}[$range]`,
		"risk_ratio":        `risk{$selector}[$range]`,
		"net_bps":           `net{$selector}[$range]`,
		"cancel_ratio":      `cancel{$selector}[$range]`,
	}}
	c := fakeAPI(t, map[string]string{
		`maker{track="soak"}[10s]`:  sample("0.812345678"),
		`p95{track="soak"}[10s]`:    sample("NaN"),
		`risk{track="soak"}[10s]`:   `[]`,
		`net{track="soak"}[10s]`:    sample("+Inf"),
		`cancel{track="soak"}[10s]`: sample("0"),
	})
	end := time.Date(2026, 12, 1, 0, 0, 10, 0, time.UTC)
	ev, failure, err := src.query(context.Background(), c, c, end.Add(-10*time.Second), end)
	if err != nil || failure != "" {
		t.Fatalf("query: %v %q", err, failure)
	}
	if diff := cmp.Diff([]string{"p95_latency_ms", "risk_ratio", "net_bps"}, ev.NoData); diff != "" {
		t.Errorf("no_data (-want +got):\n%s", diff)
	}
	s := ev.summary()
	for _, k := range []string{"p95_latency_ms", "risk_ratio", "net_bps"} {
		if v, ok := s.KPI(k); ok {
			t.Errorf("%s = %v, want missing", k, v)
		}
	}
	if v, ok := s.KPI("maker_taker_ratio"); !ok || v != 0.8123 {
		t.Errorf("maker_taker_ratio = %v %v, want 0.8123", v, ok)
	}
	if v, ok := s.KPI("cancel_ratio"); !ok || v != 0 {
		t.Errorf("cancel_ratio = %v %v, want a measured 0", v, ok)
	}
	if s.Input != KPISourcePrometheus {
		t.Errorf("input %q", s.Input)
	}
	if ev.Reported != nil {
		t.Errorf("reported %v without bot_effective_param", ev.Reported)
	}
}

// TestPromQueryFailures: Prometheus unreachable fails the iteration (no
// KPIs), a refused query stops the soak with an error naming the KPI.
func TestPromQueryFailures(t *testing.T) {
	src := &promSource{Window: 10 * time.Second, Scrape: time.Second, Queries: map[string]string{"net_bps": `net{$selector}`}}
	end := time.Now()
	t.Run("unreachable", func(t *testing.T) {
		c, _ := promq.New("http://127.0.0.1:1")
		c.Attempts, c.Backoff = 2, time.Millisecond
		_, failure, err := src.query(context.Background(), c, c, end.Add(-src.Window), end)
		if err != nil || !strings.Contains(failure, "prometheus unreachable after 2 tries") {
			t.Fatalf("got %v %q, want the iteration failed as unreachable", err, failure)
		}
	})
	t.Run("refused", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"status":"error","errorType":"bad_data","error":"parse error"}`))
		}))
		defer srv.Close()
		c, _ := promq.New(srv.URL)
		_, _, err := src.query(context.Background(), c, c, end.Add(-src.Window), end)
		if err == nil || !strings.Contains(err.Error(), "KPI net_bps") || !strings.Contains(err.Error(), "parse error") {
			t.Fatalf("got %v, want the refusal with the KPI named", err)
		}
	})
}

// TestPromSourceUnqueried: KPIs the policy judges without a query are
// named as missing in every iteration.
func TestPromSourceUnqueried(t *testing.T) {
	pol := policy.Default(false)
	pol.KPIs = append(pol.KPIs, policy.Rule{KPI: "adverse_bps_p95", Statistic: policy.StatMean, Direction: policy.AtMost, Fail: 3, OnMissing: policy.OnMissingInconclusive})
	src, err := newPromSource(Options{Selector: `track="x"`}, pol)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"adverse_bps_p95"}, src.Unqueried); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
