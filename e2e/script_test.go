package e2e_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/soakline/soakline/examples/fakebot/bot"
	"github.com/soakline/soakline/internal/cli/releasebundle"
	"github.com/soakline/soakline/internal/cli/releasetag"
	"github.com/soakline/soakline/internal/cli/soakgate"
	"github.com/soakline/soakline/internal/cli/soakreports"
	"github.com/soakline/soakline/internal/cli/soakrun"
)

// TestMain makes the five binaries available to the scripts under their
// real names.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"soak-run":       func() { os.Exit(soakrun.Main()) },
		"soak-gate":      func() { os.Exit(soakgate.Main()) },
		"soak-reports":   func() { os.Exit(soakreports.Main()) },
		"release-bundle": func() { os.Exit(releasebundle.Main()) },
		"release-tag":    func() { os.Exit(releasetag.Main()) },
		"fakebot":        func() { os.Exit(bot.Main()) }, // examples/fakebot, for soak-run --exec
		"gen-bad":        func() { os.Exit(genBad()) },   // test inputs; genbad_test.go
	})
}

// TestScripts runs the end-to-end scripts in testdata/script. Each pins
// exit codes with "exits N cmd args...".
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       *update,
		Setup: func(env *testscript.Env) error {
			env.Setenv("SOURCE_DATE_EPOCH", "1767225600") // 2026-01-01T00:00:00Z
			if examples, err := filepath.Abs(repoFile("examples")); err == nil {
				env.Setenv("EXAMPLES", examples) // contract_python.txtar runs examples/python
			}
			env.Setenv("GIT_CONFIG_NOSYSTEM", "1")
			env.Setenv("GIT_AUTHOR_NAME", "soakline test")
			env.Setenv("GIT_AUTHOR_EMAIL", "test@example.com")
			env.Setenv("GIT_COMMITTER_NAME", "soakline test")
			env.Setenv("GIT_COMMITTER_EMAIL", "test@example.com")
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "promtool", "chromium", "git", "sha256sum", "jq":
				_, err := exec.LookPath(cond)
				return err == nil, nil
			}
			return false, errors.New("unknown condition " + cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits": cmdExits,
		},
	})
}

// cmdExits runs a command and requires its exact exit status:
// "exits 3 soak-gate dir". stdout and stderr are kept for the next
// stdout/stderr assertions.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! exits")
	}
	if len(args) < 2 {
		ts.Fatalf("usage: exits CODE command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: bad code %q", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exits: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Logf("stdout:\n%s", ts.ReadFile("stdout"))
		ts.Logf("stderr:\n%s", ts.ReadFile("stderr"))
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}
