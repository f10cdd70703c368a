package canary_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/soakline/soakline/internal/canary"
	"github.com/soakline/soakline/internal/cli/releasetag"
	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/internal/promtest"
)

// The test binary doubles as release-tag (for a watcher killed with
// SIGKILL) and as an --on-rollback hook that records its arguments.
func TestMain(m *testing.M) {
	if f := os.Getenv("SOAKLINE_CANARY_TEST_HOOK"); f != "" && os.Getenv("SOAKLINE_CANARY_DECISION") == "ROLLBACK" {
		fh, err := os.OpenFile(f, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			os.Exit(9)
		}
		fmt.Fprintf(fh, "%q\n", os.Args[1:])
		fh.Close()
		os.Exit(0)
	}
	if os.Getenv("SOAKLINE_CANARY_TEST_MAIN") == "1" {
		os.Args = append([]string{"release-tag"}, os.Args[1:]...)
		os.Exit(releasetag.Main())
	}
	os.Exit(m.Run())
}

// bots feeds a baseline and a canary into an exporter every 50 ms until
// stopped; the canary degrades from the time set with degrade.
type bots struct {
	exp       *promtest.Exporter
	degradeAt atomic.Int64 // unix nanos; 0: never
	stop      chan struct{}
	wg        sync.WaitGroup
}

func startBots(t *testing.T) *bots {
	b := &bots{exp: promtest.NewExporter(), stop: make(chan struct{})}
	base, can := promtest.NewModel("baseline", 1), promtest.NewModel("canary", 2)
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-b.stop:
				return
			case now := <-tick.C:
				d := b.degradeAt.Load()
				b.exp.Feed("baseline", base.Step(false))
				b.exp.Feed("canary", can.Step(d != 0 && now.UnixNano() >= d))
			}
		}
	}()
	t.Cleanup(func() { close(b.stop); b.wg.Wait(); b.exp.Close() })
	return b
}

