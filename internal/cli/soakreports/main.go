// Package reports is the soak-reports stage: it renders a soak and its
// verdict into the reports people read and the snapshot machines keep.
//
// Usage:
//
//	soak-reports [--src] DIR|FILE|- --out DIR [--policy FILE] [--mock] [--strict] [--last-n N] [--warmup N|auto] [--html] [--now RFC3339]
//	soak-reports [--src] DIR|FILE|- --out DIR --verdict FILE|- [--html] [--now RFC3339]
//
// It writes into --out:
//
//	POST_SOAK_SNAPSHOT.json   the verdict: soak-gate's, or judged here by the same code with the same flags
//	DELTA_VERIFY_REPORT.json  the verdict's delta verification, and DELTA_VERIFY_REPORT.md: the bytes soak-gate --out writes
//	POST_SOAK_AUDIT.md        overview, checks, KPI table all vs window, sparklines, guards, ledger, anomalies, data quality
//	RECOMMENDATIONS.md        parameter changes from the tuner's rule table, or "nothing needs to change"
//	FAILURES.md               every failed check and failed iteration with its evidence, or "no failures"
//	charts/<kpi>.svg          one chart per KPI: values (y axis in the KPI's unit), thresholds labelled on axis and line, judged window coloured by its check's outcome, tuning applies
//	REPORT.html               with --html: all of the above in one self-contained page
//	.soak-reports.json        the record of the files soak-reports wrote, with their sha256
//
// Every markdown report ends with a provenance line (an HTML comment)
// naming the soak's digest and the sha256 of the snapshot it renders.
//
// One verdict per soak. soak-gate's verdict is the source of truth:
// soak-reports renders the one given with --verdict, else the
// POST_SOAK_SNAPSHOT.json it finds in --out (soak-gate --out DIR writes
// it), else the one soak-gate --out SOAK_DIR left in the soak directory
// if it is this soak's, and writes no other. The verdict must be of the soak being rendered
// (its source digests equal the soak's now), else exit 2 naming the file
// and both digests. Judging flags given with an existing verdict must ask
// for the same judgement (policy digest, window, warm-up, strictness),
// else exit 2 naming both. When there is no verdict from soak-gate, the
// soak is judged here exactly as soak-gate judges it with the same flags
// (USE_MOCK=1 included), stderr says so, and the snapshot and delta
// reports are byte for byte those of soak-gate --out. A snapshot without
// provenance (the Python toolkit's) is never trusted: the soak is judged
// here, and the old file, when soak-reports did not write it, is kept as
// POST_SOAK_SNAPSHOT.legacy.json.
//
// Ownership: soak-reports replaces or deletes only files it can prove it
// wrote, those listed in .soak-reports.json with their current sha256. A
// file of another origin (or changed since) at one of its names, or a
// symlink or directory there or at charts/, stops the run before anything
// is written (exit 2 naming it); nothing under --out is followed through a
// symlink, and files it has no name for are never touched. A new --out is
// written into a temporary directory beside it and renamed into place, so
// bad input leaves no --out behind; in an existing one each file is
// replaced by a rename. Its files of an earlier run that this run does not
// produce (REPORT.html without --html) are removed, if unchanged.
//
// Timestamps come only from --now or SOURCE_DATE_EPOCH, so two runs over the
// same input give identical bytes. The verdict's generated_at comes from
// SOURCE_DATE_EPOCH only, as soak-gate's does.
//
// Exit status: 0 once the reports are written, whatever the verdict: the
// reports explain a FAIL as well as a PASS, and soak-gate is the gate (the
// Python toolkit's build_reports exited 1 on FAIL; chain soak-gate for
// that). 2 for a usage or input error, a verdict of other data or judged
// otherwise, or a file in --out soak-reports did not write (nothing
// written), 130 when interrupted (nothing written).
package soakreports

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/urfave/cli/v2"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/judge"
	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/internal/render"
	"github.com/soakline/soakline/internal/render/tunerdata"
	"github.com/soakline/soakline/internal/safetext"
	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
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
	Verdict    string // file or "-"; empty: the verdict in --out, else judge here
	HTML       bool
	PolicyFile string
	Mock       bool // --mock, or USE_MOCK=1 without --policy
	Strict     bool
	LastN      int
	Warmup     *policy.Warmup
	// Judging lists the judging flags given (and USE_MOCK=1) as written:
	// with a verdict already in --out they must ask for its judgement.
	Judging []string
	// Now is the timestamp written into the reports ("" for none), from
	// --now or SOURCE_DATE_EPOCH, in RFC 3339 UTC.
	Now string
	// GeneratedAt is the generated_at of a verdict judged here: from
	// SOURCE_DATE_EPOCH only, as soak-gate's.
	GeneratedAt string
}

