package soakrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/events"
	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/internal/promq"
	"github.com/soakline/soakline/internal/redact"
	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/pkg/artifact"
)

// KPI sources of an --exec soak.
const (
	KPISourceEvents     = "events"     // the command leaves events.jsonl per iteration
	KPISourcePrometheus = "prometheus" // a long-running command, its KPIs from Prometheus
)

// DefaultScrapeInterval is --scrape-interval's default: Prometheus's own
// default global scrape interval.
const DefaultScrapeInterval = 15 * time.Second

// PrometheusFile is the evidence of a --kpi-source prometheus iteration in
// iter/<n>/: the window, and each KPI's query with its value or no data.
const PrometheusFile = "prometheus.json"

// paramsQuery reads what the bot reports it runs with (the metrics
// contract's bot_effective_param{key}), one series per key.
const paramsQuery = `%s by (key) (%s_over_time(bot_effective_param{$selector}[$range]))`

// promSource are the settings of --kpi-source prometheus.
type promSource struct {
	URL       string
	Selector  string        // label matchers without braces, as promq.FormatSelector writes them
	Window    time.Duration // --iteration-duration
	Scrape    time.Duration // --scrape-interval
	Queries   map[string]string
	Unqueried []string // KPIs the policy judges that have no query
}

// checkPrometheus applies the rules of --kpi-source and its flags.
func (o *Options) checkPrometheus() error {
	set := o.Set
	if o.KPISource != KPISourcePrometheus {
		for _, f := range []string{"prometheus-url", "selector", "iteration-duration", "scrape-interval"} {
			if set[f] {
				return cliutil.Usagef("--%s goes with --kpi-source prometheus", f)
			}
		}
		if o.KPISource != KPISourceEvents {
			return cliutil.Usagef("--kpi-source: want events or prometheus, got %q", o.KPISource)
		}
		return nil
	}
	switch {
	case o.Mode == artifact.ModeMock:
		return cliutil.Usagef("--kpi-source prometheus watches a long-running command: it goes with --exec")
	case o.PrometheusURL == "":
		return cliutil.Usagef("--kpi-source prometheus needs --prometheus-url URL")
	case o.IterationDuration <= 0:
		return cliutil.Usagef("--kpi-source prometheus needs --iteration-duration D (the window of one iteration, e.g. 5m)")
	case o.ScrapeInterval <= 0:
		return cliutil.Usagef("--scrape-interval must be positive")
	case o.IterationDuration < 2*o.ScrapeInterval:
		return cliutil.Usagef("--iteration-duration %s holds fewer than two scrapes of --scrape-interval %s: rate() needs two", o.IterationDuration, o.ScrapeInterval)
	case set["iteration-timeout"]:
		return cliutil.Usagef("--iteration-timeout bounds a command per iteration; with --kpi-source prometheus the command runs for the whole soak and an iteration lasts --iteration-duration")
	}
	if _, err := promq.New(o.PrometheusURL); err != nil {
		return cliutil.Usagef("--prometheus-url: %v", err)
	}
	if o.Selector != "" {
		if _, err := promq.ParseSelector(o.Selector); err != nil {
			return cliutil.Usagef("--selector: %v", err)
		}
	}
	return nil
}

// newPromSource builds the source from the options and the policy whose
// prometheus: section (or built-in queries) computes the KPIs.
func newPromSource(o Options, pol *policy.Policy) (*promSource, error) {
	// No selector: every series of the metrics (one bot per Prometheus).
	sel := ""
	if o.Selector != "" {
		ms, err := promq.ParseSelector(o.Selector)
		if err != nil {
			return nil, cliutil.Usagef("--selector: %v", err)
		}
		sel = promq.FormatSelector(ms)
	}
	s := &promSource{URL: o.PrometheusURL, Selector: sel, Window: o.IterationDuration,
		Scrape: o.ScrapeInterval, Queries: pol.Queries()}
	for _, r := range pol.Rules() {
		if _, ok := s.Queries[r.KPI]; !ok && !slices.Contains(s.Unqueried, r.KPI) {
			s.Unqueried = append(s.Unqueried, r.KPI)
		}
	}
	sort.Strings(s.Unqueried)
	return s, nil
}

