package soakrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/legacy"
	"github.com/soakline/soakline/internal/redact"
	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

var lookPath = exec.LookPath

func readRun(dir string) (*artifact.RunRecord, error) {
	var run artifact.RunRecord
	path := filepath.Join(dir, artifact.RunFile)
	data, err := readRegular(path, maxOwnBytes)
	if err != nil {
		return nil, err
	}
	if err := artifact.Decode(path, data, artifact.KindRun, &run); err != nil {
		return nil, err
	}
	return &run, nil
}

// resume reconciles the soak directory with its last committed iteration
// and prepares the loop to continue after it. It reports done when the soak
// was already complete.
//
// The summary of iteration n is the commit point. RUN.json holds the tuner
// state and the parameters after some iteration k <= n (it is rewritten
// right after each summary, so k is n, or n-1 when soak-run died between
// the two writes). The tuner decisions of iterations k+1..n are replayed
// from their summaries — the tuner is deterministic — and must reproduce
// the changes those summaries recorded. Then the overrides file is
// restored if an uncommitted iteration had rewritten it, the raw material
// of uncommitted iterations and the temporary files of interrupted writes
// are removed, and the ledger and RUN.json are rewritten.
func (r *runner) resume(_ context.Context) (bool, error) {
	dir := r.st.dir
	run, err := readRun(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, fileerr.Errorf(dir, 0, "nothing to resume: no %s", artifact.RunFile)
	}
	if err != nil {
		return false, err
	}
	own, err := loadOwned(dir, run.Mode == artifact.ModeExec)
	if err != nil {
		return false, err
	}
	if own == nil {
		return false, fileerr.Errorf(dir, 0, "cannot resume: no %s, so nothing proves which files soak-run wrote here (a soak of an older soak-run, or not soak-run's); start a new soak in another --out", OwnFile)
	}
	r.st.own = own
	if r.opts.Mode == "" {
		// No --mock or --exec: the soak's own mode, and the rules that
		// depend on it (options.go).
		r.opts.Mode = run.Mode
		if err := r.opts.checkMode(); err != nil {
			return false, err
		}
	}
	o := r.opts
	if run.State == artifact.RunComplete && o.Set["iterations"] && o.Iterations != run.IterationsPlanned {
		// Refused, not extended: the last iteration of a soak proposes
		// but does not apply its tuning, so iterations after it would
		// not be those of a longer soak.
		return false, cliutil.Usagef("--resume --iterations %d: the soak in %s is complete with %d iterations and cannot be extended (its last iteration did not apply its tuning); start a new soak from where it ended: soak-run --preset %s --iterations N --out NEWDIR",
			o.Iterations, dir, run.IterationsPlanned, shellQuote(filepath.Join(dir, artifact.OverridesFile)))
	}
	if err := r.checkResumeFlags(run); err != nil {
		return false, err
	}
	if run.State == artifact.RunComplete {
		r.progress.note("the soak in %s is already complete (%d iterations); nothing to do", dir, run.IterationsDone)
		return true, nil
	}
	if err := r.checkResumeCommand(run); err != nil {
		return false, err
	}
	if o.Set["sleep"] {
		run.SleepSeconds = o.Sleep.Seconds()
	}
	if o.Set["iteration-timeout"] {
		run.IterationTimeoutMs = o.IterationTimeout.Milliseconds()
	}
	if o.Set["kill-grace"] {
		run.KillGraceMs = o.KillGrace.Milliseconds()
	}
	if o.Set["max-failed-iterations"] {
		run.MaxFailedIterations = o.MaxFailed
	}
	r.run = *run
	r.st.durable = run.Mode == artifact.ModeExec

	files, gaps, err := soakdir.ListIterations(dir)
	if err != nil {
		return false, err
	}
	if len(gaps) > 0 {
		return false, fileerr.Errorf(dir, 0, "cannot resume: %s", soakdir.JoinWarnings(gaps))
	}
	sums := make([]*artifact.IterationSummary, len(files))
	for i, f := range files {
		name := filepath.Join(dir, f.Name)
		data, err := readRegular(name, maxOwnBytes)
		if err != nil {
			return false, fileerr.PathError(name, err)
		}
		s, err := legacy.IterationSummary(name, data)
		if err != nil {
			return false, err
		}
		switch {
		case s.Legacy:
			return false, fileerr.Errorf(name, 0, "cannot resume a soak written by the Python toolkit")
		case s.Iteration != f.N:
			return false, fileerr.Errorf(name, 0, "file name says iteration %d, content says %d", f.N, s.Iteration)
		case s.Mode != run.Mode || s.Seed != run.Seed:
			return false, fileerr.Errorf(name, 0, "belongs to another soak (mode %s, seed %d; %s says mode %s, seed %d)", s.Mode, s.Seed, artifact.RunFile, run.Mode, run.Seed)
		case s.Tuning == nil:
			return false, fileerr.Errorf(name, 0, "no tuning entry")
		}
		sums[i] = s
	}
	m, k := len(sums), run.IterationsDone
	if m < k || m > run.IterationsPlanned {
		return false, fileerr.Errorf(dir, 0, "cannot resume: %s says %d of %d iterations done, but there are %d iteration summaries",
			artifact.RunFile, k, run.IterationsPlanned, m)
	}
	if run.Overrides == nil {
		return false, fileerr.Errorf(filepath.Join(dir, artifact.RunFile), 0, "cannot resume: no overrides recorded")
	}
	r.params = run.Overrides
	if len(run.TunerState) > 0 {
		if err := json.Unmarshal(run.TunerState, &r.tstate); err != nil {
			return false, fileerr.Errorf(filepath.Join(dir, artifact.RunFile), 0, "tuner_state: %v", err)
		}
	}
	if err := r.resumeTargets(); err != nil {
		return false, err
	}
	r.sums = sums[:k:k]
	for _, s := range sums[k:] {
		t, next, err := decide(r.tcfg, run.AutoTune, &r.tstate, r.params, s, run.IterationsPlanned, r.clockMs(s))
		if err != nil {
			return false, err
		}
		if diff := tuningDiff(s.Tuning, &t); diff != "" {
			return false, fileerr.Errorf(filepath.Join(dir, artifact.IterationFileName(s.Iteration)), 0,
				"cannot resume: replaying the tuner does not reproduce the recorded decision (%s); was the soak written by another soak-run version?", diff)
		}
		r.params = next
		r.sums = append(r.sums, s)
	}

	if err := own.clearIterDirsAfter(m); err != nil {
		return false, err
	}
	if err := own.clearTemps(); err != nil {
		return false, err
	}
	// What the file must hold: the parameters after iteration m. An
	// uncommitted iteration m+1 may have rewritten it.
	if r.st.overrides, err = encodeOverrides(r.params); err != nil {
		return false, err
	}
	if restored, err := r.st.checkOverrides(r.params); err != nil {
		return false, err
	} else if restored {
		r.progress.note("restored %s to the parameters after iteration %d", artifact.OverridesFile, m)
	}
	r.run.State = artifact.RunRunning
	r.run.FinishedAt = ""
	if err := r.saveState(); err != nil {
		return false, err
	}
	if err := r.st.checkpoint(r.ledger(), &r.run); err != nil {
		return false, err
	}
	r.progress.resumed(&r.run, dir)
	return false, nil
}

