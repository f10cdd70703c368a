package soakreports

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/urfave/cli/v2"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/policy"
)

// parseArgs binds args (and env) as Run does and returns the options.
func parseArgs(t *testing.T, env map[string]string, args ...string) (Options, error) {
	t.Helper()
	var errb bytes.Buffer
	stdio := cliutil.Stdio{In: strings.NewReader(""), Out: &bytes.Buffer{}, Err: &errb, Getenv: func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}}
	var opts Options
	app := cliutil.NewApp(name, "", usageText, description, stdio)
	app.Flags = flags()
	app.Action = func(c *cli.Context) error {
		var err error
		opts, err = parseOptions(c, stdio)
		return err
	}
	err := cliutil.Run(context.Background(), app, args)
	return opts, err
}

// TestParseOptions: the judging flags are soak-gate's, USE_MOCK=1 is
// --mock as the gate reads it, and every judging flag given is listed.
func TestParseOptions(t *testing.T) {
	auto := &policy.Warmup{Auto: true}
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		want    Options
		wantErr string
	}{
		{name: "plain", args: []string{"s", "--out", "o"},
			want: Options{Src: "s", Out: "o"}},
		{name: "gate flags", args: []string{"s", "--out", "o", "--policy", "p.yaml", "--strict", "--last-n", "6", "--warmup", "auto"},
			want: Options{Src: "s", Out: "o", PolicyFile: "p.yaml", Strict: true, LastN: 6, Warmup: auto, Judging: []string{"--policy", "--strict", "--last-n", "--warmup"}}},
		{name: "USE_MOCK", env: map[string]string{"USE_MOCK": "1"}, args: []string{"s", "--out", "o"},
			want: Options{Src: "s", Out: "o", Mock: true, Judging: []string{"USE_MOCK=1"}}},
		{name: "USE_MOCK=false", env: map[string]string{"USE_MOCK": "false"}, args: []string{"s", "--out", "o"},
			want: Options{Src: "s", Out: "o"}},
		{name: "USE_MOCK under --policy", env: map[string]string{"USE_MOCK": "1"}, args: []string{"s", "--out", "o", "--policy", "p.yaml"},
			want: Options{Src: "s", Out: "o", PolicyFile: "p.yaml", Judging: []string{"--policy"}}},
		{name: "USE_MOCK with --verdict", env: map[string]string{"USE_MOCK": "1"}, args: []string{"s", "--out", "o", "--verdict", "v.json"},
			want: Options{Src: "s", Out: "o", Verdict: "v.json"}},
		{name: "SOURCE_DATE_EPOCH and --now", env: map[string]string{"SOURCE_DATE_EPOCH": "1767225600"}, args: []string{"s", "--out", "o", "--now", "2026-02-03T04:05:06Z"},
			want: Options{Src: "s", Out: "o", Now: "2026-02-03T04:05:06Z", GeneratedAt: "2026-01-01T00:00:00Z"}},
		{name: "verdict and warmup", args: []string{"s", "--out", "o", "--verdict", "v.json", "--warmup", "2"}, wantErr: "--warmup would judge again"},
		{name: "bad warmup", args: []string{"s", "--out", "o", "--warmup", "soon"}, wantErr: `--warmup: want a non-negative integer or "auto", got "soon"`},
		{name: "policy and mock", args: []string{"s", "--out", "o", "--policy", "p.yaml", "--mock"}, wantErr: "--policy and --mock both choose the policy"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseArgs(t, tc.env, tc.args...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || cliutil.ExitCode(err) != cliutil.ExitUsage {
					t.Fatalf("error %v, want a usage error saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPrintable: values from input reach stderr on one line, without
// control sequences, and bounded.
func TestPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"reports out/analysis", "reports out/analysis"},
		{"a\nb\rc\td", "a b c d"},
		{"x\x1b]8;;http://evil\x07y", "xy"},
		{"\x1b[31mred\x1b[0m", "red"},
	}
	for _, tc := range tests {
		if got := printable(tc.in); got != tc.want {
			t.Errorf("printable(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	long := printable(strings.Repeat("é", 400))
	if len(long) > 303 || !strings.HasSuffix(long, "...") || !utf8.ValidString(long) {
		t.Errorf("printable of 800 bytes: %d bytes, %q...", len(long), long[:20])
	}
}
