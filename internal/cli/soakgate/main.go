// Package gate is the soak-gate stage: it judges a soak against a policy
// and says PASS, WARN, FAIL or INCONCLUSIVE.
//
// Usage:
//
//	soak-gate [--path] DIR|FILE|- [--strict] [--mock] [--policy FILE] [--last-n N]
//	          [--warmup N|auto] [--fail-on-warn] [--out DIR] [--prometheus[=FILE]]
//	          [--label KEY=VALUE]... [--junit FILE] [--compare BASELINE]...
//	soak-gate policy [--mock] [--policy FILE] [--last-n N] [--warmup N|auto]
//
// The input is a soak directory (ours or the Python toolkit's; default
// artifacts/soak/latest), a JSON Lines file, or "-" for a JSON Lines stream
// on stdin. The verdict artifact (POST_SOAK_SNAPSHOT.json content) goes to
// stdout, also on FAIL; a table of the checks goes to stderr. --mock, or
// USE_MOCK=1 in the environment, selects the relaxed mock policy.
//
// Exit status: 0 PASS or WARN (WARN is 1 with --fail-on-warn), 1 FAIL,
// 2 usage or input error, 3 INCONCLUSIVE, 130 interrupted.
//
// The judging itself is internal/judge; the policy internal/policy.
package soakgate

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/judge"
	"github.com/soakline/soakline/internal/outdir"
	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/internal/render"
)

const binary = "soak-gate"

// DefaultPath is where soak-run writes a soak and where the Python toolkit
// did.
const DefaultPath = "artifacts/soak/latest"

// Output file names.
const (
	MetricsFile       = outdir.GateMetricsFile
	DeltaVerifyMDFile = render.DeltaVerifyMDFile
)

const usageText = `soak-gate [--path] DIR|FILE|- [flags]
soak-gate policy [--mock] [--policy FILE] [--last-n N] [--warmup N|auto]`

const description = `Judges a soak: the KPI rules of the policy over the last-N window, failed
iterations, and whether the tuner's proposed deltas were really applied. The
verdict artifact goes to stdout (also on FAIL); a table of the checks to stderr.

The input is a soak directory (default artifacts/soak/latest; legacy layouts are
found), a JSON Lines file, or - for a JSON Lines stream on stdin.

The built-in policy is the seed's: KPI levels on the means of maker_taker_ratio,
p95_latency_ms, risk_ratio and net_bps over the last 8 iterations, a minimum
delta full-apply ratio (higher with --strict), a cap on signature-stuck proposals,
and overrides_adopted: FAIL when the system under test ran with other values than
soak-run wrote, WARN when it reported none (the policy's "adoption" section).
"soak-gate policy" prints its numbers; docs/policy.md explains them.
--mock or USE_MOCK=1 selects the relaxed mock policy; --policy FILE (YAML or JSON)
replaces both.

The verdict is FAIL if any check fails, else INCONCLUSIVE (a short window, a
missing KPI), else WARN, else PASS; the reason names the failing checks first.
Statuses are decided on unrounded values; a displayed value that 6 decimals would
put on the other side of its threshold is shown in full: "0.8299999 (< 0.83)".
Delta verification gives each proposal one outcome: full_apply, partial_ok (held
back or clamped by a named guard), fail, signature_stuck (recorded as applied, the
overrides' state unchanged) or unverified (nothing to check it against, e.g. no
runtime_overrides.json); ratio = (full_apply + partial_ok) / proposed. The verdict
records the soak's digests, the policy's digest and every setting that changes it.

--compare BASELINE, once per run of the baseline build (other seeds), adds a check
per KPI: this soak's window mean against the baseline runs' means, a one-sided t test
in the direction the rule calls worse, Holm-corrected across the KPIs; FAIL needs
significance and a shift of at least the rule's min_effect. Fewer than 2 baseline
runs: SKIP (one run cannot tell a change of build from run-to-run spread).

--prometheus writes each check's status, levels and value, the window statistics,
maker_share_pct (= kpi_last_n.maker_share_pct.mean) and
soak_gate_last_run_timestamp_seconds (SOURCE_DATE_EPOCH, else the wall clock: alert on
its age, a textfile collector keeps serving a stale file). For several soaks in one
textfile directory give each its own file and --label values; --prometheus=FILE is
refused (exit 2) when another .prom file there exports the same labels.

ENVIRONMENT:
   USE_MOCK=1            the relaxed mock policy, as --mock
   GITHUB_STEP_SUMMARY   a markdown table of the checks is appended to this file
   SOURCE_DATE_EPOCH     sets the verdict's generated_at (otherwise absent)

Manual: docs/soak-gate.md (https://github.com/soakline/soakline/blob/main/docs/soak-gate.md); the policy: docs/policy.md.`

