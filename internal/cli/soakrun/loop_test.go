package soakrun

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/legacy"
	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/internal/redact"
	"github.com/soakline/soakline/internal/sim"
	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/internal/tuner"
	"github.com/soakline/soakline/pkg/artifact"
)

const testIters = 8

// testOpts is a small auto-tuned mock soak into out.
func testOpts(out string) Options {
	return Options{
		Iterations: testIters, AutoTune: true, Mode: artifact.ModeMock, Seed: 3, Scenario: sim.Steady,
		Events: 2000, Out: out, MaxFailed: DefaultMaxFailed, Epoch: FixedEpoch, Set: map[string]bool{},
	}
}

// fakeExec runs the simulator unless fn decides otherwise for an iteration.
type fakeExec struct {
	mock *mockExec
	fn   func(ctx context.Context, it Iter) (Result, error, bool)
}

func (f *fakeExec) NeedsDir() bool { return false }

func (f *fakeExec) Run(ctx context.Context, it Iter) (Result, error) {
	if f.fn != nil {
		if res, err, ok := f.fn(ctx, it); ok {
			return res, err
		}
	}
	return f.mock.Run(ctx, it)
}

func newFake(o Options, fn func(ctx context.Context, it Iter) (Result, error, bool)) *fakeExec {
	return &fakeExec{
		mock: &mockExec{cfg: sim.Config{Seed: o.Seed, Events: o.Events, Scenario: o.Scenario, Iterations: o.Iterations}, epoch: o.Epoch},
		fn:   fn,
	}
}

type testRun struct {
	opts  Options
	exec  Executor
	crash func(string, int) error
	ctx   context.Context
}

func (tr testRun) run(t *testing.T) (string, error) {
	t.Helper()
	var errw bytes.Buffer
	r := &runner{opts: tr.opts, stdio: cliutil.Stdio{Out: &bytes.Buffer{}, Err: &errw}, tcfg: tuner.DefaultConfig(), wall: time.Now, exec: tr.exec, crash: tr.crash}
	ctx := tr.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	err := r.main(ctx)
	return errw.String(), err
}

// readTree returns every file under dir by relative path.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func reference(t *testing.T) map[string]string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ref")
	if _, err := (testRun{opts: testOpts(dir)}).run(t); err != nil {
		t.Fatal(err)
	}
	return readTree(t, dir)
}

func TestDeterministic(t *testing.T) {
	a, b := reference(t), reference(t)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Fatalf("two runs differ (-first +second):\n%s", diff)
	}
	if len(a) != testIters+4 {
		t.Errorf("got %d files, want %d summaries + ledger, overrides, RUN.json, %s: %v", len(a), testIters, OwnFile, keys(a))
	}
}

