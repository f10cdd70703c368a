package soakrun

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/internal/sim"
	"github.com/soakline/soakline/internal/tuner"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// LegacyFlag is one flag of the Python toolkit's tools/soak/run.py and what
// soak-run does with it. The table is the one vocabulary of --help's
// LEGACY FLAGS section and of docs/legacy.md's mapping table (a test compares them).
type LegacyFlag struct {
	Flag    string // as the toolkit spelled it, with its argument
	Toolkit string // what it did there
	Here    string // what soak-run does: "same", "accepted: ..." or "refused: use ..."
	// Refused is the one-line usage error of a refused flag; "" when the
	// flag is accepted.
	Refused string
}

// LegacyFlags lists the toolkit's run.py flags.
var LegacyFlags = []LegacyFlag{
	{Flag: "--iterations N", Toolkit: "mini-soak of N iterations", Here: "same"},
	{Flag: "--auto-tune", Toolkit: "tune the overrides between iterations", Here: "same"},
	{Flag: "--mock", Toolkit: "mock EDGE_REPORT generator", Here: "same: the built-in simulator (the default without --exec)"},
	{Flag: "--profile steady_safe", Toolkit: "start from the steady_safe overrides", Here: "same (also best_cell, maker_bias_uplift_v1)"},
	{Flag: "--preset NAME", Toolkit: "apply tools/soak/presets/NAME.json once", Here: "accepted: a built-in profile name (maker_bias_uplift_v1, steady_safe, best_cell) is that profile; anything else is read as a FILE"},
	{Flag: "--preset-file PATH", Toolkit: "apply the preset file once", Here: "accepted: a toolkit preset ({\"changes\": ...}, add/mul applied once to best_cell) or an overrides file"},
	{Flag: "--run-isolated", Toolkit: "run in its own RUN_epoch-ms directory (broken there)", Here: "same"},
	{Flag: "--warmup", Toolkit: "4 warm-up and 2 ramp-down iterations on a conservative preset",
		Here:    "refused: use soak-gate --warmup N (or auto)",
		Refused: "--warmup is the Python toolkit's: soak-run has no warm-up phase; leave the warm-up iterations out of the judged window with soak-gate --warmup N|auto"},
	{Flag: "--warmup-preset NAME", Toolkit: "preset of the warm-up phase",
		Here:    "refused: use --preset NAME",
		Refused: "--warmup-preset is the Python toolkit's: soak-run has no warm-up phase; start from a preset with --preset NAME"},
	{Flag: "--hours H", Toolkit: "72-hour report of mock constants (nothing waits)",
		Here:    "refused: use --iterations N (and --sleep SECONDS)",
		Refused: "--hours is the Python toolkit's: soak-run runs iterations, not hours; use --iterations N (and --sleep SECONDS between them)"},
	{Flag: "--export-json FILE", Toolkit: "72-hour report as JSON",
		Here:    "refused: use soak-gate (the verdict JSON on stdout)",
		Refused: "--export-json is the Python toolkit's: soak-run writes ITER_SUMMARY_<n>.json; for the verdict JSON use soak-gate DIR > FILE"},
	{Flag: "--export-md FILE", Toolkit: "72-hour report as Markdown",
		Here:    "refused: use soak-reports --out DIR",
		Refused: "--export-md is the Python toolkit's: for the Markdown reports use soak-reports --src DIR --out OUTDIR"},
	{Flag: "--gate-summary FILE", Toolkit: "gates and verdict as JSON",
		Here:    "refused: use soak-gate (the verdict JSON on stdout)",
		Refused: "--gate-summary is the Python toolkit's: for the gates and the verdict use soak-gate DIR > FILE"},
}

// legacyName is the flag's name without dashes and argument.
func (l LegacyFlag) legacyName() string {
	name, _, _ := strings.Cut(strings.TrimPrefix(l.Flag, "--"), " ")
	return name
}

// legacyFlags are the hidden flags of the toolkit soak-run accepts only to
// refuse them with a line naming what to use, and --preset-file.
func legacyFlags() []cli.Flag {
	fs := []cli.Flag{&cli.StringFlag{Name: "preset-file", Hidden: true, Usage: "start from the preset or overrides in `FILE` (see LEGACY FLAGS)"}}
	for _, l := range LegacyFlags {
		if l.Refused == "" {
			continue
		}
		if strings.Contains(l.Flag, " ") {
			fs = append(fs, &cli.StringFlag{Name: l.legacyName(), Hidden: true})
		} else {
			fs = append(fs, &cli.BoolFlag{Name: l.legacyName(), Hidden: true})
		}
	}
	return fs
}

// refuseLegacy returns the usage error of the first refused legacy flag
// given.
func refuseLegacy(set map[string]bool) error {
	for _, l := range LegacyFlags {
		if l.Refused != "" && set[l.legacyName()] {
			return cliutil.Usagef("%s", l.Refused)
		}
	}
	return nil
}

// legacyHelp is --help's LEGACY FLAGS section.
func legacyHelp() string {
	var b strings.Builder
	b.WriteString("LEGACY FLAGS (the Python toolkit's tools/soak/run.py; refused ones exit 2 naming what to use):\n")
	w := 0
	for _, l := range LegacyFlags {
		w = max(w, len(l.Flag))
	}
	for _, l := range LegacyFlags {
		fmt.Fprintf(&b, "   %-*s  %s\n", w, l.Flag, l.Here)
	}
	return strings.TrimRight(b.String(), "\n")
}

