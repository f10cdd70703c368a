package releasetag

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/soakline/soakline/internal/canary"
	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/promq"
	"github.com/soakline/soakline/internal/release"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// maxPlanBytes bounds CANARY_PLAN.json.
const maxPlanBytes = 4 << 20

// canaryUsageText is the synopsis of release-tag canary.
const canaryUsageText = `release-tag canary --plan FILE --prometheus-url URL --canary-selector S
               [--baseline-selector S] [--interval D] [--sample-step D]
               [--scrape-interval D]
               [--min-duration D] [--max-duration D] [--max-series N]
               [--overrides FILE] [--rollback-to FILE] [--on-rollback -- CMD ARGS...]
               [--state FILE] [--from T --to T] [--out DIR|-]`

// canaryDescription is the manual of release-tag canary.
const canaryDescription = `Watches a tagged release's canary through Prometheus. Every --interval (default the plan's,
5m) it evaluates the plan's rollback triggers over the canary's series: each trigger's KPI query
(the policy's prometheus: section or the built-in one, with $selector replaced by
--canary-selector and $range by the interval) against the trigger's threshold, fired when its
count of the last 'of' evaluations breach. With --baseline-selector it also compares the canary
with the baseline per KPI over the interval's samples (the query at --sample-step, default a
fifth of the interval): a one-sided Mann-Whitney test in the direction of a regression, Holm-
adjusted over the KPIs at the policy's alpha, and a Hodges-Lehmann shift of at least the KPI's
min_effect: Pass, Regressed or NoData (fewer than min_samples on a side).
--scrape-interval D (Prometheus's scrape interval of the bots) makes sure rate() has two
scrapes in every $range: the default sample step is raised to twice it, and an interval, or
with a baseline a --sample-step, shorter than twice it is refused (exit 2). Without it nothing is
checked, and a $range shorter than two scrapes gives rate()-based KPIs no samples (NoData).

Decisions, explained on stderr every interval (and one JSON line per interval with --out -):
  ROLLBACK  a rollback trigger fired: the overrides file (--overrides) is restored atomically,
            byte for byte, from --rollback-to (default OVERRIDES.before-VERSION, the copy the
            checklist makes), --on-rollback's command runs once (no shell; the arguments after
            --), the report is written, exit 1
  HOLD      a hold trigger fired (a warn level, or a KPI without data for the plan's grace),
            a KPI regressed against the baseline in grace evaluations in a row, or Prometheus
            stayed unreachable (3 tries per query) for grace evaluations: the canary is never
            promoted; the watcher keeps watching for a rollback and exits 3 at the end
  PROMOTE   at or after --min-duration (default the plan's min_hours) an evaluation is clean:
            every watched KPI has data, no trigger breached, no regression: exit 0
A rollback that cannot restore the overrides exits 2 with the reason; the state keeps the
decision and a restart retries the restore (the command is never run twice).
Past --max-duration (default the plan's max_hours) without a decision: exit 3. SIGINT or
SIGTERM: the state is saved, exit 130. --state FILE keeps every evaluation; a watcher started
again with the same --state resumes where it stopped (evaluating the intervals it missed from
Prometheus's history) and never repeats a decision or a rollback action.

Replay: --from T --to T (RFC 3339 or Unix seconds) evaluates the plan over recorded data at the
times it would have run, with range queries: a 48-hour canary is judged in seconds. A replay
changes no file: --overrides, --rollback-to and --on-rollback are refused with it.

Every query is bounded: a 30 s timeout, 3 tries, a 32 MiB response, one series per KPI query
(a query that returns more must aggregate), at most 10,000 points per range request (longer
ranges are split), and before the first evaluation each selector may match at most
--max-series series. --out DIR writes CANARY_REPORT.json and CANARY_REPORT.md (outcome,
rollback actions, the timeline of every evaluation, the queries).

Manual: docs/release-tag.md, section "release-tag canary"
(https://github.com/soakline/soakline/blob/main/docs/release-tag.md#release-tag-canary).`

// canaryExamples is the EXAMPLES section of its --help.
const canaryExamples = `release-tag canary --plan release/v1.4.0.canary/CANARY_PLAN.json \
    --prometheus-url http://prometheus:9090 --canary-selector 'track="canary"' \
    --baseline-selector 'track="baseline"' --overrides /etc/bot/overrides.json \
    --state canary.state --out release/v1.4.0.canary --on-rollback -- systemctl restart bot
release-tag canary --plan CANARY_PLAN.json --prometheus-url http://127.0.0.1:9090 \
    --canary-selector 'track="canary"' --from 2026-12-01T00:00:00Z --to 2026-12-03T00:00:00Z --out -`

