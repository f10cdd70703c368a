package soakrun

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/urfave/cli/v2"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/tuner"
	"github.com/soakline/soakline/pkg/fileerr"
)

// readmeRow is a LegacyFlags entry as a row of the table in docs/legacy.md.
func readmeRow(l LegacyFlag) string {
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	return "| `" + esc(l.Flag) + "` | " + esc(l.Toolkit) + " | " + esc(l.Here) + " |"
}

// TestLegacyFlagsREADME: the legacy-flag table of docs/legacy.md (section
// "soak-run flags"; README links there) is
// LegacyFlags row for row, --help's LEGACY FLAGS section lists the same
// flags with the same words, and every legacy flag is one the command
// line defines: a visible flag when accepted (--preset-file: hidden,
// documented there), a hidden one when refused.
func TestLegacyFlagsREADME(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "legacy.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	start := strings.Index(text, "\n## soak-run flags\n")
	end := strings.Index(text[start+1:], "\n## ")
	if start < 0 || end < 0 {
		t.Fatal("docs/legacy.md has no soak-run flags section")
	}
	section := text[start : start+1+end]
	i := strings.Index(section, "| toolkit flag | in the toolkit | in soak-run |")
	if i < 0 {
		t.Fatal("docs/legacy.md's soak-run flags section has no legacy-flag table")
	}
	var got []string
	for _, line := range strings.Split(section[i:], "\n")[2:] {
		if !strings.HasPrefix(line, "|") {
			break
		}
		got = append(got, line)
	}
	var want []string
	for _, l := range LegacyFlags {
		want = append(want, readmeRow(l))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("docs/legacy.md legacy-flag table (-want +got):\n%s\nwant:\n%s", diff, strings.Join(want, "\n"))
	}

	var out bytes.Buffer
	stdio := cliutil.Stdio{In: strings.NewReader(""), Out: &out, Err: &out, Getenv: func(string) (string, bool) { return "", false }}
	a := newApp(stdio, func(*cli.Context, Options) error { return nil })
	if err := a.run(context.Background(), []string{"--help"}); err != nil {
		t.Fatal(err)
	}
	help := out.String()
	if !strings.Contains(help, "LEGACY FLAGS") {
		t.Fatal("--help has no LEGACY FLAGS section")
	}
	helpLines := strings.Split(help, "\n")
	for _, l := range LegacyFlags {
		found := slices.ContainsFunc(helpLines, func(h string) bool {
			f := strings.Fields(h)
			return strings.HasPrefix(strings.TrimSpace(h), l.Flag+"  ") && strings.Join(f, " ") == l.Flag+" "+strings.Join(strings.Fields(l.Here), " ")
		})
		if !found {
			t.Errorf("--help has no LEGACY FLAGS line %q  %q", l.Flag, l.Here)
		}
		var flag cli.Flag
		for _, f := range a.Flags {
			if slices.Contains(f.Names(), l.legacyName()) {
				flag = f
			}
		}
		if flag == nil {
			t.Errorf("%s: soak-run defines no such flag", l.Flag)
			continue
		}
		hidden := flag.(interface{ IsVisible() bool }).IsVisible() == false
		if wantHidden := l.Refused != "" || l.legacyName() == "preset-file"; hidden != wantHidden {
			t.Errorf("%s: hidden %v, want %v", l.Flag, hidden, wantHidden)
		}
	}
	// Every hidden flag is a legacy one, so none is undocumented.
	for _, f := range a.Flags {
		if v, ok := f.(interface{ IsVisible() bool }); ok && !v.IsVisible() {
			name := f.Names()[0]
			if !slices.ContainsFunc(LegacyFlags, func(l LegacyFlag) bool { return l.legacyName() == name }) {
				t.Errorf("hidden flag --%s is not in LegacyFlags", name)
			}
		}
	}
}

