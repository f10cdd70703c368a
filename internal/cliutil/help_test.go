package cliutil

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/urfave/cli/v2"
)

// TestWithExamples: the examples are a section of their own right after
// USAGE, for an application and for a command, and a "{{" in them is
// printed, not executed.
func TestWithExamples(t *testing.T) {
	const examples = "tool a --x\ntool b '{{.Name}}'\n"
	const want = "USAGE:\n   tool [flags]\n\nEXAMPLES:\n   tool a --x\n   tool b '{{.Name}}'\n\n"
	tests := []struct {
		name string
		args []string
		cmd  bool
	}{
		{"app", []string{"tool", "--help"}, false},
		{"command", []string{"tool", "sub", "--help"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			stdio := Stdio{In: strings.NewReader(""), Out: &out, Err: &out}
			app := NewApp("tool", "does things", "tool [flags]", "Does things.", stdio)
			sub := &cli.Command{Name: "sub", UsageText: "tool [flags]", Description: "Does sub things.", Action: func(*cli.Context) error { return nil }}
			if tc.cmd {
				sub.CustomHelpTemplate = WithExamples(cli.CommandHelpTemplate+"\n"+ExitStatusHelp, examples)
			} else {
				app.CustomAppHelpTemplate = WithExamples(app.CustomAppHelpTemplate, examples)
			}
			app.Commands = []*cli.Command{sub}
			if err := app.RunContext(context.Background(), tc.args); err != nil {
				t.Fatal(err)
			}
			got := out.String()
			i := strings.Index(got, "USAGE:")
			if i < 0 {
				t.Fatalf("no USAGE in\n%s", got)
			}
			got = got[i:]
			if len(got) > len(want) {
				got = got[:len(want)]
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("help (-want +got):\n%s\nfull:\n%s", diff, out.String())
			}
		})
	}
}

func TestWithExamplesNoAnchor(t *testing.T) {
	if got := WithExamples("NAME:\n   x\n", "x --y"); got != "NAME:\n   x\n" {
		t.Errorf("changed a template without an anchor: %q", got)
	}
}
