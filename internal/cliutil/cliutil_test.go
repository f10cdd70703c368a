package cliutil

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/soakline/soakline/pkg/fileerr"
	"github.com/urfave/cli/v2"
)

func TestExitCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, ExitOK},
		{"usage", Usagef("bad flag %s", "--x"), ExitUsage},
		{"no", No("verdict FAIL"), ExitNo},
		{"inconclusive", Inconclusive("3 of 8 iterations"), ExitInconclusive},
		{"wrapped no", fmt.Errorf("gate: %w", No("FAIL")), ExitNo},
		{"doubly wrapped inconclusive", fmt.Errorf("a: %w", fmt.Errorf("b: %w", Inconclusive("x"))), ExitInconclusive},
		{"joined usage", errors.Join(errors.New("x"), Usagef("y")), ExitUsage},
		{"interrupted", ErrInterrupted, ExitInterrupted},
		{"wrapped interrupted", fmt.Errorf("%w: writing ITER_SUMMARY_3.json", ErrInterrupted), ExitInterrupted},
		{"context canceled", context.Canceled, ExitInterrupted},
		{"wrapped context canceled", fmt.Errorf("iteration 4: %w", context.Canceled), ExitInterrupted},
		{"interrupted wins over no", fmt.Errorf("%w: %w", ErrInterrupted, No("FAIL")), ExitInterrupted},
		{"artifact error", fileerr.Errorf("ITER_SUMMARY_7.json", 3, "invalid JSON"), ExitUsage},
		{"wrapped artifact error", fmt.Errorf("loading: %w", fileerr.Errorf("f", 0, "x")), ExitUsage},
		{"path error", &fs.PathError{Op: "open", Path: "x", Err: fs.ErrNotExist}, ExitUsage},
		{"deadline is an input or environment error", context.DeadlineExceeded, ExitUsage},
		{"plain error", errors.New("disk full"), ExitUsage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ExitCode(tc.err); got != tc.want {
				t.Errorf("ExitCode(%v) = %d, want %d", tc.err, got, tc.want)
			}
		})
	}
}

func TestMessage(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"input error", fileerr.Errorf("artifacts/soak/latest/ITER_SUMMARY_7.json", 3, "invalid JSON: invalid character ','"),
			"soak-gate: error: artifacts/soak/latest/ITER_SUMMARY_7.json: line 3: invalid JSON: invalid character ','"},
		{"usage", Usagef("want at most one soak path"), "soak-gate: error: want at most one soak path"},
		{"no is not an error", No("FAIL: p95_latency_ms mean 420 > 340"), "soak-gate: FAIL: p95_latency_ms mean 420 > 340"},
		{"inconclusive", fmt.Errorf("judging: %w", Inconclusive("INCONCLUSIVE: 3 of 8 iterations")), "soak-gate: judging: INCONCLUSIVE: 3 of 8 iterations"},
		{"interrupted", fmt.Errorf("%w: x", ErrInterrupted), "soak-gate: interrupted"},
		{"canceled", context.Canceled, "soak-gate: interrupted"},
		{"trailing newline trimmed", errors.New("disk full\n"), "soak-gate: error: disk full"},
		// Issue 18 item 5: input quoted in an error cannot add a line or
		// send escape sequences (colour, an OSC title or hyperlink).
		{"escape sequences removed", No("verdict FAIL (\x1b[32mall good\x1b[0m\x1b]0;pwned\x07)"), "soak-gate: verdict FAIL (all good)"},
		{"one line", errors.New("SNAP.json: reason \"x\nsoak-gate: PASS\r\""), "soak-gate: error: SNAP.json: reason \"x soak-gate: PASS \""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Message("soak-gate", tc.err)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestReport(t *testing.T) {
	var buf bytes.Buffer
	if code := Report("soak-run", &buf, nil); code != 0 || buf.Len() != 0 {
		t.Errorf("nil: code %d, printed %q", code, buf.String())
	}
	buf.Reset()
	if code := Report("soak-run", &buf, Usagef("flag provided but not defined: -bogus")); code != ExitUsage {
		t.Errorf("usage: code %d", code)
	}
	want := "soak-run: error: flag provided but not defined: -bogus\nrun 'soak-run --help' for usage\n"
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	buf.Reset()
	if code := Report("release-bundle", &buf, No("bundle incomplete: CHANGELOG.md missing")); code != ExitNo {
		t.Errorf("no: code %d", code)
	}
	if diff := cmp.Diff("release-bundle: bundle incomplete: CHANGELOG.md missing\n", buf.String()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestStdioEnv(t *testing.T) {
	s := Stdio{Getenv: func(k string) (string, bool) { return map[string]string{"A": "1"}[k], k == "A" }}
	if s.Env("A") != "1" || s.Env("B") != "" {
		t.Error("Env does not use Getenv")
	}
	if _, ok := s.LookupEnv("B"); ok {
		t.Error("LookupEnv(B) found")
	}
	t.Setenv("SOAKLINE_TEST_ENV", "x")
	if (Stdio{}).Env("SOAKLINE_TEST_ENV") != "x" {
		t.Error("nil Getenv does not read the environment")
	}
	if InputName("-") != "<stdin>" || InputName("a") != "a" {
		t.Error("InputName")
	}
	if Version() == "" {
		t.Error("empty version")
	}
}

func testFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "strict"},
		&cli.BoolFlag{Name: "mock"},
		&cli.StringFlag{Name: "out", Aliases: []string{"o"}},
		&cli.IntFlag{Name: "last-n"},
		&cli.StringSliceFlag{Name: "reports"},
	}
}

