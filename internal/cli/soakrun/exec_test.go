package soakrun

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/soakline/soakline/examples/fakebot/bot"
	"github.com/soakline/soakline/pkg/artifact"
)

// TestMain lets the test binary act as the soaked command: with
// SOAKRUN_HELPER=fakebot it is examples/fakebot; with =spawn-and-hang it
// starts a grandchild (=hang), records its PID and hangs.
func TestMain(m *testing.M) {
	switch os.Getenv("SOAKRUN_HELPER") {
	case "fakebot":
		os.Exit(bot.Run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
	case "spawn-and-hang":
		child := exec.Command(os.Args[0])
		child.Env = append(os.Environ(), "SOAKRUN_HELPER=hang")
		if err := child.Start(); err != nil {
			os.Exit(9)
		}
		os.WriteFile(filepath.Join(os.Getenv("SOAK_ITER_DIR"), "child.pid"), []byte(strconv.Itoa(child.Process.Pid)), 0o644)
		fmt.Fprintln(os.Stderr, "started a grandchild, hanging")
		hang()
	case "hang":
		hang()
	case "env":
		// Records its working directory and the SOAK_* environment.
		wd, _ := os.Getwd()
		var b strings.Builder
		fmt.Fprintf(&b, "cwd=%s\n", wd)
		for _, k := range []string{"SOAK_ITERATION", "SOAK_ITERATIONS", "SOAK_SEED", "SOAK_ITER_SEED", "SOAK_ITER_DIR", "SOAK_OVERRIDES"} {
			fmt.Fprintf(&b, "%s=%s\n", k, os.Getenv(k))
		}
		os.WriteFile(filepath.Join(os.Getenv("SOAK_ITER_DIR"), "env.txt"), []byte(b.String()), 0o644)
		os.Exit(0)
	default:
		safetyHelper(os.Getenv("SOAKRUN_HELPER"))
	}
	os.Exit(m.Run())
}

// hang sleeps forever (select{} would be reported as a deadlock).
func hang() {
	for {
		time.Sleep(time.Hour)
	}
}

func helperExec(t *testing.T, mode string, timeout time.Duration, args ...string) *execExec {
	t.Helper()
	return &execExec{
		argv:    append([]string{os.Args[0]}, args...),
		timeout: timeout,
		grace:   5 * time.Second,
		env:     append(os.Environ(), "SOAKRUN_HELPER="+mode),
		now:     time.Now,
	}
}

func iterIn(t *testing.T, n int) Iter {
	t.Helper()
	dir := t.TempDir()
	ov := filepath.Join(dir, artifact.OverridesFile)
	data, err := encodeOverrides(Profiles()[DefaultProfile])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ov, data, 0o644); err != nil {
		t.Fatal(err)
	}
	it := Iter{N: n, Total: 5, Seed: 1, OverridesPath: ov, Dir: filepath.Join(dir, "iter", strconv.Itoa(n))}
	if err := os.MkdirAll(it.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return it
}

func TestExecExecutor(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		wantFail string // "" = success
		wantCode *int
		wantTail string
	}{
		{"events", []string{"--events", "800"}, "", nil, ""},
		{"legacy edge report", []string{"--events", "800", "--edge-report"}, "", nil, ""},
		{"non-zero exit", []string{"--fail-at", "2"}, "command exited with status 3", intp(3), "simulated crash in iteration 2"},
		{"garbage", []string{"--garbage-at", "2"}, "events.jsonl: line 2: ", nil, ""},
		{"no output", []string{"--silent-at", "2"}, "no output: the command left no events.jsonl or EDGE_REPORT.json in SOAK_ITER_DIR", nil, "writing nothing"},
		{"bad flag", []string{"--no-such-flag"}, "command exited with status 2", intp(2), "flag provided but not defined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			it := iterIn(t, 2)
			res, err := helperExec(t, "fakebot", time.Minute, tc.args...).Run(context.Background(), it)
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantFail == "" {
				if res.Failure != nil {
					t.Fatalf("unexpected failure %+v", res.Failure)
				}
				if res.Summary.NetBps == nil || res.Summary.P95LatencyMs == nil || res.Summary.MakerTakerRatio == nil {
					t.Errorf("KPIs missing: %+v", res.Summary)
				}
				out, _ := os.ReadFile(filepath.Join(it.Dir, StdoutFile))
				if !strings.Contains(string(out), "fakebot: iteration 2/5 with 7 overrides") {
					t.Errorf("stdout.log: %q", out)
				}
				return
			}
			f := res.Failure
			if f == nil || !strings.HasPrefix(f.Reason, tc.wantFail) {
				t.Fatalf("failure %+v, want reason %q", f, tc.wantFail)
			}
			if (tc.wantCode == nil) != (f.ExitCode == nil) || tc.wantCode != nil && *tc.wantCode != *f.ExitCode {
				t.Errorf("exit code %v, want %v", f.ExitCode, tc.wantCode)
			}
			if !strings.Contains(f.StderrTail, tc.wantTail) {
				t.Errorf("stderr tail %q, want it to contain %q", f.StderrTail, tc.wantTail)
			}
		})
	}
}

func intp(i int) *int { return &i }