// canaryCommand is release-tag canary: the flags and their checks here,
// the watcher in internal/canary; this stage chooses the exit codes.
func canaryCommand(stdio cliutil.Stdio) *cli.Command {
	return &cli.Command{
		Name:        "canary",
		Usage:       "watch a canary through Prometheus and promote, hold or roll back",
		UsageText:   canaryUsageText,
		Description: canaryDescription,
		// EXAMPLES is a section of its own after USAGE.
		CustomHelpTemplate: cliutil.WithExamples(cli.CommandHelpTemplate+"\n"+cliutil.ExitStatusHelp, canaryExamples),
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "plan", Usage: "CANARY_PLAN.json `FILE` written by release-tag"},
			&cli.StringFlag{Name: "prometheus-url", Usage: "`URL` of the Prometheus HTTP API (or a compatible store)"},
			&cli.StringFlag{Name: "canary-selector", Usage: "label matchers `S` of the canary's series, e.g. 'track=\"canary\"'"},
			&cli.StringFlag{Name: "baseline-selector", Usage: "label matchers `S` of the baseline's series (compare canary against it)"},
			&cli.StringFlag{Name: "interval", Usage: "evaluation interval `D` (default the plan's)"},
			&cli.StringFlag{Name: "sample-step", Usage: "step `D` of the samples compared with the baseline (default interval/5)"},
			&cli.StringFlag{Name: "scrape-interval", Usage: "Prometheus's scrape interval `D` of the bots: the sample step defaults to at least twice it, shorter ranges are refused"},
			&cli.StringFlag{Name: "min-duration", Usage: "clean duration `D` before PROMOTE (default the plan's min_hours)"},
			&cli.StringFlag{Name: "max-duration", Usage: "give up after `D` (default the plan's max_hours)"},
			&cli.IntFlag{Name: "max-series", Value: 10000, Usage: "most series `N` a selector may match"},
			&cli.StringFlag{Name: "overrides", Usage: "the overrides `FILE` the bot runs with (restored on ROLLBACK)"},
			&cli.StringFlag{Name: "rollback-to", Usage: "the pre-release overrides `FILE` to restore (default OVERRIDES.before-VERSION)"},
			&cli.BoolFlag{Name: "on-rollback", Usage: "on ROLLBACK run the command given after -- (no shell)"},
			&cli.StringFlag{Name: "state", Usage: "state `FILE`: resume a restarted watcher"},
			&cli.StringFlag{Name: "from", Usage: "replay from `T` (RFC 3339 or Unix seconds)"},
			&cli.StringFlag{Name: "to", Usage: "replay up to `T`"},
			&cli.StringFlag{Name: "out", Usage: "`DIR` for CANARY_REPORT.json and CANARY_REPORT.md, or - for one JSON line per interval on stdout"},
		},
		Action: func(c *cli.Context) error {
			o, err := canaryOptions(c)
			if err != nil {
				return err
			}
			if err := preflight(c.Context, o, stdio.Err); err != nil {
				return err
			}
			return canaryExit(canary.Run(c.Context, o, stdio.Err, stdio.Out))
		},
	}
}

// canaryExit maps the watcher's answer to release-tag's exit codes:
// ROLLBACK is "no" (1), a run that ends held or undecided inconclusive
// (3), an interrupted one 130.
func canaryExit(err error) error {
	var de *canary.DecisionError
	switch {
	case errors.As(err, &de) && de.Outcome == canary.Rollback:
		return &cliutil.NoError{Msg: de.Msg}
	case errors.As(err, &de):
		return &cliutil.InconclusiveError{Msg: de.Msg}
	case errors.Is(err, canary.ErrInterrupted):
		return fmt.Errorf("%w: %v", cliutil.ErrInterrupted, err)
	}
	return err
}