func keys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func decodeLedger(t *testing.T, dir string) *artifact.TuningReport {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, artifact.TuningReportFile))
	if err != nil {
		t.Fatal(err)
	}
	rep := new(artifact.TuningReport)
	if err := artifact.Decode(artifact.TuningReportFile, data, artifact.KindTuningReport, rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestFailedIterations: failures are recorded, not fatal, until the limit.
func TestFailedIterations(t *testing.T) {
	failAt := map[int]bool{2: true, 4: true, 5: true}
	code := 3
	fn := func(_ context.Context, it Iter) (Result, error, bool) {
		if !failAt[it.N] {
			return Result{}, nil, false
		}
		return Result{StartedAt: FixedEpoch, Failure: &artifact.Failure{Reason: "command exited with status 3", ExitCode: &code, StderrTail: "boom"}}, nil, true
	}
	for _, tc := range []struct {
		name      string
		maxFailed int
		wantDone  int
		wantState string
		wantErr   string
	}{
		{"under the limit", 4, testIters, artifact.RunComplete, ""},
		{"no limit", 0, testIters, artifact.RunComplete, ""},
		{"at the limit", 3, 5, artifact.RunFailed, "stopped after 3 failed iterations (--max-failed-iterations 3); last: command exited with status 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			o := testOpts(dir)
			o.MaxFailed = tc.maxFailed
			_, err := testRun{opts: o, exec: newFake(o, fn)}.run(t)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr) {
				t.Fatalf("got error %v, want %q", err, tc.wantErr)
			}
			if tc.wantErr != "" && cliutil.ExitCode(err) != cliutil.ExitNo {
				t.Errorf("exit code %d, want 1", cliutil.ExitCode(err))
			}
			run, err := readRun(dir)
			if err != nil {
				t.Fatal(err)
			}
			if run.State != tc.wantState || run.IterationsDone != tc.wantDone || run.FailedIterations != 3 {
				t.Errorf("run record: state %s, done %d, failed %d; want %s, %d, 3", run.State, run.IterationsDone, run.FailedIterations, tc.wantState, tc.wantDone)
			}
			rep := decodeLedger(t, dir)
			if len(rep.Iterations) != tc.wantDone {
				t.Errorf("ledger has %d entries, want %d", len(rep.Iterations), tc.wantDone)
			}
			for _, e := range rep.Iterations {
				if failAt[e.Iteration] && (e.SkipReason != SkipIterationFailed || e.Applied || e.OldHash != e.StateHash) {
					t.Errorf("ledger entry of failed iteration %d: %+v", e.Iteration, e)
				}
			}
			data, _ := os.ReadFile(filepath.Join(dir, "ITER_SUMMARY_2.json"))
			s, err := legacy.IterationSummary("ITER_SUMMARY_2.json", data)
			if err != nil {
				t.Fatal(err)
			}
			want := &artifact.Failure{Reason: "command exited with status 3", ExitCode: &code, StderrTail: "boom"}
			if diff := cmp.Diff(want, s.Failure); s.Status != artifact.StatusFailed || diff != "" {
				t.Errorf("failed summary: status %s, failure (-want +got):\n%s", s.Status, diff)
			}
			if s.Summary.NetBps != nil {
				t.Errorf("a failed iteration has KPIs: %+v", s.Summary)
			}
		})
	}
}

var errCrash = errors.New("simulated kill -9")

// TestCrashAndResume kills the soak (no cleanup, like SIGKILL) after each
// kind of write of iteration 5 and in the middle of it, then resumes: the
// result must be byte-identical to an uninterrupted soak.
func TestCrashAndResume(t *testing.T) {
	want := reference(t)
	for _, tc := range []struct {
		name  string
		file  string // crash after this write of iteration 5 (at, if set); "" = during the iteration
		state string // RUN.json state left behind
		at    int
	}{
		{"mid-iteration", "", artifact.RunRunning, 0},
		// Iteration 6: the first from 5 whose decision changes a
		// parameter in this soak (the overrides are written only then).
		{"after the overrides", artifact.OverridesFile, artifact.RunRunning, 6},
		{"after the summary", "ITER_SUMMARY_5.json", artifact.RunRunning, 0},
		{"after RUN.json", artifact.RunFile, artifact.RunRunning, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "soak")
			o := testOpts(dir)
			fn := func(_ context.Context, it Iter) (Result, error, bool) {
				if tc.file == "" && it.N == 5 {
					return Result{}, errCrash, true
				}
				return Result{}, nil, false
			}
			at := 5
			if tc.at != 0 {
				at = tc.at
			}
			crash := func(file string, n int) error {
				if file == tc.file && n == at {
					return errCrash
				}
				return nil
			}
			if _, err := (testRun{opts: o, exec: newFake(o, fn), crash: crash}).run(t); !errors.Is(err, errCrash) {
				t.Fatalf("got %v, want the simulated crash", err)
			}
			if run, err := readRun(dir); err != nil || run.State != tc.state {
				t.Fatalf("after the crash: %v, state %v", err, run)
			}
			// The killed process's lock is still there; a dead process's
			// lock is recovered (internal/lock), this one is ours.
			if err := os.Remove(filepath.Join(dir, LockFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				t.Fatal(err)
			}
			o.Resume = true
			o.Set = map[string]bool{"resume": true, "out": true}
			stderr, err := (testRun{opts: o}).run(t)
			if err != nil {
				t.Fatalf("resume: %v\n%s", err, stderr)
			}
			if diff := cmp.Diff(want, readTree(t, dir)); diff != "" {
				t.Errorf("resumed soak differs from an uninterrupted one (-want +got):\n%s", diff)
			}
		})
	}
}

