package soakrun

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/judge"
	"github.com/soakline/soakline/internal/kpi"
	"github.com/soakline/soakline/internal/legacy"
	"github.com/soakline/soakline/internal/sim"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// Main runs soak-run with the process's arguments and returns the exit code.
func Main() int { return cliutil.Main("soak-run", Run) }

// Run runs soak-run in-process.
func Run(ctx context.Context, args []string, stdio cliutil.Stdio) error {
	return newApp(stdio, func(c *cli.Context, o Options) error {
		return Soak(c.Context, o, stdio)
	}).run(ctx, args)
}

const usageText = `soak-run [--iterations N] [--auto-tune] [--mock] [--seed S] [--scenario NAME]
          [--events N] [--out DIR|-] [--sleep SECONDS] [--resume] [--run-isolated]
          [--profile NAME | --preset NAME|FILE] [--keep-events] [--policy FILE] [--strict]
soak-run --exec [--iteration-timeout D] [--kill-grace D] [--max-failed-iterations K] [flags] -- CMD ARGS...
soak-run --exec --kpi-source prometheus --prometheus-url URL [--selector S]
         --iteration-duration D [--scrape-interval D] [flags] -- CMD ARGS...
soak-run kpis [--edge-report] [--iteration N] [FILE|-]`

const description = `Runs a soak: N iterations of the system under test, each summarised into
ITER_SUMMARY_<n>.json, with the auto-tuner adjusting runtime_overrides.json between
iterations (--auto-tune) and every decision in TUNING_REPORT.json. The tuner tunes
toward the thresholds of the policy soak-gate will judge by (--policy FILE, --strict,
USE_MOCK=1, as for soak-gate; the built-in policy by default) plus documented margins;
a --resume keeps the targets the soak started with. Without --exec the
system under test is the built-in market simulator (--mock, deterministic: the same seed
and flags give byte-identical files). KPI results never fail soak-run; soak-gate judges.

Per iteration, in this order: run the iteration; compute its KPIs; decide the tuning;
write runtime_overrides.json atomically and verify it value by value; write
ITER_SUMMARY_<n>.json (the commit point of the iteration); rewrite TUNING_REPORT.json;
rewrite RUN.json with the tuner state. --resume continues an interrupted or killed soak
from its last ITER_SUMMARY with no iteration lost or repeated; it never runs a command
stored in the directory: an --exec soak resumes with the command given after --.

soak-run writes only into a new or empty --out, or one it wrote before, and deletes or
replaces only files its log (.soak-run.files) proves it wrote; it follows no symbolic
link under --out. Anything else there under its file names is refused (exit 2).

ENVIRONMENT:
   SOAK_SLEEP_SECONDS   seconds between iterations when --sleep is not given (default 0)
   SOAK_SMOKE_MODE=1    smoke settings: profile maker_bias_uplift_v1, 5000 events per
                        iteration (explicit --profile/--preset/--events win)
   SOAK_OUT_DIR         --out when the flag is not given
   SOURCE_DATE_EPOCH    start of the mock soak clock (default 2026-01-01T00:00:00Z)
   USE_MOCK=1           auto-tune toward the relaxed mock policy, as soak-gate judges by it
                        (--mock here selects the simulator, not a policy; --policy wins)

   The --exec command gets SOAK_ITERATION, SOAK_ITERATIONS, SOAK_OVERRIDES (absolute
   path of runtime_overrides.json), SOAK_ITER_DIR (absolute; where it leaves
   events.jsonl or a legacy EDGE_REPORT.json; its stdout and stderr are kept there),
   SOAK_SEED (--seed, the same in every iteration) and SOAK_ITER_SEED (this
   iteration's own seed: the SOAK_ITERATION-th output of SplitMix64 started at
   SOAK_SEED). It runs in soak-run's working directory, so relative paths on its
   command line work as typed. It reports the parameters it ran with in an
   effective_params line of events.jsonl; each summary's "adoption" says whether they
   were the ones written (soak-gate's overrides_adopted check judges it).

   An iteration that outlives --iteration-timeout (default 30m; 0: none) gets SIGTERM
   to its process group, --kill-grace (default 10s) to flush and exit, then SIGKILL.
   It is a failed iteration (reason "timeout: ..."); what it left in SOAK_ITER_DIR is
   kept, read, and counted in the reason, not judged. Ctrl-C stops the command the
   same way, then prints the command that resumes the soak.

   With --kpi-source prometheus the command is started once and runs for the whole
   soak; an iteration is a window of --iteration-duration. After each window (and one
   --scrape-interval and a second, for the last scrape) soak-run evaluates the policy's
   KPI queries (its prometheus: section, else the built-in ones:
   docs/metrics-contract.md) at the window's end over the window, $selector being
   --selector; a query without a series or NaN is a missing KPI (never 0), named on
   stderr and null in iter/<n>/prometheus.json. Then it tunes and rewrites
   runtime_overrides.json, which the command re-reads when it changes. A command that
   exits fails the iteration and is started again for the next.

In soak-run, exit status 1 means the soak stopped at --max-failed-iterations.

Manual: docs/soak-run.md (https://github.com/soakline/soakline/blob/main/docs/soak-run.md).`

