// Package reports is the soak-reports stage: it renders a soak and its
// verdict into the reports people read and the snapshot machines keep.
//
// Usage:
//
//	soak-reports [--src] DIR|FILE|- --out DIR [--last-n N] [--policy FILE] [--mock] [--strict] [--html] [--now RFC3339]
//	soak-reports [--src] DIR|FILE|- --out DIR --verdict FILE|- [--html] [--now RFC3339]
//
// It writes into --out:
//
//	POST_SOAK_SNAPSHOT.json  the verdict: judged by the same code as soak-gate, or the --verdict given
//	POST_SOAK_AUDIT.md       overview, checks, KPI table all vs window, sparklines, guards, ledger, anomalies, data quality
//	RECOMMENDATIONS.md       parameter changes from the tuner's rule table, or "nothing needs to change"
//	FAILURES.md              every failed check and failed iteration with its evidence, or "no failures"
//	charts/<kpi>.svg         one chart per KPI: values, threshold, judged window, tuning applies
//	REPORT.html              with --html: all of the above in one self-contained page
//
// The output directory is written as a whole: the files are rendered in
// memory, written into a temporary directory beside --out and renamed into
// place, so bad input leaves no --out behind and a reader never sees half
// a set. When --out already exists and holds only soak-reports files, it is
// swapped for the new set; when it holds other files too (for example a
// soak directory), those are left alone and each report file is replaced
// atomically, and report files of an earlier run that this run does not
// produce (REPORT.html without --html, a chart for a KPI no longer present)
// are removed.
//
// Timestamps come only from --now or SOURCE_DATE_EPOCH, so two runs over the
// same input give identical bytes.
//
// Exit status: 0 once the reports are written, whatever the verdict: the
// reports explain a FAIL as well as a PASS, and soak-gate is the gate (the
// Python toolkit's build_reports exited 1 on FAIL; chain soak-gate for
// that). 2 for a usage or input error (nothing written), 130 when
// interrupted (nothing written).
package reports

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/judge"
	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/internal/render"
	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/pkg/artifact"
)

const name = "soak-reports"

// DefaultSrc is where soak-run writes by default.
const DefaultSrc = "artifacts/soak/latest"

// Main runs soak-reports with the process's arguments and returns the exit code.
func Main() int { return cliutil.Main(name, Run) }

// Options are the parsed command line.
type Options struct {
	Src        string
	Out        string
	LastN      int
	PolicyFile string
	Verdict    string // file or "-"; empty: judge with the policy
	Mock       bool
	Strict     bool
	HTML       bool
	// Now is the timestamp written into the reports ("" for none), from
	// --now or SOURCE_DATE_EPOCH, in RFC 3339 UTC.
	Now string
}

const usageText = `soak-reports [--src] DIR|FILE|- --out DIR [--last-n N] [--policy FILE] [--mock] [--strict] [--html] [--now RFC3339]
soak-reports [--src] DIR|FILE|- --out DIR --verdict FILE|- [--html]

EXAMPLES:
soak-reports --src artifacts/soak/latest --out artifacts/soak/latest/reports/analysis
soak-reports "artifacts/soak/latest 1" --out "reports 1" --last-n 12 --html
soak-gate artifacts/soak/latest > verdict.json; soak-reports artifacts/soak/latest --verdict verdict.json --out reports
soak-run --mock --iterations 24 --auto-tune --out - | soak-reports - --out reports`

const description = `Renders a soak and its verdict into --out: POST_SOAK_SNAPSHOT.json (the
verdict, judged by the same code as soak-gate, or taken from --verdict),
POST_SOAK_AUDIT.md, RECOMMENDATIONS.md, FAILURES.md, charts/<kpi>.svg and,
with --html, a self-contained REPORT.html.

The input is a soak directory (ours or the Python toolkit's, any number of
iterations), a JSON Lines file, or - for a JSON Lines stream on stdin.

--out is written as a whole: everything is rendered first, written into a
temporary directory beside --out and renamed into place, so bad input
leaves no --out behind. An existing --out that holds only soak-reports
files is replaced; one that holds other files keeps them, and each report
file is replaced atomically (stale report files of an earlier run are
removed).

Timestamps come only from --now or SOURCE_DATE_EPOCH: same input, same bytes.

Exit status 0 means the reports were written, whatever the verdict (the
verdict is in POST_SOAK_SNAPSHOT.json and on stderr); soak-gate is the gate
that exits 1 on FAIL and 3 on INCONCLUSIVE.`