// TestInterruptAndResume: a cancelled context (SIGINT) leaves state
// interrupted and exit 130; --resume completes it identically.
func TestInterruptAndResume(t *testing.T) {
	want := reference(t)
	dir := filepath.Join(t.TempDir(), "soak")
	o := testOpts(dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fn := func(ctx context.Context, it Iter) (Result, error, bool) {
		if it.N == 4 {
			cancel()
			return Result{}, ctx.Err(), true
		}
		return Result{}, nil, false
	}
	stderr, err := (testRun{opts: o, exec: newFake(o, fn), ctx: ctx}).run(t)
	if !errors.Is(err, cliutil.ErrInterrupted) || cliutil.ExitCode(err) != cliutil.ExitInterrupted {
		t.Fatalf("got %v, want interrupted", err)
	}
	if !strings.Contains(stderr, "interrupted after 3 of 8 iterations; state saved") {
		t.Errorf("stderr: %s", stderr)
	}
	run, err := readRun(dir)
	if err != nil || run.State != artifact.RunInterrupted || run.IterationsDone != 3 {
		t.Fatalf("run record after interrupt: %v %+v", err, run)
	}
	if _, err := os.Stat(filepath.Join(dir, LockFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("lock left behind after an interrupt: %v", err)
	}
	o.Resume = true
	o.Set = map[string]bool{"resume": true, "iterations": true, "auto-tune": true, "seed": true}
	if stderr, err := (testRun{opts: o}).run(t); err != nil {
		t.Fatalf("resume: %v\n%s", err, stderr)
	}
	if diff := cmp.Diff(want, readTree(t, dir)); diff != "" {
		t.Errorf("resumed soak differs (-want +got):\n%s", diff)
	}
}

func TestResumeRefusals(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "soak")
	o := testOpts(dir)
	if _, err := (testRun{opts: o}).run(t); err != nil {
		t.Fatal(err)
	}
	resume := func(mod func(o *Options)) (string, error) {
		o := testOpts(dir)
		o.Resume = true
		o.Set = map[string]bool{"resume": true}
		if mod != nil {
			mod(&o)
		}
		return testRun{opts: o}.run(t)
	}
	// A complete soak: nothing to do, success.
	if stderr, err := resume(nil); err != nil || !strings.Contains(stderr, "already complete (8 iterations); nothing to do") {
		t.Errorf("resume of a complete soak: %v, %q", err, stderr)
	}
	// Make it resumable, then try to change it.
	run, _ := readRun(dir)
	run.State = artifact.RunInterrupted
	if err := soakdir.WriteJSON(filepath.Join(dir, artifact.RunFile), run); err != nil {
		t.Fatal(err)
	}
	_, err := resume(func(o *Options) { o.Seed, o.Set["seed"] = 9, true })
	if err == nil || !strings.Contains(err.Error(), "--seed (the soak has 3)") || cliutil.ExitCode(err) != cliutil.ExitUsage {
		t.Errorf("changing the seed on resume: %v", err)
	}
	// Summaries lost behind the run record's back are not papered over.
	os.Remove(filepath.Join(dir, "ITER_SUMMARY_8.json"))
	if _, err = resume(nil); err == nil || !strings.Contains(err.Error(), "cannot resume: RUN.json says 8 of 8 iterations done, but there are 7 iteration summaries") {
		t.Errorf("resume after losing the last summary: %v", err)
	}
	os.Remove(filepath.Join(dir, "ITER_SUMMARY_3.json"))
	if _, err = resume(nil); err == nil || !strings.Contains(err.Error(), "cannot resume: iteration 3 is missing") {
		t.Errorf("resume with a gap: %v", err)
	}
	empty := t.TempDir()
	o = testOpts(empty)
	o.Resume = true
	if _, err := (testRun{opts: o}).run(t); err == nil || !strings.Contains(err.Error(), "nothing to resume: no RUN.json") {
		t.Errorf("resume of an empty dir: %v", err)
	}
}

// TestLockRefusal: a second soak on a directory in use exits 2 naming the
// holder, and changes nothing.
func TestLockRefusal(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "soak")
	os.MkdirAll(dir, 0o755)
	lockBody := `{"pid":1,"host":"build-7","started_at":"2026-01-01T00:00:00Z","command":"soak-run"}` + "\n"
	os.WriteFile(filepath.Join(dir, LockFile), []byte(lockBody), 0o644)
	os.WriteFile(filepath.Join(dir, "ITER_SUMMARY_1.json"), []byte("theirs"), 0o644)
	_, err := (testRun{opts: testOpts(dir)}).run(t)
	if err == nil || !strings.Contains(err.Error(), "in use by soak-run pid 1 on host build-7 since 2026-01-01T00:00:00Z") || cliutil.ExitCode(err) != cliutil.ExitUsage {
		t.Fatalf("got %v, want a refusal naming the holder", err)
	}
	if got := readTree(t, dir); len(got) != 2 || got["ITER_SUMMARY_1.json"] != "theirs" || got[LockFile] != lockBody {
		t.Errorf("the refused soak touched the directory: %v", got)
	}
}