// examplesText is the EXAMPLES section of --help.
const examplesText = `soak-run --mock --iterations 24 --auto-tune
soak-run --mock --iterations 24 --auto-tune --out - | soak-gate -
soak-run --exec --iterations 48 --auto-tune --iteration-timeout 10m -- ./bot --paper
soak-run --exec --kpi-source prometheus --prometheus-url http://127.0.0.1:9090 --selector 'track="soak"' --iteration-duration 5m --iterations 48 --auto-tune -- fakebot --run-for 5h --metrics-addr 127.0.0.1:9101 --track soak
soak-run --resume --out artifacts/soak/latest
soak-run --resume --exec --out artifacts/soak/latest -- ./bot --paper
soak-run kpis --explain iter/3/events.jsonl   # check a bot's events (docs/bot-contract.md)`

type app struct {
	*cli.App
}

// newApp builds the command line; action gets the parsed options.
func newApp(stdio cliutil.Stdio, action func(*cli.Context, Options) error) *app {
	a := cliutil.NewApp("soak-run", "run a soak of the system under test, with auto-tuning", usageText, description+"\n\n"+legacyHelp(), stdio)
	a.CustomAppHelpTemplate = cliutil.WithExamples(a.CustomAppHelpTemplate, examplesText)
	a.Flags = []cli.Flag{
		&cli.IntFlag{Name: "iterations", Value: DefaultIterations, Usage: "iterations to run"},
		&cli.BoolFlag{Name: "auto-tune", Usage: "tune runtime_overrides.json between iterations"},
		&cli.BoolFlag{Name: "mock", Usage: "soak the built-in simulator (the default without --exec)"},
		&cli.Uint64Flag{Name: "seed", Value: DefaultSeed, Usage: "simulator seed (also passed to --exec as SOAK_SEED)"},
		&cli.StringFlag{Name: "scenario", Value: string(sim.Steady), Usage: "simulated market: " + scenarioNames()},
		&cli.IntFlag{Name: "events", Value: DefaultEvents, Usage: "simulated events per iteration"},
		&cli.StringFlag{Name: "out", Value: DefaultOut, Usage: "soak directory, or - for a JSON Lines stream on stdout (env SOAK_OUT_DIR)"},
		&cli.StringFlag{Name: "sleep", Usage: "seconds to wait between iterations, fractions allowed (env SOAK_SLEEP_SECONDS)"},
		&cli.BoolFlag{Name: "resume", Usage: "continue the interrupted or killed soak in --out (an --exec soak: give its command again after --)"},
		&cli.BoolFlag{Name: "accept-changed-command", Usage: "resume: run the command given after -- although RUN.json recorded another"},
		&cli.BoolFlag{Name: "run-isolated", Usage: "write into <out>/../RUN_<epoch_ms>/ and copy the result into --out at the end"},
		&cli.StringFlag{Name: "profile", Usage: "start from a named profile: " + strings.Join(profileNames(), ", ")},
		&cli.StringFlag{Name: "preset", Usage: "start from a built-in profile `NAME` (as --profile), else the overrides or toolkit preset in FILE (applied once)"},
		&cli.BoolFlag{Name: "keep-events", Usage: "mock: keep each iteration's events in iter/<n>/events.jsonl"},
		&cli.StringFlag{Name: "policy", Usage: "auto-tune toward the thresholds of the soak-gate policy in `FILE` (YAML or JSON; default the built-in policy, the relaxed mock policy with USE_MOCK=1)"},
		&cli.BoolFlag{Name: "strict", Usage: "auto-tune toward the policy's warn levels where it has them (soak-gate --strict fails a WARN)"},
		&cli.BoolFlag{Name: "exec", Usage: "soak the command given after --"},
		&cli.DurationFlag{Name: "iteration-timeout", Value: DefaultIterationTimeout, Usage: "exec: stop the command's process group after `D` (e.g. 90s, 10m; 0: never)"},
		&cli.DurationFlag{Name: "kill-grace", Value: DefaultKillGrace, Usage: "exec: at a timeout or Ctrl-C, SIGTERM, then SIGKILL after `D` (0: at once)"},
		&cli.IntFlag{Name: "max-failed-iterations", Value: DefaultMaxFailed, Usage: "exec: stop with exit 1 after `K` failed iterations (0: never)"},
		&cli.StringFlag{Name: "kpi-source", Value: KPISourceEvents, Usage: "exec: where the KPIs come from: events (events.jsonl per iteration) or prometheus (a long-running command, measured in windows)"},
		&cli.StringFlag{Name: "prometheus-url", Usage: "kpi-source prometheus: the Prometheus (or compatible) `URL` that scrapes the command"},
		&cli.StringFlag{Name: "selector", Usage: "kpi-source prometheus: label matchers `S` that pick the command's series, e.g. track=\"soak\" (the policy's $selector)"},
		&cli.DurationFlag{Name: "iteration-duration", Usage: "kpi-source prometheus: the window `D` one iteration measures (e.g. 5m)"},
		&cli.DurationFlag{Name: "scrape-interval", Value: DefaultScrapeInterval, Usage: "kpi-source prometheus: the scrape interval `D` of that Prometheus; soak-run waits one and a second after each window before it queries"},
	}
	a.Flags = append(a.Flags, legacyFlags()...) // legacy.go
	a.Action = func(c *cli.Context) error {
		o, err := optionsFrom(c, stdio)
		if err != nil {
			return err
		}
		return action(c, o)
	}
	a.Commands = []*cli.Command{kpisCommand(stdio)}
	return &app{a}
}

