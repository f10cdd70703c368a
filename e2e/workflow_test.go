package e2e_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The example workflow, .github/workflows/soak.yml, is what users copy: these
// tests read it as GitHub would and run its soak job's shell steps against
// the real binaries, so that what it promises (evidence kept on a FAIL, one
// check table in the summary, the least permissions) is checked here rather
// than on a runner.

const workflowFile = ".github/workflows/soak.yml"

type ghWorkflow struct {
	Permissions any              `yaml:"permissions"`
	Jobs        map[string]ghJob `yaml:"jobs"`
}

type ghJob struct {
	Permissions any               `yaml:"permissions"`
	Env         map[string]string `yaml:"env"`
	Steps       []ghStep          `yaml:"steps"`
}

type ghStep struct {
	ID              string            `yaml:"id"`
	Name            string            `yaml:"name"`
	If              string            `yaml:"if"`
	Run             string            `yaml:"run"`
	Uses            string            `yaml:"uses"`
	With            map[string]any    `yaml:"with"`
	Env             map[string]string `yaml:"env"`
	ContinueOnError any               `yaml:"continue-on-error"`
}

func (s ghStep) label() string {
	for _, l := range []string{s.Name, s.ID, s.Uses, s.Run} {
		if l != "" {
			return l
		}
	}
	return "?"
}

func (s ghStep) with(key string) string {
	v, ok := s.With[key]
	if !ok {
		return ""
	}
	return fmt.Sprint(v)
}

func (s ghStep) action() string { // "mikepenz/action-junit-report" of "...@v4"
	a, _, _ := strings.Cut(s.Uses, "@")
	return a
}

func readWorkflow(t *testing.T) ghWorkflow {
	t.Helper()
	data, err := os.ReadFile(repoFile(workflowFile))
	if err != nil {
		t.Fatal(err)
	}
	var wf ghWorkflow
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatalf("%s: %v", workflowFile, err)
	}
	if len(wf.Jobs) == 0 {
		t.Fatalf("%s: no jobs", workflowFile)
	}
	return wf
}

// permissionMap reads a permissions value: a map of scope to "read",
// "write" or "none". "read-all" and "write-all" (strings) are refused by
// the callers.
func permissionMap(t *testing.T, where string, v any) map[string]string {
	t.Helper()
	switch p := v.(type) {
	case nil:
		return nil
	case map[string]any:
		m := make(map[string]string, len(p))
		for k, v := range p {
			m[k] = fmt.Sprint(v)
		}
		return m
	default:
		t.Errorf("%s: permissions %q: name each scope instead", where, fmt.Sprint(v))
		return nil
	}
}

// TestWorkflowPermissions pins the least privilege: the workflow grants
// nothing by default, and each job grants what its steps need — contents:
// read for actions/checkout, checks: write where the JUnit report action
// creates a check run — and nothing else.
func TestWorkflowPermissions(t *testing.T) {
	wf := readWorkflow(t)
	if wf.Permissions == nil {
		t.Errorf("%s: no top-level permissions: the repository's default (possibly write-all) applies", workflowFile)
	}
	for scope, level := range permissionMap(t, workflowFile, wf.Permissions) {
		if level != "none" {
			t.Errorf("%s: top-level permissions grant %s: %s to every job; grant it in the job that needs it", workflowFile, scope, level)
		}
	}
	for name, job := range wf.Jobs {
		where := workflowFile + ": job " + name
		if job.Permissions == nil {
			t.Errorf("%s: no permissions of its own", where)
			continue
		}
		need := map[string]string{}
		for _, s := range job.Steps {
			switch s.action() {
			case "actions/checkout":
				need["contents"] = "read"
			case "mikepenz/action-junit-report":
				if s.with("annotate_only") != "true" {
					need["checks"] = "write"
				}
			}
		}
		got := permissionMap(t, where, job.Permissions)
		for scope, level := range need {
			if got[scope] != level {
				t.Errorf("%s: needs %s: %s, has %q", where, scope, level, got[scope])
			}
		}
		for scope, level := range got {
			if level != "none" && need[scope] != level {
				t.Errorf("%s: grants %s: %s, which none of its steps needs", where, scope, level)
			}
		}
	}
}

// TestWorkflowRunsTheTests pins that the workflow runs the project's own
// checks and tests, not only the demo soak.
func TestWorkflowRunsTheTests(t *testing.T) {
	wf := readWorkflow(t)
	for _, job := range wf.Jobs {
		for _, s := range job.Steps {
			if regexp.MustCompile(`(?m)^\s*(make check|\.ci/run)\s*$`).MatchString(s.Run) {
				return
			}
		}
	}
	t.Errorf("%s: no step runs make check (the tests, shellcheck, actionlint)", workflowFile)
}