func TestStream(t *testing.T) {
	var out, errw bytes.Buffer
	o := testOpts("-")
	r := &runner{opts: o, stdio: cliutil.Stdio{Out: &out, Err: &errw}, tcfg: tuner.DefaultConfig(), wall: time.Now}
	if err := r.main(context.Background()); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	err := soakdir.ScanLines("<stdout>", &out, func(_ int, env artifact.Envelope, _ []byte) error {
		kinds = append(kinds, string(env.Kind))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{}
	for range testIters {
		want = append(want, "iteration_summary")
	}
	want = append(want, "tuning_report", "runtime_overrides", "run")
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("stream kinds (-want +got):\n%s", diff)
	}
}

func TestIsolated(t *testing.T) {
	want := reference(t)
	root := t.TempDir()
	out := filepath.Join(root, "soak", "latest")
	// A previous soak in --out (soak-run's, so it may be replaced) and a
	// file of the user's (which stays).
	prev := testOpts(out)
	prev.Iterations, prev.Seed = 3, 11
	if _, err := (testRun{opts: prev}).run(t); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(out, "keep.txt"), []byte("x"), 0o644)
	o := testOpts(out)
	o.Isolated = true
	if _, err := (testRun{opts: o}).run(t); err != nil {
		t.Fatal(err)
	}
	got := readTree(t, out)
	if got["keep.txt"] != "x" {
		t.Error("materializing removed a file that is not soak-run's")
	}
	delete(got, "keep.txt")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("materialized soak (-want +got):\n%s", diff)
	}
	runs, _ := filepath.Glob(filepath.Join(root, "soak", "RUN_*"))
	if len(runs) != 1 {
		t.Fatalf("isolated run dirs: %v", runs)
	}
	if diff := cmp.Diff(want, readTree(t, runs[0])); diff != "" {
		t.Errorf("isolated run dir (-want +got):\n%s", diff)
	}
	// A file by soak-run's name that soak-run did not write: the isolated
	// run is refused before it starts, and --out is left as it was.
	os.WriteFile(filepath.Join(out, "ITER_SUMMARY_99.json"), []byte("old"), 0o644)
	before := readTree(t, out)
	if _, err := (testRun{opts: o}).run(t); err == nil || !strings.Contains(err.Error(), "ITER_SUMMARY_99.json: not written by soak-run") {
		t.Errorf("isolated run over a foreign summary: %v", err)
	}
	if diff := cmp.Diff(before, readTree(t, out)); diff != "" {
		t.Errorf("the refused run changed --out:\n%s", diff)
	}
	if runs, _ := filepath.Glob(filepath.Join(root, "soak", "RUN_*")); len(runs) != 1 {
		t.Errorf("the refused run made a run directory: %v", runs)
	}
}

