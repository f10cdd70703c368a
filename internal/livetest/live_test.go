package livetest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/soakline/soakline/examples/fakebot/bot"
	"github.com/soakline/soakline/internal/canary"
	"github.com/soakline/soakline/internal/cli/releasetag"
	"github.com/soakline/soakline/internal/cli/soakgate"
	"github.com/soakline/soakline/internal/cli/soakrun"
	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/legacy"
	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/internal/promtest"
	"github.com/soakline/soakline/internal/release"
	"github.com/soakline/soakline/pkg/artifact"
)

// The test binary doubles as fakebot and as an --on-rollback hook that
// records its arguments.
func TestMain(m *testing.M) {
	if os.Getenv("SOAKLINE_LIVETEST_FAKEBOT") == "1" {
		os.Args = append([]string{"fakebot"}, os.Args[1:]...)
		os.Exit(bot.Main())
	}
	if f := os.Getenv("SOAKLINE_LIVETEST_HOOK"); f != "" && os.Getenv("SOAKLINE_CANARY_DECISION") == "ROLLBACK" {
		fh, err := os.OpenFile(f, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			os.Exit(9)
		}
		fmt.Fprintf(fh, "%q\n", os.Args[1:])
		fh.Close()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// fakebot is a fakebot process in live mode.
type fakebot struct {
	cmd     *exec.Cmd
	addr    string    // where it serves /metrics
	started time.Time // at or before its own start
	mu      sync.Mutex
	out     bytes.Buffer // stdout and stderr
	done    chan struct{}
}

func (b *fakebot) output() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.out.String()
}

type lockedWriter struct{ b *fakebot }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.b.mu.Lock()
	defer w.b.mu.Unlock()
	return w.b.out.Write(p)
}

// startBot starts fakebot with args (a free port when they name none) and
// waits until it serves its metrics.
func startBot(t *testing.T, args ...string) *fakebot {
	t.Helper()
	b := &fakebot{done: make(chan struct{})}
	b.cmd = exec.Command(os.Args[0], args...)
	b.cmd.Env = append(os.Environ(), "SOAKLINE_LIVETEST_FAKEBOT=1")
	b.cmd.Stderr = lockedWriter{b}
	pipe, err := b.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	b.started = time.Now()
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	serving := make(chan string, 1)
	go func() {
		defer close(b.done)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			lockedWriter{b}.Write([]byte(line + "\n"))
			if i := strings.Index(line, "serving http://"); i >= 0 {
				addr := strings.TrimPrefix(line[i:], "serving http://")
				serving <- addr[:strings.Index(addr, "/")]
			}
		}
		io.Copy(io.Discard, pipe)
	}()
	t.Cleanup(func() {
		b.cmd.Process.Signal(syscall.SIGKILL)
		b.cmd.Wait()
	})
	select {
	case b.addr = <-serving:
	case <-time.After(20 * time.Second):
		t.Fatalf("fakebot %v does not serve its metrics:\n%s", args, b.output())
	}
	return b
}

// waitSeries waits until Prometheus has a second of every bot's series.
func waitSeries(t *testing.T, srv *promtest.Server, tracks ...string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		ok := true
		for _, tr := range tracks {
			n, _ := countSeries(srv.URL, fmt.Sprintf(`count_over_time(bot_net_edge_bps{track=%q}[2s]) >= 2`, tr))
			ok = ok && n > 0
		}
		if ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("prometheus has no series of %v\n%s", tracks, srv.Log())
}

func countSeries(url, q string) (int, error) {
	resp, err := httpGet(url + "/api/v1/query?query=" + urlQuery(q))
	if err != nil {
		return 0, err
	}
	var r struct {
		Data struct {
			Result []json.RawMessage `json:"result"`
		} `json:"data"`
	}
	err = json.Unmarshal(resp, &r)
	return len(r.Data.Result), err
}