// TestWorkflowKeepsEvidence runs the soak job's shell steps as a runner
// would (bash -eo pipefail, each step's "if" evaluated against the outcomes
// so far, GITHUB_STEP_SUMMARY a file) on a passing and on a failing soak.
// The action steps are not run; the test checks what they would read: every
// path uploaded exists and the JUnit file is there. Pinned: the job's result
// follows the verdict, the gate and the uploads run on a FAIL, and the
// summary holds one table.
func TestWorkflowKeepsEvidence(t *testing.T) {
	for _, tool := range []string{"bash", "make", "env"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found: %v", tool, err)
		}
	}
	wf := readWorkflow(t)
	job, ok := wf.Jobs["soak"]
	if !ok {
		t.Fatalf("%s: no job named soak", workflowFile)
	}
	for _, tc := range []struct {
		scenario string
		want     string // the job's result
		verdict  string
	}{
		{"steady", "success", "PASS"},
		{"latency-spike", "failure", "FAIL"},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			dir := workflowSandbox(t)
			summary := filepath.Join(dir, "step_summary.md")
			if err := os.WriteFile(summary, nil, 0o666); err != nil {
				t.Fatal(err)
			}
			env := []string{
				"GO=true", // make build: bin/ already holds the binaries under test
				"SOAK_SCENARIO=" + tc.scenario,
				"GITHUB_STEP_SUMMARY=" + summary,
				"CI=true",
			}
			for k, v := range job.Env {
				env = append(env, k+"="+v)
			}
			r := &jobRun{t: t, dir: dir, env: env, outcome: map[string]string{}, ran: map[string]bool{}}
			for _, s := range job.Steps {
				r.step(s)
			}
			result := "success"
			if r.failed {
				result = "failure"
			}
			if result != tc.want {
				t.Errorf("job result %s, want %s", result, tc.want)
			}
			for _, s := range job.Steps {
				if !r.ran[s.label()] {
					t.Errorf("step %q did not run", s.label())
				}
			}
			verdict, err := os.ReadFile(filepath.Join(dir, "artifacts/gate/verdict.json"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(verdict), `"verdict": "`+tc.verdict+`"`) {
				t.Errorf("artifacts/gate/verdict.json is not a %s verdict:\n%s", tc.verdict, verdict)
			}
			for _, f := range []string{"artifacts/gate/junit.xml", "artifacts/gate/POST_SOAK_METRICS.prom", "artifacts/soak/latest/reports/analysis/POST_SOAK_AUDIT.md"} {
				if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
					t.Errorf("evidence missing: %v", err)
				}
			}
			data, err := os.ReadFile(summary)
			if err != nil {
				t.Fatal(err)
			}
			tables := regexp.MustCompile(`(?m)^\|\s*:?-{3,}`).FindAllIndex(data, -1)
			if len(tables) != 1 {
				t.Errorf("the step summary holds %d tables, want 1:\n%s", len(tables), data)
			}
		})
	}
}

