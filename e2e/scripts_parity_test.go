package e2e_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The mini-soak wrapper exists twice, scripts/run_mini_soak_24.sh for bash
// and scripts/run_mini_soak_24.ps1 for PowerShell, and PowerShell is not
// available where the tests run. These tests read both scripts into the
// same shape — the steps in order with their binaries, arguments and
// guards, what clean removes, the environment defaults, the exit-status
// table and codes, the summary — and require the shapes to be equal; then
// they pin the PowerShell pitfalls that would break it on a real Windows
// machine.

const (
	bashWrapper = "scripts/run_mini_soak_24.sh"
	psWrapper   = "scripts/run_mini_soak_24.ps1"
)

// wrapperShape is what the two wrappers must agree on.
type wrapperShape struct {
	Binaries    []string          // looked up before any step runs
	MissingMsg  string            // the line printed for a missing binary
	MissingExit string            // its exit code
	ExitTable   []string          // the header's "Exit status:" table
	EnvDefaults map[string]string // variable = ENV:default
	Reports     string            // the reports directory
	Clean       []string          // what step 1 removes
	Results     []string          // every result recorded, in order: a step's name, or name and code
	Steps       []wrapperStep
	SkipMsg     string   // the tag step's message when there is no commit
	Summary     []string // the summary's lines, formats normalised
	FinalExit   string   // the variable the script exits with
}

type wrapperStep struct {
	Name   string
	Binary string
	Args   []string // variables as $name, literals as they are
	Guard  []string // enclosing conditions, innermost first, normalised
}

// readLines reads a file of the repository, named relative to its root.
func readLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(repoFile(path))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
}

// exitTable returns the header comment lines from "Exit status:" to the
// next empty comment line, without their comment markers.
func exitTable(lines []string) []string {
	var table []string
	in := false
	for _, l := range lines {
		if !strings.HasPrefix(l, "#") {
			if in {
				break
			}
			continue
		}
		text := strings.TrimSpace(strings.TrimPrefix(l, "#"))
		if text == "Exit status:" {
			in = true
			continue
		}
		if in {
			if text == "" {
				break
			}
			table = append(table, text)
		}
	}
	return table
}

func indent(l string) int { return len(l) - len(strings.TrimLeft(l, " \t")) }

// guards returns the conditions of the if statements enclosing line i,
// innermost first, each passed through norm. A step in an else branch is
// refused: its condition would be the negation, which the tests do not
// model.
func guards(t *testing.T, file string, lines []string, i int, ifLine *regexp.Regexp, norm func(string) string) []string {
	var gs []string
	cur := indent(lines[i])
	for j := i - 1; j >= 0 && cur > 0; j-- {
		l := lines[j]
		if strings.TrimSpace(l) == "" || strings.HasPrefix(strings.TrimSpace(l), "#") || indent(l) >= cur {
			continue
		}
		cur = indent(l)
		if m := ifLine.FindStringSubmatch(l); m != nil {
			gs = append(gs, norm(m[1]))
			continue
		}
		t.Errorf("%s:%d: the step at line %d is inside %q, which the test cannot read as a guard", file, j+1, i+1, strings.TrimSpace(l))
	}
	return gs
}

// normCond writes a condition of either language the same way:
// "gate==0 or gate==1", "failed==0", "git-head".
func normCond(c string) string {
	c = strings.NewReplacer(`"`, "", "[ ", "", " ]", "", "(", "", ")", "").Replace(c)
	c = regexp.MustCompile(`\$(\w+)\s+-eq\s+(\d+)`).ReplaceAllString(c, "$1==$2")
	c = regexp.MustCompile(`\$(\w+)\s+-ne\s+(\d+)`).ReplaceAllString(c, "$1!=$2")
	c = regexp.MustCompile(`\s*(\|\||-or)\s*`).ReplaceAllString(c, " or ")
	c = regexp.MustCompile(`\s*(&&|-and)\s*`).ReplaceAllString(c, " and ")
	c = regexp.MustCompile(`^git rev-parse --verify -q HEAD >/dev/null 2>&1$|^Test-GitHead$`).ReplaceAllString(strings.TrimSpace(c), "git-head")
	return c
}