// livePolicy is the built-in policy with levels far from what fakebot's
// market at the default parameters measures in 1-second windows (maker
// share 0.7-0.9, p95 about 350 ms, risk ratio 0.03-0.07, net edge 1.5-2.2
// bps in the model of this writing), so that a healthy fakebot passes
// every trigger by a margin, and a degraded one (p95 x1.5: above 500 ms;
// net -2 bps) breaches the latency trigger, and most often the edge one.
func livePolicy() *policy.Policy {
	p := policy.Default(false)
	p.Name = "fakebot-live"
	for i := range p.KPIs {
		r := &p.KPIs[i]
		switch r.KPI {
		case "maker_taker_ratio":
			r.Fail = 0.4
		case "p95_latency_ms":
			r.Fail = 440
		case "risk_ratio":
			r.Fail = 0.85
		case "net_bps":
			r.Fail = 0.3
		}
	}
	return p
}

func writePlan(t *testing.T, pol *policy.Policy) string {
	t.Helper()
	plan := release.CanaryPlan{
		SchemaVersion: artifact.SchemaVersion, Kind: artifact.KindCanaryPlan,
		Tag: "v1.0.0", Version: "1.0.0", Commit: strings.Repeat("a", 40), Verdict: "PASS",
		Policy:         artifact.Policy{Name: pol.Name, Source: pol.Source, Digest: pol.Digest()},
		TrafficPercent: 5, MinHours: 24, MaxHours: 48, EvaluationInterval: "5m",
		Triggers: release.Triggers(pol), Watch: release.Watch(pol),
	}
	b, err := artifact.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "CANARY_PLAN.json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

type result struct {
	code           int
	stdout, stderr string
}

func releaseTag(args ...string) result {
	var out, errb bytes.Buffer
	err := releasetag.Run(context.Background(), args, cliutil.Stdio{Out: &out, Err: &errb})
	code := cliutil.Report("release-tag", &errb, err)
	return result{code, out.String(), errb.String()}
}

func evaluations(t *testing.T, s string) []canary.Evaluation {
	t.Helper()
	var out []canary.Evaluation
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		var ev canary.Evaluation
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("--out - line %q: %v", l, err)
		}
		out = append(out, ev)
	}
	return out
}

