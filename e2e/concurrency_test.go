package e2e_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// start starts a binary of the pipeline without waiting for it.
func (p *pipeline) start(name string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	p.t.Helper()
	cmd := exec.Command(filepath.Join(p.bin, name), args...)
	cmd.Dir, cmd.Env = p.dir, p.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	return cmd, &stderr
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestConcurrentSoakRuns pins the lock: while a soak-run writes a
// directory, a second one (fresh or --resume) exits 2 naming the first by
// pid and changes nothing; and of several soak-runs started at once on one
// fresh directory exactly one runs, the others exit 2, and the directory
// holds one whole soak.
func TestConcurrentSoakRuns(t *testing.T) {
	p := newPipeline(t, binaries(t))
	lockFile := filepath.Join(p.dir, "soak", ".soak-run.lock")

	first, firstErr := p.start("soak-run", "--mock", "--iterations", "20", "--events", "2000", "--sleep", "0.05", "--out", "soak")
	waitFor(t, "the first soak-run's lock", func() bool { _, err := os.Stat(lockFile); return err == nil })
	pid := strconv.Itoa(first.Process.Pid)
	for _, args := range [][]string{
		{"--mock", "--iterations", "3", "--out", "soak"},
		{"--resume", "--out", "soak"},
	} {
		cmd := exec.Command(filepath.Join(p.bin, "soak-run"), args...)
		cmd.Dir, cmd.Env = p.dir, p.env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if code := exitCode(cmd.Run()); code != 2 {
			t.Fatalf("second soak-run %v: exit %d, want 2\n%s", args, code, stderr.String())
		}
		if !regexp.MustCompile(`^soak-run: error: soak: in use by soak-run pid ` + pid + ` `).MatchString(stderr.String()) {
			t.Errorf("second soak-run %v does not name the first (pid %s):\n%s", args, pid, stderr.String())
		}
		if n := strings.Count(stderr.String(), "\n"); n > 2 {
			t.Errorf("second soak-run: %d stderr lines", n)
		}
	}
	if code := exitCode(first.Wait()); code != 0 {
		t.Fatalf("first soak-run: exit %d\n%s", code, firstErr.String())
	}
	if n := countIterations(t, filepath.Join(p.dir, "soak")); n != 20 {
		t.Fatalf("soak holds %d iterations, want the first run's 20", n)
	}
	if _, err := os.Stat(lockFile); err == nil {
		t.Error("the lock outlived the soak")
	}

	// A start race: four soak-runs on one fresh directory at once. Each
	// sleeps between iterations so that the winner still holds the lock
	// when the others try it; a run that starts after the winner finished
	// would rightly start a fresh soak.
	for round := 0; round < 3; round++ {
		out := fmt.Sprintf("race%d", round)
		var wg sync.WaitGroup
		codes := make([]int, 4)
		stderrs := make([]*bytes.Buffer, 4)
		for i := range codes {
			cmd := exec.Command(filepath.Join(p.bin, "soak-run"), "--mock", "--iterations", strconv.Itoa(5+i), "--events", "2000", "--sleep", "0.5", "--out", out)
			cmd.Dir, cmd.Env = p.dir, p.env
			stderrs[i] = &bytes.Buffer{}
			cmd.Stderr = stderrs[i]
			wg.Add(1)
			go func() { defer wg.Done(); codes[i] = exitCode(cmd.Run()) }()
		}
		wg.Wait()
		winner := -1
		for i, c := range codes {
			switch c {
			case 0:
				if winner >= 0 {
					t.Fatalf("round %d: two soak-runs (%d and %d iterations) both wrote %s", round, 5+winner, 5+i, out)
				}
				winner = i
			case 2:
				if !strings.Contains(stderrs[i].String(), "in use by soak-run pid") {
					t.Errorf("round %d: loser exit 2 without naming the holder: %s", round, stderrs[i].String())
				}
			default:
				t.Fatalf("round %d: soak-run exit %d:\n%s", round, c, stderrs[i].String())
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: no soak-run ran: %v", round, codes)
		}
		if n := countIterations(t, filepath.Join(p.dir, out)); n != 5+winner {
			t.Fatalf("round %d: %s holds %d iterations, the winner ran %d", round, out, n, 5+winner)
		}
		code, _ := p.run("soak-gate", out)
		if code == 2 {
			t.Fatalf("round %d: soak-gate cannot read the winner's soak:\n%s", round, p.stderr.String())
		}
	}
}

func countIterations(t *testing.T, dir string) int {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "ITER_SUMMARY_*.json"))
	if err != nil {
		t.Fatal(err)
	}
	return len(m)
}