// promExec runs the command once, for the whole soak, and measures each
// iteration as a window of its life: the iteration waits --iteration-
// duration, then one scrape interval and a second more so that Prometheus
// holds the window's last samples, then evaluates every KPI query at the
// window's end over the window ($range). The tuner then rewrites the
// overrides file, which the command re-reads; the next window starts.
type promExec struct {
	src   *promSource
	kpis  *promq.Client // one series per KPI
	param *promq.Client // one series per parameter key
	argv  []string
	env   []string
	grace time.Duration
	now   func() time.Time

	cmd    *exec.Cmd
	done   chan error // the command's Wait, once
	noData []string   // KPIs of the last iteration without data
	// missing lists, per KPI, the iterations of this run without data.
	missing map[string][]int
}

func newPromExec(src *promSource, argv, env []string, grace time.Duration, now func() time.Time) (*promExec, error) {
	kc, err := promq.New(src.URL)
	if err != nil {
		return nil, cliutil.Usagef("--prometheus-url: %v", err)
	}
	pc, _ := promq.New(src.URL)
	pc.MaxSeries = 256
	// A query is due when the window ends: its tries must fit well inside
	// the next window.
	// Whole seconds: promq sends the timeout to Prometheus, which refuses
	// a fractional one ("1.25s").
	for _, c := range []*promq.Client{kc, pc} {
		c.Timeout = min(c.Timeout, max(src.Window/4, time.Second).Truncate(time.Second))
	}
	return &promExec{src: src, kpis: kc, param: pc, argv: argv, env: env, grace: grace, now: now}, nil
}

func (x *promExec) NeedsDir() bool { return true }

// start starts the command with the soak's environment; its output goes to
// the iteration directory of the iteration that started it.
func (x *promExec) start(it Iter) error {
	stdout, err := os.OpenFile(filepath.Join(it.Dir, StdoutFile), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	stderr, err := os.OpenFile(filepath.Join(it.Dir, StderrFile), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		stdout.Close()
		return err
	}
	cmd := exec.Command(x.argv[0], x.argv[1:]...)
	cmd.Env = append(iterEnv(x.env, it), "SOAK_KPI_SOURCE="+KPISourcePrometheus)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	setupProcess(cmd)
	started := make(chan error, 1)
	done := make(chan error, 1)
	go func() {
		// The parent-death signal is sent when the starting thread exits:
		// this goroutine keeps its thread until the command is reaped.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer stdout.Close()
		defer stderr.Close()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		done <- cmd.Wait()
		killProcessGroup(cmd)
	}()
	if err := <-started; err != nil {
		return err
	}
	x.cmd, x.done = cmd, done
	return nil
}

// stop ends the command: SIGTERM to its process group, the grace, then
// SIGKILL.
func (x *promExec) stop() {
	if x.cmd == nil {
		return
	}
	terminate(x.cmd)
	g := time.NewTimer(x.grace)
	defer g.Stop()
	select {
	case <-x.done:
	case <-g.C:
		kill(x.cmd)
		<-x.done
	}
	x.cmd = nil
}

// Close stops the command at the end of the soak.
func (x *promExec) Close() { x.stop() }

// warmUp waits, after the command started, until every KPI query has data
// over the last --iteration-duration, or for at most ten scrape intervals
// and ten seconds (then the window starts anyway and what has no data is
// missing). Prometheus unreachable here is left to the window's queries.
func (x *promExec) warmUp(ctx context.Context) (exitErr error, exited bool, err error) {
	deadline := x.now().Add(min(10*x.src.Scrape+10*time.Second, 10*x.src.Window))
	for {
		if e, exited, err := x.sleep(ctx, min(x.src.Scrape, time.Second)); err != nil || exited {
			return e, exited, err
		}
		if !x.now().Before(deadline) {
			return nil, false, nil
		}
		all := true
		for _, q := range x.src.Queries {
			v, err := instantValue(ctx, x.kpis, promq.Expand(q, x.src.Selector, x.src.Window), x.now())
			var ue *promq.UnreachableError
			if errors.As(err, &ue) {
				return nil, false, nil // the window's queries will say so
			}
			if err != nil || v == nil {
				all = false
				break
			}
		}
		if all {
			return nil, false, nil
		}
	}
}

// exited is the failure of a command that ended while soak-run watched it.
func (x *promExec) exited(err error, when string) *artifact.Failure {
	x.cmd = nil
	var ee *exec.ExitError
	f := &artifact.Failure{}
	switch {
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		code := ee.ExitCode()
		f.ExitCode = &code
		f.Reason = fmt.Sprintf("command exited with status %d %s (with --kpi-source prometheus it runs for the whole soak; it is started again for the next iteration)", code, when)
	case err != nil:
		f.Reason = fmt.Sprintf("command ended %s: %v (started again for the next iteration)", when, err)
	default:
		f.Reason = fmt.Sprintf("command exited with status 0 %s (with --kpi-source prometheus it runs for the whole soak; it is started again for the next iteration)", when)
	}
	f.Reason = redact.Text(f.Reason)
	return f
}

// sleep waits d, or until the command ends or ctx is done.
func (x *promExec) sleep(ctx context.Context, d time.Duration) (exitErr error, exited bool, err error) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return nil, false, ctx.Err()
	case e := <-x.done:
		return e, true, nil
	case <-t.C:
		return nil, false, nil
	}
}

