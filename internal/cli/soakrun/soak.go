package soakrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/judge"
	"github.com/soakline/soakline/internal/lock"
	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/internal/redact"
	"github.com/soakline/soakline/internal/sim"
	"github.com/soakline/soakline/internal/tuner"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// Skip reasons of ledger entries without a tuner decision.
const (
	SkipAutoTuneOff     = "auto_tune_off"
	SkipIterationFailed = "iteration_failed"
)

// Soak runs the soak o describes, writing to o.Out (a directory or "-").
func Soak(ctx context.Context, o Options, stdio cliutil.Stdio) error {
	cfg, err := tunerConfig(o, stdio)
	if err != nil {
		return err
	}
	r := &runner{opts: o, stdio: stdio, tcfg: cfg, wall: time.Now}
	return r.main(ctx)
}

// tunerConfig returns the tuner's configuration around the targets of the
// policy soak-gate would judge by with the same --policy, --strict and
// USE_MOCK; its notes (a KPI the policy does not judge) go to stderr.
func tunerConfig(o Options, stdio cliutil.Stdio) (tuner.Config, error) {
	pol, err := judge.LoadPolicy(o.PolicyFile, o.MockPolicy)
	if err != nil {
		return tuner.Config{}, err
	}
	t, notes, err := tuner.TargetsFromPolicy(pol, o.Strict)
	if err != nil {
		if o.PolicyFile != "" {
			return tuner.Config{}, fileerr.Errorf(o.PolicyFile, 0, "%v", err)
		}
		return tuner.Config{}, err
	}
	if o.AutoTune && !o.Resume {
		for _, n := range notes {
			fmt.Fprintf(stdio.Err, "soak-run: note: %s\n", n)
		}
	}
	return tuner.NewConfig(t), nil
}

// resumeTargets makes a resumed soak tune toward the targets it started
// with (a soak from before they were recorded: the built-in ones). A
// --policy, --strict or USE_MOCK=1 that gives other levels is refused.
func (r *runner) resumeTargets() error {
	rec := r.tstate.Targets
	if rec == nil {
		t := tuner.DefaultTargets()
		rec = &t
	}
	o := r.opts
	if o.Set["policy"] || o.Set["strict"] || o.MockPolicy {
		a, b := *rec, r.tcfg.Targets
		a.Source, b.Source = "", ""
		if !reflect.DeepEqual(a, b) {
			return cliutil.Usagef("cannot resume: the soak tunes toward %s; --policy, --strict and USE_MOCK give other targets (%s)", rec.Source, r.tcfg.Targets.Source)
		}
	}
	r.tcfg = tuner.NewConfig(*rec)
	r.tstate.Targets = rec
	return nil
}

// runner is one invocation of the soak loop.
type runner struct {
	opts  Options
	stdio cliutil.Stdio
	tcfg  tuner.Config
	wall  func() time.Time // the wall clock: --exec timing, progress, lock
	exec  Executor         // nil: built from opts

	st       *store
	run      artifact.RunRecord
	sums     []*artifact.IterationSummary // committed, iterations 1..len
	tstate   tuner.State
	params   map[string]float64 // what the next iteration runs with
	progress *progress

	// crash, when set (tests), is called after each write of iteration n
	// with the name of the file written; an error stops the loop on the
	// spot, leaving the directory as a killed process would.
	crash func(file string, n int) error
}

func (r *runner) crashPoint(file string, n int) error {
	if r.crash == nil {
		return nil
	}
	return r.crash(file, n)
}