func testCommands() []*cli.Command {
	return []*cli.Command{
		{Name: "verify", Aliases: []string{"v"}, Flags: []cli.Flag{&cli.StringFlag{Name: "bundle"}, &cli.BoolFlag{Name: "quiet"}},
			Subcommands: []*cli.Command{{Name: "deep", Flags: []cli.Flag{&cli.IntFlag{Name: "depth"}}}}},
	}
}

func TestPermute(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"nothing", nil, nil},
		{"flags only", []string{"--strict", "--out", "x"}, []string{"--strict", "--out", "x"}},
		{"flags after a positional", []string{"DIR", "--strict"}, []string{"--strict", "--", "DIR"}},
		{"value flag after a positional", []string{"DIR", "--out", "o", "--last-n", "8"}, []string{"--out", "o", "--last-n", "8", "--", "DIR"}},
		{"value with =", []string{"DIR", "--out=o"}, []string{"--out=o", "--", "DIR"}},
		{"single dash and alias", []string{"DIR", "-o", "x", "-strict"}, []string{"-o", "x", "-strict", "--", "DIR"}},
		{"stdin is a positional", []string{"-", "--strict"}, []string{"--strict", "--", "-"}},
		{"stdin as a flag value", []string{"--out", "-", "DIR"}, []string{"--out", "-", "--", "DIR"}},
		{"negative value", []string{"--last-n", "-3", "DIR"}, []string{"--last-n", "-3", "--", "DIR"}},
		{"bool flag does not take the next argument", []string{"--strict", "DIR"}, []string{"--strict", "--", "DIR"}},
		{"bool with =false", []string{"DIR", "--strict=false"}, []string{"--strict=false", "--", "DIR"}},
		{"slice flag repeated", []string{"A", "--reports", "r1", "--reports", "r2"}, []string{"--reports", "r1", "--reports", "r2", "--", "A"}},
		{"double dash keeps the rest positional", []string{"--mock", "--", "./bot", "--flag", "-"}, []string{"--mock", "--", "./bot", "--flag", "-"}},
		{"double dash after a positional", []string{"A", "--strict", "--", "--not-a-flag"}, []string{"--strict", "--", "A", "--not-a-flag"}},
		{"lone double dash", []string{"--strict", "--"}, []string{"--strict"}},
		{"a value that looks like the double dash", []string{"--out", "--", "A"}, []string{"--out", "--", "--", "A"}},
		{"unknown flag stays a flag", []string{"A", "--bogus"}, []string{"--bogus", "--", "A"}},
		{"help after a positional", []string{"A", "--help"}, []string{"--help"}},
		{"short help after a positional", []string{"A", "-h", "--strict"}, []string{"-h", "--strict"}},
		{"subcommand help after a positional", []string{"verify", "B", "--help"}, []string{"verify", "--help"}},
		{"--help after -- is a positional", []string{"--", "--help"}, []string{"--", "--help"}},
		{"subcommand with its flags after a positional", []string{"--mock", "verify", "B", "--bundle", "x", "--quiet"}, []string{"--mock", "verify", "--bundle", "x", "--quiet", "--", "B"}},
		{"subcommand alias", []string{"v", "B", "--quiet"}, []string{"v", "--quiet", "--", "B"}},
		{"nested subcommand", []string{"verify", "deep", "X", "--depth", "2"}, []string{"verify", "deep", "--depth", "2", "--", "X"}},
		{"command name after a positional is a positional", []string{"A", "verify"}, []string{"--", "A", "verify"}},
		{"command name as a flag value", []string{"--out", "verify", "A"}, []string{"--out", "verify", "--", "A"}},
		// A value flag with nothing after it must stay last so that the
		// flag package reports "flag needs an argument" instead of taking
		// the "--" permute adds as its value.
		{"value flag missing its value", []string{"DIR", "--out"}, []string{"--out"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := permute(tc.args, testFlags(), testCommands())
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("permute(%q) (-want +got):\n%s", tc.args, diff)
			}
		})
	}
}