func flags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "src", Aliases: []string{"path"}, Usage: "soak directory, JSON Lines file, or - for stdin (default: " + DefaultSrc + "; also accepted as the argument)"},
		&cli.StringFlag{Name: "out", Usage: "output directory (required)"},
		&cli.IntFlag{Name: "last-n", Usage: "judge the last `N` iterations instead of the policy's window"},
		&cli.StringFlag{Name: "policy", Usage: "policy `FILE` (YAML or JSON) instead of the built-in one"},
		&cli.StringFlag{Name: "verdict", Usage: "take the verdict from `FILE` (- for stdin), e.g. soak-gate's output, instead of judging"},
		&cli.BoolFlag{Name: "mock", Usage: "judge by the relaxed mock policy (the legacy USE_MOCK=1)"},
		&cli.BoolFlag{Name: "strict", Usage: "use the policy's strict delta full-apply ratio"},
		&cli.BoolFlag{Name: "html", Usage: "also write REPORT.html: the reports and charts in one page, readable offline"},
		&cli.StringFlag{Name: "now", Usage: "timestamp `RFC3339` for the reports (default: SOURCE_DATE_EPOCH, else none)"},
	}
}

// Run runs soak-reports in-process.
func Run(ctx context.Context, args []string, stdio cliutil.Stdio) error {
	app := cliutil.NewApp(name, "render the audit, recommendations, failures and charts of a soak", usageText, description, stdio)
	app.Flags = flags()
	app.Action = func(c *cli.Context) error {
		opts, err := parseOptions(c, stdio)
		if err != nil {
			return err
		}
		return run(ctx, opts, stdio)
	}
	return cliutil.Run(ctx, app, args)
}

// parseOptions binds the flags and checks every cross-flag rule.
func parseOptions(c *cli.Context, stdio cliutil.Stdio) (Options, error) {
	o := Options{
		Src:        c.String("src"),
		Out:        c.String("out"),
		LastN:      c.Int("last-n"),
		PolicyFile: c.String("policy"),
		Verdict:    c.String("verdict"),
		Mock:       c.Bool("mock"),
		Strict:     c.Bool("strict"),
		HTML:       c.Bool("html"),
	}
	arg, err := cliutil.OneArg(c, "soak directory", "")
	if err != nil {
		return o, err
	}
	switch {
	case arg != "" && o.Src != "" && arg != o.Src:
		return o, cliutil.Usagef("the soak is named twice: --src %s and argument %s", o.Src, arg)
	case arg != "":
		o.Src = arg
	case o.Src == "":
		o.Src = DefaultSrc
	}
	if o.Out == "" {
		return o, cliutil.Usagef("--out DIR is required")
	}
	if o.Out == "-" {
		return o, cliutil.Usagef("--out must be a directory: the reports are several files")
	}
	if c.IsSet("last-n") && o.LastN < 1 {
		return o, cliutil.Usagef("--last-n must be at least 1, got %d", o.LastN)
	}
	if o.Verdict != "" {
		var clash []string
		for _, f := range []string{"policy", "mock", "strict", "last-n"} {
			if c.IsSet(f) {
				clash = append(clash, "--"+f)
			}
		}
		if len(clash) > 0 {
			return o, cliutil.Usagef("--verdict takes the verdict as judged; %s would judge again (pass them to soak-gate instead)", strings.Join(clash, ", "))
		}
		if o.Verdict == "-" && o.Src == "-" {
			return o, cliutil.Usagef("only one input can come from stdin: --src - and --verdict -")
		}
	}
	if o.PolicyFile != "" && o.Mock {
		return o, cliutil.Usagef("--policy and --mock both choose the policy; give one")
	}
	o.Now, err = timestamp(c.String("now"), stdio)
	if err != nil {
		return o, err
	}
	if fi, err := os.Stat(o.Out); err == nil && !fi.IsDir() {
		return o, cliutil.Usagef("--out %s exists and is not a directory", o.Out)
	}
	return o, nil
}

