package cliutil

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/soakline/soakline"

// TestImportsPointOneWay checks the layout's rules with go list: no
// stage (internal/cli/*) depends on another stage, nothing but a stage
// or a main (cmd/*) depends on cliutil (only a stage chooses an exit
// code), and the renderer does not depend on the tuner (it renders the
// tuner's tables as data).
func TestImportsPointOneWay(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	cmd := exec.Command(gobin, "list", "-f", "{{.ImportPath}} {{join .Deps \" \"}}", "./...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	stage := func(p string) bool { return strings.HasPrefix(p, module+"/internal/cli/") }
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, deps := fields[0], fields[1:]
		checked++
		for _, d := range deps {
			switch {
			case stage(pkg) && stage(d) && !strings.HasPrefix(d, pkg+"/"):
				t.Errorf("stage %s depends on stage %s", pkg, d)
			case d == module+"/internal/cliutil" && !stage(pkg) && !strings.HasPrefix(pkg, module+"/cmd/"):
				t.Errorf("%s depends on cliutil: only a stage chooses exit codes", pkg)
			case pkg == module+"/internal/render" && d == module+"/internal/tuner":
				t.Errorf("render depends on the tuner")
			}
		}
	}
	if checked < 20 {
		t.Fatalf("go list gave %d packages: not the module", checked)
	}
}