const usageText = `soak-reports [--src] DIR|FILE|- --out DIR [--policy FILE] [--mock] [--strict] [--last-n N] [--warmup N|auto] [--html] [--now RFC3339]
soak-reports [--src] DIR|FILE|- --out DIR --verdict FILE|- [--html] [--now RFC3339]`

// examplesText is the EXAMPLES section of --help, after USAGE.
const examplesText = `soak-gate artifacts/soak/latest --out artifacts/soak/latest/reports/analysis; soak-reports --src artifacts/soak/latest --out artifacts/soak/latest/reports/analysis
soak-gate artifacts/soak/latest > verdict.json; soak-reports artifacts/soak/latest --verdict verdict.json --out reports
soak-reports "artifacts/soak/latest 1" --out "reports 1" --last-n 12 --html
soak-run --mock --iterations 24 --auto-tune --out - | soak-reports - --out reports --mock`

const description = `Renders a soak and its verdict into --out: POST_SOAK_SNAPSHOT.json (the
verdict), DELTA_VERIFY_REPORT.json and .md, POST_SOAK_AUDIT.md,
RECOMMENDATIONS.md, FAILURES.md, charts/<kpi>.svg, with --html a
self-contained REPORT.html, and .soak-reports.json, the record of the files
it wrote. Each markdown report ends with a provenance line: the soak's
digest and the sha256 of the snapshot it renders.

The input is a soak directory (ours or the Python toolkit's, any number of
iterations), a JSON Lines file, or - for a JSON Lines stream on stdin.

One verdict per soak: soak-reports renders soak-gate's verdict, from
--verdict or the POST_SOAK_SNAPSHOT.json that soak-gate --out left in --out
(or, with none there, in the soak directory).
A verdict of other data (its soak digest is not this soak's) is refused,
and so are judging flags that ask for another judgement than the verdict's
(exit 2, naming both). With no verdict from soak-gate, the soak is judged
here exactly as soak-gate judges it with the same flags (--policy, --mock
or USE_MOCK=1, --strict, --last-n, --warmup); stderr says so, and the
snapshot and delta reports are the bytes soak-gate --out writes. A legacy
snapshot (no provenance) is never trusted: the soak is judged here and the
old file is kept as POST_SOAK_SNAPSHOT.legacy.json.

soak-reports replaces or deletes only files it wrote (listed with their
sha256 in .soak-reports.json). Any other file, symlink or directory at one
of its names, charts/ included, stops it before anything is written (exit 2
naming the path); nothing under --out is followed through a symlink. A new
--out appears whole or not at all; in an existing one each file is
replaced atomically, and its own stale files (REPORT.html without --html)
are removed.

Timestamps come only from --now or SOURCE_DATE_EPOCH: same input, same bytes.

Exit status 0 means the reports were written, whatever the verdict (the
verdict is in POST_SOAK_SNAPSHOT.json and on stderr); soak-gate is the gate
that exits 1 on FAIL and 3 on INCONCLUSIVE. 2: usage or input error, a
verdict of other data or judged otherwise, a file soak-reports did not write.

Manual: docs/soak-reports.md (https://github.com/soakline/soakline/blob/main/docs/soak-reports.md).`

