package soakrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/soakline/soakline/internal/kpi"
	"github.com/soakline/soakline/internal/legacy"
	"github.com/soakline/soakline/internal/redact"
	"github.com/soakline/soakline/pkg/artifact"
)

// Files of an --exec iteration directory.
const (
	EventsFile     = "events.jsonl"
	EdgeReportFile = "EDGE_REPORT.json"
	StdoutFile     = "stdout.log"
	StderrFile     = "stderr.log"
)

// stderrTailBytes and stderrTailLines bound the stderr tail kept in a
// failed iteration's summary.
const (
	stderrTailBytes = 2048
	stderrTailLines = 20
)

// DefaultKillGrace is how long a command gets between SIGTERM and SIGKILL
// when its iteration times out or the soak is interrupted: time for a
// bot's SIGTERM handler to flush its events and exit.
const DefaultKillGrace = 10 * time.Second

// DefaultIterationTimeout bounds an --exec iteration when
// --iteration-timeout is not given. soak-run has no planned iteration
// length (the command decides how long an iteration runs), so the default
// is fixed: generous for the minutes a paper-trading iteration takes, and
// a hung bot costs half an hour, not the night. --iteration-timeout 0
// means none.
const DefaultIterationTimeout = 30 * time.Minute

// iterSeed is SOAK_ITER_SEED: the n-th output of SplitMix64 started at the
// soak's seed, so that each iteration of a soak has its own seed and the
// same soak seed gives the same sequence.
func iterSeed(seed uint64, n int) uint64 {
	z := seed + uint64(n)*0x9E3779B97F4A7C15
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// iterEnv is the environment of the command for iteration it: env, then
// the SOAK_* variables of docs/bot-contract.md (paths absolute).
func iterEnv(env []string, it Iter) []string {
	overrides, _ := filepath.Abs(it.OverridesPath)
	dir, _ := filepath.Abs(it.Dir)
	return append(append([]string(nil), env...),
		"SOAK_ITERATION="+strconv.Itoa(it.N),
		"SOAK_ITERATIONS="+strconv.Itoa(it.Total),
		"SOAK_OVERRIDES="+overrides,
		"SOAK_ITER_DIR="+dir,
		"SOAK_SEED="+strconv.FormatUint(it.Seed, 10),
		"SOAK_ITER_SEED="+strconv.FormatUint(iterSeed(it.Seed, it.N), 10),
	)
}

// execExec runs the user's command once per iteration, never through a
// shell, in soak-run's own working directory. Its clock is the wall clock.
type execExec struct {
	argv    []string
	timeout time.Duration // 0: none
	grace   time.Duration // between SIGTERM and SIGKILL
	env     []string      // the environment the SOAK_* variables are added to
	now     func() time.Time
}

func (x *execExec) NeedsDir() bool { return true }

// stopped says how a command that had to be stopped ended.
type stopped int

const (
	notStopped    stopped = iota
	exitedInGrace         // it exited within the grace after SIGTERM
	killedAtGrace         // still running after the grace: SIGKILL
)

// wait waits for the command; at the timeout or on ctx's end it sends
// SIGTERM to the process group, waits the grace, then SIGKILL.
func (x *execExec) wait(ctx context.Context, cmd *exec.Cmd, done <-chan error) (timedOut bool, how stopped, err error) {
	var timer <-chan time.Time
	if x.timeout > 0 {
		t := time.NewTimer(x.timeout)
		defer t.Stop()
		timer = t.C
	}
	select {
	case err = <-done:
		return false, notStopped, err
	case <-timer:
		timedOut = true
	case <-ctx.Done():
	}
	terminate(cmd)
	g := time.NewTimer(x.grace)
	defer g.Stop()
	select {
	case err = <-done:
		return timedOut, exitedInGrace, err
	case <-g.C:
	}
	kill(cmd)
	return timedOut, killedAtGrace, <-done
}

func (x *execExec) Run(ctx context.Context, it Iter) (Result, error) {
	if runtime.GOOS == "linux" {
		// The command is started with a parent-death signal, which Linux
		// sends when the starting thread exits; keep this goroutine on
		// its thread until the command is reaped.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
	}
	stdout, err := os.OpenFile(filepath.Join(it.Dir, StdoutFile), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return Result{}, err
	}
	defer stdout.Close()
	// Read and write: the stderr tail is read through this descriptor, not
	// by name, whatever the command leaves under that name.
	stderr, err := os.OpenFile(filepath.Join(it.Dir, StderrFile), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return Result{}, err
	}
	defer stderr.Close()

	cmd := exec.Command(x.argv[0], x.argv[1:]...)
	cmd.Env = iterEnv(x.env, it)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	setupProcess(cmd)

	res := Result{}
	fail := func(reason string, code *int) (Result, error) {
		// Credentials a bot prints go no further than its own stderr.log.
		res.Failure = &artifact.Failure{Reason: redact.Text(reason), ExitCode: code, StderrTail: redact.Text(tail(stderr))}
		return res, nil
	}
	start := x.now()
	if err := cmd.Start(); err != nil {
		res.StartedAt = start.UTC()
		return fail(fmt.Sprintf("command could not run: %v", err), nil)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timedOut, how, err := x.wait(ctx, cmd, done)
	killProcessGroup(cmd)
	res.StartedAt, res.DurationMs = start.UTC(), x.now().Sub(start).Milliseconds()
	if ctx.Err() != nil {
		return res, ctx.Err() // interrupted: the iteration is not recorded
	}
	if timedOut {
		// What the command flushed before it stopped is read (bounded by
		// the grace again) and named in the reason; the iteration is a
		// failure all the same, so its KPIs are not judged.
		readCtx, cancel := context.WithTimeout(ctx, max(x.grace, time.Second))
		defer cancel()
		sum, reason, rerr := readOutputCtx(ctx, readCtx, it.Dir)
		if rerr != nil {
			return res, rerr // interrupted while reading
		}
		return fail(timeoutReason(x.timeout, x.grace, how, sum, reason), nil)
	}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code := ee.ExitCode()
		if code < 0 {
			return fail(fmt.Sprintf("command terminated: %v", ee), nil)
		}
		return fail(fmt.Sprintf("command exited with status %d", code), &code)
	case err != nil:
		return fail(fmt.Sprintf("command could not run: %v", err), nil)
	}
	var runCtx context.Context = ctx
	if x.timeout > 0 {
		// The output is read within what is left of the iteration's time.
		var cancel context.CancelFunc
		runCtx, cancel = context.WithDeadline(ctx, start.Add(x.timeout))
		defer cancel()
	}
	sum, reason, err := readOutputCtx(ctx, runCtx, it.Dir)
	if err != nil {
		return res, err // interrupted while reading
	}
	if errors.Is(runCtx.Err(), context.DeadlineExceeded) && reason != "" {
		reason = fmt.Sprintf("timeout: timed out after %s reading the command's output", x.timeout)
	}
	if reason != "" {
		return fail(reason, nil)
	}
	res.Summary = sum
	if res.Reported, reason, err = reportedParams(ctx, it.Dir); err != nil { // adopt.go
		return res, err // interrupted while reading
	} else if reason != "" {
		return fail(reason, nil)
	}
	return res, nil
}

// timeoutReason is the failure reason of a timed-out iteration: how the
// command was stopped and what it left.
func timeoutReason(timeout, grace time.Duration, how stopped, sum artifact.Summary, reason string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "timeout: timed out after %s; ", timeout)
	switch how {
	case exitedInGrace:
		fmt.Fprintf(&b, "SIGTERM to the process group, it exited within the %s grace", grace)
	default:
		fmt.Fprintf(&b, "SIGTERM to the process group, SIGKILL after the %s grace", grace)
	}
	switch {
	case reason == "" && sum.Events > 0:
		fmt.Fprintf(&b, "; it left %d events (kept in SOAK_ITER_DIR, not judged)", sum.Events)
	case reason == "":
		b.WriteString("; it left its output (kept in SOAK_ITER_DIR, not judged)")
	case strings.HasPrefix(reason, "no output"):
		b.WriteString("; it left no output")
	default:
		fmt.Fprintf(&b, "; its output is unusable: %s", reason)
	}
	return b.String()
}

