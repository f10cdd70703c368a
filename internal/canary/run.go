package canary

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/soakline/soakline/internal/lock"
	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/internal/promq"
	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// KindState and KindReport name the watcher's state file and its report.
const (
	KindState  artifact.Kind = "canary_state"
	KindReport artifact.Kind = "canary_report"
)

// Ends of a run other than ROLLBACK and PROMOTE.
const (
	EndHeld      = "HELD"      // held, and the run ended (max duration, end of the replay)
	EndUndecided = "UNDECIDED" // the run ended before any decision
)

// State is the watcher's state file (--state) and, completed, the body of
// CANARY_REPORT.json: every evaluation so far and what was done.
type State struct {
	SchemaVersion int           `json:"schema_version"`
	Kind          artifact.Kind `json:"kind"`
	Tag           string        `json:"tag"`
	Version       string        `json:"version"`
	PlanSHA256    string        `json:"plan_sha256"`
	Canary        string        `json:"canary_selector"`
	Baseline      string        `json:"baseline_selector,omitempty"`
	Interval      string        `json:"interval"`
	SampleStep    string        `json:"sample_step"`
	MinDuration   string        `json:"min_duration"`
	MaxDuration   string        `json:"max_duration"`
	Replay        bool          `json:"replay"`
	Start         time.Time     `json:"start"`
	Evaluations   []Evaluation  `json:"evaluations"`
	// Outcome is ROLLBACK, PROMOTE, HELD or UNDECIDED once the run ended.
	Outcome  string         `json:"outcome,omitempty"`
	Rollback *RollbackState `json:"rollback,omitempty"`
}

// RollbackState records the rollback's actions, so that a restarted
// watcher does not repeat one.
type RollbackState struct {
	Overrides    string   `json:"overrides,omitempty"`
	RestoredFrom string   `json:"restored_from,omitempty"`
	Restored     bool     `json:"restored"`
	Command      []string `json:"command,omitempty"`
	HookStarted  bool     `json:"hook_started"`
	HookDone     bool     `json:"hook_done"`
	HookResult   string   `json:"hook_result,omitempty"`
}

// Options are release-tag canary's settings after the flags are checked.
type Options struct {
	Config
	PlanPath   string
	PlanSHA256 string
	URL        string
	StatePath  string
	From, To   time.Time // replay when !From.IsZero()
	Overrides  string
	RollbackTo string // the copy to restore (default Overrides + ".before-" + version)
	OnRollback []string
	Out        string // "", "-" or a directory
	MaxSeries  int    // most series a selector may match (Preflight)
	Client     *promq.Client
	Now        func() time.Time
	Sleep      func(ctx context.Context, d time.Duration) error
}