func (x *promExec) Run(ctx context.Context, it Iter) (Result, error) {
	res := Result{}
	x.noData = nil
	// A command that ended since the last window fails this iteration and
	// is started again for the next.
	if x.cmd != nil {
		select {
		case e := <-x.done:
			res.StartedAt = x.now().UTC()
			res.Failure = x.exited(e, "between windows")
			return res, nil
		default:
		}
	}
	if x.cmd == nil {
		if err := x.start(it); err != nil {
			res.StartedAt = x.now().UTC()
			res.Failure = &artifact.Failure{Reason: redact.Text(fmt.Sprintf("command could not run: %v", err))}
			return res, nil
		}
		// 0. Warm-up: the window starts once Prometheus has the new
		// command's series.
		if e, exited, err := x.warmUp(ctx); err != nil {
			x.stop()
			return res, err
		} else if exited {
			res.StartedAt = x.now().UTC()
			res.Failure = x.exited(e, "while starting")
			return res, nil
		}
	}
	start := x.now()
	res.StartedAt = start.UTC()
	res.DurationMs = x.src.Window.Milliseconds()
	// 1. The window.
	e, exited, err := x.sleep(ctx, x.src.Window)
	if err != nil {
		x.stop()
		return res, err
	}
	if exited {
		res.DurationMs = x.now().Sub(start).Milliseconds()
		res.Failure = x.exited(e, "during the window")
		return res, nil
	}
	end := start.Add(x.src.Window)
	// 2. The window's last scrape reaches Prometheus.
	if e, exited, err := x.sleep(ctx, x.src.Scrape+time.Second); err != nil {
		x.stop()
		return res, err
	} else if exited {
		res.Failure = x.exited(e, "during the window")
		return res, nil
	}
	// 3. Every KPI over the window, evaluated at its end.
	ev, failure, err := x.src.query(ctx, x.kpis, x.param, start, end)
	if err != nil {
		if ctx.Err() != nil {
			x.stop()
			return res, ctx.Err()
		}
		return res, err
	}
	if werr := writeEvidence(filepath.Join(it.Dir, PrometheusFile), ev); werr != nil {
		return res, werr
	}
	if failure != "" {
		res.Failure = &artifact.Failure{Reason: redact.Text(failure)}
		return res, nil
	}
	res.Summary = ev.summary()
	res.Reported = ev.Reported
	x.noData = ev.NoData
	return res, nil
}