// TestReadersWhileSoakRunWrites runs soak-gate and soak-reports over and
// over while soak-run writes the directory. Every read must see whole
// iterations: soak-gate never fails to decode (exit 2), its verdict
// artifact decodes, it judged iterations 1..n with n never going back, the
// window is the last min(8, n) of them, and fewer than 8 is never a pass
// (INCONCLUSIVE, or FAIL when a check of the early, untuned iterations
// already fails: FAIL outranks a short window); soak-reports always writes
// its reports.
func TestReadersWhileSoakRunWrites(t *testing.T) {
	p := newPipeline(t, binaries(t))
	writer, writerErr := p.start("soak-run", "--mock", "--iterations", "30", "--auto-tune", "--events", "3000", "--sleep", "0.03", "--out", "soak")
	done := make(chan error, 1)
	go func() { done <- writer.Wait() }()
	waitFor(t, "the first iteration", func() bool { return countIterations(t, filepath.Join(p.dir, "soak")) > 0 })

	reads, last := 0, 0
	seen := map[int]bool{}
	var writerDone bool
	for i := 0; !writerDone || i < 2; i++ {
		select {
		case err := <-done:
			if code := exitCode(err); code != 0 {
				t.Fatalf("soak-run: exit %d\n%s", code, writerErr.String())
			}
			writerDone = true
		default:
		}
		cmd := exec.Command(filepath.Join(p.bin, "soak-gate"), "soak")
		cmd.Dir, cmd.Env = p.dir, p.env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		code := exitCode(cmd.Run())
		if code != 0 && code != 1 && code != 3 {
			t.Fatalf("read %d: soak-gate exit %d while soak-run writes:\n%s", reads, code, stderr.String())
		}
		var v struct {
			Kind     string `json:"kind"`
			Verdict  string `json:"verdict"`
			Total    int    `json:"iterations_total"`
			Analyzed []int  `json:"iterations_analyzed"`
		}
		if err := json.Unmarshal(stdout.Bytes(), &v); err != nil || v.Kind != "verdict" {
			t.Fatalf("read %d: the verdict does not decode (%v):\n%s", reads, err, stdout.String())
		}
		if v.Total < last {
			t.Fatalf("read %d: %d iterations after %d", reads, v.Total, last)
		}
		last = v.Total
		seen[v.Total] = true
		want := min(8, v.Total)
		if len(v.Analyzed) != want || len(v.Analyzed) > 0 && (v.Analyzed[0] != v.Total-want+1 || v.Analyzed[len(v.Analyzed)-1] != v.Total) {
			t.Fatalf("read %d: %d iterations, analyzed %v", reads, v.Total, v.Analyzed)
		}
		if v.Total < 8 && v.Verdict != "INCONCLUSIVE" && v.Verdict != "FAIL" {
			t.Fatalf("read %d: %s with %d iterations", reads, v.Verdict, v.Total)
		}
		if reads%3 == 0 {
			out := fmt.Sprintf("reports-%d", reads)
			code, _ := p.run("soak-reports", "soak", "--out", out)
			if code != 0 {
				t.Fatalf("read %d: soak-reports exit %d while soak-run writes:\n%s", reads, code, p.stderr.String())
			}
			if _, err := os.Stat(filepath.Join(p.dir, out, "POST_SOAK_SNAPSHOT.json")); err != nil {
				t.Fatal(err)
			}
		}
		reads++
	}
	if last != 30 {
		t.Fatalf("the last read saw %d iterations, want 30", last)
	}
	t.Logf("%d reads while writing saw %d distinct iteration counts", reads, len(seen))
}

// TestConcurrentBundles starts two release-bundles into one --out at the
// same moment, again and again. Each exits 0 (it wrote the bundle, or
// replaced the other's) or 2 (--out changed under it: an environment
// error); at least one wins; and what is left always verifies and is, byte
// for byte, the bundle one of them writes alone.
func TestConcurrentBundles(t *testing.T) {
	p := newPipeline(t, binaries(t))
	p.must(0, "soak-run", "--mock", "--iterations", "10", "--auto-tune", "--events", "3000", "--out", "soak")
	p.must(0, "soak-reports", "soak", "--out", "reports")
	p.must(0, "soak-gate", "soak", "--out", "reports")
	refs := map[string]map[string][]byte{}
	for _, v := range []string{"v1", "v2"} {
		p.must(0, "release-bundle", "--src", "soak", "--reports", "reports", "--out", "ref-"+v, "--version", v)
		refs[v] = readFiles(t, filepath.Join(p.dir, "ref-"+v))
	}
	outcomes := map[string]int{}
	for round := 0; round < 8; round++ {
		out := fmt.Sprintf("release-%d", round%3) // sometimes fresh, sometimes replacing
		var wg sync.WaitGroup
		codes := make([]int, 2)
		stderrs := make([]*bytes.Buffer, 2)
		for i, v := range []string{"v1", "v2"} {
			cmd := exec.Command(filepath.Join(p.bin, "release-bundle"), "--src", "soak", "--reports", "reports", "--out", out, "--version", v)
			cmd.Dir, cmd.Env = p.dir, p.env
			stderrs[i] = &bytes.Buffer{}
			cmd.Stderr = stderrs[i]
			wg.Add(1)
			go func() { defer wg.Done(); codes[i] = exitCode(cmd.Run()) }()
		}
		wg.Wait()
		outcomes[fmt.Sprint(codes)]++
		for i, c := range codes {
			if c != 0 && c != 2 {
				t.Fatalf("round %d: release-bundle exit %d:\n%s", round, c, stderrs[i].String())
			}
			if c == 2 && strings.Count(stderrs[i].String(), "\n") > 2 {
				t.Errorf("round %d: loser's stderr:\n%s", round, stderrs[i].String())
			}
		}
		if codes[0] != 0 && codes[1] != 0 {
			t.Fatalf("round %d: neither release-bundle wrote the bundle:\n%s\n%s", round, stderrs[0].String(), stderrs[1].String())
		}
		if code, _ := p.run("release-bundle", "verify", out); code != 0 {
			t.Fatalf("round %d: the bundle left does not verify:\n%s", round, p.stderr.String())
		}
		got := readFiles(t, filepath.Join(p.dir, out))
		if !sameFiles(got, refs["v1"]) && !sameFiles(got, refs["v2"]) {
			t.Fatalf("round %d: the bundle left is neither run's bundle", round)
		}
	}
	t.Logf("outcomes [v1 v2] exit codes: %v", outcomes)
}

func readFiles(t *testing.T, root string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		files[rel] = data
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func sameFiles(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || !bytes.Equal(v, w) {
			return false
		}
	}
	return true
}