// Run watches (or replays) the canary and returns nil for PROMOTE, a
// *DecisionError for ROLLBACK and for a run that ends held or undecided,
// and an error wrapping ErrInterrupted when interrupted (the state saved
// first). The caller chooses exit codes.
func Run(ctx context.Context, o *Options, stderr, stdout io.Writer) error {
	if o.StatePath != "" {
		// One watcher per state file: two would both roll back. A lock
		// left by a watcher that died (SIGKILL, reboot) is taken over.
		lk, err := lock.Acquire(o.StatePath+".lock", lock.Self("release-tag canary"))
		if err != nil {
			return fmt.Errorf("--state %s: %w", o.StatePath, err)
		}
		defer lk.Release()
	}
	st, err := loadState(o)
	if err != nil {
		return err
	}
	if st.Outcome != "" {
		fmt.Fprintf(stderr, "canary: %s: already decided: %s (no evaluation repeated)\n", o.StatePath, st.Outcome)
		if st.Outcome == Rollback {
			if err := finishRollback(ctx, o, st, stderr); err != nil {
				return err
			}
		}
		return finish(o, st, stderr)
	}
	if !o.Replay() {
		fmt.Fprintf(stderr, "canary: watching %s (%s) through %s: canary {%s}%s, every %s, promote after %s, give up after %s\n",
			st.Tag, st.Version, o.URL, o.Canary, baselineText(o.Baseline), st.Interval, st.MinDuration, st.MaxDuration)
	}
	end := st.Start.Add(o.MaxDuration)
	if o.Replay() && o.To.Before(end) {
		end = o.To
	}
	settle := min(o.Interval/2, 30*time.Second)
	for {
		next := st.Start.Add(time.Duration(len(st.Evaluations)+1) * o.Interval)
		if next.After(end) {
			break
		}
		// Every due time, in one batch: all of a replay, and what a
		// restarted watcher missed.
		var times []time.Time
		for t := next; !t.After(end); t = t.Add(o.Interval) {
			if !o.Replay() && o.Now().Before(t.Add(settle)) {
				break
			}
			times = append(times, t)
		}
		if len(times) == 0 {
			if err := o.Sleep(ctx, next.Add(settle).Sub(o.Now())); err != nil {
				return interrupted(o, st, stderr, err)
			}
			continue
		}
		frames, err := Fetch(ctx, o.Client, &o.Config, times)
		if err != nil {
			if ctx.Err() != nil {
				return interrupted(o, st, stderr, ctx.Err())
			}
			return fmt.Errorf("%w", err)
		}
		for _, f := range frames {
			ev := Evaluate(&o.Config, st.Evaluations, st.Start, f)
			st.Evaluations = append(st.Evaluations, ev)
			explain(stderr, &ev)
			if o.Out == "-" {
				line, err := artifact.MarshalLine(ev)
				if err != nil {
					return err
				}
				if _, err := stdout.Write(line); err != nil {
					return err
				}
			}
			if ev.Decision == Rollback || ev.Decision == Promote {
				st.Outcome = ev.Decision
				break
			}
		}
		if err := saveState(o, st); err != nil {
			return err
		}
		if st.Outcome != "" {
			break
		}
	}
	if st.Outcome == "" {
		st.Outcome = EndUndecided
		for _, ev := range st.Evaluations {
			if ev.Decision == Hold {
				st.Outcome = EndHeld
				break
			}
		}
	}
	if err := saveState(o, st); err != nil {
		return err
	}
	if st.Outcome == Rollback {
		if err := finishRollback(ctx, o, st, stderr); err != nil {
			return err
		}
	}
	return finish(o, st, stderr)
}

// Replay reports whether the run replays recorded data.
func (o *Options) Replay() bool { return !o.From.IsZero() }

func baselineText(b string) string {
	if b == "" {
		return ", no baseline"
	}
	return " against baseline {" + b + "}"
}

func interrupted(o *Options, st *State, stderr io.Writer, err error) error {
	if serr := saveState(o, st); serr != nil {
		return serr
	}
	if o.StatePath != "" {
		fmt.Fprintf(stderr, "canary: interrupted after %d evaluations; state saved in %s (resume with --state)\n", len(st.Evaluations), o.StatePath)
	}
	return fmt.Errorf("%w: %w", ErrInterrupted, err)
}

// ErrInterrupted is wrapped by Run's error when the watch was stopped (a
// signal cancelled its context) after saving the state.
var ErrInterrupted = errors.New("interrupted")

// A DecisionError is Run's answer for a canary that was not promoted:
// Outcome is Rollback, EndHeld or EndUndecided, Msg says why.
type DecisionError struct {
	Outcome string
	Msg     string
}

func (e *DecisionError) Error() string { return e.Msg }

func decision(outcome, format string, args ...any) error {
	return &DecisionError{Outcome: outcome, Msg: fmt.Sprintf(format, args...)}
}

// finish writes the report and maps the outcome to the error Run returns.
func finish(o *Options, st *State, stderr io.Writer) error {
	if o.Out != "" && o.Out != "-" {
		if err := writeReport(o.Out, st, o.Plan); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "canary: wrote %s and %s\n", filepath.Join(o.Out, "CANARY_REPORT.json"), filepath.Join(o.Out, "CANARY_REPORT.md"))
	}
	var last Evaluation
	if n := len(st.Evaluations); n > 0 {
		last = st.Evaluations[n-1]
	}
	switch st.Outcome {
	case Promote:
		fmt.Fprintf(stderr, "canary: PROMOTE %s at %s (+%s)\n", st.Tag, last.Time.Format(time.RFC3339), last.Elapsed)
		return nil
	case Rollback:
		return decision(Rollback, "ROLLBACK %s at %s (+%s): %s", st.Tag, last.Time.Format(time.RFC3339), last.Elapsed, strings.Join(last.Reasons, "; "))
	case EndHeld:
		for _, ev := range st.Evaluations {
			if ev.Decision == Hold {
				return decision(EndHeld, "HOLD %s: held since evaluation %d (%s): %s; never promoted — a person decides", st.Tag, ev.Index, ev.Time.Format(time.RFC3339), strings.Join(ev.Reasons, "; "))
			}
		}
	}
	return decision(EndUndecided, "undecided: %d evaluations up to %s, no trigger fired and the minimum duration %s was not reached clean", len(st.Evaluations), last.Time.Format(time.RFC3339), st.MinDuration)
}