// evidence is iter/<n>/prometheus.json.
type evidence struct {
	Source   string        `json:"kpi_source"`
	URL      string        `json:"prometheus_url"`
	Selector string        `json:"selector"`
	Start    string        `json:"window_start"`
	End      string        `json:"window_end"`
	Range    string        `json:"range"`
	KPIs     []kpiEvidence `json:"kpis"`
	NoData   []string      `json:"no_data"`
	// Unqueried are KPIs the policy judges that have no query: missing in
	// every iteration.
	Unqueried []string `json:"unqueried,omitempty"`
	Error     string   `json:"error,omitempty"`
	// Reported is what the command reported it ran with over the window
	// (bot_effective_param): the lowest values, then the highest when they
	// differ; nil when it reports nothing.
	Reported [][]events.Param `json:"-"`
}

type kpiEvidence struct {
	KPI   string   `json:"kpi"`
	Query string   `json:"query"`
	Value *float64 `json:"value"` // null: no data (no series, or NaN)
}

func (ev *evidence) summary() artifact.Summary {
	var s artifact.Summary
	for _, k := range ev.KPIs {
		if k.Value != nil {
			s.SetKPI(k.KPI, *k.Value)
		}
	}
	s.Input = KPISourcePrometheus
	return s
}

// query evaluates every KPI query at end over [start, end]. Prometheus
// unreachable past the client's retry budget is a failure of the
// iteration; a refused query or a selector matching too much is an error
// that stops the soak (waiting will not help).
func (s *promSource) query(ctx context.Context, kc, pc *promq.Client, start, end time.Time) (*evidence, string, error) {
	ev := &evidence{Source: KPISourcePrometheus, URL: redact.Text(s.URL), Selector: s.Selector,
		Start: formatTime(start), End: formatTime(end), Range: promq.Duration(s.Window), KPIs: []kpiEvidence{}, NoData: []string{},
		Unqueried: s.Unqueried}
	names := make([]string, 0, len(s.Queries))
	for k := range s.Queries {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return kpiOrder(names[i]) < kpiOrder(names[j]) })
	for _, k := range names {
		q := promq.Expand(s.Queries[k], s.Selector, s.Window)
		v, err := instantValue(ctx, kc, q, end)
		if err != nil {
			return ev.queryError(ctx, "KPI "+k, err)
		}
		ev.KPIs = append(ev.KPIs, kpiEvidence{KPI: k, Query: q, Value: v})
		if v == nil {
			ev.NoData = append(ev.NoData, k)
		}
	}
	// What the command ran with, after its first scrape in the window
	// (time to re-read the overrides file soak-run just wrote).
	r := max(s.Window-s.Scrape, s.Scrape)
	lo, err := paramValues(ctx, pc, fmt.Sprintf(paramsQuery, "min", "min"), s.Selector, r, end)
	if err == nil {
		var hi []events.Param
		hi, err = paramValues(ctx, pc, fmt.Sprintf(paramsQuery, "max", "max"), s.Selector, r, end)
		if len(lo) > 0 {
			ev.Reported = append(ev.Reported, lo)
			if !slices.Equal(lo, hi) {
				ev.Reported = append(ev.Reported, hi)
			}
		}
	}
	if err != nil {
		return ev.queryError(ctx, "bot_effective_param", err)
	}
	return ev, "", nil
}