func flags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "src", Aliases: []string{"path"}, Usage: "soak directory, JSON Lines file, or - for stdin (default: " + DefaultSrc + "; also accepted as the argument)"},
		&cli.StringFlag{Name: "out", Usage: "output directory (required)"},
		&cli.StringFlag{Name: "verdict", Usage: "render soak-gate's verdict from `FILE` (- for stdin) instead of the one in --out"},
		&cli.StringFlag{Name: "policy", Usage: "with no verdict from soak-gate, judge by policy `FILE` (YAML or JSON), as soak-gate --policy"},
		&cli.BoolFlag{Name: "mock", Usage: "with no verdict from soak-gate, judge by the relaxed mock policy, as soak-gate --mock (or USE_MOCK=1)"},
		&cli.BoolFlag{Name: "strict", Usage: "with no verdict from soak-gate, judge with the strict delta full-apply ratio, as soak-gate --strict"},
		&cli.IntFlag{Name: "last-n", Usage: "with no verdict from soak-gate, judge the last `N` iterations, as soak-gate --last-n"},
		&cli.StringFlag{Name: "warmup", Usage: "with no verdict from soak-gate, trim `N` leading iterations or \"auto\", as soak-gate --warmup"},
		&cli.BoolFlag{Name: "html", Usage: "also write REPORT.html: the reports and charts in one page, readable offline"},
		&cli.StringFlag{Name: "now", Usage: "timestamp `RFC3339` for the reports (default: SOURCE_DATE_EPOCH, else none)"},
	}
}