// Caps on what soak-run reads of a command's output.
const (
	MaxEventsBytes     = 4 << 30  // events.jsonl
	MaxEdgeReportBytes = 64 << 20 // EDGE_REPORT.json
)

// readOutputCtx is readOutput bounded by the iteration's deadline (runCtx)
// and interrupted by ctx: a read that outlives either is abandoned. The
// error is ctx's when interrupted.
func readOutputCtx(ctx, runCtx context.Context, dir string) (artifact.Summary, string, error) {
	type out struct {
		s      artifact.Summary
		reason string
	}
	done := make(chan out, 1)
	go func() {
		s, reason := readOutput(runCtx, dir)
		done <- out{s, reason}
	}()
	select {
	case o := <-done:
		if ctx.Err() != nil {
			return o.s, "", ctx.Err()
		}
		return o.s, o.reason, nil
	case <-runCtx.Done():
		if ctx.Err() != nil {
			return artifact.Summary{}, "", ctx.Err()
		}
		return artifact.Summary{}, "timed out", nil
	}
}

// ctxReader stops reading when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// openOutput opens a file the command left: a regular file (a FIFO, a
// device or a link is refused by type before it is opened, and again on
// the open file) of at most limit bytes. The reason is "" when it opened,
// and the file is nil with no reason when there is none.
func openOutput(dir, name string, limit int64) (*os.File, string) {
	f, _, err := openRegular(filepath.Join(dir, name), limit)
	switch {
	case err == nil:
		return f, ""
	case errors.Is(err, fs.ErrNotExist):
		return nil, ""
	}
	var nr *notRegularError
	if errors.As(err, &nr) {
		return nil, name + " " + nr.Error()
	}
	return nil, name + ": " + unwrapPath(err).Error()
}