// queryError is query's result for the error of the query of what:
// Prometheus unreachable is a failure of the iteration, recorded in ev;
// an interrupted soak, the context's error; anything else stops the soak.
func (ev *evidence) queryError(ctx context.Context, what string, err error) (*evidence, string, error) {
	var ue *promq.UnreachableError
	if errors.As(err, &ue) {
		ev.Error = err.Error()
		return ev, "prometheus: " + err.Error(), nil
	}
	if ctx.Err() != nil {
		return ev, "", ctx.Err()
	}
	return ev, "", fmt.Errorf("--kpi-source prometheus: %s: %w", what, err)
}

// instantValue is the one value of q at t; nil when the result is empty
// or not a finite number (0/0: nothing happened in the window), so a
// missing series is a missing KPI, never 0.
func instantValue(ctx context.Context, c *promq.Client, q string, t time.Time) (*float64, error) {
	ss, err := c.Instant(ctx, q, t)
	if err != nil {
		return nil, err
	}
	if len(ss) == 0 || len(ss[0].Points) == 0 {
		return nil, nil
	}
	v := ss[0].Points[len(ss[0].Points)-1].V
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil, nil
	}
	v = math.Round(v*1e4) / 1e4 // as internal/kpi stores every KPI
	return &v, nil
}

// paramValues is one value per key of the parameters query, sorted by key.
func paramValues(ctx context.Context, c *promq.Client, q, selector string, r time.Duration, t time.Time) ([]events.Param, error) {
	ss, err := c.Instant(ctx, promq.Expand(q, selector, r), t)
	if err != nil {
		return nil, err
	}
	var ps []events.Param
	for _, s := range ss {
		k := s.Labels["key"]
		if k == "" || len(s.Points) == 0 {
			continue
		}
		v := s.Points[len(s.Points)-1].V
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		ps = append(ps, events.Param{Key: k, Value: v})
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].Key < ps[j].Key })
	return ps, nil
}

// kpiOrder orders KPIs as artifact.KPINames does.
func kpiOrder(k string) int {
	if i := slices.Index(artifact.KPINames, k); i >= 0 {
		return i
	}
	return len(artifact.KPINames)
}

func writeEvidence(path string, ev *evidence) error {
	data, err := json.MarshalIndent(ev, "", "  ")
	if err != nil {
		return err
	}
	return soakdir.WriteFile(path, append(data, '\n'), 0o644)
}

// noteMissing says on standard error which KPIs an iteration measured from
// Prometheus had no data for: they are missing in its summary, not 0.
func (r *runner) noteMissing(sum *artifact.IterationSummary) {
	x, ok := r.exec.(*promExec)
	if !ok || sum.Status != artifact.StatusOK || len(x.noData) == 0 {
		return
	}
	r.progress.note("iteration %d: no data from Prometheus for %s: missing in its summary, not 0 (the queries are in %s)",
		sum.Iteration, strings.Join(x.noData, ", "), filepath.Join(IterDir, strconv.Itoa(sum.Iteration), PrometheusFile))
	if x.missing == nil {
		x.missing = map[string][]int{}
	}
	for _, k := range x.noData {
		x.missing[k] = append(x.missing[k], sum.Iteration)
	}
}

// closeExec stops a command that outlives its iterations (--kpi-source
// prometheus) at the end of the soak, and names once more the KPIs that
// had no data, with their iterations.
func (r *runner) closeExec() {
	x, ok := r.exec.(*promExec)
	if !ok {
		return
	}
	x.Close()
	if len(x.missing) == 0 {
		return
	}
	keys := make([]string, 0, len(x.missing))
	for k := range x.missing {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return kpiOrder(keys[i]) < kpiOrder(keys[j]) })
	parts := make([]string, len(keys))
	for i, k := range keys {
		its := make([]string, len(x.missing[k]))
		for j, n := range x.missing[k] {
			its[j] = strconv.Itoa(n)
		}
		parts[i] = fmt.Sprintf("%s (iterations %s)", k, strings.Join(its, ", "))
	}
	r.progress.note("KPIs without data from Prometheus in this run, missing in those summaries (never 0): %s", strings.Join(parts, "; "))
}