// words splits a bash argument list on blanks outside double quotes and
// drops the quotes.
func words(s string) []string {
	var out []string
	var cur strings.Builder
	quoted, have := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
			have = true
		case (r == ' ' || r == '\t') && !quoted:
			if have {
				out = append(out, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteRune(r)
			have = true
		}
	}
	if have {
		out = append(out, cur.String())
	}
	return out
}

// psList reads the items of a PowerShell array literal's inside:
// '--mock', $out, "$release.CANARY".
func psList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if len(item) >= 2 && (item[0] == '\'' || item[0] == '"') && item[len(item)-1] == item[0] {
			item = item[1 : len(item)-1]
		}
		out = append(out, item)
	}
	return out
}

func parseBashWrapper(t *testing.T) (wrapperShape, int) {
	lines := readLines(t, bashWrapper)
	s := wrapperShape{ExitTable: exitTable(lines), EnvDefaults: map[string]string{}}
	var (
		reBins    = regexp.MustCompile(`^for b in (.*); do$`)
		reMissing = regexp.MustCompile(`^\s*echo "(.*not found.*)" >&2$`)
		reEnv     = regexp.MustCompile(`^(\w+)=\$\{(\w+):-([^}]*)\}$`)
		reReports = regexp.MustCompile(`^reports="(.*)"$`)
		reClean   = regexp.MustCompile(`^rm -rf -- (.*) \|\| clean=1$`)
		reRecord  = regexp.MustCompile(`^\s*record (\w+) (\S+)$`)
		reStep    = regexp.MustCompile(`^\s*step (\w+) "\$\(bin ([\w-]+)\)" (.*)$`)
		reIf      = regexp.MustCompile(`^\s*if (.*); then$`)
		reSkip    = regexp.MustCompile(`^\s*echo "(==> tag: .*)" >&2$`)
		reSummary = regexp.MustCompile(`^\s*(?:echo "(.*)"|printf '(.*)\\n' .*) >&2$`)
		reExit    = regexp.MustCompile(`^exit "\$(\w+)"$`)
	)
	binLine, firstStep := -1, -1
	summary := false
	for i, l := range lines {
		if m := reBins.FindStringSubmatch(l); m != nil {
			s.Binaries, binLine = strings.Fields(m[1]), i
		}
		if m := reMissing.FindStringSubmatch(l); m != nil && i+1 < len(lines) {
			s.MissingMsg = m[1]
			s.MissingExit = strings.TrimPrefix(strings.TrimSpace(lines[i+1]), "exit ")
		}
		if m := reEnv.FindStringSubmatch(l); m != nil {
			s.EnvDefaults[m[1]] = m[2] + ":" + m[3]
		}
		if m := reReports.FindStringSubmatch(l); m != nil {
			s.Reports = m[1]
		}
		if m := reClean.FindStringSubmatch(l); m != nil {
			s.Clean = words(m[1])
		}
		if m := reRecord.FindStringSubmatch(l); m != nil && !strings.Contains(l, "()") {
			s.Results = append(s.Results, m[1]+" "+strings.Trim(m[2], `"'`))
		}
		if m := reStep.FindStringSubmatch(l); m != nil {
			if firstStep < 0 {
				firstStep = i
			}
			s.Results = append(s.Results, m[1])
			s.Steps = append(s.Steps, wrapperStep{Name: m[1], Binary: m[2], Args: words(m[3]), Guard: guards(t, bashWrapper, lines, i, reIf, normCond)})
		}
		if m := reSkip.FindStringSubmatch(l); m != nil {
			s.SkipMsg = m[1]
		}
		if strings.TrimSpace(l) == `echo "mini soak results" >&2` {
			summary = true
		}
		if m := reSummary.FindStringSubmatch(l); m != nil && summary {
			s.Summary = append(s.Summary, m[1]+m[2])
		}
		if m := reExit.FindStringSubmatch(l); m != nil {
			s.FinalExit = m[1]
		}
	}
	if binLine < 0 || firstStep >= 0 && binLine > firstStep {
		t.Errorf("%s: the binaries are not all looked up before the first step (lookup at line %d, first step at line %d)", bashWrapper, binLine+1, firstStep+1)
	}
	return s, firstStep
}