// resolvePreset gives --preset its legacy meaning: a built-in profile's
// name is that profile (the toolkit's --preset NAME); anything else is a
// file, as is --preset-file's argument.
func (o *Options) resolvePreset(presetFile string) error {
	switch {
	case o.Set["preset"] && o.Set["preset-file"]:
		return cliutil.Usagef("--preset and --preset-file exclude each other")
	case o.Set["profile"] && (o.Set["preset"] || o.Set["preset-file"]):
		return cliutil.Usagef("--profile and --preset exclude each other")
	case o.Set["preset-file"]:
		o.Preset = presetFile
		o.Set["preset"] = true
	case o.Set["preset"]:
		if _, ok := Profiles()[o.Preset]; ok {
			o.Profile, o.Preset = o.Preset, ""
			delete(o.Set, "preset")
			o.Set["profile"] = true
		}
	}
	return nil
}

// toolkitPresetMeta are the top-level keys of a toolkit preset besides
// "changes" that describe it (carried, not applied).
var toolkitPresetMeta = []string{"description", "name", "target_metrics", "version"}

// isToolkitPreset reports whether data is a JSON object with a top-level
// "changes" key: the toolkit's preset shape.
func isToolkitPreset(data []byte) bool {
	var top map[string]json.RawMessage
	if json.Unmarshal(artifact.TrimBOM(data), &top) != nil {
		return false
	}
	_, ok := top["changes"]
	return ok
}

// toolkitChange is one entry of a toolkit preset:
// changes.<section>.<param> = {"op": "add"|"mul", "value": x, "reason": "..."}.
type toolkitChange struct {
	Op     string   `json:"op"`
	Value  *float64 `json:"value"`
	Reason string   `json:"reason"`
}

// decodeToolkitPreset applies a toolkit preset once to the defaults (the
// best cell), as the toolkit applied it to a fresh start: add gives
// default+value, mul default×value. A parameter is named by its last path
// component in any section (quoting.min_interval_ms is min_interval_ms);
// a change to something soakline's system under test does not read
// (taker_rescue.*) is not applied and named in a note. Anything malformed,
// an unknown op, a parameter changed twice or a result outside the bounds
// is an error naming the file.
func decodeToolkitPreset(file string, data []byte) (map[string]float64, []string, error) {
	data = artifact.TrimBOM(data)
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, nil, fileerr.Errorf(file, 0, "%v", err)
	}
	var notes, extra []string
	for _, k := range slices.Sorted(maps.Keys(top)) {
		if k != "changes" && !slices.Contains(toolkitPresetMeta, k) {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		notes = append(notes, fmt.Sprintf("%s: not applied: %s (a toolkit preset applies only \"changes\")", file, strings.Join(extra, ", ")))
	}
	var changes map[string]map[string]json.RawMessage
	if err := json.Unmarshal(top["changes"], &changes); err != nil || changes == nil {
		return nil, nil, fileerr.Errorf(file, fileerr.KeyLine(data, "changes"), "changes: want an object of sections, each an object of {\"op\", \"value\"} entries")
	}
	byLeaf := map[string]string{}
	for _, k := range sim.Keys {
		byLeaf[k[strings.LastIndexByte(k, '.')+1:]] = k
	}
	params := sim.Defaults()
	bounds := tuner.DefaultBounds()
	from := map[string]string{}
	var unused []string
	for _, sec := range slices.Sorted(maps.Keys(changes)) {
		for _, leaf := range slices.Sorted(maps.Keys(changes[sec])) {
			path := sec + "." + leaf
			line := fileerr.KeyLine(data, "changes."+path)
			var c toolkitChange
			dec := json.NewDecoder(bytes.NewReader(changes[sec][leaf]))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&c); err != nil {
				return nil, nil, fileerr.Errorf(file, line, "changes.%s: want {\"op\": \"add\"|\"mul\", \"value\": number, \"reason\": text}: %v", path, err)
			}
			if c.Value == nil {
				return nil, nil, fileerr.Errorf(file, line, "changes.%s: no value", path)
			}
			key, ok := byLeaf[leaf]
			if !ok {
				unused = append(unused, path)
				continue
			}
			if prev, dup := from[key]; dup {
				return nil, nil, fileerr.Errorf(file, line, "changes.%s: %s is changed twice (also by changes.%s)", path, key, prev)
			}
			from[key] = path
			v := params[key]
			switch c.Op {
			case "add":
				v += *c.Value
			case "mul":
				v *= *c.Value
			default:
				return nil, nil, fileerr.Errorf(file, line, "changes.%s: unknown op %q (want add or mul)", path, c.Op)
			}
			b := bounds[key]
			if b.Integer {
				v = math.Round(v)
			} else {
				v = numfmt.Round(v)
			}
			if math.IsNaN(v) || math.IsInf(v, 0) || v < b.Min || v > b.Max {
				return nil, nil, fileerr.Errorf(file, line, "changes.%s: %s would be %g, not in [%g, %g]", path, key, v, b.Min, b.Max)
			}
			params[key] = v
		}
	}
	if len(unused) > 0 {
		notes = append(notes, fmt.Sprintf("%s: not applied: %s (not parameters of the system under test; it reads %s)", file, strings.Join(unused, ", "), strings.Join(sim.Keys, ", ")))
	}
	return params, notes, nil
}