// canaryOverrides writes the overrides file the canary runs with and the
// pre-release copy the plan names (valid overrides in unusual bytes, to
// see them restored exactly and read again by the bot).
func canaryOverrides(t *testing.T) (path string, before []byte) {
	dir := t.TempDir()
	path = filepath.Join(dir, "overrides.json")
	before = []byte("{ \"base_spread_bps_delta\" : 0.05 ,\r\n  \"tail_age_ms\": 600.0 }\r\n")
	if err := os.WriteFile(path, []byte(`{"base_spread_bps_delta": 0.06, "tail_age_ms": 610}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".before-1.0.0", before, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, before
}

// TestCanaryPromote: a baseline and a canary fakebot scraped by the real
// Prometheus; release-tag canary compares them every second and promotes
// the canary at the minimum duration (exit 0), never holding or rolling
// it back on the way.
func TestCanaryPromote(t *testing.T) {
	promtest.Binary(t, "prometheus")
	base := startBot(t, "--run-for", "2m", "--metrics-addr", "127.0.0.1:0", "--track", "baseline", "--seed", "1")
	can := startBot(t, "--run-for", "2m", "--metrics-addr", "127.0.0.1:0", "--track", "canary", "--seed", "2")
	srv := promtest.Start(t, promtest.Config{Targets: []string{base.addr, can.addr}, ScrapeInterval: 200 * time.Millisecond})
	waitSeries(t, srv, "baseline", "canary")
	plan := writePlan(t, livePolicy())
	r := releaseTag("canary", "--plan", plan, "--prometheus-url", srv.URL, "--canary-selector", `track="canary"`,
		"--baseline-selector", `track="baseline"`, "--scrape-interval", "200ms", "--interval", "1s", "--min-duration", "4s", "--max-duration", "12s", "--out", "-")
	if r.code != 0 {
		t.Fatalf("exit %d, want 0 (PROMOTE)\n%s", r.code, r.stderr)
	}
	evs := evaluations(t, r.stdout)
	for _, ev := range evs[:len(evs)-1] {
		if ev.Decision == canary.Rollback {
			t.Fatalf("evaluation %d: ROLLBACK of a healthy canary\n%s", ev.Index, r.stderr)
		}
	}
	if last := evs[len(evs)-1]; last.Decision != canary.Promote || last.Index < 4 {
		t.Fatalf("last evaluation %d %s, want PROMOTE at 4 or later\n%s", last.Index, last.Decision, r.stderr)
	}
}

// TestCanaryRollback: a canary fakebot started with --degrade-after is
// rolled back within two intervals of its degradation; the overrides file
// is restored byte for byte from the plan's .before-VERSION copy (and the
// bot reads it again), and --on-rollback runs once, without a shell.
func TestCanaryRollback(t *testing.T) {
	promtest.Binary(t, "prometheus")
	ov, before := canaryOverrides(t)
	base := startBot(t, "--run-for", "2m", "--metrics-addr", "127.0.0.1:0", "--track", "baseline", "--seed", "1")
	const degradeAfter = 6 * time.Second
	can := startBot(t, "--run-for", "2m", "--metrics-addr", "127.0.0.1:0", "--track", "canary", "--seed", "2",
		"--overrides", ov, "--degrade-after", degradeAfter.String())
	// The bot starts its clock after it printed its address: its
	// degradation begins at this time or later.
	degrade := time.Now().Add(degradeAfter)
	srv := promtest.Start(t, promtest.Config{Targets: []string{base.addr, can.addr}, ScrapeInterval: 200 * time.Millisecond})
	waitSeries(t, srv, "baseline", "canary")
	plan := writePlan(t, livePolicy())
	hook := filepath.Join(t.TempDir(), "hook.log")
	t.Setenv("SOAKLINE_LIVETEST_HOOK", hook)
	out := t.TempDir()
	r := releaseTag("canary", "--plan", plan, "--prometheus-url", srv.URL, "--canary-selector", `track="canary"`,
		"--baseline-selector", `track="baseline"`, "--scrape-interval", "200ms", "--interval", "1s", "--min-duration", "40s", "--max-duration", "50s",
		"--out", out, "--overrides", ov, "--on-rollback", "--", os.Args[0], "a b; $(touch pwned)", "*")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (ROLLBACK)\n%s\nbot:\n%s", r.code, r.stderr, can.output())
	}
	got, err := os.ReadFile(ov)
	if err != nil || !bytes.Equal(got, before) {
		t.Fatalf("overrides not restored byte for byte: %q (%v)", got, err)
	}
	data, err := os.ReadFile(hook)
	if err != nil {
		t.Fatalf("--on-rollback did not run: %v", err)
	}
	if runs := strings.Split(strings.TrimSpace(string(data)), "\n"); len(runs) != 1 || runs[0] != `["a b; $(touch pwned)" "*"]` {
		t.Fatalf("--on-rollback ran %d times with %v, want once with its arguments verbatim", len(runs), runs)
	}
	var rep canary.State
	data, _ = os.ReadFile(filepath.Join(out, canary.ReportJSON))
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	last := rep.Evaluations[len(rep.Evaluations)-1]
	if last.Decision != canary.Rollback {
		t.Fatalf("last evaluation %s, want ROLLBACK", last.Decision)
	}
	if last.Time.Before(degrade.Add(-time.Second)) {
		t.Fatalf("rolled back at %s, before the degradation at %s", last.Time, degrade)
	}
	if d := last.Time.Sub(degrade); d > 2*time.Second {
		t.Fatalf("rolled back %s after the degradation, want within two intervals (2s)", d)
	}
	// The bot reads the restored file: a release rolled back is running
	// the old parameters again.
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(can.output(), "re-read "+ov) {
		if time.Now().After(deadline) {
			t.Fatalf("the canary did not re-read the restored overrides:\n%s", can.output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kpiTolerance is how far the KPIs soak-run reads from Prometheus may be
// from the ones it computes from the same bot's events.jsonl: means over
// eight iterations with the same parameters and the same market density
// (--rate 1000 live, --events 60000 per simulated minute). The two soaks
// draw different stretches of the same market: an events iteration is a
// whole simulated minute, a live window 5 seconds of one, in which the
// risk ratio swings between about 0.03 and 0.06 and the
// maker share between 0.78 and 0.88. Prometheus also estimates the p95
// inside a 20 ms histogram bucket and averages the edge gauge per scrape
// rather than per fill.
var kpiTolerance = map[string]float64{
	"maker_taker_ratio": 0.04,
	"p95_latency_ms":    15,
	"risk_ratio":        0.01,
	"net_bps":           0.3,
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func mockEnv(k string) (string, bool) {
	if k == "USE_MOCK" {
		return "1", true
	}
	return os.LookupEnv(k)
}

func soakRun(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	err := soakrun.Run(context.Background(), args, cliutil.Stdio{Out: &out, Err: &errb, Getenv: mockEnv})
	if code := cliutil.Report("soak-run", &errb, err); code != 0 {
		t.Fatalf("soak-run %v: exit %d\n%s", args, code, errb.String())
	}
	return errb.String()
}

func soakGate(dir string) (int, string) {
	var out, errb bytes.Buffer
	err := soakgate.Run(context.Background(), []string{dir}, cliutil.Stdio{Out: &out, Err: &errb, Getenv: mockEnv})
	return cliutil.Report("soak-gate", &errb, err), errb.String()
}

// lastMeans is the mean of each KPI of kpiTolerance over the last n
// summaries of dir; a KPI missing in any of them fails the test.
func lastMeans(t *testing.T, dir string, total, n int) map[string]float64 {
	t.Helper()
	means := map[string]float64{}
	for i := total - n + 1; i <= total; i++ {
		data, err := os.ReadFile(filepath.Join(dir, artifact.IterationFileName(i)))
		if err != nil {
			t.Fatal(err)
		}
		s, err := legacy.IterationSummary(artifact.IterationFileName(i), data)
		if err != nil {
			t.Fatal(err)
		}
		for k := range kpiTolerance {
			v, ok := s.Summary.KPI(k)
			if !ok {
				t.Fatalf("%s: %s missing in iteration %d", dir, k, i)
			}
			means[k] += v / float64(n)
		}
	}
	return means
}

// TestPrometheusSoakLikeEventsSoak: the same fakebot soaked twice with
// the same seed and profile, once writing events.jsonl per iteration, once
// running for the whole soak in live mode with its KPIs read from the real
// Prometheus in 5-second windows. Both reach the same gate verdict, PASS
// (the relaxed mock policy, USE_MOCK=1), and the means of their KPIs agree
// within kpiTolerance. The soaks are not auto-tuned: the tuner's decisions
// follow the KPIs, so two tuned soaks that measure slightly differently
// may take different paths and end with different parameters, which
// would compare two markets instead of two measurements of one (the
// tuned path through Prometheus is TestPrometheusSoakMissingSeries').
func TestPrometheusSoakLikeEventsSoak(t *testing.T) {
	promtest.Binary(t, "prometheus")
	t.Setenv("SOAKLINE_LIVETEST_FAKEBOT", "1") // soak-run runs the test binary as fakebot
	const iterations, last = 8, 8
	n := fmt.Sprint(iterations)

	eventsDir := filepath.Join(t.TempDir(), "events")
	soakRun(t, "--exec", "--iterations", n, "--profile", "steady_safe", "--seed", "7", "--out", eventsDir, "--", os.Args[0], "--events", "60000")

	addr := freeAddr(t)
	srv := promtest.Start(t, promtest.Config{Targets: []string{addr}, ScrapeInterval: 500 * time.Millisecond})
	promDir := filepath.Join(t.TempDir(), "prom")
	stderr := soakRun(t, "--exec", "--kpi-source", "prometheus", "--prometheus-url", srv.URL, "--selector", `track="soak"`,
		"--iteration-duration", "5s", "--scrape-interval", "500ms", "--kill-grace", "5s",
		"--iterations", n, "--profile", "steady_safe", "--seed", "7", "--out", promDir,
		"--", os.Args[0], "--run-for", "10m", "--metrics-addr", addr, "--track", "soak", "--rate", "1000")
	if strings.Contains(stderr, "no data from Prometheus") {
		t.Errorf("a window without data:\n%s", stderr)
	}

	for _, dir := range []string{eventsDir, promDir} {
		if code, out := soakGate(dir); code != 0 {
			t.Fatalf("soak-gate %s: exit %d, want 0 (PASS)\n%s", filepath.Base(dir), code, out)
		}
	}
	ev, pr := lastMeans(t, eventsDir, iterations, last), lastMeans(t, promDir, iterations, last)
	for k, tol := range kpiTolerance {
		if d := pr[k] - ev[k]; d > tol || d < -tol {
			t.Errorf("%s: prometheus %.4f, events %.4f: differ by %.4f (tolerance %g)", k, pr[k], ev[k], d, tol)
		}
	}
	// Every window measured the bot with the overrides soak-run wrote.
	for i := 1; i <= iterations; i++ {
		data, _ := os.ReadFile(filepath.Join(promDir, artifact.IterationFileName(i)))
		s, err := legacy.IterationSummary("", data)
		if err != nil {
			t.Fatal(err)
		}
		if s.Adoption == nil || s.Adoption.Status != artifact.AdoptionAdopted {
			t.Errorf("iteration %d: adoption %+v, want adopted", i, s.Adoption)
		}
		if _, err := os.Stat(filepath.Join(promDir, "iter", fmt.Sprint(i), soakrun.PrometheusFile)); err != nil {
			t.Errorf("iteration %d: %v", i, err)
		}
	}
	t.Logf("means of the last %d iterations: events %v, prometheus %v", last, ev, pr)
	for i := 1; i <= iterations; i++ {
		a, _ := os.ReadFile(filepath.Join(eventsDir, artifact.IterationFileName(i)))
		b, _ := os.ReadFile(filepath.Join(promDir, artifact.IterationFileName(i)))
		sa, _ := legacy.IterationSummary("", a)
		sb, _ := legacy.IterationSummary("", b)
		t.Logf("iteration %d: events %s| prometheus %s", i, kpiLine(&sa.Summary), kpiLine(&sb.Summary))
	}
}

func httpGet(u string) ([]byte, error) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
}

func urlQuery(q string) string { return url.QueryEscape(q) }

// TestPrometheusSoakMissingSeries: KPIs whose queries find no series, or
// NaN, are missing in the summaries (never 0), named on stderr and null in
// iter/<n>/prometheus.json, and soak-gate is inconclusive about them (exit
// 3). The tuner's rewritten overrides are re-read by the bot (adopted in
// the next window, from bot_effective_param). With Prometheus killed, the next window is a failed iteration
// ("prometheus unreachable"), not a window of zeros.
func TestPrometheusSoakMissingSeries(t *testing.T) {
	promtest.Binary(t, "prometheus")
	t.Setenv("SOAKLINE_LIVETEST_FAKEBOT", "1")
	pol := filepath.Join(t.TempDir(), "pol.yaml")
	os.WriteFile(pol, []byte(`name: missing-series
kpis:
  - {kpi: maker_taker_ratio, direction: at_least, fail: 0.5}
  - {kpi: risk_ratio, direction: at_most, fail: 0.9}
  - {kpi: net_bps, direction: at_least, fail: -10}
prometheus:
  queries:
    risk_ratio: 'sum(rate(bot_order_blocks_total{reason="no such reason",$selector}[$range]))'
    net_bps: 'sum(rate(bot_fills_notional_total{$selector}[$range])) * 0 / 0'
`), 0o644)
	addr := freeAddr(t)
	srv := promtest.Start(t, promtest.Config{Targets: []string{addr}, ScrapeInterval: 500 * time.Millisecond})
	dir := filepath.Join(t.TempDir(), "soak")
	stderr := soakRun(t, "--exec", "--kpi-source", "prometheus", "--prometheus-url", srv.URL, "--selector", `track="soak"`,
		"--iteration-duration", "2s", "--scrape-interval", "500ms", "--kill-grace", "5s", "--policy", pol,
		"--iterations", "2", "--auto-tune", "--out", dir,
		"--", os.Args[0], "--run-for", "10m", "--metrics-addr", addr, "--track", "soak")
	for i := 1; i <= 2; i++ {
		data, err := os.ReadFile(filepath.Join(dir, artifact.IterationFileName(i)))
		if err != nil {
			t.Fatal(err)
		}
		s, err := legacy.IterationSummary("", data)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"risk_ratio", "net_bps"} {
			if v, ok := s.Summary.KPI(k); ok {
				t.Errorf("iteration %d: %s = %v, want missing", i, k, v)
			}
		}
		if _, ok := s.Summary.KPI("maker_taker_ratio"); !ok {
			t.Errorf("iteration %d: maker_taker_ratio missing", i)
		}
		// The tuner rewrote the overrides after iteration 1; the bot
		// re-read them before window 2 measured it.
		if i == 1 && (s.Tuning == nil || !s.Tuning.Applied) {
			t.Errorf("iteration 1: the tuner applied nothing (%+v); the reload is not exercised", s.Tuning)
		}
		if s.Adoption == nil || s.Adoption.Status != artifact.AdoptionAdopted {
			t.Errorf("iteration %d: adoption %+v, want adopted", i, s.Adoption)
		}
		if want := fmt.Sprintf("iteration %d: no data from Prometheus for risk_ratio, net_bps: missing in its summary, not 0", i); !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr)
		}
		ev, _ := os.ReadFile(filepath.Join(dir, "iter", fmt.Sprint(i), soakrun.PrometheusFile))
		if !strings.Contains(string(ev), `"no_data": [
    "risk_ratio",
    "net_bps"
  ]`) || !strings.Contains(string(ev), `"value": null`) {
			t.Errorf("iteration %d: %s", i, ev)
		}
	}
	if want := "KPIs without data from Prometheus in this run, missing in those summaries (never 0): risk_ratio (iterations 1, 2); net_bps (iterations 1, 2)"; !strings.Contains(stderr, want) {
		t.Errorf("stderr does not end with %q:\n%s", want, stderr)
	}
	var out, errb bytes.Buffer
	err := soakgate.Run(context.Background(), []string{"--policy", pol, dir}, cliutil.Stdio{Out: &out, Err: &errb})
	if code := cliutil.Report("soak-gate", &errb, err); code != 3 || !strings.Contains(errb.String(), "risk_ratio missing or unusable in iteration(s) 1, 2") {
		t.Fatalf("soak-gate: exit %d, want 3 (inconclusive about the missing KPIs)\n%s", code, errb.String())
	}

	// Prometheus dies: the window fails, the soak goes on.
	srv.Kill()
	dir2 := filepath.Join(t.TempDir(), "soak")
	var out2, errb2 bytes.Buffer
	err = soakrun.Run(context.Background(), []string{"--exec", "--kpi-source", "prometheus", "--prometheus-url", srv.URL,
		"--iteration-duration", "1s", "--scrape-interval", "500ms", "--kill-grace", "5s", "--iterations", "1", "--out", dir2,
		"--", os.Args[0], "--run-for", "10m", "--metrics-addr", freeAddr(t), "--track", "soak"},
		cliutil.Stdio{Out: &out2, Err: &errb2})
	if code := cliutil.Report("soak-run", &errb2, err); code != 0 {
		t.Fatalf("soak-run: exit %d\n%s", code, errb2.String())
	}
	data, _ := os.ReadFile(filepath.Join(dir2, artifact.IterationFileName(1)))
	s, err := legacy.IterationSummary("", data)
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != artifact.StatusFailed || !strings.Contains(s.Failure.Reason, "prometheus unreachable") {
		t.Fatalf("iteration with Prometheus dead: status %s, failure %+v, summary %+v", s.Status, s.Failure, s.Summary)
	}
}

func kpiLine(s *artifact.Summary) string {
	var b strings.Builder
	for _, k := range []string{"maker_taker_ratio", "p95_latency_ms", "risk_ratio", "net_bps"} {
		if v, ok := s.KPI(k); ok {
			fmt.Fprintf(&b, "%s %.4g ", k, v)
		} else {
			fmt.Fprintf(&b, "%s - ", k)
		}
	}
	return b.String()
}