// canaryOptions checks the flags and reads the plan.
func canaryOptions(c *cli.Context) (*canary.Options, error) {
	o := &canary.Options{PlanPath: c.String("plan"), URL: c.String("prometheus-url"), StatePath: c.String("state"),
		Overrides: c.String("overrides"), RollbackTo: c.String("rollback-to"), Out: c.String("out"),
		Now: time.Now, Sleep: sleep}
	var missing []string
	for _, f := range []string{"plan", "prometheus-url", "canary-selector"} {
		if c.String(f) == "" {
			missing = append(missing, "--"+f)
		}
	}
	if len(missing) > 0 {
		return nil, cliutil.Usagef("missing %s", strings.Join(missing, ", "))
	}
	if c.Bool("on-rollback") {
		o.OnRollback = c.Args().Slice()
		if len(o.OnRollback) == 0 || o.OnRollback[0] == "" {
			return nil, cliutil.Usagef("--on-rollback: give the command after --: --on-rollback -- CMD ARGS...")
		}
	} else if c.NArg() > 0 {
		return nil, cliutil.Usagef("unexpected argument %q (a command to run on rollback goes after --on-rollback --)", c.Args().First())
	}
	sel := func(flag string) (string, error) {
		ms, err := promq.ParseSelector(c.String(flag))
		if err != nil {
			return "", cliutil.Usagef("--%s %q: %v", flag, c.String(flag), err)
		}
		return promq.FormatSelector(ms), nil
	}
	var err error
	if o.Canary, err = sel("canary-selector"); err != nil {
		return nil, err
	}
	if c.IsSet("baseline-selector") {
		if o.Baseline, err = sel("baseline-selector"); err != nil {
			return nil, err
		}
		if o.Baseline == o.Canary {
			return nil, cliutil.Usagef("--baseline-selector is the canary's selector")
		}
	}
	plan, err := loadPlan(o)
	if err != nil {
		return nil, err
	}
	dur := func(flag string, def time.Duration) (time.Duration, error) {
		if !c.IsSet(flag) {
			return def, nil
		}
		d, err := time.ParseDuration(c.String(flag))
		if err != nil || d <= 0 || d%time.Millisecond != 0 {
			return 0, cliutil.Usagef("--%s %q: want a positive duration such as 5m or 1s", flag, c.String(flag))
		}
		return d, nil
	}
	planEvery, err := time.ParseDuration(plan.EvaluationInterval)
	if err != nil || planEvery <= 0 {
		return nil, fileerr.Errorf(o.PlanPath, 0, "evaluation_interval %q: want a duration", plan.EvaluationInterval)
	}
	if o.Interval, err = dur("interval", planEvery); err != nil {
		return nil, err
	}
	if o.Interval < time.Second {
		return nil, cliutil.Usagef("--interval %s: at least 1s", o.Interval)
	}
	scrape, err := dur("scrape-interval", 0)
	if err != nil {
		return nil, err
	}
	if scrape > 0 && o.Interval < 2*scrape {
		return nil, cliutil.Usagef("--interval %s: shorter than two scrapes (--scrape-interval %s), so rate() in the KPI queries' $range would have no value; want at least %s", promq.Duration(o.Interval), promq.Duration(scrape), promq.Duration(2*scrape))
	}
	if o.SampleStep, err = dur("sample-step", max(o.Interval/5, 2*scrape)); err != nil {
		return nil, err
	}
	if scrape > 0 && o.Baseline != "" && o.SampleStep < 2*scrape {
		return nil, cliutil.Usagef("--sample-step %s: shorter than two scrapes (--scrape-interval %s), so rate() in the baseline comparison's $range would have no samples; want at least %s", promq.Duration(o.SampleStep), promq.Duration(scrape), promq.Duration(2*scrape))
	}
	if o.SampleStep > o.Interval || o.Interval/o.SampleStep > 1000 {
		return nil, cliutil.Usagef("--sample-step %s: want at most the interval %s and at least a thousandth of it", o.SampleStep, o.Interval)
	}
	if plan.MinHours < 0 || plan.MaxHours < plan.MinHours || plan.MaxHours > 24*366 {
		return nil, fileerr.Errorf(o.PlanPath, 0, "min_hours %d, max_hours %d: want 0 <= min <= max <= a year", plan.MinHours, plan.MaxHours)
	}
	if o.MinDuration, err = dur("min-duration", time.Duration(plan.MinHours)*time.Hour); err != nil {
		return nil, err
	}
	if o.MaxDuration, err = dur("max-duration", time.Duration(plan.MaxHours)*time.Hour); err != nil {
		return nil, err
	}
	if o.MaxDuration < o.MinDuration || o.MinDuration < o.Interval {
		return nil, cliutil.Usagef("want --interval %s <= --min-duration %s <= --max-duration %s", o.Interval, o.MinDuration, o.MaxDuration)
	}
	if n := c.Int("max-series"); n < 1 {
		return nil, cliutil.Usagef("--max-series %d: want at least 1", n)
	}
	if c.IsSet("from") != c.IsSet("to") {
		return nil, cliutil.Usagef("--from and --to go together (a replay)")
	}
	if c.IsSet("from") {
		if o.From, err = parseTime("from", c.String("from")); err != nil {
			return nil, err
		}
		if o.To, err = parseTime("to", c.String("to")); err != nil {
			return nil, err
		}
		if !o.To.After(o.From) {
			return nil, cliutil.Usagef("--to %s is not after --from %s", o.To.Format(time.RFC3339), o.From.Format(time.RFC3339))
		}
		if o.Overrides != "" || o.RollbackTo != "" || len(o.OnRollback) > 0 {
			return nil, cliutil.Usagef("a replay changes nothing: --overrides, --rollback-to and --on-rollback are for a live canary")
		}
	}
	if o.RollbackTo != "" && o.Overrides == "" {
		return nil, cliutil.Usagef("--rollback-to needs --overrides (the file to restore)")
	}
	if err := checkRollbackFiles(o, plan.Version); err != nil {
		return nil, err
	}
	if o.Out != "" && o.Out != "-" {
		// Found out now, not after a 48-hour watch.
		if err := os.MkdirAll(o.Out, 0o755); err != nil {
			return nil, fileerr.PathError(o.Out, err)
		}
	}
	if o.Client, err = promq.New(o.URL); err != nil {
		return nil, cliutil.Usagef("--prometheus-url: %v", err)
	}
	o.MaxSeries = c.Int("max-series")
	return o, nil
}