// timestamp returns --now, else SOURCE_DATE_EPOCH, as RFC 3339 UTC; "" when
// neither is set.
func timestamp(now string, stdio cliutil.Stdio) (string, error) {
	if now != "" {
		t, err := time.Parse(time.RFC3339, now)
		if err != nil {
			return "", cliutil.Usagef("--now: want an RFC 3339 time such as 2026-01-01T00:00:00Z, got %q", now)
		}
		return t.UTC().Format(time.RFC3339), nil
	}
	if s, ok := stdio.LookupEnv("SOURCE_DATE_EPOCH"); ok && s != "" {
		sec, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return "", cliutil.Usagef("SOURCE_DATE_EPOCH: want seconds since 1970, got %q", s)
		}
		return time.Unix(sec, 0).UTC().Format(time.RFC3339), nil
	}
	return "", nil
}

func run(ctx context.Context, o Options, stdio cliutil.Stdio) error {
	// 1. Read the soak; any bad file stops here, before --out is touched.
	soak, err := soakdir.Load(ctx, o.Src, stdio.In)
	if err != nil {
		return err
	}
	// 2. The verdict: judged by soak-gate's code, or as given.
	var notes []string
	var v *artifact.Verdict
	if o.Verdict != "" {
		v, err = readVerdict(o.Verdict, stdio.In)
		if err != nil {
			return err
		}
		if v.Source.Digest != "" && soak.Digest != "" && v.Source.Digest != soak.Digest {
			note := fmt.Sprintf("the verdict from %s was judged over other data than %s (source digest %s, this soak %s)", cliutil.InputName(o.Verdict), cliutil.InputName(o.Src), short(v.Source.Digest), short(soak.Digest))
			notes = append(notes, note)
			fmt.Fprintf(stdio.Err, "%s: warning: %s\n", name, note)
		}
	} else {
		pol := policy.Default(o.Mock)
		if o.PolicyFile != "" {
			if pol, err = policy.Load(o.PolicyFile); err != nil {
				return err
			}
		}
		v, err = judge.Evaluate(soak, pol, judge.Options{Strict: o.Strict, LastN: o.LastN, ToolVersion: cliutil.Version(), GeneratedAt: o.Now})
		if err != nil {
			return cliutil.Usagef("%v", err)
		}
	}
	// 3. Render everything in memory.
	files, err := render.Render(render.Input{Soak: soak, Verdict: v, Notes: notes, HTML: o.HTML, GeneratedAt: o.Now})
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// 4. Write the set into place as a whole.
	if err := WriteDir(o.Out, files, render.OwnedNames); err != nil {
		return err
	}
	fmt.Fprintf(stdio.Err, "%s: wrote %d files to %s; verdict %s\n", name, len(files), o.Out, oneLine(v.Verdict, v.Reason))
	return nil
}

func oneLine(verdict, reason string) string {
	if reason == "" {
		return verdict
	}
	return verdict + ": " + strings.Join(strings.Fields(reason), " ")
}

func short(d string) string {
	if len(d) > 12 {
		return d[:12]
	}
	return d
}

// readVerdict reads a verdict artifact (soak-gate's output) strictly.
func readVerdict(path string, stdin io.Reader) (*artifact.Verdict, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, &artifact.Error{File: cliutil.InputName(path), Err: unwrapPath(err)}
	}
	var v artifact.Verdict
	if err := artifact.Decode(cliutil.InputName(path), data, artifact.KindVerdict, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