func parsePSWrapper(t *testing.T) wrapperShape {
	lines := readLines(t, psWrapper)
	s := wrapperShape{ExitTable: exitTable(lines), EnvDefaults: map[string]string{}}
	var (
		reBins    = regexp.MustCompile(`^foreach \(\$b in @\((.*)\)\) \{$`)
		reMissing = regexp.MustCompile(`^\s*Write-Stderr "(.*not found.*)"$`)
		reEnv     = regexp.MustCompile(`^\$(\w+) = Get-EnvOr '(\w+)' '([^']*)'$`)
		reReports = regexp.MustCompile(`^\$reports = "(.*)"$`)
		reClean   = regexp.MustCompile(`^foreach \(\$path in @\((.*)\)\) \{$`)
		reRecord  = regexp.MustCompile(`^\s*Add-Result '(\w+)' (\S+)$`)
		reStep    = regexp.MustCompile(`^\s*\$\w+ = Step '(\w+)' \$bins\['([\w-]+)'\] @\((.*)\)$`)
		reIf      = regexp.MustCompile(`^\s*if \((.*)\) \{$`)
		reSkip    = regexp.MustCompile(`^\s*Write-Stderr '(==> tag: .*)'$`)
		reSummary = regexp.MustCompile(`^\s*Write-Stderr (?:"(.*)"|'(.*)'|\('(.*)' -f .*\))$`)
		reExit    = regexp.MustCompile(`^exit \$(\w+)$`)
	)
	binLine, firstStep := -1, -1
	summary := false
	for i, l := range lines {
		if m := reBins.FindStringSubmatch(l); m != nil {
			s.Binaries, binLine = psList(m[1]), i
		}
		if m := reMissing.FindStringSubmatch(l); m != nil && i+1 < len(lines) {
			s.MissingMsg = m[1]
			s.MissingExit = strings.TrimPrefix(strings.TrimSpace(lines[i+1]), "exit ")
		}
		if m := reEnv.FindStringSubmatch(l); m != nil {
			s.EnvDefaults[m[1]] = m[2] + ":" + m[3]
		}
		if m := reReports.FindStringSubmatch(l); m != nil {
			s.Reports = m[1]
		}
		if m := reClean.FindStringSubmatch(l); m != nil {
			s.Clean = psList(m[1])
		}
		if m := reRecord.FindStringSubmatch(l); m != nil {
			s.Results = append(s.Results, m[1]+" "+strings.Trim(m[2], `"'`))
		}
		if m := reStep.FindStringSubmatch(l); m != nil {
			if firstStep < 0 {
				firstStep = i
			}
			s.Results = append(s.Results, m[1])
			s.Steps = append(s.Steps, wrapperStep{Name: m[1], Binary: m[2], Args: psList(m[3]), Guard: guards(t, psWrapper, lines, i, reIf, normCond)})
		}
		if m := reSkip.FindStringSubmatch(l); m != nil {
			s.SkipMsg = m[1]
		}
		if strings.TrimSpace(l) == `Write-Stderr 'mini soak results'` {
			summary = true
		}
		if m := reSummary.FindStringSubmatch(l); m != nil && summary {
			// .NET's composite format as printf's: {0,-8} is %-8s.
			f := regexp.MustCompile(`\{\d+,(-?\d+)\}`).ReplaceAllString(m[1]+m[2]+m[3], "%${1}s")
			s.Summary = append(s.Summary, regexp.MustCompile(`\{\d+\}`).ReplaceAllString(f, "%s"))
		}
		if m := reExit.FindStringSubmatch(l); m != nil {
			s.FinalExit = m[1]
		}
	}
	if binLine < 0 || firstStep >= 0 && binLine > firstStep {
		t.Errorf("%s: the binaries are not all looked up before the first step (lookup at line %d, first step at line %d)", psWrapper, binLine+1, firstStep+1)
	}
	return s
}

