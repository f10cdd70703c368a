package soakrun

import (
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/legacy"
	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/internal/sim"
	"github.com/soakline/soakline/internal/tuner"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// Defaults of the options.
const (
	DefaultOut        = "artifacts/soak/latest"
	DefaultIterations = sim.DefaultIterations
	DefaultSeed       = sim.DefaultSeed
	DefaultEvents     = sim.DefaultEvents
	SmokeEvents       = 5000 // events per iteration under SOAK_SMOKE_MODE=1
	SmokeProfile      = "maker_bias_uplift_v1"
	DefaultMaxFailed  = 3
	DefaultProfile    = "best_cell"
)

// Options is a parsed soak-run command line.
type Options struct {
	Iterations       int
	AutoTune         bool
	Mode             string // artifact.ModeMock or artifact.ModeExec; "" for a --resume that takes it from RUN.json
	Seed             uint64
	Scenario         sim.Scenario // mock only
	Events           int          // mock only
	Out              string       // a directory, or "-" for a JSON Lines stream on stdout
	Sleep            time.Duration
	Resume           bool
	Isolated         bool
	Profile          string // named profile (Profiles), "" when Preset is used
	Preset           string // preset file, "" when a profile is used
	Command          []string
	IterationTimeout time.Duration // exec only; 0 means none (default DefaultIterationTimeout)
	KillGrace        time.Duration // exec only: SIGTERM to SIGKILL at a timeout or an interrupt
	MaxFailed        int           // stop after this many failed iterations; 0 means never
	KeepEvents       bool          // mock only: keep iter/<n>/events.jsonl
	// AcceptChangedCommand lets --resume run a command other than the one
	// RUN.json recorded (and records it).
	AcceptChangedCommand bool
	// PolicyFile, Strict and MockPolicy (USE_MOCK=1) choose the policy
	// whose thresholds the tuner tunes toward, as soak-gate's --policy,
	// --strict and USE_MOCK choose the one it judges by.
	PolicyFile string
	Strict     bool
	MockPolicy bool
	Smoke      bool      // SOAK_SMOKE_MODE=1
	Epoch      time.Time // start of the soak clock in mock mode

	// KPISource is where an --exec soak's KPIs come from (KPISourceEvents
	// or KPISourcePrometheus, promsource.go) and the settings of the
	// latter.
	KPISource         string
	PrometheusURL     string
	Selector          string
	IterationDuration time.Duration
	ScrapeInterval    time.Duration

	// Set records the flags given explicitly, for --resume's checks.
	Set map[string]bool
}

// Profiles returns the built-in named starting overrides, by name. Each
// holds every canonical key (sim.Keys).
//
//   - best_cell: the legacy toolkit's "best cell" defaults (the default).
//   - steady_safe: the legacy profiles/steady_safe.json.
//   - maker_bias_uplift_v1: the legacy preset of that name applied once to
//     the best cell (spread +0.01 bps, min interval +15 ms, replace rate
//     ×0.90, impact cap and max delta ×0.95); SOAK_SMOKE_MODE=1 selects it.
func Profiles() map[string]map[string]float64 {
	best := sim.Defaults()
	safe := maps.Clone(best)
	maps.Copy(safe, map[string]float64{
		sim.KeyMinIntervalMs: 75, sim.KeyReplaceRatePerMin: 250, sim.KeyBaseSpreadBpsDelta: 0.15,
		sim.KeyTailAgeMs: 740, sim.KeyImpactCapRatio: 0.08, sim.KeyMaxDeltaRatio: 0.15,
	})
	bias := maps.Clone(best)
	bias[sim.KeyBaseSpreadBpsDelta] = numfmt.Round(best[sim.KeyBaseSpreadBpsDelta] + 0.01)
	bias[sim.KeyMinIntervalMs] = best[sim.KeyMinIntervalMs] + 15
	bias[sim.KeyReplaceRatePerMin] = math.Round(best[sim.KeyReplaceRatePerMin] * 0.90)
	bias[sim.KeyImpactCapRatio] = numfmt.Round(best[sim.KeyImpactCapRatio] * 0.95)
	bias[sim.KeyMaxDeltaRatio] = numfmt.Round(best[sim.KeyMaxDeltaRatio] * 0.95)
	return map[string]map[string]float64{"best_cell": best, "steady_safe": safe, SmokeProfile: bias}
}

func profileNames() []string { return slices.Sorted(maps.Keys(Profiles())) }

// validate applies the cross-flag rules; every violation is a usage error.
func (o *Options) validate() error {
	set := o.Set
	switch {
	case set["mock"] && set["exec"]:
		return cliutil.Usagef("--mock and --exec exclude each other")
	case o.Iterations < 1:
		return cliutil.Usagef("--iterations must be at least 1, got %d", o.Iterations)
	case o.Events < 1:
		return cliutil.Usagef("--events must be at least 1, got %d", o.Events)
	case o.Sleep < 0:
		return cliutil.Usagef("--sleep must not be negative")
	case o.IterationTimeout < 0:
		return cliutil.Usagef("--iteration-timeout must not be negative")
	case o.KillGrace < 0:
		return cliutil.Usagef("--kill-grace must not be negative")
	case o.MaxFailed < 0:
		return cliutil.Usagef("--max-failed-iterations must not be negative")
	case o.Out == "":
		return cliutil.Usagef("--out must not be empty")
	case set["profile"] && set["preset"]:
		return cliutil.Usagef("--profile and --preset exclude each other")
	case o.Out == "-" && o.Resume:
		return cliutil.Usagef("--resume needs a soak directory, not --out -")
	case o.Out == "-" && o.Isolated:
		return cliutil.Usagef("--run-isolated writes a directory; it does not go with --out -")
	case o.Out == "-" && o.KeepEvents:
		return cliutil.Usagef("--keep-events writes iter/<n>/events.jsonl; it does not go with --out -")
	case o.AcceptChangedCommand && !o.Resume:
		return cliutil.Usagef("--accept-changed-command goes with --resume")
	case (set["policy"] || set["strict"]) && !o.AutoTune && !o.Resume:
		return cliutil.Usagef("--policy and --strict set the tuner's targets; they go with --auto-tune")
	case o.Resume && o.Isolated:
		return cliutil.Usagef("--resume continues a soak in place; to resume an isolated run, pass its RUN_<epoch> directory as --out")
	}
	if o.Mode != "" {
		// A --resume without --mock or --exec is checked once RUN.json
		// has said which soak it is.
		if err := o.checkMode(); err != nil {
			return err
		}
	}
	if err := o.checkPrometheus(); err != nil { // promsource.go
		return err
	}
	if _, err := sim.ParseScenario(string(o.Scenario)); err != nil {
		return cliutil.Usagef("--scenario: %v", err)
	}
	if o.Profile != "" {
		if _, ok := Profiles()[o.Profile]; !ok {
			return cliutil.Usagef("--profile: unknown profile %q (want one of %s)", o.Profile, strings.Join(profileNames(), ", "))
		}
	}
	return nil
}

// checkMode applies the rules that depend on the mode: a command only
// with --exec, the simulator's flags only without.
func (o *Options) checkMode() error {
	set := o.Set
	switch {
	case o.Mode == artifact.ModeExec && len(o.Command) == 0 && !o.Resume:
		return cliutil.Usagef("--exec needs a command: soak-run --exec [flags] -- CMD ARGS...")
	case o.Mode == artifact.ModeMock && len(o.Command) > 0:
		return cliutil.Usagef("unexpected arguments %q: a command is run only with --exec", strings.Join(o.Command, " "))
	}
	for _, f := range []string{"scenario", "events", "keep-events"} {
		if o.Mode == artifact.ModeExec && set[f] {
			return cliutil.Usagef("--%s is for --mock soaks; --exec runs your command", f)
		}
	}
	for _, f := range []string{"iteration-timeout", "kill-grace"} {
		if o.Mode == artifact.ModeMock && set[f] {
			if o.Resume {
				return cliutil.Usagef("--%s is for --exec soaks; the soak in %s is a --mock soak", f, o.Out)
			}
			return cliutil.Usagef("--%s bounds an --exec command; the simulator needs none", f)
		}
	}
	return nil
}

// parseSleep reads --sleep or SOAK_SLEEP_SECONDS: seconds, fractions allowed.
func parseSleep(s, what string) (time.Duration, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e9 {
		return 0, cliutil.Usagef("%s: want a non-negative number of seconds, got %q", what, s)
	}
	return time.Duration(f * float64(time.Second)), nil
}

// parseEpoch returns the start of the mock soak clock: SOURCE_DATE_EPOCH
// when set, else FixedEpoch.
func parseEpoch(env string) (time.Time, error) {
	if env == "" {
		return FixedEpoch, nil
	}
	sec, err := strconv.ParseInt(strings.TrimSpace(env), 10, 64)
	if err != nil || sec < 0 || sec > 253402300799 {
		return time.Time{}, cliutil.Usagef("SOURCE_DATE_EPOCH: want seconds since 1970, got %q", env)
	}
	return time.Unix(sec, 0).UTC(), nil
}

// FixedEpoch is where the mock soak clock starts without SOURCE_DATE_EPOCH.
var FixedEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// startParams returns the parameters the first iteration runs with: the
// profile, or the defaults overlaid once with the preset file (an
// overrides file, or the toolkit's {"changes": ...} preset; its notes say
// what was not applied).
func (o *Options) startParams() (map[string]float64, []string, error) {
	if o.Preset == "" {
		name := o.Profile
		if name == "" {
			name = DefaultProfile
		}
		return Profiles()[name], nil, nil
	}
	data, err := os.ReadFile(o.Preset)
	if err != nil {
		return nil, nil, fileerr.PathError(o.Preset, err)
	}
	if isToolkitPreset(data) {
		return decodeToolkitPreset(o.Preset, data)
	}
	params, err := o.overridesPreset(data)
	return params, nil, err
}

// overridesPreset reads a preset that is an overrides file.
func (o *Options) overridesPreset(data []byte) (map[string]float64, error) {
	ov, err := legacy.Overrides(o.Preset, data)
	if err != nil {
		return nil, err
	}
	bounds := tuner.DefaultBounds()
	// A legacy preset's value that is not a finite number (NaN, Infinity,
	// a string) is skipped by the lenient reader; for a parameter the soak
	// tunes, running with the default instead would be a silent lie.
	for _, k := range ov.Ignored {
		if _, ok := bounds[k]; ok {
			return nil, &fileerr.Error{File: o.Preset, Line: fileerr.KeyLine(data, k), Err: fmt.Errorf("%s: not a finite number", k)}
		}
	}
	var unknown, outside []string
	params := sim.Defaults()
	for _, k := range slices.Sorted(maps.Keys(ov.Params)) {
		v := ov.Params[k]
		b, ok := bounds[k]
		if !ok {
			unknown = append(unknown, k)
			continue
		}
		if v < b.Min || v > b.Max {
			outside = append(outside, fmt.Sprintf("%s=%g not in [%g, %g]", k, v, b.Min, b.Max))
			continue
		}
		params[k] = v
	}
	if len(unknown) > 0 {
		return nil, fileerr.Errorf(o.Preset, 0, "unknown keys %s (the system under test reads only %s)", strings.Join(unknown, ", "), strings.Join(sim.Keys, ", "))
	}
	if len(outside) > 0 {
		return nil, fileerr.Errorf(o.Preset, 0, "values out of bounds: %s", strings.Join(outside, "; "))
	}
	return params, nil
}