// workflowSandbox lays out what the soak job's steps use: the Makefile, the
// wrapper script, and bin/ holding the binaries under test (testscript's
// copies of this test binary, found on PATH by TestMain).
func workflowSandbox(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"Makefile", "scripts/run_mini_soak_24.sh"} {
		data, err := os.ReadFile(repoFile(f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o777); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "bin"), 0o777); err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"soak-run", "soak-gate", "soak-reports", "release-bundle", "release-tag"} {
		p, err := exec.LookPath(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(p, filepath.Join(dir, "bin", b)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// jobRun is the state of one simulated job: the steps' outcomes so far.
type jobRun struct {
	t       *testing.T
	dir     string
	env     []string
	failed  bool
	outcome map[string]string // by step id
	ran     map[string]bool   // by label
}

func (r *jobRun) step(s ghStep) {
	t := r.t
	if s.ContinueOnError != nil {
		t.Fatalf("step %q: continue-on-error is not simulated", s.label())
	}
	cond := s.If
	if cond == "" {
		cond = "success()"
	}
	run, err := evalIf(cond, r)
	if err != nil {
		t.Fatalf("step %q: if %q: %v", s.label(), s.If, err)
	}
	outcome := "skipped"
	if run {
		r.ran[s.label()] = true
		outcome = "success"
		if !r.exec(s) {
			outcome = "failure"
			r.failed = true
		}
	}
	if s.ID != "" {
		r.outcome[s.ID] = outcome
	}
}

// exec runs one step and reports whether it succeeded.
func (r *jobRun) exec(s ghStep) bool {
	t := r.t
	if s.Run != "" {
		cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", s.Run)
		cmd.Dir = r.dir
		cmd.Env = append(workflowBaseEnv(), r.env...)
		for k, v := range s.Env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		out, err := cmd.CombinedOutput()
		t.Logf("step %q: %v\n%s", s.label(), err, out)
		return err == nil
	}
	switch s.action() {
	case "actions/checkout", "actions/setup-go":
		return true
	case "actions/upload-artifact":
		paths := strings.Fields(s.with("path"))
		if len(paths) == 0 {
			t.Errorf("step %q: no path", s.label())
		}
		for _, p := range paths {
			if _, err := os.Stat(filepath.Join(r.dir, p)); err != nil {
				t.Errorf("step %q: would upload a missing path: %v", s.label(), err)
			}
		}
		return true
	case "mikepenz/action-junit-report":
		p := s.with("report_paths")
		if _, err := os.Stat(filepath.Join(r.dir, p)); err != nil {
			t.Errorf("step %q: no JUnit file: %v", s.label(), err)
		}
		if s.with("job_summary") != "false" {
			// The action's default: its own table of the test cases.
			r.appendSummary("| Tests | Passed | Skipped | Failed |\n| :--- | ---: | ---: | ---: |\n")
		}
		return true
	}
	t.Fatalf("step %q: the test does not know what %s does", s.label(), s.Uses)
	return false
}

func (r *jobRun) appendSummary(text string) {
	for _, kv := range r.env {
		if path, ok := strings.CutPrefix(kv, "GITHUB_STEP_SUMMARY="); ok {
			f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				r.t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteString(text); err != nil {
				r.t.Fatal(err)
			}
		}
	}
}

// workflowBaseEnv is the test's environment less what the workflow's run
// would set or what would change the demo's defaults.
func workflowBaseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GITHUB_") || strings.HasPrefix(kv, "SOAK_") || strings.HasPrefix(kv, "RELEASE_DIR=") ||
			strings.HasPrefix(kv, "MAKEFLAGS=") || strings.HasPrefix(kv, "USE_MOCK=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// evalIf evaluates a step's "if" as GitHub does, for the part of the
// expression language the workflow uses: the status functions, !, &&, ||,
// parentheses, == and != between steps.<id>.outcome (or .conclusion) and
// string literals. Anything else is an error, so the test never guesses.
// Without a status function, success() && is implied.
func evalIf(expr string, r *jobRun) (bool, error) {
	expr = strings.TrimSpace(expr)
	if inner, ok := strings.CutPrefix(expr, "${{"); ok {
		expr, ok = strings.CutSuffix(strings.TrimSpace(inner), "}}")
		if !ok {
			return false, fmt.Errorf("unterminated ${{")
		}
		expr = strings.TrimSpace(expr)
	}
	toks := regexp.MustCompile(`\s*('[^']*'|&&|\|\||==|!=|!|\(|\)|[A-Za-z_][A-Za-z0-9_.-]*(\(\))?)`).FindAllStringSubmatch(expr, -1)
	var words []string
	n := 0
	for _, m := range toks {
		words = append(words, m[1])
		n += len(m[0])
	}
	if n != len(expr) {
		return false, fmt.Errorf("cannot read the expression")
	}
	p := &ifParser{words: words, r: r}
	v, err := p.or()
	if err != nil {
		return false, err
	}
	if p.pos != len(words) {
		return false, fmt.Errorf("unexpected %q", words[p.pos])
	}
	b := truthy(v)
	if !regexp.MustCompile(`\b(success|failure|always|cancelled)\(\)`).MatchString(expr) {
		b = b && !r.failed
	}
	return b, nil
}

type ifParser struct {
	words []string
	pos   int
	r     *jobRun
}

func (p *ifParser) peek() string {
	if p.pos < len(p.words) {
		return p.words[p.pos]
	}
	return ""
}

func (p *ifParser) or() (any, error) {
	v, err := p.and()
	for err == nil && p.peek() == "||" {
		p.pos++
		var w any
		w, err = p.and()
		v = truthy(v) || truthy(w)
	}
	return v, err
}

func (p *ifParser) and() (any, error) {
	v, err := p.unary()
	for err == nil && p.peek() == "&&" {
		p.pos++
		var w any
		w, err = p.unary()
		v = truthy(v) && truthy(w)
	}
	return v, err
}

func (p *ifParser) unary() (any, error) {
	if p.peek() == "!" {
		p.pos++
		v, err := p.unary()
		return !truthy(v), err
	}
	v, err := p.primary()
	if err != nil {
		return nil, err
	}
	if op := p.peek(); op == "==" || op == "!=" {
		p.pos++
		w, err := p.primary()
		if err != nil {
			return nil, err
		}
		eq := fmt.Sprint(v) == fmt.Sprint(w)
		return eq == (op == "=="), nil
	}
	return v, nil
}

func (p *ifParser) primary() (any, error) {
	w := p.peek()
	p.pos++
	switch {
	case w == "":
		return nil, fmt.Errorf("unexpected end")
	case w == "(":
		v, err := p.or()
		if err == nil && p.peek() != ")" {
			err = fmt.Errorf("missing )")
		}
		p.pos++
		return v, err
	case strings.HasPrefix(w, "'"):
		return strings.Trim(w, "'"), nil
	case w == "success()":
		return !p.r.failed, nil
	case w == "failure()":
		return p.r.failed, nil
	case w == "always()":
		return true, nil
	case w == "cancelled()":
		return false, nil
	case strings.HasPrefix(w, "steps."):
		parts := strings.Split(w, ".")
		if len(parts) != 3 || parts[2] != "outcome" && parts[2] != "conclusion" {
			return nil, fmt.Errorf("%s: only steps.<id>.outcome and .conclusion", w)
		}
		o, ok := p.r.outcome[parts[1]]
		if !ok {
			return nil, fmt.Errorf("%s: no earlier step has id %s", w, parts[1])
		}
		return o, nil
	}
	return nil, fmt.Errorf("%q is not simulated", w)
}

func truthy(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case string:
		return v != ""
	}
	return false
}
