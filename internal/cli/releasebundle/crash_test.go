package releasebundle_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

var crashLong = flag.Bool("crash.long", false, "run the long crash loop (make crash)")

// TestCrashBundle kills release-bundle with SIGKILL at random moments,
// again and again into the same --out, alternating the release version so
// that every run replaces the previous bundle. After every kill, whatever
// "release-bundle verify" accepts as a complete bundle must be, byte for
// byte, one of the two bundles a finished run writes (the one being
// replaced or the one being written): a killed run never leaves a partial
// or mixed bundle that verifies. A run that was not killed must leave the
// new bundle. At the end an uninterrupted run into the same --out
// succeeds: nothing a kill left behind blocks the next release.
func TestCrashBundle(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL")
	}
	kills := 24
	if *crashLong {
		kills = 400
	} else if testing.Short() {
		kills = 6
	}
	bin := buildBinaries(t, "soak-run", "soak-gate", "soak-reports", "release-bundle")
	dir := t.TempDir()
	env := append(os.Environ(), "SOURCE_DATE_EPOCH=1767225600")
	run := func(name string, args ...string) (int, string) {
		t.Helper()
		cmd := exec.Command(filepath.Join(bin, name), args...)
		cmd.Dir, cmd.Env = dir, env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), stderr.String()
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return 0, stderr.String()
	}
	must := func(name string, args ...string) {
		t.Helper()
		if code, stderr := run(name, args...); code != 0 {
			t.Fatalf("%s %s: exit %d\n%s", name, strings.Join(args, " "), code, stderr)
		}
	}

	// The inputs: a passing soak, its reports and delta verification.
	must("soak-run", "--mock", "--iterations", "10", "--auto-tune", "--events", "3000", "--out", "soak")
	must("soak-reports", "soak", "--out", "reports")
	must("soak-gate", "soak", "--out", "reports")

	// The two bundles a finished run can leave, and how long a run takes.
	versions := []string{"v1.0.0", "v1.0.1"}
	refs := map[string]map[string][]byte{}
	var took time.Duration
	for _, v := range versions {
		start := time.Now()
		must("release-bundle", "--src", "soak", "--reports", "reports", "--out", "ref-"+v, "--version", v)
		took = max(took, time.Since(start))
		must("release-bundle", "verify", "ref-"+v)
		refs[v] = readTree(t, filepath.Join(dir, "ref-"+v))
	}
	out := filepath.Join(dir, "release")
	args := func(v string) []string {
		return []string{"--src", "soak", "--reports", "reports", "--out", "release", "--version", v}
	}
	must("release-bundle", args(versions[0])...)

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	var killed, finished, verified int
	for i := 0; i < kills; i++ {
		v := versions[(i+1)%2]
		delay := time.Duration(rng.Int64N(int64(took) * 3 / 2))
		code, stderr, wasKilled := runKilled(t, dir, env, filepath.Join(bin, "release-bundle"), args(v), delay)
		switch {
		case wasKilled:
			killed++
		case code == 0:
			finished++
		default:
			t.Fatalf("kill %d: release-bundle exited %d before the kill:\n%s", i, code, stderr)
		}
		vcode, vstderr := run("release-bundle", "verify", "release")
		if vcode != 0 {
			if !wasKilled {
				t.Fatalf("kill %d: a finished run left a bundle that does not verify (exit %d):\n%s", i, vcode, vstderr)
			}
			if vcode != 1 && vcode != 2 {
				t.Fatalf("kill %d: verify exited %d:\n%s", i, vcode, vstderr)
			}
			continue
		}
		verified++
		got := readTree(t, out)
		switch {
		case sameTree(got, refs[v]):
		case wasKilled && sameTree(got, refs[versions[i%2]]):
		default:
			t.Fatalf("kill %d after %v: verify accepts a bundle that no finished run wrote (killed=%v)", i, delay, wasKilled)
		}
	}

	// Whatever the kills left, the next release goes through.
	must("release-bundle", args(versions[0])...)
	must("release-bundle", "verify", "release")
	if !sameTree(readTree(t, out), refs[versions[0]]) {
		t.Fatal("the final run's bundle differs from the reference bundle")
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".release.*"))
	t.Logf("%d runs: %d killed, %d finished before the kill; verify accepted %d; %d temporary directories left by kills (run took ~%v)",
		kills, killed, finished, verified, len(leftovers), took)
}

// runKilled starts bin with args and sends SIGKILL after delay. It reports
// the exit code and whether the kill ended the process.
func runKilled(t *testing.T, dir string, env []string, bin string, args []string, delay time.Duration) (int, string, bool) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir, cmd.Env = dir, env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(delay, func() { cmd.Process.Signal(syscall.SIGKILL) })
	err := cmd.Wait()
	timer.Stop()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return -1, stderr.String(), true
		}
		return ee.ExitCode(), stderr.String(), false
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, stderr.String(), false
}

func readTree(t *testing.T, root string) map[string][]byte {
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

func sameTree(a, b map[string][]byte) bool {
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

// buildBinaries builds the named commands into a temporary directory and
// returns it: the kills must hit the real process, not a test binary.
func buildBinaries(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	pkgs := make([]string, len(names))
	for i, n := range names {
		pkgs[i] = "github.com/soakline/soakline/cmd/" + n
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", append([]string{"build", "-o", dir + string(filepath.Separator)}, pkgs...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir
}
