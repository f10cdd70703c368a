//go:build unix

package soakrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/pkg/artifact"
)

// Secrets a bot prints on stderr (issue 18 item 9).
const (
	leakSK   = "sk-live-4f9a8b7c6d5e4f3a2b1c"
	leakURL  = "https://u:pw1234@exchange.example/api"
	leakGHP  = "ghp_AbCdEf0123456789AbCdEf0123456789abcd"
	leakPass = "DB_PASS=hunter22"
)

// safetyHelper is the test binary acting as a misbehaving bot.
func safetyHelper(mode string) {
	dir := os.Getenv("SOAK_ITER_DIR")
	switch mode {
	case "fifo-events":
		// Leaves a FIFO where events.jsonl belongs; nobody ever writes it.
		if err := syscall.Mkfifo(filepath.Join(dir, EventsFile), 0o644); err != nil {
			os.Exit(9)
		}
		os.Exit(0)
	case "fifo-stderr":
		// Replaces its stderr.log by a FIFO, then fails.
		os.Remove(filepath.Join(dir, StderrFile))
		if err := syscall.Mkfifo(filepath.Join(dir, StderrFile), 0o644); err != nil {
			os.Exit(9)
		}
		os.Exit(1)
	case "leak":
		fmt.Fprintf(os.Stderr, "auth failed with key %s\ndialing %s\ntoken %s\n%s\n", leakSK, leakURL, leakGHP, leakPass)
		os.Exit(1)
	}
}

// runOrHang runs one iteration, failing the test (not hanging it) when
// Run does not return: before the fix the open of a FIFO blocked forever.
func runOrHang(t *testing.T, x *execExec, it Iter) (Result, error) {
	t.Helper()
	type out struct {
		res Result
		err error
	}
	done := make(chan out, 1)
	go func() {
		res, err := x.Run(context.Background(), it)
		done <- out{res, err}
	}()
	select {
	case o := <-done:
		return o.res, o.err
	case <-time.After(2 * time.Minute):
		t.Fatal("the iteration never returned (blocked on a FIFO?)")
	}
	return Result{}, nil
}

