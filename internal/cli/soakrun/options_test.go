package soakrun

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/urfave/cli/v2"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/sim"
	"github.com/soakline/soakline/pkg/artifact"
)

// parse runs the command line through the real app and returns the options
// the soak would get.
func parse(t *testing.T, args []string, env map[string]string) (Options, error) {
	t.Helper()
	var got Options
	var out, errw bytes.Buffer
	stdio := cliutil.Stdio{In: strings.NewReader(""), Out: &out, Err: &errw, Getenv: func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}}
	err := newApp(stdio, func(_ *cli.Context, o Options) error {
		got = o
		return nil
	}).run(context.Background(), args)
	return got, err
}

func TestOptions(t *testing.T) {
	base := Options{
		Iterations: DefaultIterations, Mode: artifact.ModeMock, Seed: DefaultSeed, Scenario: sim.Steady,
		Events: DefaultEvents, Out: DefaultOut, MaxFailed: DefaultMaxFailed, Epoch: FixedEpoch,
		KPISource: KPISourceEvents, ScrapeInterval: DefaultScrapeInterval,
	}
	with := func(f func(o *Options)) Options {
		o := base
		f(&o)
		return o
	}
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want Options
	}{
		{"defaults", nil, nil, base},
		{"legacy smoke line", []string{"--iterations", "3", "--auto-tune", "--mock"}, nil,
			with(func(o *Options) { o.Iterations, o.AutoTune = 3, true })},
		{"flags after positional-free order and = syntax", []string{"--seed=7", "--scenario", "latency-spike", "--events", "1000", "--out", "-"}, nil,
			with(func(o *Options) { o.Seed, o.Scenario, o.Events, o.Out = 7, sim.LatencySpike, 1000, "-" })},
		{"sleep flag with fraction", []string{"--sleep", "0.25"}, nil,
			with(func(o *Options) { o.Sleep = 250 * time.Millisecond })},
		{"sleep from the environment", nil, map[string]string{"SOAK_SLEEP_SECONDS": "2"},
			with(func(o *Options) { o.Sleep = 2 * time.Second })},
		{"flag beats environment", []string{"--sleep", "0"}, map[string]string{"SOAK_SLEEP_SECONDS": "300"}, base},
		{"out from the environment", nil, map[string]string{"SOAK_OUT_DIR": "x/y"},
			with(func(o *Options) { o.Out = "x/y" })},
		{"smoke mode", nil, map[string]string{"SOAK_SMOKE_MODE": "1"},
			with(func(o *Options) { o.Smoke, o.Events, o.Profile = true, SmokeEvents, SmokeProfile })},
		{"smoke mode keeps explicit choices", []string{"--events", "100", "--profile", "steady_safe"}, map[string]string{"SOAK_SMOKE_MODE": "1"},
			with(func(o *Options) { o.Smoke, o.Events, o.Profile = true, 100, "steady_safe" })},
		{"source date epoch", nil, map[string]string{"SOURCE_DATE_EPOCH": "1767225600"},
			with(func(o *Options) { o.Epoch = time.Unix(1767225600, 0).UTC() })},
		{"exec with command", []string{"--exec", "--iteration-timeout", "90s", "--max-failed-iterations", "0", "--", "bot", "--fast", "-x"}, nil,
			with(func(o *Options) {
				o.Mode, o.IterationTimeout, o.MaxFailed, o.Command = artifact.ModeExec, 90*time.Second, 0, []string{"bot", "--fast", "-x"}
				o.KillGrace = DefaultKillGrace
			})},
		{"exec defaults: a timeout and a grace", []string{"--exec", "--", "bot"}, nil,
			with(func(o *Options) {
				o.Mode, o.Command, o.IterationTimeout, o.KillGrace = artifact.ModeExec, []string{"bot"}, DefaultIterationTimeout, DefaultKillGrace
			})},
		{"exec without a timeout, SIGKILL at once", []string{"--exec", "--iteration-timeout", "0", "--kill-grace", "0s", "--", "bot"}, nil,
			with(func(o *Options) { o.Mode, o.Command = artifact.ModeExec, []string{"bot"} })},
		{"preset-file", []string{"--preset-file", "p.json"}, nil, with(func(o *Options) { o.Preset = "p.json" })},
		{"legacy --preset NAME is the built-in profile", []string{"--preset", "maker_bias_uplift_v1"}, nil, with(func(o *Options) { o.Profile = "maker_bias_uplift_v1" })},
		{"--preset of anything else is a file", []string{"--preset", "maker_bias_uplift_v1.json"}, nil, with(func(o *Options) { o.Preset = "maker_bias_uplift_v1.json" })},
		{"--preset-file of a profile name is a file", []string{"--preset-file", "steady_safe"}, nil, with(func(o *Options) { o.Preset = "steady_safe" })},
		{"the toolkit's CI line but --warmup", []string{"--iterations", "24", "--mock", "--auto-tune", "--preset", "maker_bias_uplift_v1"}, nil,
			with(func(o *Options) { o.Iterations, o.AutoTune, o.Profile = 24, true, "maker_bias_uplift_v1" })},
		{"resume: the mode is RUN.json's", []string{"--resume", "--out", "d"}, nil, with(func(o *Options) { o.Resume, o.Out, o.Mode = true, "d", "" })},
		{"resume with a timeout and a command, no --exec", []string{"--resume", "--out", "d", "--iteration-timeout", "1m", "--", "bot"}, nil,
			with(func(o *Options) {
				o.Resume, o.Out, o.Mode, o.IterationTimeout, o.Command = true, "d", "", time.Minute, []string{"bot"}
			})},
		{"resume --mock", []string{"--resume", "--mock", "--out", "d"}, nil, with(func(o *Options) { o.Resume, o.Out = true, "d" })},
		{"isolated", []string{"--run-isolated"}, nil, with(func(o *Options) { o.Isolated = true })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parse(t, tc.args, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(Options{}, "Set")); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOptionsUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"mock and exec", []string{"--mock", "--exec", "--", "bot"}, nil, "--mock and --exec exclude each other"},
		{"exec without command", []string{"--exec"}, nil, "--exec needs a command"},
		{"command without exec", []string{"--", "bot"}, nil, `unexpected arguments "bot"`},
		{"zero iterations", []string{"--iterations", "0"}, nil, "--iterations must be at least 1, got 0"},
		{"negative sleep", []string{"--sleep", "-1"}, nil, "--sleep: want a non-negative number of seconds"},
		{"bad sleep env", nil, map[string]string{"SOAK_SLEEP_SECONDS": "soon"}, `SOAK_SLEEP_SECONDS: want a non-negative number of seconds, got "soon"`},
		{"profile and preset", []string{"--profile", "steady_safe", "--preset", "p.json"}, nil, "--profile and --preset exclude each other"},
		{"unknown profile", []string{"--profile", "nope"}, nil, `--profile: unknown profile "nope" (want one of best_cell, maker_bias_uplift_v1, steady_safe)`},
		{"unknown scenario", []string{"--scenario", "moon"}, nil, `--scenario: unknown scenario "moon"`},
		{"scenario with exec", []string{"--exec", "--scenario", "steady", "--", "bot"}, nil, "--scenario is for --mock soaks"},
		{"timeout with mock", []string{"--iteration-timeout", "1s"}, nil, "--iteration-timeout bounds an --exec command"},
		{"resume to stdout", []string{"--resume", "--out", "-"}, nil, "--resume needs a soak directory"},
		{"isolated to stdout", []string{"--run-isolated", "--out", "-"}, nil, "--run-isolated writes a directory"},
		{"keep events to stdout", []string{"--keep-events", "--out", "-"}, nil, "--keep-events writes iter/<n>/events.jsonl"},
		{"resume isolated", []string{"--resume", "--run-isolated"}, nil, "--resume continues a soak in place"},
		{"bad smoke mode", nil, map[string]string{"SOAK_SMOKE_MODE": "maybe"}, `SOAK_SMOKE_MODE: want 1 or 0, got "maybe"`},
		{"bad epoch", nil, map[string]string{"SOURCE_DATE_EPOCH": "yesterday"}, "SOURCE_DATE_EPOCH: want seconds since 1970"},
		{"unknown flag", []string{"--no-such", "72"}, nil, "flag provided but not defined: -no-such"},
		{"kill grace with mock", []string{"--kill-grace", "1s"}, nil, "--kill-grace bounds an --exec command"},
		{"negative kill grace", []string{"--exec", "--kill-grace", "-1s", "--", "bot"}, nil, "--kill-grace must not be negative"},
		{"profile and legacy preset name", []string{"--profile", "steady_safe", "--preset", "maker_bias_uplift_v1"}, nil, "--profile and --preset exclude each other"},
		{"preset and preset-file", []string{"--preset", "a.json", "--preset-file", "b.json"}, nil, "--preset and --preset-file exclude each other"},
		{"resume --mock with a command", []string{"--resume", "--mock", "--", "bot"}, nil, `unexpected arguments "bot"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse(t, tc.args, tc.env)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got error %v, want one containing %q", err, tc.want)
			}
			if code := cliutil.ExitCode(err); code != cliutil.ExitUsage {
				t.Errorf("exit code %d, want %d", code, cliutil.ExitUsage)
			}
		})
	}
}

func TestProfiles(t *testing.T) {
	want := map[string]float64{
		"base_spread_bps_delta": 0.06, "engine.concurrency_limit": 10, "impact_cap_ratio": 0.095,
		"max_delta_ratio": 0.1425, "min_interval_ms": 75, "replace_rate_per_min": 270, "tail_age_ms": 600,
	}
	if diff := cmp.Diff(want, Profiles()[SmokeProfile]); diff != "" {
		t.Errorf("smoke profile (-want +got):\n%s", diff)
	}
	for name, p := range Profiles() {
		if len(p) != len(sim.Keys) {
			t.Errorf("profile %s has %d keys, want every canonical key", name, len(p))
		}
	}
}

// TestLegacyFlagsRefused: each refused flag of the toolkit's run.py is a
// usage error (exit 2) of one line naming what to use instead; the
// toolkit's CI line fails on --warmup with that line, not "flag provided
// but not defined".
func TestLegacyFlagsRefused(t *testing.T) {
	refused := 0
	for _, l := range LegacyFlags {
		if l.Refused == "" {
			continue
		}
		refused++
		t.Run(l.Flag, func(t *testing.T) {
			args := []string{"--iterations", "24", "--mock", "--auto-tune", "--preset", "maker_bias_uplift_v1"}
			args = append(args, strings.Fields(l.Flag)...)
			_, err := parse(t, args, nil)
			if err == nil || err.Error() != l.Refused {
				t.Fatalf("got error %v, want %q", err, l.Refused)
			}
			if code := cliutil.ExitCode(err); code != cliutil.ExitUsage {
				t.Errorf("exit code %d, want %d", code, cliutil.ExitUsage)
			}
			use := strings.TrimPrefix(l.Here, "refused: use ")
			if use == l.Here || strings.Contains(l.Refused, "\n") {
				t.Fatalf("Here %q does not name the flag to use, or the error is not one line", l.Here)
			}
			if first := strings.Fields(use)[0]; !strings.Contains(l.Refused, first) {
				t.Errorf("the error %q does not name %s", l.Refused, first)
			}
		})
	}
	if refused != 6 {
		t.Errorf("%d refused legacy flags, want 6 (--warmup, --warmup-preset, --hours, --export-json, --export-md, --gate-summary)", refused)
	}
}