// readOutput computes the KPIs from what the command left in dir:
// events.jsonl, else a legacy EDGE_REPORT.json. A reason is returned when
// neither is there or the one there is unusable. Reading stops when ctx is
// done.
func readOutput(ctx context.Context, dir string) (artifact.Summary, string) {
	f, reason := openOutput(dir, EventsFile, MaxEventsBytes)
	if reason != "" {
		return artifact.Summary{}, reason
	}
	if f != nil {
		defer f.Close()
		s, err := kpi.FromReader(EventsFile, ctxReader{ctx, io.LimitReader(f, MaxEventsBytes)})
		if err != nil {
			return s, err.Error()
		}
		if s.Events == 0 {
			return s, EventsFile + ": no events"
		}
		return s, ""
	}
	f, reason = openOutput(dir, EdgeReportFile, MaxEdgeReportBytes)
	if reason != "" {
		return artifact.Summary{}, reason
	}
	if f == nil {
		return artifact.Summary{}, "no output: the command left no " + EventsFile + " or " + EdgeReportFile + " in SOAK_ITER_DIR"
	}
	defer f.Close()
	data, err := io.ReadAll(ctxReader{ctx, io.LimitReader(f, MaxEdgeReportBytes)})
	if err != nil {
		return artifact.Summary{}, EdgeReportFile + ": " + err.Error()
	}
	s, _, err := legacy.EdgeReport(data)
	if err != nil {
		return s, EdgeReportFile + ": " + err.Error()
	}
	return s, ""
}

// tail returns the last lines of the file f (open for reading), bounded in
// lines and bytes.
func tail(f *os.File) string {
	fi, err := f.Stat()
	if err != nil {
		return ""
	}
	off := max(0, fi.Size()-stderrTailBytes)
	buf, err := io.ReadAll(io.NewSectionReader(f, off, fi.Size()-off))
	if err != nil {
		return ""
	}
	if off > 0 {
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			buf = buf[i+1:]
		}
	}
	lines := strings.Split(strings.TrimRight(string(buf), "\n"), "\n")
	if len(lines) > stderrTailLines {
		lines = lines[len(lines)-stderrTailLines:]
	}
	return strings.ToValidUTF8(strings.Join(lines, "\n"), "\uFFFD")
}