// TestToolkitPreset: the toolkit's presets are applied once to best_cell
// with add and mul; its maker_bias_uplift_v1.json is the built-in profile
// of that name; what soakline does not read is named in a note; a bad
// preset is an error naming the file and line.
func TestToolkitPreset(t *testing.T) {
	const makerBias = `{
  "description": "Increase maker/taker ratio and net_bps without impacting latency",
  "version": "1.0",
  "target_metrics": {"maker_taker_ratio": "≥ 0.83", "net_bps": "≥ 2.8"},
  "changes": {
    "quoting": {
      "base_spread_bps_delta": {"op": "add", "value": 0.01, "reason": "widen spread"},
      "min_interval_ms": {"op": "add", "value": 15, "reason": "reduce rebid frequency"},
      "replace_rate_per_min": {"op": "mul", "value": 0.90, "reason": "fewer replaces"}
    },
    "impact": {
      "impact_cap_ratio": {"op": "mul", "value": 0.95},
      "max_delta_ratio": {"op": "mul", "value": 0.95}
    },
    "taker_rescue": {
      "rescue_max_ratio": {"op": "mul", "value": 0.85},
      "min_edge_bps": {"op": "add", "value": 0.5},
      "cooldown_ms": {"op": "add", "value": 250}
    }
  }
}
`
	params, notes, err := decodeToolkitPreset("maker_bias_uplift_v1.json", []byte(makerBias))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Profiles()[SmokeProfile], params); diff != "" {
		t.Errorf("maker_bias_uplift_v1.json (-profile +preset):\n%s", diff)
	}
	wantNote := "maker_bias_uplift_v1.json: not applied: taker_rescue.cooldown_ms, taker_rescue.min_edge_bps, taker_rescue.rescue_max_ratio (not parameters of the system under test;"
	if len(notes) != 1 || !strings.HasPrefix(notes[0], wantNote) {
		t.Errorf("notes %q, want one starting %q", notes, wantNote)
	}

	params, _, err = decodeToolkitPreset("p.json", []byte(`{"changes": {"engine": {"concurrency_limit": {"op": "mul", "value": 0.85}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if params["engine.concurrency_limit"] != 9 { // round(10 × 0.85)
		t.Errorf("concurrency limit %v, want 9", params["engine.concurrency_limit"])
	}
	_, notes, err = decodeToolkitPreset("p.json", []byte(`{"author": "me", "changes": {}}`))
	if err != nil || len(notes) != 1 || !strings.Contains(notes[0], "not applied: author") {
		t.Errorf("an unknown top-level key: notes %q, err %v", notes, err)
	}

	for _, tc := range []struct{ name, data, want string }{
		{"unknown op", "{\"changes\": {\"quoting\": {\n\"min_interval_ms\": {\"op\": \"set\", \"value\": 1}}}}", `p.json: line 2: changes.quoting.min_interval_ms: unknown op "set" (want add or mul)`},
		{"no value", `{"changes": {"quoting": {"min_interval_ms": {"op": "add"}}}}`, "p.json: line 1: changes.quoting.min_interval_ms: no value"},
		{"string value", `{"changes": {"quoting": {"min_interval_ms": {"op": "add", "value": "15"}}}}`, "changes.quoting.min_interval_ms: want {"},
		{"unknown field", `{"changes": {"quoting": {"min_interval_ms": {"op": "add", "value": 1, "when": 2}}}}`, `unknown field "when"`},
		{"twice", `{"changes": {"quoting": {"min_interval_ms": {"op": "add", "value": 1}}, "engine": {"min_interval_ms": {"op": "add", "value": 1}}}}`,
			"changes.quoting.min_interval_ms: min_interval_ms is changed twice (also by changes.engine.min_interval_ms)"},
		{"out of bounds", `{"changes": {"quoting": {"min_interval_ms": {"op": "mul", "value": 100}}}}`, "changes.quoting.min_interval_ms: min_interval_ms would be 6000, not in [50, 300]"},
		{"changes not an object", `{"changes": [1]}`, "p.json: line 1: changes: want an object of sections"},
		{"section not an object", `{"changes": {"quoting": 5}}`, "changes: want an object of sections"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := decodeToolkitPreset("p.json", []byte(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			var ae *fileerr.Error
			if !asArtifactError(err, &ae) || ae.File != "p.json" {
				t.Errorf("error %v does not name the file", err)
			}
		})
	}
}

func asArtifactError(err error, target **fileerr.Error) bool {
	e, ok := err.(*fileerr.Error)
	if ok {
		*target = e
	}
	return ok
}

// FuzzToolkitPreset: a preset decodes to parameters within the tuner's
// bounds, or to an error naming the file; never a panic.
func FuzzToolkitPreset(f *testing.F) {
	f.Add([]byte(`{"changes": {"quoting": {"min_interval_ms": {"op": "add", "value": 15}}}}`))
	f.Add([]byte(`{"changes": {"impact": {"impact_cap_ratio": {"op": "mul", "value": 0.95}}, "taker_rescue": {"x": {"op": "add", "value": 1}}}}`))
	f.Add([]byte(`{"changes": {"engine": {"concurrency_limit": {"op": "mul", "value": 1e308}}}}`))
	f.Add([]byte(`{"changes": null}`))
	f.Add([]byte("\xef\xbb\xbf{\"changes\": {}}"))
	bounds := Profiles()[DefaultProfile]
	f.Fuzz(func(t *testing.T, data []byte) {
		params, _, err := decodeToolkitPreset("p.json", data)
		if err != nil {
			if params != nil || !strings.HasPrefix(err.Error(), "p.json") {
				t.Fatalf("error %v with params %v", err, params)
			}
			return
		}
		if len(params) != len(bounds) {
			t.Fatalf("%d params, want %d", len(params), len(bounds))
		}
		for k, v := range params {
			b, ok := tuner.DefaultBounds()[k]
			if !ok || v < b.Min || v > b.Max {
				t.Fatalf("%s = %v outside its bounds", k, v)
			}
		}
	})
}