func (r *runner) main(ctx context.Context) (err error) {
	o := r.opts
	r.progress = newProgress(r.stdio.Err, r.stdio.IsTerminal, r.wall)
	if o.Mode == artifact.ModeExec && len(o.Command) > 0 && r.exec == nil {
		// Before anything is cleared.
		if _, err := lookPath(o.Command[0]); err != nil {
			return cliutil.Usagef("--exec: %v", err)
		}
	}
	// The start parameters are read before anything is created or
	// cleared: a bad preset changes nothing, and a preset may be the
	// previous soak's overrides file.
	var start map[string]float64
	if !o.Resume {
		var notes []string
		if start, notes, err = o.startParams(); err != nil {
			return err
		}
		for _, n := range notes {
			r.progress.note("note: %s", n)
		}
	}
	if o.Out == "-" {
		return r.stream(ctx, start)
	}
	dir := o.Out
	if o.Resume {
		// Nothing is created for a soak that is not there (a typo'd
		// --out must leave no empty directory behind).
		fi, err := os.Stat(dir)
		if errors.Is(err, fs.ErrNotExist) {
			return fileerr.Errorf(dir, 0, "nothing to resume: no such directory")
		}
		if err != nil {
			return &fileerr.Error{File: dir, Err: unwrapPath(err)}
		}
		if !fi.IsDir() {
			return fileerr.Errorf(dir, 0, "nothing to resume: not a directory")
		}
	}
	if o.Isolated {
		// --out must take the finished soak: checked before it runs.
		if err := claimable(o.Out); err != nil {
			return err
		}
		if dir, err = isolatedDir(o.Out, r.wall()); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return &fileerr.Error{File: dir, Err: unwrapPath(err)}
	}
	lk, err := r.lock(dir)
	if err != nil {
		return err
	}
	defer func() {
		if rerr := lk.Release(); rerr != nil && err == nil {
			err = rerr
		}
	}()
	r.st = &store{dir: dir, durable: o.Mode == artifact.ModeExec}
	if o.Resume {
		done, err := r.resume(ctx)
		if err != nil || done {
			return err
		}
	} else if err := r.fresh(start); err != nil {
		return err
	}
	if err := r.buildExecutor(); err != nil {
		return err
	}
	err = r.loop(ctx)
	r.closeExec() // promsource.go
	if o.Isolated && (err == nil || isNo(err)) {
		if merr := r.materialize(dir); merr != nil {
			return merr
		}
	}
	return err
}