// finishRollback restores the overrides and runs --on-rollback, each at
// most once across restarts (the state records each step before the next).
func finishRollback(ctx context.Context, o *Options, st *State, stderr io.Writer) error {
	rb := st.Rollback
	if rb == nil {
		rb = &RollbackState{Overrides: o.Overrides, Command: o.OnRollback}
		if o.Overrides != "" {
			rb.RestoredFrom = o.RollbackSource(st.Version)
		}
		st.Rollback = rb
	}
	if rb.Overrides != "" && !rb.Restored {
		if err := restore(rb.RestoredFrom, rb.Overrides); err != nil {
			saveState(o, st)
			return fmt.Errorf("rollback: restoring %s from %s: %w", rb.Overrides, rb.RestoredFrom, err)
		}
		rb.Restored = true
		fmt.Fprintf(stderr, "canary: rollback: restored %s from %s\n", rb.Overrides, rb.RestoredFrom)
		if err := saveState(o, st); err != nil {
			return err
		}
	} else if rb.Overrides == "" {
		fmt.Fprintf(stderr, "canary: rollback: no --overrides given: restore the pre-release overrides by hand (rollback_plan.md)\n")
	}
	if len(rb.Command) > 0 && !rb.HookStarted {
		rb.HookStarted = true
		if err := saveState(o, st); err != nil {
			return err
		}
		cmd := exec.CommandContext(context.WithoutCancel(ctx), rb.Command[0], rb.Command[1:]...)
		cmd.Stdout, cmd.Stderr = stderr, stderr
		cmd.Env = append(os.Environ(), "SOAKLINE_CANARY_DECISION=ROLLBACK", "SOAKLINE_CANARY_TAG="+st.Tag, "SOAKLINE_CANARY_VERSION="+st.Version)
		err := cmd.Run()
		rb.HookDone = true
		rb.HookResult = "exit 0"
		if err != nil {
			rb.HookResult = err.Error()
			fmt.Fprintf(stderr, "canary: rollback: --on-rollback %s: %v\n", rb.Command[0], err)
		} else {
			fmt.Fprintf(stderr, "canary: rollback: ran --on-rollback %s (exit 0)\n", rb.Command[0])
		}
		if err := saveState(o, st); err != nil {
			return err
		}
	} else if len(rb.Command) > 0 && !rb.HookDone {
		fmt.Fprintf(stderr, "canary: rollback: --on-rollback was started before a restart and is not run again; check that it completed\n")
	}
	return nil
}

// RollbackSource is the file a rollback restores the overrides from:
// --rollback-to, else OVERRIDES.before-VERSION (the copy the checklist
// makes).
func (o *Options) RollbackSource(version string) string {
	if o.RollbackTo != "" {
		return o.RollbackTo
	}
	return o.Overrides + ".before-" + version
}

// restore copies src over dst atomically (same bytes, dst's mode).
func restore(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(dst); err == nil {
		mode = fi.Mode().Perm()
	}
	return soakdir.WriteFile(dst, data, mode)
}