// TestWrapperParity pins that the bash and PowerShell wrappers run the same
// steps with the same arguments under the same conditions, exit with the
// same codes and print the same summary.
func TestWrapperParity(t *testing.T) {
	bash, _ := parseBashWrapper(t)
	ps := parsePSWrapper(t)

	// The bash script is the reference; it must itself be complete, or an
	// empty parse on both sides would compare equal.
	want := []string{"soak", "gate", "reports", "bundle", "tag"}
	var got []string
	for _, s := range bash.Steps {
		got = append(got, s.Name)
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: steps %q, want %q", bashWrapper, got, want)
	}
	for _, s := range bash.Steps {
		if !slices.Contains(bash.Binaries, s.Binary) {
			t.Errorf("%s: step %s runs %s, which is not looked up before the steps", bashWrapper, s.Name, s.Binary)
		}
	}
	if len(bash.ExitTable) == 0 || bash.MissingExit != "2" || bash.FinalExit != "failed" || len(bash.Clean) == 0 || len(bash.EnvDefaults) != 6 || len(bash.Summary) < 3 || bash.SkipMsg == "" {
		t.Errorf("%s: incomplete parse: %+v", bashWrapper, bash)
	}
	if !slices.ContainsFunc(bash.ExitTable, func(row string) bool { return strings.HasPrefix(row, "2 ") && strings.Contains(row, "bin/") }) {
		t.Errorf("%s: the exit status table has no row for a missing binary (exit %s)", bashWrapper, bash.MissingExit)
	}
	if diff := cmp.Diff(bash, ps); diff != "" {
		t.Errorf("%s and %s differ (-bash +powershell):\n%s", bashWrapper, psWrapper, diff)
	}
}

// TestPowerShellWrapperPitfalls pins the ways the PowerShell wrapper broke
// on real Windows PowerShell 5.1 and PowerShell 7.4, none of which bash
// shares:
//   - under $ErrorActionPreference='Stop', Write-Error throws, so an
//     "exit 2" after it never runs (the script exited 1);
//   - PowerShell 7.4's $PSNativeCommandUseErrorActionPreference=$true makes
//     a binary's non-zero exit (a gate FAIL) abort the script before the
//     reports and the summary: the script sets it to $false;
//   - a native command run with & (git … *> $null) has its stderr turned
//     into a terminating error on 5.1, and its arguments quoted wrongly
//     (C:\x y\ arrives as C:\x y"): binaries are started through
//     Invoke-Native, which quotes each argument itself;
//   - Invoke-Expression, iex, Start-Process (which joins its arguments
//     unquoted) and cmd /c would re-parse a value as code;
//   - Windows PowerShell 5.1 reads a script without a byte-order mark in
//     the ANSI code page, so the script stays ASCII.
func TestPowerShellWrapperPitfalls(t *testing.T) {
	lines := readLines(t, psWrapper)
	text := strings.Join(lines, "\n")
	for _, tc := range []struct {
		re   string
		what string
	}{
		{`\bWrite-Error\b`, "Write-Error throws under 'Stop': the exit code after it is never reached"},
		{`(^|[\s(=;{])&\s*[$'"(\w]`, "the call operator: Windows PowerShell 5.1 mis-quotes native arguments, and 7.4 may throw on a non-zero exit"},
		{`^\s*(\$\w+\s*=\s*)?git\s`, "git run as a native command: its stderr aborts the script under 'Stop' on 5.1"},
		{`\*>|\s2>`, "a stream redirection of a native command: under 'Stop' on 5.1, stderr is an error record"},
		{`(?i)\b(Invoke-Expression|iex|Start-Process)\b|cmd(\.exe)?\s+/c`, "re-parses a value as code, or joins arguments unquoted"},
	} {
		re := regexp.MustCompile(tc.re)
		for i, l := range lines {
			code := l
			if strings.HasPrefix(strings.TrimSpace(l), "#") {
				continue
			}
			if re.MatchString(code) {
				t.Errorf("%s:%d: %s: %s", psWrapper, i+1, tc.what, strings.TrimSpace(l))
			}
		}
	}
	for _, must := range []string{
		"$ErrorActionPreference = 'Stop'",
		"$PSNativeCommandUseErrorActionPreference = $false",
		"$psi.Arguments = (@($arguments | ForEach-Object { ConvertTo-CommandLineArgument $_ }) -join ' ')",
		"$psi.UseShellExecute = $false",
		"$psi.WorkingDirectory = (Get-Location -PSProvider FileSystem).ProviderPath",
		"return (Invoke-Native $git.Path @('rev-parse', '--verify', '-q', 'HEAD') -Quiet) -eq 0",
	} {
		if !strings.Contains(text, must) {
			t.Errorf("%s: lacks %s", psWrapper, must)
		}
	}
	for i, l := range lines {
		for _, r := range l {
			if r > 0x7e || r < 0x20 && r != '\t' {
				t.Errorf("%s:%d: character %U: Windows PowerShell 5.1 reads a script without a BOM in the ANSI code page; keep it ASCII", psWrapper, i+1, r)
				break
			}
		}
	}
	if strings.Count(text, "Invoke-Native ") < 3 { // the definition, Test-GitHead, Step
		t.Errorf("%s: binaries are not all run through Invoke-Native", psWrapper)
	}
}

