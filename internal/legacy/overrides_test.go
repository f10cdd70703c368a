package legacy

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/soakline/soakline/pkg/artifact"
)

func TestOverridesRoundTrip(t *testing.T) {
	o := artifact.Overrides{Params: map[string]float64{
		"tail_age_ms": 600, "min_interval_ms": 60, "base_spread_bps_delta": 0.05,
		"engine.concurrency_limit": 10, "engine.tail_age_ms": 30, "risk.impact_cap_ratio": -0.01,
		"tuner.limits.max_delta_per_hour": 1e-7, "replace_rate_per_min": 300,
	}}
	want := `{
  "schema_version": 1,
  "kind": "runtime_overrides",
  "base_spread_bps_delta": 0.05,
  "engine": {
    "concurrency_limit": 10,
    "tail_age_ms": 30
  },
  "min_interval_ms": 60,
  "replace_rate_per_min": 300,
  "risk": {
    "impact_cap_ratio": -0.01
  },
  "tail_age_ms": 600,
  "tuner": {
    "limits": {
      "max_delta_per_hour": 0.0000001
    }
  }
}
`
	got, err := artifact.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("encoding (-want +got):\n%s", diff)
	}
	// Deterministic: map order never shows.
	for range 20 {
		again, err := artifact.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		if string(again) != string(got) {
			t.Fatalf("second encoding differs:\n%s", again)
		}
	}
	back, err := Overrides("runtime_overrides.json", got)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&o, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"base_spread_bps_delta", "engine.concurrency_limit", "engine.tail_age_ms", "min_interval_ms", "replace_rate_per_min", "risk.impact_cap_ratio", "tail_age_ms", "tuner.limits.max_delta_per_hour"}, slices.Sorted(maps.Keys(back.Params))); diff != "" {
		t.Errorf("Keys (-want +got):\n%s", diff)
	}
	empty, err := artifact.Marshal(artifact.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("{\n  \"schema_version\": 1,\n  \"kind\": \"runtime_overrides\"\n}\n", string(empty)); diff != "" {
		t.Errorf("empty (-want +got):\n%s", diff)
	}
}