// tuningDiff compares a recorded ledger entry with a replayed one on what
// was applied.
func tuningDiff(rec, got *artifact.Tuning) string {
	if rec.Applied != got.Applied || !slices.Equal(rec.ChangedKeys, got.ChangedKeys) {
		return fmt.Sprintf("recorded changed keys %v, replayed %v", rec.ChangedKeys, got.ChangedKeys)
	}
	if !slices.Equal(rec.Changes, got.Changes) {
		return fmt.Sprintf("recorded changes %v, replayed %v", rec.Changes, got.Changes)
	}
	return ""
}

// checkResumeFlags refuses flags that would change the soak being resumed;
// repeating the original command line with --resume is fine.
func (r *runner) checkResumeFlags(run *artifact.RunRecord) error {
	o := r.opts
	var bad []string
	differs := func(flag string, mismatch bool, want any) {
		if o.Set[flag] && mismatch {
			bad = append(bad, fmt.Sprintf("--%s (the soak has %v)", flag, want))
		}
	}
	differs("iterations", o.Iterations != run.IterationsPlanned, run.IterationsPlanned)
	differs("auto-tune", o.AutoTune != run.AutoTune, run.AutoTune)
	differs("mock", run.Mode != artifact.ModeMock, run.Mode)
	differs("exec", run.Mode != artifact.ModeExec, run.Mode)
	differs("seed", o.Seed != run.Seed, run.Seed)
	differs("scenario", string(o.Scenario) != run.Scenario, run.Scenario)
	differs("events", o.Events != run.EventsPerIter, run.EventsPerIter)
	differs("profile", o.Profile != run.Profile, run.Profile)
	differs("preset", o.Preset != run.Preset, run.Preset)
	differs("keep-events", o.KeepEvents != run.KeepEvents, run.KeepEvents)
	if len(bad) > 0 {
		return cliutil.Usagef("--resume continues the soak as it was started; these differ: %s", strings.Join(bad, ", "))
	}
	return nil
}

// checkResumeCommand: --resume never runs the command stored in RUN.json
// (a soak directory may come from anywhere). An --exec soak resumes with
// the command given after --, which must be the one RUN.json recorded
// (compared with credentials masked, as recorded), or
// --accept-changed-command makes the new one the soak's.
func (r *runner) checkResumeCommand(run *artifact.RunRecord) error {
	o := r.opts
	if run.Mode != artifact.ModeExec {
		return nil
	}
	recorded := strings.Join(run.Command, " ")
	if len(o.Command) == 0 {
		return cliutil.Usagef("--resume of an --exec soak runs only the command you give: soak-run --resume --exec --out %s -- CMD ARGS... (soak-run never runs the command stored in %s; it records %q)",
			o.Out, artifact.RunFile, recorded)
	}
	masked := redact.Args(o.Command)
	if slices.Equal(masked, run.Command) {
		return nil
	}
	if !o.AcceptChangedCommand {
		return cliutil.Usagef("--resume: the command %q is not the one %s recorded (%q); --accept-changed-command resumes with yours",
			strings.Join(masked, " "), artifact.RunFile, recorded)
	}
	r.progress.note("resuming with the command %q, not the recorded %q (--accept-changed-command)", strings.Join(masked, " "), recorded)
	run.Command = masked
	return nil
}

// stream runs a soak whose artifacts go to standard output as JSON Lines.
// A mock soak writes nothing to disk; an --exec soak keeps the overrides
// and the command's files in a temporary directory removed at the end.
func (r *runner) stream(ctx context.Context, params map[string]float64) error {
	r.st = &store{stream: r.stdio.Out}
	if r.opts.Mode == artifact.ModeExec {
		tmp, err := os.MkdirTemp("", "soak-run-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		r.st.dir = tmp
	}
	if err := r.begin(params); err != nil {
		return err
	}
	if err := r.buildExecutor(); err != nil {
		return err
	}
	defer r.closeExec() // promsource.go
	return r.loop(ctx)
}