// loadPlan reads --plan (o.PlanPath) into o.Plan and o.PlanSHA256: a
// canary plan, strictly, that canary.CheckPlan accepts.
func loadPlan(o *canary.Options) (*release.CanaryPlan, error) {
	data, err := readPlan(o.PlanPath)
	if err != nil {
		return nil, err
	}
	o.PlanSHA256 = artifact.Hash(data)
	var plan release.CanaryPlan
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&plan); err != nil {
		return nil, fileerr.Errorf(o.PlanPath, 0, "not a canary plan: %v", err)
	}
	if err := canary.CheckPlan(&plan); err != nil {
		return nil, fileerr.Errorf(o.PlanPath, 0, "%v", err)
	}
	o.Plan = &plan
	return &plan, nil
}

// checkRollbackFiles makes sure, before the canary is watched, that a
// rollback is possible: --overrides and the file it is restored from are
// regular files, and --state is neither.
func checkRollbackFiles(o *canary.Options, version string) error {
	if o.Overrides == "" {
		return nil
	}
	for _, f := range []string{o.Overrides, o.RollbackSource(version)} {
		fi, err := os.Stat(f)
		if err != nil {
			return fileerr.PathError(f, err)
		}
		if !fi.Mode().IsRegular() {
			return fileerr.Errorf(f, 0, "not a regular file")
		}
	}
	if o.StatePath != "" && (o.StatePath == o.Overrides || o.StatePath == o.RollbackSource(version)) {
		return cliutil.Usagef("--state would overwrite an overrides file")
	}
	return nil
}

// preflight checks that each selector matches at most --max-series series
// (one count query each, at the replay's end or now). Too many is an
// error (exit 2); none, or Prometheus unreachable, is a note: the
// evaluations say what follows.
func preflight(ctx context.Context, o *canary.Options, stderr io.Writer) error {
	at := o.Now()
	if o.Replay() {
		at = o.To
	}
	for _, s := range []struct{ flag, sel string }{{"--canary-selector", o.Canary}, {"--baseline-selector", o.Baseline}} {
		if s.sel == "" {
			continue
		}
		res, err := o.Client.Instant(ctx, "count({"+s.sel+"})", at)
		var ue *promq.UnreachableError
		switch {
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "canary: %s not checked: %v\n", s.flag, err)
			return nil
		case err != nil:
			return err
		case len(res) == 0 || len(res[0].Points) == 0:
			fmt.Fprintf(stderr, "canary: note: %s %s matches no series at %s\n", s.flag, s.sel, at.UTC().Format(time.RFC3339))
		case res[0].Points[0].V > float64(o.MaxSeries):
			return cliutil.Usagef("%s %s matches %d series at %s (at most --max-series %d): narrow it", s.flag, s.sel, int64(res[0].Points[0].V), at.UTC().Format(time.RFC3339), o.MaxSeries)
		}
	}
	return nil
}

func readPlan(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fileerr.PathError(path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPlanBytes+1))
	if err != nil {
		return nil, fileerr.PathError(path, err)
	}
	if len(data) > maxPlanBytes {
		return nil, fileerr.Errorf(path, 0, "larger than %d bytes: not a canary plan", maxPlanBytes)
	}
	return data, nil
}

func parseTime(flag, s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		// Prometheus's API has millisecond timestamps.
		return t.UTC().Truncate(time.Millisecond), nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && f > 0 && f < 1e11 {
		return time.UnixMilli(int64(math.Round(f * 1000))).UTC(), nil
	}
	return time.Time{}, cliutil.Usagef("--%s %q: want an RFC 3339 time or Unix seconds", flag, s)
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
