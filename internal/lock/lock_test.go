package lock

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func writeLock(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// deadPID returns the PID of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestAcquireRelease(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	me := Self("soak-run")
	l, err := Acquire(path, me)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(me, got); diff != "" {
		t.Errorf("lock content (-want +got):\n%s", diff)
	}
	// A second acquirer (same live PID) is refused and told who holds it.
	_, err = Acquire(path, me)
	var he *HeldError
	if !errors.As(err, &he) {
		t.Fatalf("second Acquire: got %v, want *HeldError", err)
	}
	if !strings.Contains(err.Error(), "soak-run pid ") {
		t.Errorf("error %q does not name the holder", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock file still there after Release: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 0 {
		t.Errorf("left files behind: %v", entries)
	}
}

func TestHeld(t *testing.T) {
	host, _ := os.Hostname()
	dead := deadPID(t)
	for _, tc := range []struct {
		name    string
		content string
		wantErr string // "" means acquired
		stale   bool
	}{
		{"live pid on this host", `{"pid":` + itoa(os.Getppid()) + `,"host":"` + host + `","started_at":"2026-01-01T00:00:00Z","command":"soak-run"}`,
			"in use by soak-run pid " + itoa(os.Getppid()) + " on host " + host + " since 2026-01-01T00:00:00Z", false},
		{"other host is never taken over", `{"pid":` + itoa(dead) + `,"host":"elsewhere","started_at":"2026-01-01T00:00:00Z"}`,
			"in use by pid " + itoa(dead) + " on host elsewhere", false},
		{"dead pid on this host is stale", `{"pid":` + itoa(dead) + `,"host":"` + host + `","started_at":"2026-01-01T00:00:00Z"}`, "", true},
		{"unreadable", `{"pid":`, "cannot be read", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.lock")
			writeLock(t, path, tc.content)
			l, err := Acquire(path, Self("soak-run"))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.stale != (l.Recovered != nil) {
				t.Errorf("Recovered = %v, want stale %v", l.Recovered, tc.stale)
			}
			if err := l.Release(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestStaleRace has many goroutines recover one stale lock at once: exactly
// one may win.
func TestStaleRace(t *testing.T) {
	host, _ := os.Hostname()
	path := filepath.Join(t.TempDir(), "x.lock")
	writeLock(t, path, `{"pid":`+itoa(deadPID(t))+`,"host":"`+host+`"}`)
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			info := Self("soak-run")
			info.Command = "g" + itoa(i) // distinct content per contender
			if _, err := Acquire(path, info); err == nil {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d contenders acquired the lock, want 1", won)
	}
}

func TestReleaseTakenOver(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	l, err := Acquire(path, Self("a"))
	if err != nil {
		t.Fatal(err)
	}
	writeLock(t, path, `{"pid":1,"host":"other"}`)
	if err := l.Release(); err == nil {
		t.Error("Release removed a lock that is not ours")
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestDeadTemps: an acquirer killed between writing its temporary file and
// linking it leaves the file behind; the next holder removes it, but not a
// live acquirer's.
func TestDeadTemps(t *testing.T) {
	host, _ := os.Hostname()
	dir := t.TempDir()
	path := filepath.Join(dir, "x.lock")
	dead := filepath.Join(dir, ".x.lock.tmp-1")
	live := filepath.Join(dir, ".x.lock.tmp-2")
	writeLock(t, dead, `{"pid":`+itoa(deadPID(t))+`,"host":"`+host+`"}`)
	writeLock(t, live, `{"pid":`+itoa(os.Getppid())+`,"host":"`+host+`"}`)
	l, err := Acquire(path, Self("soak-run"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	if _, err := os.Stat(dead); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("dead acquirer's temp file kept: %v", err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("live acquirer's temp file removed: %v", err)
	}
}
