package releasebundle

import (
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestCleanStale pins which directories beside --out a run removes: only
// its own naming pattern, only directories, only older than the run, and
// never one a live run holds.
func TestCleanStale(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no flock: nothing is ever removed")
	}
	dir := t.TempDir()
	start := time.Now()
	past := start.Add(-time.Hour)
	// mk makes a directory holding what release-bundle writes there: a
	// bundle file (under bundle/ in an .old- directory), or file when set.
	mkf := func(name, file string, mtime time.Time) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if file == "" {
			file = "CHANGELOG.md"
			if strings.Contains(name, ".old-") {
				file = "bundle/CHANGELOG.md"
			}
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(p, file)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p, file), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return p
	}
	mk := func(name string, mtime time.Time) string { return mkf(name, "", mtime) }
	mk(".rel.tmp-123", past)                 // killed while building: removed
	mk(".rel.old-456", past)                 // killed while replacing, rel exists: removed
	mk(".rel.tmp-789", start)                // as new as this run: kept
	mk(".rel.tmp-1x", past)                  // not the pattern: kept
	mk(".rel.tmp-", past)                    // not the pattern: kept
	mk(".rel.new-1", past)                   // not the pattern: kept
	mk("rel.tmp-1", past)                    // not hidden: kept
	mk(".release.tmp-1", past)               // another --out: kept
	mk(".rel.tmp-1.tmp-2", past)             // not the pattern: kept
	mk(".rel.tmp-42/.rel.tmp-1", past)       // a directory in a leftover: not ours, kept
	mkf(".rel.tmp-77", "thesis.tex", past)   // a file release-bundle never writes: kept
	mkf(".rel.old-66", "bundle/sub/f", past) // a directory in the bundle: kept
	mkf(".rel.old-67", "notes.txt", past)    // beside the bundle: kept
	live := mk(".rel.tmp-555", past)         // held by a live run: kept
	lk, ok := tryLockDir(live)
	if !ok {
		t.Fatal("cannot lock a fresh directory")
	}
	if err := os.WriteFile(filepath.Join(dir, ".rel.tmp-9"), nil, 0o644); err != nil { // a file: kept
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "rel.tmp-1"), filepath.Join(dir, ".rel.old-8")); err != nil { // a symlink: kept
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "rel"), 0o755); err != nil {
		t.Fatal(err)
	}
	// .rel.tmp-42 was modified by creating its child; age it again.
	for _, d := range []string{".rel.tmp-42", ".rel.old-66"} {
		if err := os.Chtimes(filepath.Join(dir, d), past, past); err != nil {
			t.Fatal(err)
		}
	}

	st := cleanStale(filepath.Join(dir, "rel"), start)
	wantRemoved := []string{".rel.old-456", ".rel.tmp-123"}
	var removed []string
	for _, p := range st.Removed {
		removed = append(removed, filepath.Base(p))
	}
	sort.Strings(removed)
	if diff := cmp.Diff(wantRemoved, removed); diff != "" {
		t.Errorf("removed (-want +got):\n%s", diff)
	}
	if st.Restored != "" {
		t.Errorf("restored %s, want nothing (rel exists)", st.Restored)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	wantLeft := []string{".rel.new-1", ".rel.old-66", ".rel.old-67", ".rel.old-8", ".rel.tmp-", ".rel.tmp-1.tmp-2", ".rel.tmp-1x", ".rel.tmp-42", ".rel.tmp-555", ".rel.tmp-77", ".rel.tmp-789", ".rel.tmp-9", ".release.tmp-1", "rel", "rel.tmp-1"}
	if diff := cmp.Diff(wantLeft, left); diff != "" {
		t.Errorf("left (-want +got):\n%s", diff)
	}

	// Once the live run is gone, its directory is a leftover too.
	lk.unlock()
	st = cleanStale(filepath.Join(dir, "rel"), start)
	if len(st.Removed) != 1 || filepath.Base(st.Removed[0]) != ".rel.tmp-555" {
		t.Errorf("after unlock removed %v, want .rel.tmp-555", st.Removed)
	}
}

// TestCleanStaleKeepsUnverifiedAside: with --out absent, an aside whose
// bundle does not verify is not put back as --out (it is removed).
func TestCleanStaleKeepsUnverifiedAside(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no flock")
	}
	dir := t.TempDir()
	aside := filepath.Join(dir, ".rel.old-1")
	if err := os.MkdirAll(filepath.Join(aside, "bundle"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(aside, "bundle", "CHANGELOG.md"), []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Minute)
	if err := os.Chtimes(aside, past, past); err != nil {
		t.Fatal(err)
	}
	st := cleanStale(filepath.Join(dir, "rel"), time.Now())
	if st.Restored != "" || len(st.Removed) != 1 {
		t.Errorf("got %+v, want the aside removed and nothing restored", st)
	}
	if _, err := os.Lstat(filepath.Join(dir, "rel")); err == nil {
		t.Error("a bundle that does not verify became --out")
	}
}