func TestOwnArtifact(t *testing.T) {
	for name, want := range map[string]bool{
		"ITER_SUMMARY_1.json": true, "ITER_SUMMARY_120.json": true, "TUNING_REPORT.json": true,
		"RUN.json": true, "runtime_overrides.json": true, "iter": true,
		".ITER_SUMMARY_3.json.tmp-123": true, ".RUN.json.tmp-9": true,
		"POST_SOAK_SNAPSHOT.json": false, "reports": false, "notes.txt": false, ".soak-run.lock": false,
		"ITER_SUMMARY_x.json": false, "ITER_SUMMARY_0.json": false, "RUN_1767225600000": false,
	} {
		if got := ownArtifact(name); got != want {
			t.Errorf("ownArtifact(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestDecide(t *testing.T) {
	ok := &artifact.IterationSummary{Iteration: 4, Status: artifact.StatusOK, DurationMs: 60000,
		Summary: artifact.Summary{MakerTakerRatio: artifact.F(0.7), P95LatencyMs: artifact.F(300), RiskRatio: artifact.F(0.3), NetBps: artifact.F(1)}}
	params := sim.Defaults()
	for _, tc := range []struct {
		name     string
		autoTune bool
		sum      *artifact.IterationSummary
		total    int
		want     func(t *testing.T, tu artifact.Tuning, next map[string]float64)
	}{
		{"auto-tune off", false, ok, 8, func(t *testing.T, tu artifact.Tuning, next map[string]float64) {
			if tu.SkipReason != SkipAutoTuneOff || tu.Applied || len(tu.ProposedDeltas) != 0 || tu.ChangedKeys == nil || tu.Changes == nil {
				t.Errorf("%+v", tu)
			}
		}},
		{"failed iteration", true, &artifact.IterationSummary{Iteration: 4, Status: artifact.StatusFailed}, 8, func(t *testing.T, tu artifact.Tuning, next map[string]float64) {
			if tu.SkipReason != SkipIterationFailed || tu.Applied {
				t.Errorf("%+v", tu)
			}
		}},
		{"applies", true, ok, 8, func(t *testing.T, tu artifact.Tuning, next map[string]float64) {
			if !tu.Applied || tu.SkipReason != "" || tu.ProposedDeltas["base_spread_bps_delta"] == 0 {
				t.Fatalf("%+v", tu)
			}
			for _, c := range tu.Changes {
				if next[c.Key] != c.New || params[c.Key] != c.Old || numfmt.Round(c.New-c.Old) != c.Delta {
					t.Errorf("change %+v vs next %v", c, next[c.Key])
				}
			}
		}},
		{"final iteration proposes only", true, ok, 4, func(t *testing.T, tu artifact.Tuning, next map[string]float64) {
			if tu.Applied || tu.SkipReason != tuner.GuardFinalIteration || len(tu.Skipped) == 0 || len(tu.ProposedDeltas) == 0 {
				t.Errorf("%+v", tu)
			}
			if diff := cmp.Diff(params, next); diff != "" {
				t.Errorf("parameters changed on the final iteration:\n%s", diff)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var st tuner.State
			tu, next, err := decide(tuner.DefaultConfig(), tc.autoTune, &st, params, tc.sum, tc.total, 240000)
			if err != nil {
				t.Fatal(err)
			}
			tc.want(t, tu, next)
		})
	}
}

// TestInterruptPrintsResume: after an interrupt soak-run prints the
// command that continues the soak (also in the error); run as printed, it
// completes the soak identically. Before, it said only "continue with
// --resume".
func TestInterruptPrintsResume(t *testing.T) {
	want := reference(t)
	dir := filepath.Join(t.TempDir(), "soak")
	o := testOpts(dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fn := func(ctx context.Context, it Iter) (Result, error, bool) {
		if it.N == 4 {
			cancel()
			return Result{}, ctx.Err(), true
		}
		return Result{}, nil, false
	}
	stderr, err := (testRun{opts: o, exec: newFake(o, fn), ctx: ctx}).run(t)
	if !errors.Is(err, cliutil.ErrInterrupted) {
		t.Fatalf("got %v, want interrupted", err)
	}
	const prefix = "soak-run: to continue: "
	var resume string
	for _, line := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(line, prefix) {
			resume = strings.TrimPrefix(line, prefix)
		}
	}
	if w := "soak-run --resume --out " + shellQuote(dir); resume != w {
		t.Fatalf("resume command %q, want %q\n%s", resume, w, stderr)
	}
	if !strings.Contains(err.Error(), "continue with: "+resume) {
		t.Errorf("error %q does not name the resume command", err)
	}
	var out, errw bytes.Buffer
	stdio := cliutil.Stdio{In: strings.NewReader(""), Out: &out, Err: &errw, Getenv: func(string) (string, bool) { return "", false }}
	if err := Run(context.Background(), strings.Fields(strings.TrimPrefix(resume, "soak-run ")), stdio); err != nil {
		t.Fatalf("the printed command %q: %v\n%s", resume, err, errw.String())
	}
	if diff := cmp.Diff(want, readTree(t, dir)); diff != "" {
		t.Errorf("soak resumed by the printed command differs (-want +got):\n%s", diff)
	}
}

// TestResumeCommand: an --exec soak's resume command carries its command
// after --, quoted for a shell, and says when arguments were masked.
func TestResumeCommand(t *testing.T) {
	r := &runner{st: &store{dir: "/soaks/a b"}, opts: Options{Out: "x", Command: []string{"./bot", "--name", "it's", "--paper"}}}
	r.run.Mode = artifact.ModeExec
	r.run.Command = redact.Args(r.opts.Command)
	if got, want := r.resumeCommand(), `soak-run --resume --out '/soaks/a b' --exec -- ./bot --name 'it'\''s' --paper`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	r.opts.Command = []string{"./bot", "DB_PASS=hunter2"}
	r.run.Command = redact.Args(r.opts.Command)
	if got := r.resumeCommand(); strings.Contains(got, "hunter2") || !strings.HasSuffix(got, "(masked arguments: give them in full)") {
		t.Errorf("masked: %s", got)
	}
	r.opts.Out = "-"
	if got := r.resumeCommand(); got != "" {
		t.Errorf("a stream has a resume command: %q", got)
	}
}

// FuzzShellQuote: what shellQuote writes, read back by a POSIX shell's
// quoting rules, is the argument; bare output holds no special character.
func FuzzShellQuote(f *testing.F) {
	for _, s := range []string{"", "plain/path-1.json", "a b", "it's", "'", `\`, "$HOME", "a\nb", "--x=y", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := shellQuote(s)
		got, ok := shellUnquote(q)
		if !ok || got != s {
			t.Fatalf("shellQuote(%q) = %s reads back as %q (ok %v)", s, q, got, ok)
		}
	})
}

// shellUnquote reads one word by the POSIX shell's quoting rules for what
// shellQuote writes: single-quoted runs, backslash escapes, and plain
// characters that are not special.
func shellUnquote(q string) (string, bool) {
	if q == "" {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		switch c := q[i]; {
		case c == '\'':
			j := strings.IndexByte(q[i+1:], '\'')
			if j < 0 {
				return "", false
			}
			b.WriteString(q[i+1 : i+1+j])
			i += j + 1
		case c == '\\':
			if i+1 >= len(q) {
				return "", false
			}
			i++
			b.WriteByte(q[i])
		case strings.IndexByte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-", c) >= 0:
			b.WriteByte(c)
		default:
			return "", false // a character the shell would interpret
		}
	}
	return b.String(), true
}