func (a *app) run(ctx context.Context, args []string) error { return cliutil.Run(ctx, a.App, args) }

func scenarioNames() string {
	names := make([]string, len(sim.Scenarios))
	for i, s := range sim.Scenarios {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

// optionsFrom binds the flags and the environment into Options and checks
// the cross-flag rules.
func optionsFrom(c *cli.Context, stdio cliutil.Stdio) (Options, error) {
	o := Options{
		Iterations:           c.Int("iterations"),
		AutoTune:             c.Bool("auto-tune"),
		Mode:                 artifact.ModeMock,
		Seed:                 c.Uint64("seed"),
		Scenario:             sim.Scenario(c.String("scenario")),
		Events:               c.Int("events"),
		Out:                  c.String("out"),
		Resume:               c.Bool("resume"),
		Isolated:             c.Bool("run-isolated"),
		Profile:              c.String("profile"),
		Preset:               c.String("preset"),
		Command:              c.Args().Slice(),
		IterationTimeout:     c.Duration("iteration-timeout"),
		KillGrace:            c.Duration("kill-grace"),
		MaxFailed:            c.Int("max-failed-iterations"),
		KeepEvents:           c.Bool("keep-events"),
		AcceptChangedCommand: c.Bool("accept-changed-command"),
		PolicyFile:           c.String("policy"),
		Strict:               c.Bool("strict"),
		MockPolicy:           judge.UseMock(stdio.Env("USE_MOCK")),
		KPISource:            c.String("kpi-source"),
		PrometheusURL:        c.String("prometheus-url"),
		Selector:             c.String("selector"),
		IterationDuration:    c.Duration("iteration-duration"),
		ScrapeInterval:       c.Duration("scrape-interval"),
		Set:                  map[string]bool{},
	}
	if len(o.Command) == 0 {
		o.Command = nil
	}
	for _, n := range c.LocalFlagNames() {
		o.Set[n] = true
	}
	if err := refuseLegacy(o.Set); err != nil { // legacy.go
		return o, err
	}
	if err := o.resolvePreset(c.String("preset-file")); err != nil {
		return o, err
	}
	switch {
	case c.Bool("exec"):
		o.Mode = artifact.ModeExec
	case o.Resume && !o.Set["mock"]:
		o.Mode = "" // RUN.json says which (resume.go)
	}
	if o.Mode != artifact.ModeExec {
		// Bounds of an --exec command: none for the simulator, and a
		// resumed soak keeps RUN.json's unless they are given.
		if !o.Set["iteration-timeout"] {
			o.IterationTimeout = 0
		}
		if !o.Set["kill-grace"] {
			o.KillGrace = 0
		}
	}
	if v := stdio.Env("SOAK_OUT_DIR"); v != "" && !o.Set["out"] {
		o.Out = v
	}
	switch v := strings.ToLower(strings.TrimSpace(stdio.Env("SOAK_SMOKE_MODE"))); v {
	case "", "0", "false", "no":
	case "1", "true", "yes":
		o.Smoke = true
	default:
		return o, cliutil.Usagef("SOAK_SMOKE_MODE: want 1 or 0, got %q", v)
	}
	if o.Smoke {
		if !o.Set["events"] {
			o.Events = SmokeEvents
		}
		if !o.Set["profile"] && !o.Set["preset"] {
			o.Profile = SmokeProfile
		}
	}
	if o.Set["sleep"] {
		d, err := parseSleep(c.String("sleep"), "--sleep")
		if err != nil {
			return o, err
		}
		o.Sleep = d
	} else if v, ok := stdio.LookupEnv("SOAK_SLEEP_SECONDS"); ok && v != "" {
		d, err := parseSleep(v, "SOAK_SLEEP_SECONDS")
		if err != nil {
			return o, err
		}
		o.Sleep = d
		o.Set["sleep"] = true
	}
	epoch, err := parseEpoch(stdio.Env("SOURCE_DATE_EPOCH"))
	if err != nil {
		return o, err
	}
	o.Epoch = epoch
	if err := o.validate(); err != nil {
		return o, err
	}
	return o, nil
}

// kpisCommand is "soak-run kpis [FILE|-]".
func kpisCommand(stdio cliutil.Stdio) *cli.Command {
	return &cli.Command{
		Name:      "kpis",
		Usage:     "print the iteration summary (KPIs) of one events file",
		UsageText: "soak-run kpis [--explain] [--edge-report] [--iteration N] [FILE|-]",
		Description: `Computes the KPIs of an events.jsonl file (the format and every KPI's formula
are in docs/bot-contract.md; "-" or no argument reads standard input) with the same code
soak-run uses for every iteration, and prints them as an ITER_SUMMARY (kind
iteration_summary) on standard output. It is the way to check a bot's file: a bad line
is one error naming the line (exit 2). --explain also prints each KPI on standard error
with its formula's inputs (counts, notional, sums, sample ranks) to reconcile with the
bot's own numbers. --edge-report reads a legacy EDGE_REPORT.json instead; a FILE named
*.json (not *.jsonl) is read as one too.`,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "explain", Usage: "print each KPI with its formula's inputs on stderr (events.jsonl only)"},
			&cli.BoolFlag{Name: "edge-report", Usage: "the input is a legacy EDGE_REPORT.json"},
			&cli.IntFlag{Name: "iteration", Value: 1, Usage: "iteration number to put in the summary"},
		},
		Action: func(c *cli.Context) error {
			path, err := cliutil.OneArg(c, "input", "-")
			if err != nil {
				return err
			}
			if c.Int("iteration") < 1 {
				return cliutil.Usagef("--iteration must be at least 1")
			}
			edge := c.Bool("edge-report") || (path != "-" && strings.EqualFold(filepath.Ext(path), ".json"))
			if edge && c.Bool("explain") {
				return cliutil.Usagef("--explain needs an events.jsonl: an EDGE_REPORT.json has KPIs, not their inputs")
			}
			var explain io.Writer
			if c.Bool("explain") {
				explain = stdio.Err
			}
			sum, warnings, err := kpisOf(path, edge, stdio.In, explain)
			if err != nil {
				return err
			}
			for _, w := range warnings {
				fmt.Fprintf(stdio.Err, "soak-run: warning: %s: %s\n", cliutil.InputName(path), w)
			}
			it := artifact.IterationSummary{
				SchemaVersion: artifact.SchemaVersion, Kind: artifact.KindIterationSummary,
				Iteration: c.Int("iteration"), Mode: artifact.ModeExec, Status: artifact.StatusOK, Summary: sum,
			}
			data, err := artifact.Marshal(it)
			if err != nil {
				return err
			}
			_, err = stdio.Out.Write(data)
			return err
		},
	}
}

// kpisOf computes the KPIs of the file at path; with explain non-nil (an
// events file) it writes each KPI's formula inputs there (kpi.Explain).
func kpisOf(path string, edge bool, stdin io.Reader, explain io.Writer) (artifact.Summary, []string, error) {
	name := cliutil.InputName(path)
	var r io.Reader = stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return artifact.Summary{}, nil, fileerr.PathError(path, err)
		}
		defer f.Close()
		r = f
	}
	if edge {
		data, err := io.ReadAll(r)
		if err != nil {
			return artifact.Summary{}, nil, &fileerr.Error{File: name, Err: err}
		}
		s, warnings, err := legacy.EdgeReport(data)
		if err != nil {
			return s, nil, fmt.Errorf("%s: %w", name, err)
		}
		return s, warnings, nil
	}
	s, in, err := kpi.ExplainReader(name, r)
	if err != nil {
		return s, nil, err
	}
	if s.Events == 0 {
		return s, nil, fmt.Errorf("%s: no events", name)
	}
	if explain != nil {
		err = kpi.Explain(explain, s, in)
	}
	return s, nil, err
}
