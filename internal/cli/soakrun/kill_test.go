package soakrun

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/pkg/artifact"
)

// TestSIGKILLResume builds soak-run, kills it with SIGKILL at random
// moments (also while it is resuming), resumes until it completes, and
// requires exactly the directory an uninterrupted soak writes: every
// iteration once, the ledger consistent, byte for byte.
func TestSIGKILLResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "soak-run")
	build := exec.Command("go", "build", "-o", bin, "github.com/soakline/soakline/cmd/soak-run")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	const iters = 12
	args := func(out string, resume bool) []string {
		a := []string{"--mock", "--iterations", "12", "--auto-tune", "--events", "20000", "--sleep", "0.02", "--out", out}
		if resume {
			a = append(a, "--resume")
		}
		return a
	}
	env := append(os.Environ(), "SOURCE_DATE_EPOCH=1767225600", "SOAK_SLEEP_SECONDS=", "SOAK_SMOKE_MODE=")
	run := func(a []string) (string, error) {
		cmd := exec.Command(bin, a...)
		cmd.Env = env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		return stderr.String(), err
	}
	root := t.TempDir()
	ref := filepath.Join(root, "ref")
	if stderr, err := run(args(ref, false)); err != nil {
		t.Fatalf("reference soak: %v\n%s", err, stderr)
	}
	want := readTree(t, ref)

	dir := filepath.Join(root, "killed")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	kills := 0
	for round := 0; round < 8; round++ {
		// Resume once there is a soak to resume (a kill before the first
		// RUN.json leaves nothing to continue: start again).
		_, statErr := os.Stat(filepath.Join(dir, artifact.RunFile))
		cmd := exec.Command(bin, args(dir, statErr == nil)...)
		cmd.Env = env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		delay := time.Duration(30+rng.IntN(250)) * time.Millisecond
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("round %d: %v\n%s", round, err, stderr.String())
			}
			t.Logf("round %d finished before the kill at %v", round, delay)
		case <-time.After(delay):
			cmd.Process.Kill() // SIGKILL
			<-done
			kills++
			var n int
			if files, _, err := soakdir.ListIterations(dir); err == nil {
				n = len(files)
			}
			t.Logf("round %d: killed after %v with %d summaries", round, delay, n)
			continue
		}
		break
	}
	// Finish whatever is left.
	stderr, err := run(args(dir, true))
	if err != nil {
		t.Fatalf("final resume: %v\n%s", err, stderr)
	}
	if kills > 0 && !strings.Contains(stderr, "already complete") && !strings.Contains(stderr, "resuming") {
		t.Errorf("final resume said: %s", stderr)
	}
	got := readTree(t, dir)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("after %d kills the soak differs from an uninterrupted one (-want +got):\n%s", kills, diff)
	}
	rep := decodeLedger(t, dir)
	if len(rep.Iterations) != iters {
		t.Errorf("ledger has %d entries, want %d", len(rep.Iterations), iters)
	}
	for i, e := range rep.Iterations {
		if e.Iteration != i+1 {
			t.Errorf("ledger entry %d is iteration %d", i, e.Iteration)
		}
	}
	t.Logf("%d kills", kills)
}