func TestOverridesEncodeErrors(t *testing.T) {
	nan := 0.0
	nan /= nan
	tests := []struct {
		name   string
		params map[string]float64
		want   string
	}{
		{"value and section", map[string]float64{"engine": 1, "engine.tail_age_ms": 30}, "engine"},
		{"reserved kind", map[string]float64{"kind": 1}, `override key "kind" is reserved`},
		{"reserved schema_version", map[string]float64{"schema_version": 1}, `override key "schema_version" is reserved`},
		{"reserved in another case", map[string]float64{"KIND": 1}, `override key "KIND" is reserved`},
		{"NaN", map[string]float64{"x": nan}, "override x: non-finite value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := artifact.Marshal(artifact.Overrides{Params: tc.params})
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestOverrides(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    *artifact.Overrides
		wantErr string
	}{
		{
			// §2.3: the final file of a 3-iteration mock run, with the
			// apply pipeline's raw deltas in nested sections.
			name: "legacy corrupted nested sections",
			in: `{"base_spread_bps_delta":0.05,"engine":{"min_interval_ms":5,"tail_age_ms":30},
 "impact_cap_ratio":0.1,"max_delta_ratio":0.15,"min_interval_ms":60,"replace_rate_per_min":300,
 "risk":{"base_spread_bps_delta":0.020000000000000004,"impact_cap_ratio":-0.009999999999999995,
 "max_delta_ratio":-0.010000000000000009},"tail_age_ms":600}`,
			want: &artifact.Overrides{Legacy: true, Params: map[string]float64{
				"base_spread_bps_delta": 0.05, "engine.min_interval_ms": 5, "engine.tail_age_ms": 30,
				"impact_cap_ratio": 0.1, "max_delta_ratio": 0.15, "min_interval_ms": 60, "replace_rate_per_min": 300,
				"risk.base_spread_bps_delta": 0.020000000000000004, "risk.impact_cap_ratio": -0.009999999999999995,
				"risk.max_delta_ratio": -0.010000000000000009, "tail_age_ms": 600,
			}},
		},
		{
			name: "legacy pretty with BOM, CRLF and junk values",
			in:   "\uFEFF{\r\n  \"min_interval_ms\": 65,\r\n  \"note\": \"hand edited\",\r\n  \"presets\": [1, 2],\r\n  \"quoting\": {\"on\": true, \"x\": NaN},\r\n  \"y\": null\r\n}\r\n",
			want: &artifact.Overrides{Legacy: true, Params: map[string]float64{"min_interval_ms": 65},
				Ignored: []string{"note", "presets", "quoting.on", "quoting.x", "y"}},
		},
		{name: "legacy empty", in: `{}`, want: &artifact.Overrides{Legacy: true, Params: map[string]float64{}}},
		{
			name:    "ours with a string value",
			in:      "{\"schema_version\": 1, \"kind\": \"runtime_overrides\",\n\"engine\": {\n\"tail_age_ms\": \"30\"}}",
			wantErr: `runtime_overrides.json: line 3: engine.tail_age_ms: want a number, got string "30"`,
		},
		{
			name:    "ours with null",
			in:      "{\"schema_version\": 1, \"kind\": \"runtime_overrides\",\n\"x\": null}",
			wantErr: `runtime_overrides.json: line 2: x: want a number, got null`,
		},
		{
			name:    "ours future version",
			in:      `{"schema_version": 3, "kind": "runtime_overrides"}`,
			wantErr: `runtime_overrides.json: line 1: runtime_overrides: unsupported schema_version 3 (this soakline reads up to 1)`,
		},
		{
			name:    "a list",
			in:      `[1]`,
			wantErr: `runtime_overrides.json: line 1: want a JSON object, got an array`,
		},
		{
			name:    "ambiguous dotted key",
			in:      `{"engine.tail_age_ms": 1, "engine": {"tail_age_ms": 2}}`,
			wantErr: `runtime_overrides.json: line 1: engine.tail_age_ms: given twice (as a dotted key and inside a section)`,
		},
		{
			name:    "ours with a dotted key",
			in:      "{\"schema_version\": 1, \"kind\": \"runtime_overrides\",\n\"engine\": {\"tail_age_ms\": 1}, \"engine.x\": 2}",
			wantErr: `runtime_overrides.json: line 2: "engine.x": a key of runtime_overrides cannot contain "."; nest it in a section`,
		},
		{
			name: "legacy envelope keys without a kind are ignored",
			in:   `{"schema_version": 1, "kind": null, "min_interval_ms": 60}`,
			want: &artifact.Overrides{Legacy: true, Params: map[string]float64{"min_interval_ms": 60}, Ignored: []string{"kind", "schema_version"}},
		},
		{
			// Found by FuzzDecodeOverrides: encoding/json reads
			// "sChemA_version" as the envelope's schema_version, so as a
			// parameter it was written back as a broken envelope.
			name: "legacy envelope key in another case",
			in:   `{"sChemA_version": 0, "min_interval_ms": 60}`,
			want: &artifact.Overrides{Legacy: true, Params: map[string]float64{"min_interval_ms": 60}, Ignored: []string{"sChemA_version"}},
		},
		{
			// Member names match exactly: "Schema_Version" is no envelope
			// and no parameter either (it could not be written back).
			name:    "ours with an envelope key in another case",
			in:      `{"schema_version": 1, "kind": "runtime_overrides", "Schema_Version": 1, "x": 2}`,
			wantErr: `runtime_overrides.json: line 1: "Schema_Version": reserved key`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Overrides("runtime_overrides.json", []byte(tc.in))
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("got %+v, want error %q", got, tc.wantErr)
				}
				if diff := cmp.Diff(tc.wantErr, err.Error()); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