// livePrometheus starts Prometheus scraping the bots every 200 ms and
// waits until it holds a second of their series.
func livePrometheus(t *testing.T, b *bots) *promtest.Server {
	srv := promtest.Start(t, promtest.Config{Targets: []string{b.exp.Addr}, ScrapeInterval: 200 * time.Millisecond})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(srv.URL + "/api/v1/query?query=count(count_over_time(bot_net_edge_bps[1s])>=4)")
		if err == nil {
			var r struct {
				Data struct {
					Result []json.RawMessage `json:"result"`
				} `json:"data"`
			}
			json.NewDecoder(resp.Body).Decode(&r)
			resp.Body.Close()
			if len(r.Data.Result) > 0 {
				return srv
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("prometheus has no series of the bots\n%s", srv.Log())
	return nil
}

func liveArgs(plan, url string, minD, maxD string, extra ...string) []string {
	return append([]string{"canary", "--plan", plan, "--prometheus-url", url, "--canary-selector", `track="canary"`,
		"--interval", "1s", "--min-duration", minD, "--max-duration", maxD}, extra...)
}

func TestLivePromote(t *testing.T) {
	promtest.Binary(t, "prometheus")
	b := startBots(t)
	srv := livePrometheus(t, b)
	plan := writePlan(t, policy.Default(false))
	r := run(t, liveArgs(plan, srv.URL, "3s", "8s", "--out", "-")...)
	if r.code != 0 {
		t.Fatalf("exit %d, want 0 (PROMOTE)\n%s", r.code, r.stderr)
	}
	evs := lines(t, r.stdout)
	if last := evs[len(evs)-1]; last.Decision != canary.Promote || last.Index < 3 {
		t.Fatalf("last evaluation %d %s, want PROMOTE at 3 or later", last.Index, last.Decision)
	}
}

// overrides writes the overrides file the release runs with and the
// pre-release copy the checklist makes (binary bytes, to see them restored
// exactly).
func overrides(t *testing.T) (path string, before []byte) {
	dir := t.TempDir()
	path = filepath.Join(dir, "overrides.json")
	before = []byte("{\"spread_bps\": 3}\n\x00\xff not text\r\n")
	if err := os.WriteFile(path, []byte(`{"spread_bps": 1.5}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".before-1.0.0", before, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, before
}

func hookRuns(t *testing.T, f string) []string {
	data, err := os.ReadFile(f)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}

// TestLiveRollback: a canary that degrades is rolled back within two
// intervals; the overrides are restored byte for byte from the plan's
// .before-VERSION copy; --on-rollback runs once, without a shell.
func TestLiveRollback(t *testing.T) {
	promtest.Binary(t, "prometheus")
	b := startBots(t)
	srv := livePrometheus(t, b)
	plan := writePlan(t, policy.Default(false))
	ov, before := overrides(t)
	hook := filepath.Join(t.TempDir(), "hook.log")
	t.Setenv("SOAKLINE_CANARY_TEST_HOOK", hook)
	out := t.TempDir()
	degrade := time.Now().Add(3500 * time.Millisecond)
	b.degradeAt.Store(degrade.UnixNano())
	r := run(t, liveArgs(plan, srv.URL, "30s", "40s", "--out", out, "--overrides", ov,
		"--on-rollback", "--", os.Args[0], "a b; $(touch pwned)", "*")...)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (ROLLBACK)\n%s", r.code, r.stderr)
	}
	got, err := os.ReadFile(ov)
	if err != nil || !bytes.Equal(got, before) {
		t.Fatalf("overrides not restored byte for byte: %q (%v)", got, err)
	}
	if fi, _ := os.Stat(ov); fi.Mode().Perm() != 0o600 {
		t.Errorf("overrides mode %v, want 0600 kept", fi.Mode().Perm())
	}
	runs := hookRuns(t, hook)
	if len(runs) != 1 || runs[0] != `["a b; $(touch pwned)" "*"]` {
		t.Fatalf("--on-rollback ran %d times with %v, want once with its arguments verbatim", len(runs), runs)
	}
	var rep canary.State
	data, _ := os.ReadFile(filepath.Join(out, canary.ReportJSON))
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	last := rep.Evaluations[len(rep.Evaluations)-1]
	if d := last.Time.Sub(degrade); d > 2*time.Second {
		t.Fatalf("rolled back %s after the degradation, want within two intervals (2s)", d)
	}
	if rep.Rollback == nil || !rep.Rollback.Restored || !rep.Rollback.HookDone {
		t.Fatalf("report's rollback: %+v", rep.Rollback)
	}
}

// TestLivePrometheusKilled: Prometheus killed mid-canary holds it; it is
// never promoted, and the run ends held (exit 3).
func TestLivePrometheusKilled(t *testing.T) {
	promtest.Binary(t, "prometheus")
	b := startBots(t)
	srv := livePrometheus(t, b)
	plan := writePlan(t, policy.Default(false))
	go func() {
		time.Sleep(2500 * time.Millisecond)
		srv.Kill()
	}()
	r := run(t, liveArgs(plan, srv.URL, "6s", "8s", "--out", "-")...)
	if r.code != 3 {
		t.Fatalf("exit %d, want 3 (held)\n%s", r.code, r.stderr)
	}
	held := false
	for _, ev := range lines(t, r.stdout) {
		if ev.Decision == canary.Promote {
			t.Fatalf("promoted at evaluation %d with Prometheus dead", ev.Index)
		}
		held = held || ev.Decision == canary.Hold
	}
	if !held || !strings.Contains(r.stderr, "HOLD v1.0.0") || !strings.Contains(r.stderr, "prometheus unreachable") {
		t.Fatalf("not held for Prometheus:\n%s", r.stderr)
	}
}

// TestLiveKilledWatcherResumes: a watcher killed with SIGKILL and started
// again with the same --state reaches the decision an uninterrupted
// watcher reaches, with one rollback; a third start finds it decided and
// does nothing again.
func TestLiveKilledWatcherResumes(t *testing.T) {
	promtest.Binary(t, "prometheus")
	b := startBots(t)
	srv := livePrometheus(t, b)
	plan := writePlan(t, policy.Default(false))
	ov, _ := overrides(t)
	dir := t.TempDir()
	state, hook := filepath.Join(dir, "canary.state"), filepath.Join(dir, "hook.log")
	// An explicit --rollback-to, not the .before-VERSION copy.
	preRelease, before := filepath.Join(dir, "pre-release.json"), []byte("{\"spread_bps\": 2.75}\n")
	if err := os.WriteFile(preRelease, before, 0o644); err != nil {
		t.Fatal(err)
	}
	degrade := time.Now().Add(5 * time.Second)
	b.degradeAt.Store(degrade.UnixNano())
	args := liveArgs(plan, srv.URL, "30s", "40s", "--state", state, "--overrides", ov, "--rollback-to", preRelease, "--on-rollback", "--", os.Args[0], "x")
	watcher := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), "SOAKLINE_CANARY_TEST_MAIN=1", "SOAKLINE_CANARY_TEST_HOOK="+hook)
		var errb bytes.Buffer
		cmd.Stderr = &errb
		cmd.Stdout = &errb
		return cmd
	}

	// The same canary, watched without interruption.
	var ref result
	done := make(chan struct{})
	go func() {
		defer close(done)
		ref = run(t, liveArgs(plan, srv.URL, "30s", "40s", "--out", "-")...)
	}()

	first := watcher()
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it after it saved a few evaluations.
	deadline := time.Now().Add(20 * time.Second)
	for {
		data, _ := os.ReadFile(state)
		var st canary.State
		if json.Unmarshal(data, &st) == nil && len(st.Evaluations) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the watcher saved no evaluations: %s", first.Stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// A second watcher on the same state is refused while the first runs.
	dup := run(t, args...)
	if dup.code != 2 || !strings.Contains(dup.stderr, "in use by") {
		t.Fatalf("second watcher on one state: exit %d\n%s", dup.code, dup.stderr)
	}
	first.Process.Signal(syscall.SIGKILL)
	first.Wait()
	time.Sleep(1500 * time.Millisecond) // it misses evaluations, and catches up

	second := watcher()
	err := second.Run()
	if code := second.ProcessState.ExitCode(); code != 1 {
		t.Fatalf("restarted watcher: exit %d (%v), want 1 (ROLLBACK)\n%s", code, err, second.Stderr)
	}
	<-done
	if ref.code != 1 {
		t.Fatalf("uninterrupted watcher: exit %d\n%s", ref.code, ref.stderr)
	}
	var st canary.State
	data, _ := os.ReadFile(state)
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	refEvs := lines(t, ref.stdout)
	if st.Outcome != canary.Rollback || refEvs[len(refEvs)-1].Decision != canary.Rollback {
		t.Fatalf("outcomes differ: resumed %s, uninterrupted %s", st.Outcome, refEvs[len(refEvs)-1].Decision)
	}
	for i, ev := range st.Evaluations {
		if ev.Index != i+1 {
			t.Fatalf("state evaluation %d has index %d", i, ev.Index)
		}
	}
	if got, _ := os.ReadFile(ov); !bytes.Equal(got, before) {
		t.Fatalf("overrides not restored: %q", got)
	}
	if n := len(hookRuns(t, hook)); n != 1 {
		t.Fatalf("--on-rollback ran %d times, want 1", n)
	}

	// Started again on a decided state: the decision stands, nothing runs.
	os.WriteFile(ov, []byte("changed by a person"), 0o600)
	third := watcher()
	third.Run()
	if code := third.ProcessState.ExitCode(); code != 1 || !strings.Contains(fmt.Sprint(third.Stderr), "already decided: ROLLBACK") {
		t.Fatalf("third start: exit %d\n%s", code, third.Stderr)
	}
	if got, _ := os.ReadFile(ov); string(got) != "changed by a person" {
		t.Fatal("a decided state restored the overrides again")
	}
	if n := len(hookRuns(t, hook)); n != 1 {
		t.Fatalf("--on-rollback ran %d times, want 1", n)
	}
}

// TestLiveInterrupted: SIGTERM saves the state and exits 130; started
// again with the state, the watcher goes on from the evaluations it kept
// and promotes.
func TestLiveInterrupted(t *testing.T) {
	promtest.Binary(t, "prometheus")
	b := startBots(t)
	srv := livePrometheus(t, b)
	plan := writePlan(t, policy.Default(false))
	state := filepath.Join(t.TempDir(), "canary.state")
	args := liveArgs(plan, srv.URL, "4s", "10s", "--state", state)
	watcher := func() (*exec.Cmd, *bytes.Buffer) {
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), "SOAKLINE_CANARY_TEST_MAIN=1")
		var errb bytes.Buffer
		cmd.Stderr = &errb
		return cmd, &errb
	}
	first, errb := watcher()
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	var kept int
	deadline := time.Now().Add(20 * time.Second)
	for kept < 2 {
		data, _ := os.ReadFile(state)
		var st canary.State
		if json.Unmarshal(data, &st) == nil {
			kept = len(st.Evaluations)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no evaluations saved: %s", errb)
		}
		time.Sleep(50 * time.Millisecond)
	}
	first.Process.Signal(syscall.SIGTERM)
	first.Wait()
	if code := first.ProcessState.ExitCode(); code != 130 || !strings.Contains(errb.String(), "state saved in") {
		t.Fatalf("SIGTERM: exit %d, want 130\n%s", code, errb)
	}
	var st canary.State
	data, _ := os.ReadFile(state)
	if err := json.Unmarshal(data, &st); err != nil || st.Outcome != "" || len(st.Evaluations) < 2 {
		t.Fatalf("state after SIGTERM: %v, outcome %q, %d evaluations", err, st.Outcome, len(st.Evaluations))
	}
	second, errb := watcher()
	second.Run()
	if code := second.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("resumed: exit %d, want 0 (PROMOTE)\n%s", code, errb)
	}
	data, _ = os.ReadFile(state)
	var done canary.State
	json.Unmarshal(data, &done)
	if done.Outcome != canary.Promote || !done.Start.Equal(st.Start) || done.Evaluations[0].Time != st.Evaluations[0].Time {
		t.Fatalf("resumed state: outcome %s, start %s (was %s)", done.Outcome, done.Start, st.Start)
	}
}

// TestLiveScrapeInterval: at --interval 1s with 200 ms scrapes the
// default sample step (a fifth of the interval) would give rate() a
// $range with one scrape and the baseline comparison no samples;
// --scrape-interval 200ms raises the step to 400ms and the comparison of
// the rate()-based p95_latency_ms gets samples on both sides.
func TestLiveScrapeInterval(t *testing.T) {
	promtest.Binary(t, "prometheus")
	b := startBots(t)
	srv := livePrometheus(t, b)
	plan := writePlan(t, policy.Default(false))
	r := run(t, liveArgs(plan, srv.URL, "3s", "5s", "--out", "-", "--baseline-selector", `track="baseline"`, "--scrape-interval", "200ms")...)
	if r.code != 0 && r.code != 3 {
		t.Fatalf("exit %d, want 0 or 3\n%s", r.code, r.stderr)
	}
	nc, nb := 0, 0
	for _, ev := range lines(t, r.stdout) {
		for _, c := range ev.Compare {
			if c.KPI != "p95_latency_ms" {
				continue
			}
			if !strings.Contains(c.Query, "[400ms]") {
				t.Fatalf("comparison query %q, want $range 400ms", c.Query)
			}
			nc, nb = nc+c.NCanary, nb+c.NBaseline
		}
	}
	if nc == 0 || nb == 0 {
		t.Fatalf("p95_latency_ms compared over %d canary and %d baseline samples, want some on each side\n%s", nc, nb, r.stderr)
	}
}
