package soakline_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
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

// TestNoShellInGoSources pins that no Go code of the module (tests
// included, this file aside) starts a shell: every exec.Command and
// exec.CommandContext names its program directly, and no argument is a
// shell's "-c" or "/c". User data (soak-run --exec's command, release-tag's
// tag name and messages) thus reaches the program as argv, never as text a
// shell parses.
func TestNoShellInGoSources(t *testing.T) {
	fset := token.NewFileSet()
	n := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || path == "security_test.go" {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
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

// TestScriptsDoNotReparse pins that the wrapper scripts keep values as
// values: no eval, no "sh -c"/"bash -c", and in the bash scripts no
// unquoted parameter expansion or command substitution outside an
// assignment or arithmetic (word splitting and globbing would turn a path
// with a space, or a value with a '*', into other arguments). Argument
// lists are built as arrays and expanded as "${arr[@]}". The PowerShell
// scripts call binaries with the call operator and an argument array, never
// Invoke-Expression.
func TestScriptsDoNotReparse(t *testing.T) {
	forbidden := regexp.MustCompile(`(^|[\s;|&(])(eval|source)\s|\b(ba)?sh\s+-c\b|Invoke-Expression|\biex\b|cmd(\.exe)?\s+/c`)
	files, _ := filepath.Glob("scripts/*")
	if len(files) == 0 {
		t.Skip("no scripts")
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		bash := strings.HasSuffix(file, ".sh") || strings.HasPrefix(string(data), "#!/usr/bin/env bash") || strings.HasPrefix(string(data), "#!/bin/bash") || strings.HasPrefix(string(data), "#!/bin/sh")
		ps := strings.HasSuffix(file, ".ps1")
		if !bash && !ps {
			continue
		}
		for i, line := range strings.Split(string(data), "\n") {
			code := stripComment(line)
			if forbidden.MatchString(code) {
				t.Errorf("%s:%d: re-parses a value as code: %s", file, i+1, strings.TrimSpace(line))
			}
			if bash {
				for _, bad := range unquotedExpansions(code) {
					t.Errorf("%s:%d: unquoted expansion %s (word splitting, globbing): %s", file, i+1, bad, strings.TrimSpace(line))
				}
			}
		}
	}
}

func stripComment(line string) string {
	s := strings.TrimSpace(line)
	if strings.HasPrefix(s, "#") {
		return ""
	}
	return line
}

// forList is "for x in WORDS": splitting the words is the point there (the
// scripts iterate over tool output such as go list, not over user data).
var forList = regexp.MustCompile(`^\s*for\s+[A-Za-z_][A-Za-z0-9_]*\s+in\s`)

var assignment = regexp.MustCompile(`^\s*(local\s+|export\s+|readonly\s+)?[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=`)

// unquotedExpansions returns the $-expansions of a bash line that are
// subject to word splitting: outside double quotes, not in an assignment's
// value, not in arithmetic, not a special parameter that cannot split.
func unquotedExpansions(line string) []string {
	if forList.MatchString(line) {
		return nil
	}
	if assignment.MatchString(line) && !strings.ContainsAny(strings.SplitN(line, "=", 2)[1], " \t") {
		return nil
	}
	var bad []string
	type ctx struct {
		dquote bool // inside "..."
		depth  int  // parentheses opened by this $( context
	}
	stack := []ctx{{}}
	for i := 0; i < len(line); i++ {
		c := line[i]
		top := &stack[len(stack)-1]
		switch {
		case c == '\\':
			i++
		case c == '\'' && !top.dquote:
			if j := strings.IndexByte(line[i+1:], '\''); j >= 0 {
				i += j + 1
			} else {
				i = len(line)
			}
		case c == '"':
			top.dquote = !top.dquote
		case c == '$' && i+1 < len(line):
			next := line[i+1]
			switch {
			case strings.HasPrefix(line[i:], "$(("):
				// Arithmetic: skip to the closing "))".
				if j := strings.Index(line[i:], "))"); j >= 0 {
					i += j + 1
				}
			case next == '(':
				if !top.dquote && !inAssignmentValue(line, i) {
					bad = append(bad, "$(...)")
				}
				stack = append(stack, ctx{})
				i++
			case next == '?' || next == '#' || next == '$' || next == '!':
				i++
			case !top.dquote && (next == '{' || next == '@' || next == '*' || next == '_' || next >= 'a' && next <= 'z' || next >= 'A' && next <= 'Z' || next >= '0' && next <= '9'):
				if inAssignmentValue(line, i) || inTest(line, i) {
					continue
				}
				end := i + 2
				if next == '{' {
					if j := strings.IndexByte(line[i:], '}'); j >= 0 {
						end = i + j + 1
					}
				} else {
					for end < len(line) && (line[end] == '_' || line[end] >= 'a' && line[end] <= 'z' || line[end] >= 'A' && line[end] <= 'Z' || line[end] >= '0' && line[end] <= '9') {
						end++
					}
				}
				bad = append(bad, line[i:end])
			}
		case c == '(' && !top.dquote && len(stack) > 1:
			top.depth++
		case c == ')' && !top.dquote && len(stack) > 1:
			if top.depth == 0 {
				stack = stack[:len(stack)-1]
			} else {
				top.depth--
			}
		}
	}
	return bad
}

// inAssignmentValue reports whether offset i of line lies in the value of a
// simple assignment word (x=$y), where bash does not split words.
func inAssignmentValue(line string, i int) bool {
	start := strings.LastIndexAny(line[:i], " \t;&|") + 1
	return assignment.MatchString(line[start:i+1]) || regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`).MatchString(line[start:])
}

// inTest reports whether offset i lies inside [[ ... ]], where bash does
// not split words either.
func inTest(line string, i int) bool {
	open := strings.LastIndex(line[:i], "[[")
	return open >= 0 && !strings.Contains(line[open:i], "]]")
}

func TestUnquotedExpansions(t *testing.T) {
	for _, tc := range []struct {
		line string
		want int
	}{
		{`soak-run --out $out`, 1},
		{`soak-run --out "$out" ${extra}`, 1},
		{`x=$(cd "$(dirname "$0")/.." && pwd)`, 0},
		{`out=${SOAK_OUT:-artifacts/soak/latest}`, 0},
		{`step soak "$(bin soak-run)" --out "$out"`, 0},
		{`"$@"`, 0},
		{`echo "  verdict  $(sed -n 's/x/y/p' "$reports/S.json" | head -1)" >&2`, 0},
		{`echo $(date)`, 1},
		{`if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=$rc; fi`, 0},
		{`rm -rf $dir/*`, 1},
		{`printf '%s $x\n' "$a"`, 0},
		{`for p in $(go list ./...); do`, 0},
	} {
		if got := unquotedExpansions(tc.line); len(got) != tc.want {
			t.Errorf("unquotedExpansions(%q) = %q, want %d", tc.line, got, tc.want)
		}
	}
}
