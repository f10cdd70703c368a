package soakrun

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/soakline/soakline/pkg/artifact"
)

// progress reports a soak on standard error: on a terminal one status line
// rewritten in place (iteration i/N, ETA, last KPIs, guards that fired);
// otherwise one plain line per iteration, with no timing in it so that logs
// of the same soak compare equal.
type progress struct {
	w     io.Writer
	tty   bool
	wall  func() time.Time
	begun time.Time
	from  int  // iterations already done when this invocation started
	live  bool // a status line is on screen
}

func newProgress(w io.Writer, tty bool, wall func() time.Time) *progress {
	return &progress{w: w, tty: tty, wall: wall, begun: wall()}
}

func (p *progress) clear() {
	if p.live {
		fmt.Fprint(p.w, "\r\033[K")
		p.live = false
	}
}

func (p *progress) note(format string, args ...any) {
	p.clear()
	fmt.Fprintf(p.w, "soak-run: "+format+"\n", args...)
}

func describe(run *artifact.RunRecord) string {
	var b strings.Builder
	if run.Mode == artifact.ModeMock {
		fmt.Fprintf(&b, "mock soak (scenario %s, seed %d, %d events per iteration)", run.Scenario, run.Seed, run.EventsPerIter)
	} else {
		fmt.Fprintf(&b, "exec soak of %q", strings.Join(run.Command, " "))
	}
	fmt.Fprintf(&b, ", %d iterations", run.IterationsPlanned)
	if run.AutoTune {
		b.WriteString(", auto-tune")
	}
	if run.Preset != "" {
		fmt.Fprintf(&b, ", preset %s", run.Preset)
	} else if run.Profile != "" {
		fmt.Fprintf(&b, ", profile %s", run.Profile)
	}
	return b.String()
}

func (p *progress) start(run *artifact.RunRecord, out string) {
	p.note("%s -> %s", describe(run), out)
}

func (p *progress) resumed(run *artifact.RunRecord, dir string) {
	p.from = run.IterationsDone
	p.begun = p.wall()
	p.note("resuming the %s in %s after iteration %d", describe(run), dir, run.IterationsDone)
}

func kpiText(s *artifact.Summary) string {
	f := func(name, unit string, v *float64, prec int) string {
		if v == nil {
			return name + " -"
		}
		return fmt.Sprintf("%s %.*f%s", name, prec, *v, unit)
	}
	return strings.Join([]string{
		f("maker", "", s.MakerTakerRatio, 3), f("p95", "ms", s.P95LatencyMs, 0),
		f("risk", "", s.RiskRatio, 3), f("net", "bps", s.NetBps, 2),
	}, " ")
}

func (p *progress) iteration(s *artifact.IterationSummary, total int) {
	var what string
	if s.Status == artifact.StatusFailed {
		what = "FAILED: " + s.Failure.Reason
	} else {
		what = kpiText(&s.Summary)
		if t := s.Tuning; t != nil && t.Applied {
			what += fmt.Sprintf(" | applied %s", strings.Join(t.ChangedKeys, ","))
		}
		if t := s.Tuning; t != nil && len(t.Guards) > 0 {
			what += " | guards " + strings.Join(t.Guards, ",")
		}
	}
	if !p.tty {
		fmt.Fprintf(p.w, "soak-run: iteration %d/%d %s\n", s.Iteration, total, what)
		return
	}
	eta := "-"
	if done := s.Iteration - p.from; done > 0 {
		per := p.wall().Sub(p.begun) / time.Duration(done)
		eta = (per * time.Duration(total-s.Iteration)).Round(time.Second).String()
	}
	p.clear()
	fmt.Fprintf(p.w, "[%d/%d] ETA %s | %s", s.Iteration, total, eta, what)
	p.live = true
}

func (p *progress) done(run *artifact.RunRecord) {
	p.clear()
	state := "complete"
	if run.State == artifact.RunFailed {
		state = "stopped"
	}
	fmt.Fprintf(p.w, "soak-run: %s: %d of %d iterations (%d failed)\n", state, run.IterationsDone, run.IterationsPlanned, run.FailedIterations)
}

func (p *progress) interrupted(run *artifact.RunRecord, resume string) {
	p.clear()
	fmt.Fprintf(p.w, "soak-run: interrupted after %d of %d iterations; state saved\n", run.IterationsDone, run.IterationsPlanned)
	if resume == "" {
		fmt.Fprintf(p.w, "soak-run: a soak streamed to stdout (--out -) keeps no state to resume: run it again\n")
		return
	}
	fmt.Fprintf(p.w, "soak-run: to continue: %s\n", resume)
}

// resumeCommand is the command line that continues this soak: its
// directory (an isolated run's RUN_<epoch> directory) and, for an --exec
// soak, the command after -- (credentials in it masked, as recorded: give
// them again). Arguments are quoted for a POSIX shell.
func (r *runner) resumeCommand() string {
	if r.opts.Out == "-" {
		return "" // a stream keeps no state to resume
	}
	args := []string{"soak-run", "--resume", "--out", r.st.dir}
	if r.run.Mode == artifact.ModeExec {
		args = append(args, "--exec", "--")
		args = append(args, r.run.Command...)
	}
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellQuote(a)
	}
	line := strings.Join(q, " ")
	if r.run.Mode == artifact.ModeExec && !slices.Equal(r.run.Command, r.opts.Command) {
		line += "   (masked arguments: give them in full)"
	}
	return line
}

// shellQuote quotes s for a POSIX shell: as is when it holds only
// characters no shell treats specially, else in single quotes, a single
// quote inside written as quote, backslash, quote, quote.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