func isNo(err error) bool {
	var ne *cliutil.NoError
	return errors.As(err, &ne)
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// lock takes the soak directory's lock; a live holder is an input error
// (exit 2) naming it.
func (r *runner) lock(dir string) (*lock.Lock, error) {
	info := lock.Self("soak-run")
	info.StartedAt = r.wall().UTC().Format(time.RFC3339)
	lk, err := lock.Acquire(filepath.Join(dir, LockFile), info)
	var he *lock.HeldError
	if errors.As(err, &he) {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	if err != nil {
		return nil, err
	}
	if lk.Recovered != nil {
		r.progress.note("recovered the stale lock of %s (no such process)", lk.Recovered)
	}
	return lk, nil
}

// isolatedDir picks <out>/../RUN_<epoch_ms> for --run-isolated; the wall
// clock only names the directory, the artifacts in it do not depend on it.
func isolatedDir(out string, now time.Time) (string, error) {
	parent := filepath.Dir(filepath.Clean(out))
	base := "RUN_" + strconv.FormatInt(now.UnixMilli(), 10)
	for i := 1; ; i++ {
		name := base
		if i > 1 {
			name += "-" + strconv.Itoa(i)
		}
		dir := filepath.Join(parent, name)
		if err := os.MkdirAll(parent, 0o755); err != nil {
			return "", &fileerr.Error{File: parent, Err: unwrapPath(err)}
		}
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !os.IsExist(err) {
			return "", &fileerr.Error{File: dir, Err: unwrapPath(err)}
		}
	}
}

// materialize copies the finished isolated run into --out, under --out's
// lock.
func (r *runner) materialize(dir string) (err error) {
	out := r.opts.Out
	if err := os.MkdirAll(out, 0o755); err != nil {
		return &fileerr.Error{File: out, Err: unwrapPath(err)}
	}
	lk, err := r.lock(out)
	if err != nil {
		return fmt.Errorf("%w (the finished soak is in %s)", err, dir)
	}
	defer func() {
		if rerr := lk.Release(); rerr != nil && err == nil {
			err = rerr
		}
	}()
	if err := materialize(dir, out); err != nil {
		return fmt.Errorf("materialize %s into %s: %w", dir, out, err)
	}
	r.progress.note("materialized %s into %s", dir, out)
	return nil
}

// newRunRecord is the run record of a fresh soak.
func (r *runner) newRunRecord(startedAt time.Time) artifact.RunRecord {
	o := r.opts
	run := artifact.RunRecord{
		SchemaVersion: artifact.SchemaVersion, Kind: artifact.KindRun,
		ToolVersion: cliutil.Version(), Mode: o.Mode, Seed: o.Seed,
		IterationsPlanned: o.Iterations, AutoTune: o.AutoTune,
		Profile: o.Profile, Preset: o.Preset, Command: redact.Args(o.Command),
		MaxFailedIterations: o.MaxFailed, SleepSeconds: o.Sleep.Seconds(), KeepEvents: o.KeepEvents,
		IterationTimeoutMs: o.IterationTimeout.Milliseconds(), KillGraceMs: o.KillGrace.Milliseconds(),
		State: artifact.RunRunning, StartedAt: formatTime(startedAt),
	}
	if o.Mode == artifact.ModeMock {
		run.Scenario = string(o.Scenario)
		run.EventsPerIter = o.Events
		if run.Profile == "" && run.Preset == "" {
			run.Profile = DefaultProfile
		}
	} else if run.Profile == "" && run.Preset == "" {
		run.Profile = DefaultProfile
	}
	return run
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// startTime is the soak clock's start: the fixed epoch in mock mode, the
// wall clock in exec mode.
func (r *runner) startTime() time.Time {
	if r.opts.Mode == artifact.ModeMock {
		return r.opts.Epoch
	}
	return r.wall()
}

// fresh starts a new soak in the store's directory: it claims the
// directory (see OwnFile: soak-run's own previous artifacts are cleared
// when the ownership log proves them, anything else is refused) and writes
// the starting overrides, an empty ledger and the run record.
func (r *runner) fresh(params map[string]float64) error {
	dir := r.st.dir
	var prev *artifact.RunRecord
	if own, err := loadOwned(dir, r.st.durable); err == nil && own != nil {
		prev, _ = readRun(dir)
	}
	own, err := claim(dir, r.st.durable)
	if err != nil {
		return err
	}
	r.st.own = own
	if prev != nil && prev.State != artifact.RunComplete {
		r.progress.note("discarded the %s soak in %s (%d of %d iterations); --resume would have continued it",
			prev.State, dir, prev.IterationsDone, prev.IterationsPlanned)
	}
	return r.begin(params)
}

// begin initialises the soak state with the start parameters and writes
// the first checkpoint.
func (r *runner) begin(params map[string]float64) error {
	r.run = r.newRunRecord(r.startTime())
	r.params = params
	t := r.tcfg.Targets
	r.tstate = tuner.State{Targets: &t}
	hash, err := r.st.writeOverrides(params)
	if err != nil {
		return err
	}
	r.run.OverridesHash = hash
	if err := r.saveState(); err != nil {
		return err
	}
	r.progress.start(&r.run, r.opts.Out)
	return r.st.checkpoint(r.ledger(), &r.run)
}

// saveState puts the tuner state and the next parameters into the run
// record.
func (r *runner) saveState() error {
	ts, err := json.Marshal(&r.tstate)
	if err != nil {
		return err
	}
	r.run.TunerState = ts
	r.run.Overrides = maps.Clone(r.params)
	r.run.IterationsDone = len(r.sums)
	r.run.FailedIterations = 0
	for _, s := range r.sums {
		if s.Status == artifact.StatusFailed {
			r.run.FailedIterations++
		}
	}
	return nil
}

// ledger is TUNING_REPORT.json: the tuning entries of the committed
// summaries.
func (r *runner) ledger() *artifact.TuningReport {
	rep := &artifact.TuningReport{SchemaVersion: artifact.SchemaVersion, Kind: artifact.KindTuningReport, Iterations: []artifact.Tuning{}}
	for _, s := range r.sums {
		rep.Iterations = append(rep.Iterations, *s.Tuning)
	}
	rep.Summarize()
	return rep
}

func (r *runner) buildExecutor() error {
	if r.exec != nil {
		return nil
	}
	run := r.run
	switch run.Mode {
	case artifact.ModeMock:
		r.exec = &mockExec{
			cfg:        sim.Config{Seed: run.Seed, Events: run.EventsPerIter, Scenario: sim.Scenario(run.Scenario), Iterations: run.IterationsPlanned},
			epoch:      r.opts.Epoch,
			keepEvents: run.KeepEvents,
		}
		if run.StartedAt != "" {
			if t, err := time.Parse(time.RFC3339Nano, run.StartedAt); err == nil {
				r.exec.(*mockExec).epoch = t
			}
		}
	case artifact.ModeExec:
		// Only this invocation's command line: never the command RUN.json
		// holds (checkResumeCommand).
		argv := r.opts.Command
		if len(argv) == 0 {
			return cliutil.Usagef("--exec needs a command: soak-run --exec [flags] -- CMD ARGS...")
		}
		if _, err := lookPath(argv[0]); err != nil {
			return cliutil.Usagef("--exec: %v", err)
		}
		if r.opts.KPISource == KPISourcePrometheus { // promsource.go
			pol, err := judge.LoadPolicy(r.opts.PolicyFile, r.opts.MockPolicy)
			if err != nil {
				return err
			}
			src, err := newPromSource(r.opts, pol)
			if err != nil {
				return err
			}
			for _, k := range src.Unqueried {
				r.progress.note("the policy judges %s, which has no query in its prometheus: section or built in: missing in every iteration", k)
			}
			r.exec, err = newPromExec(src, argv, os.Environ(), time.Duration(run.KillGraceMs)*time.Millisecond, r.wall)
			return err
		}
		r.exec = &execExec{argv: argv, timeout: time.Duration(run.IterationTimeoutMs) * time.Millisecond,
			grace: time.Duration(run.KillGraceMs) * time.Millisecond, env: os.Environ(), now: r.wall}
	default:
		return fmt.Errorf("unknown mode %q", run.Mode)
	}
	return nil
}

// loop runs the remaining iterations. Per iteration, in this order:
func (r *runner) loop(ctx context.Context) error {
	total := r.run.IterationsPlanned
	sleep := time.Duration(r.run.SleepSeconds * float64(time.Second))
	for n := len(r.sums) + 1; n <= total; n++ {
		if ctx.Err() != nil {
			return r.interrupt()
		}
		// 1. Make sure the system under test reads what soak-run wrote.
		if restored, err := r.st.checkOverrides(r.params); err != nil {
			return err
		} else if restored {
			r.progress.note("%s was changed outside soak-run; restored it", artifact.OverridesFile)
		}
		// 2. A fresh, empty iteration directory when one is needed.
		it := Iter{N: n, Total: total, Seed: r.run.Seed, Params: maps.Clone(r.params), OverridesPath: r.st.overridesPath()}
		if r.exec.NeedsDir() && r.st.dir != "" {
			d, err := r.st.makeIterDir(n)
			if err != nil {
				return err
			}
			it.Dir = d
		}
		// 3. Run the iteration and compute its KPIs.
		res, err := r.exec.Run(ctx, it)
		if err != nil {
			if ctx.Err() != nil {
				return r.interrupt()
			}
			return fmt.Errorf("iteration %d: %w", n, err)
		}
		sum := r.summary(n, res)
		r.adopt(sum, it.Params, res) // adopt.go: did it run with what was written?
		r.noteInput(sum, it.Dir)     // input.go: events.jsonl or EDGE_REPORT.json?
		r.noteMissing(sum)           // promsource.go: KPIs without data
		// 4. Decide the tuning.
		tuning, next, err := decide(r.tcfg, r.run.AutoTune, &r.tstate, r.params, sum, total, r.clockMs(sum))
		if err != nil {
			return err
		}
		// 5. Apply: write the overrides atomically and verify them.
		tuning.OldHash = artifact.Hash(r.st.overrides)
		tuning.StateHash = tuning.OldHash
		if tuning.Applied {
			h, err := r.st.writeOverrides(next)
			if err != nil {
				return fmt.Errorf("iteration %d: apply tuning: %w", n, err)
			}
			tuning.StateHash, tuning.Verified = h, true
			if err := r.crashPoint(artifact.OverridesFile, n); err != nil {
				return err
			}
		}
		sum.Tuning = &tuning
		// 6. Commit: the iteration's summary.
		if err := r.st.commit(sum); err != nil {
			return err
		}
		if err := r.crashPoint(artifact.IterationFileName(n), n); err != nil {
			return err
		}
		r.sums = append(r.sums, sum)
		r.params = next
		// 7. Checkpoint: the ledger and the run record with the tuner state.
		if err := r.saveState(); err != nil {
			return err
		}
		if err := r.st.checkpoint(r.ledger(), &r.run); err != nil {
			return err
		}
		if err := r.crashPoint(artifact.RunFile, n); err != nil {
			return err
		}
		r.progress.iteration(sum, total)
		// 8. Stop at the failure limit.
		if max := r.run.MaxFailedIterations; max > 0 && r.run.FailedIterations >= max && n < total {
			r.run.State = artifact.RunFailed
			r.run.FinishedAt = r.finishTime()
			if err := r.st.finish(r.ledger(), &r.run); err != nil {
				return err
			}
			r.progress.done(&r.run)
			return cliutil.No("stopped after %d failed iterations (--max-failed-iterations %d); last: %s",
				r.run.FailedIterations, max, sum.Failure.Reason)
		}
		// 9. Sleep between iterations, not after the last.
		if n < total && sleep > 0 {
			t := time.NewTimer(sleep)
			select {
			case <-ctx.Done():
				t.Stop()
				return r.interrupt()
			case <-t.C:
			}
		}
	}
	r.run.State = artifact.RunComplete
	r.run.FinishedAt = r.finishTime()
	if err := r.st.finish(r.ledger(), &r.run); err != nil {
		return err
	}
	r.progress.done(&r.run)
	return nil
}

// finishTime is the end of the last committed iteration on the soak clock
// in mock mode, the wall clock in exec mode.
func (r *runner) finishTime() string {
	if r.run.Mode == artifact.ModeMock {
		if len(r.sums) == 0 {
			return r.run.StartedAt
		}
		last := r.sums[len(r.sums)-1]
		t, err := time.Parse(time.RFC3339Nano, last.StartedAt)
		if err != nil {
			return ""
		}
		return formatTime(t.Add(time.Duration(last.DurationMs) * time.Millisecond))
	}
	return formatTime(r.wall())
}

// interrupt leaves a consistent, resumable state: everything committed
// stays, the run record says interrupted. The uncommitted iteration's raw
// material is removed on --resume.
func (r *runner) interrupt() error {
	r.run.State = artifact.RunInterrupted
	if err := r.saveState(); err != nil {
		return err
	}
	if err := r.st.finish(r.ledger(), &r.run); err != nil {
		return err
	}
	resume := r.resumeCommand() // progress.go
	r.progress.interrupted(&r.run, resume)
	if resume == "" {
		return fmt.Errorf("%w after %d of %d iterations", cliutil.ErrInterrupted, len(r.sums), r.run.IterationsPlanned)
	}
	return fmt.Errorf("%w after %d of %d iterations; continue with: %s", cliutil.ErrInterrupted, len(r.sums), r.run.IterationsPlanned, resume)
}

// summary builds iteration n's summary from its result.
func (r *runner) summary(n int, res Result) *artifact.IterationSummary {
	s := &artifact.IterationSummary{
		SchemaVersion: artifact.SchemaVersion, Kind: artifact.KindIterationSummary,
		Iteration: n, Mode: r.run.Mode, Scenario: r.run.Scenario, Seed: r.run.Seed,
		StartedAt: formatTime(res.StartedAt), DurationMs: res.DurationMs, Status: artifact.StatusOK,
		Summary: res.Summary,
	}
	if res.Failure != nil {
		s.Status = artifact.StatusFailed
		s.Failure = res.Failure
		s.Summary = artifact.Summary{}
	}
	return s
}

// clockMs is the soak clock at the end of an iteration, in ms since the
// soak started; the tuner's debounce runs on it. It is computed from the
// recorded summary so that --resume replays it exactly.
func (r *runner) clockMs(s *artifact.IterationSummary) int64 {
	start, err1 := time.Parse(time.RFC3339Nano, r.run.StartedAt)
	it, err2 := time.Parse(time.RFC3339Nano, s.StartedAt)
	if err1 != nil || err2 != nil {
		return 0
	}
	return max(1, it.Sub(start).Milliseconds()+s.DurationMs)
}

// decide maps the tuner's decision after one iteration to a ledger entry
// and the next parameters. Without auto-tuning, or after a failed
// iteration, nothing is proposed and the parameters stay. The hashes are
// the caller's.
func decide(cfg tuner.Config, autoTune bool, st *tuner.State, params map[string]float64, s *artifact.IterationSummary, total int, _ int64) (artifact.Tuning, map[string]float64, error) {
	t := artifact.Tuning{Iteration: s.Iteration, ProposedDeltas: map[string]float64{}, Changes: []artifact.Change{}, ChangedKeys: []string{}}
	switch {
	case !autoTune:
		t.SkipReason = SkipAutoTuneOff
		return t, params, nil
	case s.Status == artifact.StatusFailed:
		t.SkipReason = SkipIterationFailed
		t.Rationale = []string{"iteration failed: no KPIs, nothing proposed"}
		return t, params, nil
	}
	d := cfg.Decide(st, tuner.Input{
		Iteration: s.Iteration, Total: total, KPIs: s.Summary, Params: maps.Clone(params),
	})
	t.Rationale = slices.Clone(d.Rationale)
	maps.Copy(t.ProposedDeltas, d.Proposed)
	t.Guards = slices.Clone(d.Guards)
	skipGuards := map[string]bool{}
	for _, o := range d.Outcomes {
		if o.Applied {
			t.Changes = append(t.Changes, artifact.Change{Key: o.Key, Old: o.Old, New: o.New, Delta: numfmt.Round(o.New - o.Old)})
			if o.Guard != "" {
				t.Rationale = append(t.Rationale, fmt.Sprintf("CLAMPED: %s proposed %+g, applied %+g (%s)", o.Key, o.Delta, numfmt.Round(o.New-o.Old), o.Reason))
			}
			continue
		}
		t.Skipped = append(t.Skipped, artifact.Skip{Key: o.Key, Guard: o.Guard, Reason: o.Reason})
		skipGuards[o.Guard] = true
	}
	t.ChangedKeys = append(t.ChangedKeys, d.ChangedKeys...)
	t.Applied = len(t.Changes) > 0
	t.SkipReason = strings.Join(slices.Sorted(maps.Keys(skipGuards)), ",")
	if d.PartialFreeze.Active {
		t.Frozen = slices.Clone(d.PartialFreeze.Subsystems)
	}
	if st.FrozenUntil > s.Iteration {
		t.Frozen = append(t.Frozen, "all")
	}
	// The next parameters: the decision's, which must differ from the
	// current ones exactly in the applied changes.
	next := maps.Clone(params)
	for _, c := range t.Changes {
		if math.IsNaN(c.New) || math.IsInf(c.New, 0) {
			return t, nil, fmt.Errorf("iteration %d: tuner proposed a non-finite %s", s.Iteration, c.Key)
		}
		next[c.Key] = c.New
	}
	return t, next, nil
}