// TestExecFIFOEvents: a bot that leaves a FIFO as events.jsonl hung
// soak-run past --iteration-timeout and SIGINT; now it is a failed
// iteration, refused by type before the open.
func TestExecFIFOEvents(t *testing.T) {
	res, err := runOrHang(t, helperExec(t, "fifo-events", time.Hour), iterIn(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	if res.Failure == nil || !strings.Contains(res.Failure.Reason, "events.jsonl is a named pipe (FIFO), not a regular file: refused") {
		t.Errorf("got %+v", res.Failure)
	}
}

// TestExecFIFOStderr: the stderr tail is read through soak-run's own
// descriptor, not by name.
func TestExecFIFOStderr(t *testing.T) {
	res, err := runOrHang(t, helperExec(t, "fifo-stderr", time.Hour), iterIn(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	if res.Failure == nil || !strings.Contains(res.Failure.Reason, "status 1") {
		t.Errorf("got %+v", res.Failure)
	}
}

// TestExecStderrRedacted: a bot's credentials on stderr do not reach the
// failure's stderr_tail (and so ITER_SUMMARY, FAILURES.md, the bundle).
func TestExecStderrRedacted(t *testing.T) {
	res, err := helperExec(t, "leak", time.Hour).Run(context.Background(), iterIn(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	if res.Failure == nil {
		t.Fatal("no failure")
	}
	tail := res.Failure.StderrTail
	for _, secret := range []string{"4f9a8b7c6d5e", "pw1234", "AbCdEf0123456789", "hunter22"} {
		if strings.Contains(tail, secret) {
			t.Errorf("stderr_tail keeps %q: %q", secret, tail)
		}
	}
	if !strings.Contains(tail, "auth failed with key <redacted>") || !strings.Contains(tail, "DB_PASS=<redacted>") {
		t.Errorf("stderr_tail = %q", tail)
	}
}

// victim is a directory outside the soak with files that must survive.
func victim(t *testing.T) (string, map[string]string) {
	t.Helper()
	v := filepath.Join(t.TempDir(), "victim")
	files := map[string]string{"precious.txt": "mine", "1/events.jsonl": "mine too", "2/notes": "and this"}
	for name, body := range files {
		p := filepath.Join(v, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return v, files
}

func checkVictim(t *testing.T, v string, want map[string]string) {
	t.Helper()
	if diff := cmp.Diff(want, readTree(t, v)); diff != "" {
		t.Errorf("files outside the soak changed (-want +got):\n%s", diff)
	}
}

// TestIterSymlinkNotFollowed: with D/iter a symbolic link to another
// directory, a fresh soak and --resume deleted files inside the link's
// target. Now both refuse (exit 2) naming D/iter, and the target is
// untouched.
func TestIterSymlinkNotFollowed(t *testing.T) {
	keep := func(o Options) Options { o.KeepEvents = true; return o }

	t.Run("fresh into a directory holding only the link", func(t *testing.T) {
		v, files := victim(t)
		dir := filepath.Join(t.TempDir(), "soak")
		os.MkdirAll(dir, 0o755)
		os.Symlink(v, filepath.Join(dir, IterDir))
		_, err := (testRun{opts: keep(testOpts(dir))}).run(t)
		if err == nil || cliutil.ExitCode(err) != cliutil.ExitUsage || !strings.Contains(err.Error(), dir) {
			t.Errorf("got %v, want exit 2 naming %s", err, dir)
		}
		checkVictim(t, v, files)
	})

	t.Run("fresh over soak-run's own soak", func(t *testing.T) {
		v, files := victim(t)
		dir := filepath.Join(t.TempDir(), "soak")
		if _, err := (testRun{opts: keep(testOpts(dir))}).run(t); err != nil {
			t.Fatal(err)
		}
		os.RemoveAll(filepath.Join(dir, IterDir))
		os.Symlink(v, filepath.Join(dir, IterDir))
		_, err := (testRun{opts: keep(testOpts(dir))}).run(t)
		if err == nil || cliutil.ExitCode(err) != cliutil.ExitUsage || !strings.Contains(err.Error(), filepath.Join(dir, IterDir)+": is a symbolic link") {
			t.Errorf("got %v, want exit 2 naming %s", err, filepath.Join(dir, IterDir))
		}
		checkVictim(t, v, files)
	})

	t.Run("resume", func(t *testing.T) {
		v, files := victim(t)
		dir := filepath.Join(t.TempDir(), "soak")
		o := keep(testOpts(dir))
		crash := func(file string, n int) error {
			if n == 1 && file == artifact.RunFile {
				return errCrash
			}
			return nil
		}
		if _, err := (testRun{opts: o, crash: crash}).run(t); !errors.Is(err, errCrash) {
			t.Fatal(err)
		}
		os.Remove(filepath.Join(dir, LockFile))
		os.RemoveAll(filepath.Join(dir, IterDir))
		os.Symlink(v, filepath.Join(dir, IterDir))
		o.Resume, o.Set = true, map[string]bool{"resume": true}
		_, err := (testRun{opts: o}).run(t)
		if err == nil || cliutil.ExitCode(err) != cliutil.ExitUsage || !strings.Contains(err.Error(), filepath.Join(dir, IterDir)+": is a symbolic link") {
			t.Errorf("got %v, want exit 2 naming %s", err, filepath.Join(dir, IterDir))
		}
		checkVictim(t, v, files)
	})
}

// TestForeignFilesNotDeleted: soak-run --out . deleted a user's
// iter/src/main.c, ITER_SUMMARY_0001.json, RUN.json and
// runtime_overrides.json because their names matched. Now a directory
// soak-run did not write is refused (exit 2) and nothing in it changes;
// in soak-run's own directory a file by its names that it did not write
// (or that changed since) is refused the same way.
func TestForeignFilesNotDeleted(t *testing.T) {
	user := map[string]string{
		"iter/src/main.c": "int main(){}", "ITER_SUMMARY_0001.json": "{}", "RUN.json": `{"mine":1}`,
		"runtime_overrides.json": `{"a":1}`, "README.md": "my repo",
	}
	write := func(dir string, files map[string]string) {
		for name, body := range files {
			p := filepath.Join(dir, filepath.FromSlash(name))
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.WriteFile(p, []byte(body), 0o644)
		}
	}
	t.Run("a user's directory", func(t *testing.T) {
		dir := t.TempDir()
		write(dir, user)
		_, err := (testRun{opts: testOpts(dir)}).run(t)
		if err == nil || cliutil.ExitCode(err) != cliutil.ExitUsage || !strings.Contains(err.Error(), "not a soak directory soak-run wrote") {
			t.Errorf("got %v", err)
		}
		if diff := cmp.Diff(user, readTree(t, dir)); diff != "" {
			t.Errorf("the user's files changed (-want +got):\n%s", diff)
		}
		// --resume neither.
		o := testOpts(dir)
		o.Resume, o.Set = true, map[string]bool{"resume": true}
		if _, err := (testRun{opts: o}).run(t); err == nil || cliutil.ExitCode(err) != cliutil.ExitUsage {
			t.Errorf("resume: %v", err)
		}
		if diff := cmp.Diff(user, readTree(t, dir)); diff != "" {
			t.Errorf("resume changed the user's files (-want +got):\n%s", diff)
		}
	})
	for _, tc := range []struct{ name, file, body string }{
		{"a summary soak-run did not write", "ITER_SUMMARY_50.json", "{}"},
		{"a run record changed since", artifact.RunFile, `{"mine":1}`},
		{"overrides changed since", artifact.OverridesFile, `{"a":1}`},
		{"a directory under iter/ soak-run did not make", "iter/src/main.c", "int main(){}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "soak")
			o := testOpts(dir)
			o.KeepEvents = true
			if _, err := (testRun{opts: o}).run(t); err != nil {
				t.Fatal(err)
			}
			write(dir, map[string]string{tc.file: tc.body, "notes.txt": "mine"})
			before := readTree(t, dir)
			_, err := (testRun{opts: o}).run(t)
			if err == nil || cliutil.ExitCode(err) != cliutil.ExitUsage || !strings.Contains(err.Error(), filepath.Dir(filepath.Join(dir, filepath.FromSlash(tc.file)))) {
				t.Errorf("got %v, want exit 2 naming %s", err, tc.file)
			}
			if diff := cmp.Diff(before, readTree(t, dir)); diff != "" {
				t.Errorf("the refused soak changed the directory (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("own artifacts are replaced, other files stay", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "soak")
		if _, err := (testRun{opts: testOpts(dir)}).run(t); err != nil {
			t.Fatal(err)
		}
		write(dir, map[string]string{"notes.txt": "mine", "reports/analysis/x.md": "gate"})
		o := testOpts(dir)
		o.Iterations = 3
		if _, err := (testRun{opts: o}).run(t); err != nil {
			t.Fatal(err)
		}
		got := readTree(t, dir)
		if got["notes.txt"] != "mine" || got["reports/analysis/x.md"] != "gate" {
			t.Error("a file that is not soak-run's went")
		}
		if _, ok := got["ITER_SUMMARY_4.json"]; ok {
			t.Error("the previous soak's summary 4 stayed")
		}
	})
}

// TestResumeNeverRunsStoredCommand: --resume ran the command stored in
// RUN.json of the directory it was given. Now an --exec soak resumes only
// with the command on the command line, equal to the recorded one or
// accepted with --accept-changed-command.
func TestResumeNeverRunsStoredCommand(t *testing.T) {
	t.Setenv("SOAKRUN_HELPER", "fakebot")
	dir := filepath.Join(t.TempDir(), "soak")
	bot := []string{os.Args[0], "--events", "1500", "--fail-at", "2"}
	o := testOpts(dir)
	o.Mode, o.Command, o.Iterations, o.MaxFailed = artifact.ModeExec, bot, 4, 1
	if _, err := (testRun{opts: o}).run(t); err == nil || cliutil.ExitCode(err) != cliutil.ExitNo {
		t.Fatalf("the soak should stop at the failure limit: %v", err)
	}
	// A downloaded soak directory can carry any command.
	pwned := filepath.Join(t.TempDir(), "pwned")
	runPath := filepath.Join(dir, artifact.RunFile)
	var run map[string]any
	data, _ := os.ReadFile(runPath)
	if err := json.Unmarshal(data, &run); err != nil {
		t.Fatal(err)
	}
	run["command"] = []string{"/bin/sh", "-c", "touch " + pwned}
	data, _ = json.Marshal(run)
	os.WriteFile(runPath, data, 0o644)

	resume := func(cmd []string, accept bool) error {
		r := testOpts(dir)
		r.Mode, r.Command, r.Resume, r.AcceptChangedCommand = artifact.ModeExec, cmd, true, accept
		r.Iterations, r.MaxFailed = 4, 0
		r.Set = map[string]bool{"resume": true, "exec": true, "max-failed-iterations": true}
		_, err := (testRun{opts: r}).run(t)
		return err
	}
	err := resume(nil, false)
	if err == nil || cliutil.ExitCode(err) != cliutil.ExitUsage || !strings.Contains(err.Error(), "runs only the command you give: soak-run --resume --exec --out") {
		t.Errorf("resume without a command: %v", err)
	}
	err = resume(bot, false)
	if err == nil || cliutil.ExitCode(err) != cliutil.ExitUsage || !strings.Contains(err.Error(), "--accept-changed-command resumes with yours") {
		t.Errorf("resume with another command than recorded: %v", err)
	}
	if _, err := os.Stat(pwned); err == nil {
		t.Fatal("the stored command ran")
	}
	if err := resume(bot, true); err != nil {
		t.Fatalf("resume with --accept-changed-command: %v", err)
	}
	if _, err := os.Stat(pwned); err == nil {
		t.Fatal("the stored command ran")
	}
	got, err := readRun(dir)
	if err != nil || got.State != artifact.RunComplete || strings.Join(got.Command, " ") != strings.Join(bot, " ") {
		t.Errorf("after the accepted resume: %v %+v", err, got)
	}
}

// TestResumeTypoLeavesNothing (issue 12 item 9): --resume --out typo
// exited 2 but left an empty directory that a later gate read as an
// INCONCLUSIVE soak.
func TestResumeTypoLeavesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "typo")
	o := testOpts(dir)
	o.Resume, o.Set = true, map[string]bool{"resume": true}
	_, err := (testRun{opts: o}).run(t)
	if err == nil || cliutil.ExitCode(err) != cliutil.ExitUsage || !strings.Contains(err.Error(), "nothing to resume: no such directory") {
		t.Errorf("got %v", err)
	}
	if _, err := os.Lstat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("--resume left %s behind: %v", dir, err)
	}
}

// TestResumeRefusesFIFO: a RUN.json (or a summary) that is a FIFO is
// refused by type, not opened.
func TestResumeRefusesFIFO(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "soak")
	if _, err := (testRun{opts: testOpts(dir)}).run(t); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "ITER_SUMMARY_8.json"))
	if err := syscall.Mkfifo(filepath.Join(dir, "ITER_SUMMARY_8.json"), 0o644); err != nil {
		t.Fatal(err)
	}
	run, _ := readRun(dir)
	run.State = artifact.RunInterrupted
	data, _ := artifact.Marshal(run)
	os.WriteFile(filepath.Join(dir, artifact.RunFile), data, 0o644)
	o := testOpts(dir)
	o.Resume, o.Set = true, map[string]bool{"resume": true}
	done := make(chan error, 1)
	go func() { _, err := (testRun{opts: o}).run(t); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "ITER_SUMMARY_8.json: is a named pipe (FIFO), not a regular file") {
			t.Errorf("got %v", err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("resume blocked on a FIFO")
	}
}

// TestLockFIFO: a .soak-run.lock that is a FIFO (a soak directory from
// elsewhere) is an unreadable lock, exit 2, not a hang.
func TestLockFIFO(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "soak")
	if _, err := (testRun{opts: testOpts(dir)}).run(t); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, LockFile), 0o644); err != nil {
		t.Fatal(err)
	}
	o := testOpts(dir)
	o.Resume, o.Set = true, map[string]bool{"resume": true}
	done := make(chan error, 1)
	go func() { _, err := (testRun{opts: o}).run(t); done <- err }()
	select {
	case err := <-done:
		if err == nil || cliutil.ExitCode(err) != cliutil.ExitUsage {
			t.Errorf("got %v, want exit 2", err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("soak-run blocked on a FIFO lock")
	}
}

// TestReadOutputBounded: reading a command's output obeys the iteration's
// deadline, and a file over the cap is refused, not read.
func TestReadOutputBounded(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&b, `{"ts_ms":%d,"type":"quote","bid":100,"ask":100.1}`+"\n", 1767225600000+int64(i))
	}
	os.WriteFile(filepath.Join(dir, EventsFile), []byte(b.String()), 0o644)
	expired, cancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel()
	_, reason, err := readOutputCtx(context.Background(), expired, dir)
	if err != nil || reason == "" {
		t.Errorf("past the deadline: reason %q, err %v; want a failed iteration", reason, err)
	}
	interrupted, stop := context.WithCancel(context.Background())
	stop()
	if _, _, err := readOutputCtx(interrupted, interrupted, dir); !errors.Is(err, context.Canceled) {
		t.Errorf("interrupted: %v, want context.Canceled", err)
	}
	if f, reason := openOutput(dir, EventsFile, 100); f != nil || !strings.Contains(reason, "over the 100-byte cap") {
		t.Errorf("over the cap: %v %q", f, reason)
	}
}