// examplesText is the EXAMPLES section of --help.
const examplesText = `soak-gate artifacts/soak/latest --strict --out reports --prometheus --junit gate.xml
soak-gate latest --prometheus=/var/lib/node_exporter/textfile/mm1.prom --label soak=mm1 --label bot=mm1
soak-run --mock --iterations 24 --auto-tune --out - | soak-gate -
soak-gate latest --compare base/seed1 --compare base/seed2 --compare base/seed3`

// options are the command line, bound and cross-checked.
type options struct {
	path       string
	strict     bool
	mock       bool
	policyFile string
	lastN      int
	warmup     *policy.Warmup
	failOnWarn bool
	out        string
	prometheus bool
	promFile   string
	labels     []promLabel // --label, identity labels of every series
	runAt      time.Time   // SOURCE_DATE_EPOCH, else the wall clock
	junit      string
	compare    []string // --compare, repeatable: the baseline runs
	now        string   // generated_at, from SOURCE_DATE_EPOCH
}

func flags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "path", Usage: "the soak to judge (same as the positional argument)", DefaultText: DefaultPath},
		&cli.BoolFlag{Name: "strict", Usage: "use the policy's strict delta full-apply threshold (0.95 built in)"},
		&cli.BoolFlag{Name: "mock", Usage: "use the relaxed mock policy (as USE_MOCK=1)"},
		&cli.StringFlag{Name: "policy", Usage: "policy `FILE` (YAML or JSON) replacing the built-in one"},
		&cli.IntFlag{Name: "last-n", Usage: "judge the last `N` iterations instead of the policy's window"},
		&cli.StringFlag{Name: "warmup", Usage: "trim `N` leading iterations, or \"auto\" (MSER), before taking the window"},
		&cli.BoolFlag{Name: "fail-on-warn", Usage: "exit 1 on WARN"},
		&cli.StringFlag{Name: "out", Usage: "write POST_SOAK_SNAPSHOT.json and DELTA_VERIFY_REPORT.{json,md} into `DIR`; a file there is replaced only when soak-gate or soak-reports wrote it (listed in " + outdir.GateRecord + " or " + outdir.ReportsRecord + "), else exit 2"},
		&cli.StringFlag{Name: "prometheus", Usage: "write Prometheus metrics; bare --prometheus writes " + MetricsFile + " into --out or the soak directory", DefaultText: "", TakesFile: true},
		&cli.StringSliceFlag{Name: "label", Usage: "add the identity label `KEY=VALUE` to every series of --prometheus (repeatable: soak, bot, track); two soaks' files in one textfile directory need distinct labels and file names"},
		&cli.StringFlag{Name: "junit", Usage: "write JUnit XML, one test case per check, to `FILE`"},
		&cli.StringSliceFlag{Name: "compare", Usage: "compare with a `BASELINE` run: a soak directory or stream, or a POST_SOAK_SNAPSHOT.json (ours or the Python toolkit's); repeat it for each baseline run, two or more are needed for a test"},
	}
}

func policyFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "mock", Usage: "the relaxed mock policy (as USE_MOCK=1)"},
		&cli.StringFlag{Name: "policy", Usage: "policy `FILE` (YAML or JSON)"},
		&cli.IntFlag{Name: "last-n", Usage: "window of `N` iterations"},
		&cli.StringFlag{Name: "warmup", Usage: "`N` or \"auto\""},
	}
}

// Main runs soak-gate with the process's arguments and returns the exit code.
func Main() int { return cliutil.Main(binary, Run) }

// Run runs soak-gate in-process.
func Run(ctx context.Context, args []string, stdio cliutil.Stdio) error {
	app := cliutil.NewApp(binary, "judge a soak against a policy: PASS, WARN, FAIL or INCONCLUSIVE", usageText, description, stdio)
	app.CustomAppHelpTemplate = cliutil.WithExamples(app.CustomAppHelpTemplate, examplesText)
	app.Flags = flags()
	app.DisableSliceFlagSeparator = true // a --compare path may contain a comma
	app.Action = func(c *cli.Context) error {
		opts, err := bindOptions(c, stdio)
		if err != nil {
			return err
		}
		return gate(c.Context, opts, stdio)
	}
	app.Commands = []*cli.Command{{
		Name:      "policy",
		Usage:     "print the effective policy as canonical JSON",
		UsageText: "soak-gate policy [--mock] [--policy FILE] [--last-n N] [--warmup N|auto]",
		Flags:     policyFlags(),
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return cliutil.Usagef("policy: unexpected argument %q", c.Args().First())
			}
			opts := options{mock: c.Bool("mock") || useMock(stdio), policyFile: c.String("policy"), lastN: c.Int("last-n")}
			if c.IsSet("mock") && c.IsSet("policy") {
				return cliutil.Usagef("--mock and --policy are mutually exclusive")
			}
			if err := bindWindow(c, &opts); err != nil {
				return err
			}
			pol, err := effectivePolicy(opts)
			if err != nil {
				return err
			}
			_, err = stdio.Out.Write(pol.CanonicalJSON())
			return err
		},
	}}
	return cliutil.Run(ctx, app, promArgs(args))
}