// TestWrappersDoNotReparse pins that the bash scripts keep values as values
// (shellcheck, in make check and TestShellcheck, covers quoting; this
// covers what it allows): no eval, no source, no "sh -c".
func TestWrappersDoNotReparse(t *testing.T) {
	forbidden := regexp.MustCompile(`(^|[\s;|&(])(eval|source|\.)\s|\b(ba)?sh\s+-c\b`)
	files, err := filepath.Glob(repoFile("scripts/*.sh"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts/*.sh: %v", err)
	}
	for _, f := range files {
		f, err := filepath.Rel(repoRoot, f)
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range readLines(t, f) {
			if strings.HasPrefix(strings.TrimSpace(l), "#") {
				continue
			}
			if forbidden.MatchString(l) {
				t.Errorf("%s:%d: re-parses a value as code: %s", f, i+1, strings.TrimSpace(l))
			}
		}
	}
}

// TestBashWrapperCodes runs the bash wrapper, the reference of the parity
// test, on the binaries under test: a PASS runs every step and exits 0, a
// FAIL verdict still runs the reports and exits 1, and a missing binary
// exits 2 before any step runs.
func TestBashWrapperCodes(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skipf("bash not found: %v", err)
	}
	for _, tc := range []struct {
		name     string
		scenario string
		missing  string // a binary removed from bin/ and PATH
		code     int
		results  []string // the summary's rows
	}{
		{"pass", "steady", "", 0, []string{"clean 0", "soak 0", "gate 0", "reports 0", "bundle 0", "tag skipped"}},
		{"fail", "latency-spike", "", 1, []string{"clean 0", "soak 0", "gate 1", "reports 0"}},
		{"missing", "steady", "release-tag", 2, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := workflowSandbox(t)
			env := append(workflowBaseEnv(), "SOAK_SCENARIO="+tc.scenario)
			if tc.missing != "" {
				if err := os.Remove(filepath.Join(dir, "bin", tc.missing)); err != nil {
					t.Fatal(err)
				}
				var path []string
				for _, d := range filepath.SplitList(os.Getenv("PATH")) {
					if _, err := os.Stat(filepath.Join(d, tc.missing)); err != nil {
						path = append(path, d)
					}
				}
				env = append(env, "PATH="+strings.Join(path, string(filepath.ListSeparator)))
			}
			cmd := exec.Command("bash", bashWrapper)
			cmd.Dir, cmd.Env = dir, env
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.code {
				t.Errorf("exit %d, want %d\n%s", code, tc.code, stderr.String())
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout is not empty:\n%s", stdout.String())
			}
			_, summary, _ := strings.Cut(stderr.String(), "\nmini soak results\n")
			var rows []string
			for _, l := range strings.Split(summary, "\n") {
				f := strings.Fields(l)
				if len(f) != 2 || f[0] == "verdict" { // verdict and bundle path follow the rows
					break
				}
				rows = append(rows, f[0]+" "+f[1])
			}
			if diff := cmp.Diff(tc.results, rows); diff != "" {
				t.Errorf("summary rows (-want +got):\n%s\n%s", diff, stderr.String())
			}
			if tc.missing != "" {
				if want := "run_mini_soak_24: error: " + tc.missing + " not found in "; !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
				}
				if _, err := os.Stat(filepath.Join(dir, "artifacts")); err == nil {
					t.Errorf("a step ran although a binary is missing")
				}
			}
		})
	}
}