// TestExecTimeoutKillsProcessGroup: a command that hangs (and started a
// child of its own) is killed, group and all, at the timeout.
func TestExecTimeoutKillsProcessGroup(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("checks /proc")
	}
	it := iterIn(t, 1)
	start := time.Now()
	res, err := helperExec(t, "spawn-and-hang", 3*time.Second).Run(context.Background(), it)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 8*time.Second {
		t.Errorf("timeout took %v", took)
	}
	if res.Failure == nil || res.Failure.Reason != "timeout: timed out after 3s; SIGTERM to the process group, it exited within the 5s grace; it left no output" || res.Failure.StderrTail != "started a grandchild, hanging" {
		t.Fatalf("failure %+v", res.Failure)
	}
	data, err := os.ReadFile(filepath.Join(it.Dir, "child.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(string(data))
	deadline := time.Now().Add(3 * time.Second)
	for !processGone(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("grandchild %d survived the timeout", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestExecTimeoutSIGTERMFlush: at the timeout a bot whose SIGTERM
// handler writes its events gets to write them within the grace; they are
// read and counted in the reason and kept, and the iteration is still a
// failure (timeout). Before the grace period the group got SIGKILL at
// once and the handler never ran ("it left no output").
func TestExecTimeoutSIGTERMFlush(t *testing.T) {
	it := iterIn(t, 2)
	x := helperExec(t, "fakebot", 2*time.Second, "--events", "800", "--flush-on-term-at", "2")
	x.grace = time.Minute // it exits as soon as it has flushed
	res, err := x.Run(context.Background(), it)
	if err != nil {
		t.Fatal(err)
	}
	f := res.Failure
	const want = "timeout: timed out after 2s; SIGTERM to the process group, it exited within the 1m0s grace; it left "
	if f == nil || !strings.HasPrefix(f.Reason, want) || !strings.HasSuffix(f.Reason, " events (kept in SOAK_ITER_DIR, not judged)") {
		t.Fatalf("failure %+v, want a reason starting %q and counting the events", f, want)
	}
	if !strings.Contains(f.StderrTail, "fakebot: SIGTERM: flushing") {
		t.Errorf("stderr tail %q: the handler did not run", f.StderrTail)
	}
	if res.Summary.NetBps != nil {
		t.Errorf("a timed-out iteration carries KPIs: %+v", res.Summary)
	}
	if _, err := os.Stat(filepath.Join(it.Dir, EventsFile)); err != nil {
		t.Errorf("the flushed events are not kept: %v", err)
	}
}

// TestExecTimeoutIgnoredSIGTERM: a bot that ignores SIGTERM is killed
// (SIGKILL to the group) once the grace has passed.
func TestExecTimeoutIgnoredSIGTERM(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM")
	}
	it := iterIn(t, 2)
	x := helperExec(t, "fakebot", time.Second, "--events", "800", "--ignore-term-at", "2")
	x.grace = time.Second
	res, err := x.Run(context.Background(), it)
	if err != nil {
		t.Fatal(err)
	}
	const want = "timeout: timed out after 1s; SIGTERM to the process group, SIGKILL after the 1s grace; it left no output"
	if f := res.Failure; f == nil || f.Reason != want || !strings.Contains(f.StderrTail, "ignoring SIGTERM") {
		t.Fatalf("failure %+v, want reason %q", res.Failure, want)
	}
}

// TestExecEnvironmentAndDirectory: the command runs in soak-run's working
// directory with the documented SOAK_* variables, SOAK_ITER_SEED among
// them.
func TestExecEnvironmentAndDirectory(t *testing.T) {
	it := iterIn(t, 3)
	it.Seed = 1
	if _, err := helperExec(t, "env", time.Minute).Run(context.Background(), it); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(it.Dir, "env.txt"))
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	dir, _ := filepath.Abs(it.Dir)
	ov, _ := filepath.Abs(it.OverridesPath)
	want := fmt.Sprintf("cwd=%s\nSOAK_ITERATION=3\nSOAK_ITERATIONS=5\nSOAK_SEED=1\nSOAK_ITER_SEED=%d\nSOAK_ITER_DIR=%s\nSOAK_OVERRIDES=%s\n",
		wd, iterSeed(1, 3), dir, ov)
	if string(data) != want {
		t.Errorf("the command saw\n%s\nwant\n%s", data, want)
	}
}

// TestIterSeed pins SOAK_ITER_SEED to SplitMix64's published sequence.
func TestIterSeed(t *testing.T) {
	for _, tc := range []struct {
		seed uint64
		n    int
		want uint64
	}{
		{0, 1, 0xE220A8397B1DCDAF}, {0, 2, 0x6E789E6AA1B965F4},
		{1, 1, 10451216379200822465}, {1, 2, 13757245211066428519},
	} {
		if got := iterSeed(tc.seed, tc.n); got != tc.want {
			t.Errorf("iterSeed(%d, %d) = %d, want %d", tc.seed, tc.n, got, tc.want)
		}
	}
}

// processGone reports whether pid has exited (a zombie waiting for its
// reaper counts as exited).
func processGone(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	return len(fields) > 0 && (fields[0] == "Z" || fields[0] == "X")
}

// TestExecInterrupt: cancelling the soak stops the command and returns the
// interruption, not a failed iteration.
func TestExecInterrupt(t *testing.T) {
	it := iterIn(t, 1)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	_, err := helperExec(t, "hang", 0).Run(ctx, it)
	if err != context.Canceled {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestTail(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := 1; i <= 100; i++ {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	p := filepath.Join(dir, "err")
	tailOf := func(p string) string {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		return tail(f)
	}
	os.WriteFile(p, []byte(b.String()), 0o644)
	got := tailOf(p)
	if lines := strings.Split(got, "\n"); len(lines) != stderrTailLines || lines[0] != "line 81" || lines[19] != "line 100" {
		t.Errorf("tail = %q", got)
	}
	os.WriteFile(p, []byte(strings.Repeat("x", 5000)+"\nlast\n"), 0o644)
	if got := tailOf(p); got != "last" {
		t.Errorf("tail of a long line = %q", got)
	}
}