// promArgs lets --prometheus take an optional value: a bare --prometheus
// becomes --prometheus= (the default file), unless the next argument is a
// *.prom file name.
func promArgs(args []string) []string {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...)
		}
		if a == "--prometheus" || a == "-prometheus" {
			if i+1 < len(args) && strings.HasSuffix(args[i+1], ".prom") {
				out = append(out, "--prometheus="+args[i+1])
				i++
				continue
			}
			out = append(out, "--prometheus=")
			continue
		}
		out = append(out, a)
	}
	return out
}

func useMock(stdio cliutil.Stdio) bool { return judge.UseMock(stdio.Env("USE_MOCK")) }

// bindOptions binds the flags and checks the cross-flag rules in one place.
func bindOptions(c *cli.Context, stdio cliutil.Stdio) (options, error) {
	o := options{
		strict:     c.Bool("strict"),
		mock:       c.Bool("mock"),
		policyFile: c.String("policy"),
		lastN:      c.Int("last-n"),
		failOnWarn: c.Bool("fail-on-warn"),
		out:        c.String("out"),
		junit:      c.String("junit"),
		compare:    c.StringSlice("compare"),
	}
	pos, err := cliutil.OneArg(c, "soak path", "")
	if err != nil {
		return o, err
	}
	switch flagPath := c.String("path"); {
	case pos != "" && flagPath != "" && pos != flagPath:
		return o, cliutil.Usagef("two soak paths: --path %s and %s", flagPath, pos)
	case pos != "":
		o.path = pos
	case flagPath != "":
		o.path = flagPath
	default:
		o.path = DefaultPath
	}
	if o.mock && o.policyFile != "" {
		return o, cliutil.Usagef("--mock and --policy are mutually exclusive")
	}
	if !o.mock && o.policyFile == "" && useMock(stdio) {
		o.mock = true
	}
	if err := bindWindow(c, &o); err != nil {
		return o, err
	}
	if c.IsSet("prometheus") {
		o.prometheus, o.promFile = true, c.String("prometheus")
		if o.promFile == "" && o.out == "" && o.path == "-" {
			return o, cliutil.Usagef("--prometheus needs =FILE or --out when the soak comes from stdin")
		}
	}
	if c.IsSet("label") {
		if !o.prometheus {
			return o, cliutil.Usagef("--label needs --prometheus (it labels the metrics)")
		}
		if o.labels, err = parseLabels(c.StringSlice("label")); err != nil {
			return o, err
		}
	}
	if c.IsSet("out") && o.out == "" {
		return o, cliutil.Usagef("--out needs a directory")
	}
	if c.IsSet("junit") && o.junit == "" {
		return o, cliutil.Usagef("--junit needs a file name")
	}
	stdinBaselines := 0
	for _, b := range o.compare {
		switch b {
		case "":
			return o, cliutil.Usagef("--compare needs a baseline")
		case "-":
			stdinBaselines++
		}
	}
	if stdinBaselines > 1 || (stdinBaselines == 1 && o.path == "-") {
		return o, cliutil.Usagef("only one input may read stdin: more than one of the soak and --compare say -")
	}
	if env, ok := stdio.LookupEnv("SOURCE_DATE_EPOCH"); ok && env != "" {
		sec, err := strconv.ParseInt(env, 10, 64)
		if err != nil {
			return o, cliutil.Usagef("SOURCE_DATE_EPOCH: want seconds since 1970, got %q", env)
		}
		o.runAt = time.Unix(sec, 0).UTC()
		o.now = o.runAt.Format(time.RFC3339)
	} else {
		o.runAt = time.Now()
	}
	return o, nil
}

func bindWindow(c *cli.Context, o *options) error {
	if c.IsSet("last-n") && o.lastN < 1 {
		return cliutil.Usagef("--last-n: want a positive number of iterations, got %d", o.lastN)
	}
	if c.IsSet("warmup") {
		w, err := policy.ParseWarmup(c.String("warmup"))
		if err != nil {
			return cliutil.Usagef("--warmup: %v", err)
		}
		o.warmup = &w
	}
	return nil
}

// effectivePolicy loads or picks the policy and applies --last-n and
// --warmup, so that "soak-gate policy" prints what a gate would judge by.
func effectivePolicy(o options) (*policy.Policy, error) {
	pol, err := judge.LoadPolicy(o.policyFile, o.mock)
	if err != nil {
		return nil, err
	}
	if o.lastN > 0 {
		pol.Window = o.lastN
	}
	if o.warmup != nil {
		pol.Warmup = *o.warmup
	}
	if err := pol.Validate(); err != nil {
		return nil, cliutil.Usagef("%s: %v", pol.Source, err)
	}
	return pol, nil
}