func loadState(o *Options) (*State, error) {
	fresh := &State{
		SchemaVersion: artifact.SchemaVersion, Kind: KindState,
		Tag: o.Plan.Tag, Version: o.Plan.Version, PlanSHA256: o.PlanSHA256,
		Canary: o.Canary, Baseline: o.Baseline,
		Interval: promq.Duration(o.Interval), SampleStep: promq.Duration(o.SampleStep),
		MinDuration: promq.Duration(o.MinDuration), MaxDuration: promq.Duration(o.MaxDuration),
		Replay: o.Replay(), Start: o.From.UTC(), Evaluations: []Evaluation{},
	}
	if !o.Replay() {
		fresh.Start = o.Now().UTC().Truncate(time.Millisecond)
	}
	if o.StatePath == "" {
		return fresh, nil
	}
	data, err := os.ReadFile(o.StatePath)
	if errors.Is(err, os.ErrNotExist) {
		return fresh, saveState(o, fresh)
	}
	if err != nil {
		return nil, fileerr.PathError(o.StatePath, err)
	}
	var st State
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		return nil, fileerr.Errorf(o.StatePath, 0, "not a canary state file: %v", err)
	}
	if st.Kind != KindState {
		return nil, fileerr.Errorf(o.StatePath, 0, "kind %q: want %q", st.Kind, KindState)
	}
	mismatch := func(what, was, now string) error {
		return fileerr.Errorf(o.StatePath, 0, "the state was written for %s %s, this run has %s: start with a new --state file", what, was, now)
	}
	switch {
	case st.PlanSHA256 != fresh.PlanSHA256:
		return nil, mismatch("the plan with sha256", st.PlanSHA256, fresh.PlanSHA256)
	case st.Canary != fresh.Canary:
		return nil, mismatch("--canary-selector", st.Canary, fresh.Canary)
	case st.Baseline != fresh.Baseline:
		return nil, mismatch("--baseline-selector", st.Baseline, fresh.Baseline)
	case st.Interval != fresh.Interval || st.SampleStep != fresh.SampleStep:
		return nil, mismatch("--interval/--sample-step", st.Interval+"/"+st.SampleStep, fresh.Interval+"/"+fresh.SampleStep)
	case st.MinDuration != fresh.MinDuration || st.MaxDuration != fresh.MaxDuration:
		return nil, mismatch("--min-duration/--max-duration", st.MinDuration+"/"+st.MaxDuration, fresh.MinDuration+"/"+fresh.MaxDuration)
	case st.Replay != fresh.Replay || (st.Replay && !st.Start.Equal(fresh.Start)):
		return nil, mismatch("replay/start", st.Start.Format(time.RFC3339), fresh.Start.Format(time.RFC3339))
	case st.Start.IsZero():
		return nil, fileerr.Errorf(o.StatePath, 0, "no start time")
	}
	if st.Evaluations == nil {
		st.Evaluations = []Evaluation{}
	}
	for i, ev := range st.Evaluations {
		if ev.Index != i+1 || !ev.Time.Equal(st.Start.Add(time.Duration(i+1)*o.Interval)) {
			return nil, fileerr.Errorf(o.StatePath, 0, "evaluations[%d]: index %d at %s is out of sequence", i, ev.Index, ev.Time.Format(time.RFC3339))
		}
	}
	return &st, nil
}

func saveState(o *Options, st *State) error {
	if o.StatePath == "" {
		return nil
	}
	b, err := artifact.Marshal(st)
	if err != nil {
		return err
	}
	return soakdir.WriteFile(o.StatePath, b, 0o644)
}

// explain prints one evaluation for people.
func explain(w io.Writer, ev *Evaluation) {
	fmt.Fprintf(w, "canary: #%d %s (+%s) %s", ev.Index, ev.Time.Format(time.RFC3339), ev.Elapsed, ev.Decision)
	if len(ev.Reasons) > 0 {
		fmt.Fprintf(w, ": %s", strings.Join(ev.Reasons, "; "))
	}
	fmt.Fprintln(w)
	for _, kv := range ev.KPIs {
		v := "no data (" + kv.NoData + ")"
		if kv.Value != nil {
			v = numfmt.Significant.Format(*kv.Value)
		}
		var trig []string
		for _, t := range ev.Triggers {
			if t.KPI != kv.KPI {
				continue
			}
			state := "ok"
			switch {
			case kv.Value == nil && !t.Breached && t.Level != "missing":
				state = "unknown"
			case t.Fired:
				state = "FIRED"
			case t.Breached:
				state = fmt.Sprintf("breached %d/%d of %d", t.Hits, t.Count, t.Of)
			}
			trig = append(trig, t.Action+" if "+t.Condition+": "+state)
		}
		line := fmt.Sprintf("  %s = %s [%s]", kv.KPI, v, strings.Join(trig, ", "))
		for _, c := range ev.Compare {
			if c.KPI == kv.KPI {
				line += fmt.Sprintf(" baseline: %s (%s)", c.Class, c.Why)
			}
		}
		fmt.Fprintln(w, line)
	}
}