// Run runs soak-reports in-process.
func Run(ctx context.Context, args []string, stdio cliutil.Stdio) error {
	app := cliutil.NewApp(name, "render the audit, recommendations, failures and charts of a soak", usageText, description, stdio)
	app.CustomAppHelpTemplate = cliutil.WithExamples(app.CustomAppHelpTemplate, examplesText)
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
		Verdict:    c.String("verdict"),
		HTML:       c.Bool("html"),
		PolicyFile: c.String("policy"),
		Mock:       c.Bool("mock"),
		Strict:     c.Bool("strict"),
		LastN:      c.Int("last-n"),
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
	if c.IsSet("warmup") {
		w, err := policy.ParseWarmup(c.String("warmup"))
		if err != nil {
			return o, cliutil.Usagef("--warmup: %v", err)
		}
		o.Warmup = &w
	}
	for _, f := range []string{"policy", "mock", "strict", "last-n", "warmup"} {
		if c.IsSet(f) {
			o.Judging = append(o.Judging, "--"+f)
		}
	}
	if o.Verdict != "" {
		if len(o.Judging) > 0 {
			return o, cliutil.Usagef("--verdict takes the verdict as judged; %s would judge again (pass them to soak-gate instead)", strings.Join(o.Judging, ", "))
		}
		if o.Verdict == "-" && o.Src == "-" {
			return o, cliutil.Usagef("only one input can come from stdin: --src - and --verdict -")
		}
	}
	if o.PolicyFile != "" && o.Mock {
		return o, cliutil.Usagef("--policy and --mock both choose the policy; give one")
	}
	// USE_MOCK=1 is --mock, as soak-gate reads it: not over --policy, and
	// not over a --verdict given.
	if !o.Mock && o.PolicyFile == "" && o.Verdict == "" && judge.UseMock(stdio.Env("USE_MOCK")) {
		o.Mock = true
		o.Judging = append(o.Judging, "USE_MOCK=1")
	}
	o.Now, err = timestamp(c.String("now"), stdio)
	if err != nil {
		return o, err
	}
	if o.GeneratedAt, err = timestamp("", stdio); err != nil {
		return o, err
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
	// 2. Look at --out: the record of what soak-reports wrote there, and
	// the verdict a soak-gate --out (or an earlier run) left.
	out, err := openOut(o.Out)
	if err != nil {
		return err
	}
	found, err := out.findVerdict()
	if err != nil {
		return err
	}
	// 3. The verdict: soak-gate's, or judged here with the gate's code
	// when there is none.
	dec, err := decide(o, soak, out, found, stdio)
	if err != nil {
		return err
	}
	// 4. Render everything in memory.
	files, err := render.Render(render.Input{Soak: soak, Verdict: dec.v, Tuning: tunerdata.Default(), Snapshot: dec.data, JudgedBy: dec.by, HTML: o.HTML, GeneratedAt: o.Now})
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// 5. Decide what is written, replaced and removed; refuse to replace a
	// file soak-reports did not write.
	p, err := out.plan(files, dec.judged, dec.aside)
	if err != nil {
		return err
	}
	// 6. Write.
	if err := p.apply(); err != nil {
		return err
	}
	for _, n := range dec.notes {
		fmt.Fprintf(stdio.Err, "%s: %s\n", name, n)
	}
	if p.aside {
		fmt.Fprintf(stdio.Err, "%s: kept the untrusted snapshot as %s\n", name, printable(out.join(LegacySnapshotFile)))
	}
	for _, n := range p.left {
		fmt.Fprintf(stdio.Err, "%s: left %s: changed since soak-reports wrote it, so no longer its file\n", name, printable(out.join(n)))
	}
	kept := ""
	if n := len(files) - len(p.write); n > 0 {
		kept = fmt.Sprintf(" (%d already there, unchanged)", n)
	}
	fmt.Fprintf(stdio.Err, "%s: wrote %d files to %s%s; verdict %s\n", name, len(p.write), printable(o.Out), kept, printable(oneLine(dec.v.Verdict, dec.v.Reason)))
	return nil
}

// decision is the verdict the reports render.
type decision struct {
	v      *artifact.Verdict
	data   []byte // the snapshot's bytes
	judged bool   // judged here, for want of a verdict from soak-gate
	aside  bool   // keep the untrusted snapshot found under LegacySnapshotFile
	by     string // who judged: soak-gate or soak-reports
	notes  []string
}

// decide picks the verdict: --verdict, else the one in --out, else judged
// here; it refuses a verdict of other data and one judged otherwise than
// the flags ask.
func decide(o Options, soak *soakdir.Soak, out *outDir, f foundVerdict, stdio cliutil.Stdio) (decision, error) {
	snapPath := out.join(render.SnapshotFile)
	untrustedAside := f.present && f.v == nil && !f.ours
	switch {
	case o.Verdict != "":
		v, data, err := readVerdict(o.Verdict, stdio.In)
		if err != nil {
			return decision{}, err
		}
		if why := otherData(v, soak); why != "" {
			return decision{}, fmt.Errorf("%s was judged over other data than %s (%s): judge the soak again", printable(cliutil.InputName(o.Verdict)), printable(cliutil.InputName(o.Src)), why)
		}
		if f.v != nil && !bytes.Equal(f.data, data) && otherData(f.v, soak) == "" && !sameJudgement(f.v, v) {
			return decision{}, fmt.Errorf("%s holds a verdict judged with %s; %s was judged with %s: refusing to write a verdict judged differently over it (remove one)",
				printable(snapPath), describe(f.v), printable(cliutil.InputName(o.Verdict)), describe(v))
		}
		return decision{v: v, data: data, by: "soak-gate", aside: untrustedAside}, nil
	case f.v != nil:
		if why := otherData(f.v, soak); why != "" {
			if !f.judged {
				return decision{}, fmt.Errorf("%s was judged over other data than %s (%s): judge the soak again (soak-gate --out %s)",
					printable(snapPath), printable(cliutil.InputName(o.Src)), why, printable(o.Out))
			}
			return o.judgeHere(soak, fmt.Sprintf("the verdict soak-reports judged in %s is of other data (%s)", printable(snapPath), why), false)
		}
		by := "soak-gate"
		if f.judged {
			by = "soak-reports"
		}
		if err := o.checkJudging(printable(snapPath), f.v); err != nil {
			return decision{}, err
		}
		return decision{v: f.v, data: f.data, judged: f.judged, by: by}, nil
	case f.present:
		return o.judgeHere(soak, fmt.Sprintf("%s is %s: not trusted", printable(snapPath), f.why), untrustedAside)
	}
	// No verdict in --out: soak-gate --out SOAK_DIR leaves one in the
	// soak directory; when it is this soak's, it is the one verdict.
	none := "no verdict from soak-gate in " + printable(o.Out)
	if soak.Dir != "" && filepath.Clean(soak.Dir) != out.path {
		sf, err := findSoakVerdict(soak.Dir)
		sfPath := printable(filepath.Join(soak.Dir, render.SnapshotFile))
		switch {
		case err != nil:
			none += fmt.Sprintf(" (%s ignored: %s)", sfPath, printable(err.Error()))
		case !sf.present:
		case sf.v == nil:
			none += fmt.Sprintf(" (%s ignored: %s)", sfPath, sf.why)
		case otherData(sf.v, soak) != "":
			none += fmt.Sprintf(" (%s ignored: judged over other data: %s)", sfPath, otherData(sf.v, soak))
		default:
			if err := o.checkJudging(sfPath, sf.v); err != nil {
				return decision{}, err
			}
			note := fmt.Sprintf("no verdict in %s: rendering soak-gate's verdict from %s", printable(o.Out), sfPath)
			return decision{v: sf.v, data: sf.data, by: "soak-gate", notes: []string{note}}, nil
		}
	}
	return o.judgeHere(soak, none, false)
}

// checkJudging refuses judging flags that ask for another judgement than
// the verdict v in file's.
func (o Options) checkJudging(file string, v *artifact.Verdict) error {
	if len(o.Judging) == 0 {
		return nil
	}
	want, err := o.probe()
	if err != nil {
		return err
	}
	if !sameJudgement(v, want) {
		return fmt.Errorf("%s holds this soak's verdict, judged with %s; the flags given (%s) judge with %s: refusing to write a verdict judged differently over it (render it without them, or judge again with soak-gate)",
			file, describe(v), strings.Join(o.Judging, " "), describe(want))
	}
	return nil
}

// judgeHere judges soak as soak-gate does with the same flags; the
// decision's note says so.
func (o Options) judgeHere(soak *soakdir.Soak, why string, aside bool) (decision, error) {
	pol, err := judge.LoadPolicy(o.PolicyFile, o.Mock)
	if err != nil {
		return decision{}, err
	}
	v, err := judge.Evaluate(soak, pol, o.judgeOptions())
	if err != nil {
		return decision{}, cliutil.Usagef("%v", err)
	}
	data, err := artifact.Marshal(v)
	if err != nil {
		return decision{}, err
	}
	note := fmt.Sprintf("%s: judged here with %s", why, describe(v))
	return decision{v: v, data: data, judged: true, aside: aside, by: "soak-reports", notes: []string{note}}, nil
}

func (o Options) judgeOptions() judge.Options {
	return judge.Options{Strict: o.Strict, LastN: o.LastN, Warmup: o.Warmup, ToolVersion: cliutil.Version(), GeneratedAt: o.GeneratedAt}
}

// probe is how the flags given would judge: the policy digest and
// settings a verdict judged with them records.
func (o Options) probe() (*artifact.Verdict, error) {
	pol, err := judge.LoadPolicy(o.PolicyFile, o.Mock)
	if err != nil {
		return nil, err
	}
	v, err := judge.Evaluate(&soakdir.Soak{}, pol, o.judgeOptions())
	if err != nil {
		return nil, cliutil.Usagef("%v", err)
	}
	return v, nil
}

// sameJudgement reports whether two verdicts were judged by the same
// effective policy (window and warm-up included) and strictness.
func sameJudgement(a, b *artifact.Verdict) bool {
	return a.Policy.Digest == b.Policy.Digest && (a.Policy.Strict || a.Settings.Strict) == (b.Policy.Strict || b.Settings.Strict)
}

// otherData says how the data v was judged over differs from soak; "" when
// it is the same.
func otherData(v *artifact.Verdict, soak *soakdir.Soak) string {
	if v.Source.Digest == "" {
		return "the verdict records no soak digest"
	}
	none := func(d string) string {
		if d == "" {
			return "none"
		}
		return d
	}
	var diffs []string
	if v.Source.Digest != soak.Digest {
		diffs = append(diffs, fmt.Sprintf("soak digest %s, now %s", printable(v.Source.Digest), soak.Digest))
	}
	if v.Source.LedgerDigest != soak.LedgerDigest {
		diffs = append(diffs, fmt.Sprintf("%s digest %s, now %s", artifact.TuningReportFile, printable(none(v.Source.LedgerDigest)), none(soak.LedgerDigest)))
	}
	if v.Source.OverridesDigest != soak.OverridesDigest {
		diffs = append(diffs, fmt.Sprintf("%s digest %s, now %s", artifact.OverridesFile, printable(none(v.Source.OverridesDigest)), none(soak.OverridesDigest)))
	}
	return strings.Join(diffs, "; ")
}

// describe names how a verdict was judged: policy, digest and settings.
func describe(v *artifact.Verdict) string {
	var b strings.Builder
	fmt.Fprintf(&b, "policy %s", printable(v.Policy.Name))
	if v.Policy.Source != "" {
		fmt.Fprintf(&b, " (%s)", printable(v.Policy.Source))
	}
	fmt.Fprintf(&b, " %s", printable(shortDigest(v.Policy.Digest)))
	if v.Settings.Strict || v.Policy.Strict {
		b.WriteString(", --strict")
	}
	if v.Settings.LastN > 0 {
		fmt.Fprintf(&b, ", --last-n %d", v.Settings.LastN)
	}
	if v.Settings.Warmup != "" {
		fmt.Fprintf(&b, ", --warmup %s", printable(v.Settings.Warmup))
	}
	if v.Settings.CompareBaseline != "" {
		fmt.Fprintf(&b, ", --compare baseline %s", printable(shortDigest(v.Settings.CompareBaseline)))
	}
	return b.String()
}

// shortDigest keeps "sha256:" and 12 hex digits: enough to tell policies apart.
func shortDigest(d string) string {
	algo, hex, ok := strings.Cut(d, ":")
	if !ok {
		algo, hex = "", d
	}
	if len(hex) > 12 {
		hex = hex[:12]
	}
	if algo != "" {
		return algo + ":" + hex
	}
	return hex
}

// printable makes a value from input safe for one line on a terminal
// (safetext.TerminalLine), cut at about 300 bytes.
func printable(s string) string {
	s = safetext.TerminalLine(s)
	if len(s) <= 300 {
		return s
	}
	i := 300
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}

func oneLine(verdict, reason string) string {
	if reason == "" {
		return verdict
	}
	return verdict + ": " + strings.Join(strings.Fields(reason), " ")
}

// readVerdict reads a verdict artifact (soak-gate's output) strictly and
// returns it with its bytes (a byte order mark dropped): the snapshot
// written is exactly the verdict given.
func readVerdict(path string, stdin io.Reader) (*artifact.Verdict, []byte, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(io.LimitReader(stdin, maxOwnedSize+1))
	} else {
		data, err = readRegular(path, maxOwnedSize)
	}
	if err != nil {
		return nil, nil, &fileerr.Error{File: cliutil.InputName(path), Err: unwrapPath(err)}
	}
	if len(data) > maxOwnedSize {
		return nil, nil, fileerr.Errorf(cliutil.InputName(path), 0, "larger than %d MB: not a verdict", maxOwnedSize>>20)
	}
	data = artifact.TrimBOM(data)
	var v artifact.Verdict
	if err := artifact.Decode(cliutil.InputName(path), data, artifact.KindVerdict, &v); err != nil {
		return nil, nil, err
	}
	return &v, data, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