type runResult struct {
	Out, Path, Sub string
	Strict         bool
	Args           []string
}

func runTestApp(t *testing.T, args ...string) (runResult, string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	var got runResult
	app := NewApp("soak-test", "test the plumbing", "soak-test [flags] PATH", "A test app.", Stdio{In: strings.NewReader(""), Out: &stdout, Err: &stderr})
	app.Flags = testFlags()
	app.Action = func(c *cli.Context) error {
		p, err := OneArg(c, "soak path", "artifacts/soak/latest")
		got = runResult{Out: c.String("out"), Strict: c.Bool("strict"), Path: p, Args: c.Args().Slice()}
		return err
	}
	app.Commands = []*cli.Command{{
		Name: "verify", Flags: []cli.Flag{&cli.StringFlag{Name: "bundle"}},
		Action: func(c *cli.Context) error {
			got = runResult{Sub: "verify", Out: c.String("bundle"), Args: c.Args().Slice()}
			return nil
		},
	}}
	err := Run(context.Background(), app, args)
	return got, stdout.String(), stderr.String(), err
}

func TestRun(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		want     runResult
		wantCode int
		wantErr  string
	}{
		{name: "default path", want: runResult{Path: "artifacts/soak/latest"}},
		{name: "flags after the path", args: []string{"DIR", "--strict", "--out", "o"}, want: runResult{Path: "DIR", Strict: true, Out: "o", Args: []string{"DIR"}}},
		{name: "stdin", args: []string{"-", "--strict"}, want: runResult{Path: "-", Strict: true, Args: []string{"-"}}},
		{name: "path starting with a dash after --", args: []string{"--", "-weird dir"}, want: runResult{Path: "-weird dir", Args: []string{"-weird dir"}}},
		{name: "subcommand", args: []string{"verify", "B", "--bundle", "x"}, want: runResult{Sub: "verify", Out: "x", Args: []string{"B"}}},
		{name: "two paths", args: []string{"A", "B"}, wantCode: ExitUsage, wantErr: "want at most one soak path, got 2 arguments: A B",
			want: runResult{Args: []string{"A", "B"}}},
		{name: "unknown flag", args: []string{"DIR", "--bogus"}, wantCode: ExitUsage, wantErr: "flag provided but not defined: -bogus"},
		{name: "bad int", args: []string{"--last-n", "many"}, wantCode: ExitUsage, wantErr: `invalid value "many" for flag -last-n: parse error`},
		{name: "missing value", args: []string{"DIR", "--out"}, wantCode: ExitUsage, wantErr: "flag needs an argument: -out"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _, stderr, err := runTestApp(t, tc.args...)
			if code := ExitCode(err); code != tc.wantCode {
				t.Fatalf("exit %d (%v), want %d", code, err, tc.wantCode)
			}
			if tc.wantErr != "" {
				if diff := cmp.Diff(tc.wantErr, err.Error()); diff != "" {
					t.Errorf("error (-want +got):\n%s", diff)
				}
				if stderr != "" {
					t.Errorf("the library printed to stderr: %q", stderr)
				}
				return
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestRunHelpAndVersion(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"DIR", "-h"}} {
		_, stdout, stderr, err := runTestApp(t, args...)
		if err != nil || stderr != "" {
			t.Errorf("%q: err %v, stderr %q", args, err, stderr)
		}
		if !strings.Contains(stdout, "EXIT STATUS:") || !strings.Contains(stdout, "soak-test [flags] PATH") {
			t.Errorf("%q: help lacks usage or EXIT STATUS:\n%s", args, stdout)
		}
	}
	_, stdout, _, err := runTestApp(t, "verify", "B", "--help")
	if err != nil || !strings.Contains(stdout, "EXIT STATUS:") {
		t.Errorf("command help: %v\n%s", err, stdout)
	}
	_, stdout, _, err = runTestApp(t, "--version")
	if err != nil || !strings.Contains(stdout, Version()) {
		t.Errorf("version: %v %q", err, stdout)
	}
}
