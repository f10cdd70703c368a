package e2e_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// shells are programs that would interpret a command line: handing user
// data to one of them is how a value becomes code.
var shells = map[string]bool{
	"sh": true, "bash": true, "zsh": true, "dash": true, "ksh": true,
	"/bin/sh": true, "/bin/bash": true, "/usr/bin/env": true, "env": true,
	"cmd": true, "cmd.exe": true, "powershell": true, "powershell.exe": true, "pwsh": true,
}

// shellRunners are the test files that start bash on purpose: the scripts
// they run are the repository's own, under test, not user data.
var shellRunners = map[string]bool{
	"e2e/workflow_test.go":       true, // runs the workflow's run: steps as a GitHub runner does (bash -c)
	"e2e/scripts_parity_test.go": true, // runs scripts/run_mini_soak_24.sh
}

// TestNoShellInGoSources pins that no Go code of the module (tests
// included, this file and shellRunners aside) starts a shell: every exec.Command and
// exec.CommandContext names its program directly, and no argument is a
// shell's "-c" or "/c". User data (soak-run --exec's command, release-tag's
// tag name and messages) thus reaches the program as argv, never as text a
// shell parses.
func TestNoShellInGoSources(t *testing.T) {
	fset := token.NewFileSet()
	n := 0
	err := filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(repoRoot, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if name := d.Name(); rel != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || rel == "e2e/security_test.go" || shellRunners[rel] {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, rel, src, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		execName := importName(f, "os/exec")
		if execName == "" {
			return nil
		}
		ast.Inspect(f, func(node ast.Node) bool {
			call, ok := node.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); !ok || id.Name != execName {
				return true
			}
			var args []ast.Expr
			switch sel.Sel.Name {
			case "Command":
				args = call.Args
			case "CommandContext":
				if len(call.Args) > 0 {
					args = call.Args[1:]
				}
			default:
				return true
			}
			n++
			for i, a := range args {
				lit, ok := a.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				s, _ := strconv.Unquote(lit.Value)
				if i == 0 && shells[strings.ToLower(s)] {
					t.Errorf("%s: exec.%s starts the shell %q", fset.Position(call.Pos()), sel.Sel.Name, s)
				}
				if s == "-c" || strings.EqualFold(s, "/c") || strings.EqualFold(s, "-Command") {
					t.Errorf("%s: exec.%s passes %q: a command line for a shell", fset.Position(call.Pos()), sel.Sel.Name, s)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d exec.Command calls checked", n)
}

func importName(f *ast.File, path string) string {
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		if p != path {
			continue
		}
		if imp.Name != nil {
			return imp.Name.Name
		}
		return path[strings.LastIndex(path, "/")+1:]
	}
	return ""
}

// TestShellcheck runs shellcheck (the Debian package; .ci/run installs it,
// make check requires it) on every shell script of the repository at its
// default severity: unquoted expansions (word splitting, globbing), reads
// of words meant as lines, quoting that does not do what it seems. The
// PowerShell wrapper has its own checks in scripts_parity_test.go.
func TestShellcheck(t *testing.T) {
	sc, err := exec.LookPath("shellcheck")
	if err != nil {
		t.Skipf("shellcheck not found, shell scripts not checked (apt-get install shellcheck; .ci/run installs it): %v", err)
	}
	files := shellScripts(t)
	if len(files) == 0 {
		t.Fatal("no shell scripts found")
	}
	cmd := exec.Command(sc, append([]string{"--format=gcc", "--"}, files...)...)
	cmd.Dir = repoRoot // the paths are relative to the root, as make check passes them
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("shellcheck %s: %v\n%s", strings.Join(files, " "), err, out)
	}
	t.Logf("shellcheck: %d scripts: %s", len(files), strings.Join(files, " "))
}

// shellScripts lists the repository's shell scripts, relative to its root:
// *.sh, and files whose first line names sh or bash (.ci/run).
func shellScripts(t *testing.T) []string {
	t.Helper()
	shebang := regexp.MustCompile(`^#!\s*(/usr/bin/env\s+)?(/bin/|/usr/bin/)?(ba)?sh\b`)
	var files []string
	err := filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(repoRoot, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if rel != "." && (name == ".git" || name == "testdata" || name == "bin" || name == "node_modules" || name == "artifacts" || name == "release") {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if strings.HasSuffix(rel, ".sh") {
			files = append(files, rel)
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		head := make([]byte, 64)
		n, _ := f.Read(head)
		if shebang.Match(head[:n]) {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
