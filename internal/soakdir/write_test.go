package soakdir

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func leftovers(t *testing.T, dir string, keep ...string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if !slices.Contains(keep, e.Name()) {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.json")
	if err := WriteFile(path, []byte("one\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("two\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil || string(data) != "two\n" {
		t.Fatalf("read %q, %v", data, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	if extra := leftovers(t, dir, "out.json"); len(extra) > 0 {
		t.Errorf("left behind: %q", extra)
	}
}

func TestWriteFileRelative(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := WriteFile("rel.json", []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat("rel.json")
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("stat: %v, %v", fi, err)
	}
}

func TestWriteFileFailureLeavesNothing(t *testing.T) {
	t.Run("target is a directory", func(t *testing.T) {
		dir := t.TempDir()
		target := filepath.Join(dir, "out.json")
		if err := os.Mkdir(target, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := WriteFile(target, []byte("x"), 0o644); err == nil {
			t.Fatal("renaming over a directory succeeded")
		}
		if extra := leftovers(t, dir, "out.json"); len(extra) > 0 {
			t.Errorf("left behind: %q", extra)
		}
	})
	t.Run("directory missing", func(t *testing.T) {
		dir := t.TempDir()
		if err := WriteFile(filepath.Join(dir, "no", "out.json"), []byte("x"), 0o644); err == nil {
			t.Fatal("no error")
		}
		if extra := leftovers(t, dir); len(extra) > 0 {
			t.Errorf("left behind: %q", extra)
		}
	})
	t.Run("marshal error keeps the old file", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "v.json")
		if err := WriteJSON(path, map[string]int{"a": 1}); err != nil {
			t.Fatal(err)
		}
		err := WriteJSON(path, map[string]float64{"a": math.NaN()})
		if err == nil || !strings.HasPrefix(err.Error(), path+": ") {
			t.Fatalf("err = %v, want one naming %s", err, path)
		}
		data, _ := os.ReadFile(path)
		if diff := cmp.Diff("{\n  \"a\": 1\n}\n", string(data)); diff != "" {
			t.Errorf("old file changed (-want +got):\n%s", diff)
		}
		if extra := leftovers(t, dir, "v.json"); len(extra) > 0 {
			t.Errorf("left behind: %q", extra)
		}
	})
}

func TestWriteFileAtomicReplace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "runtime_overrides.json")
	a := []byte(strings.Repeat("a", 64<<10))
	b := []byte(strings.Repeat("b", 96<<10))
	if err := WriteFile(path, a, 0o644); err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	var reads, bad atomic.Int64
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				data, err := os.ReadFile(path)
				reads.Add(1)
				if err != nil || !(string(data) == string(a) || string(data) == string(b)) {
					bad.Add(1)
				}
			}
		}()
	}
	for i := range 100 {
		data := a
		if i%2 == 0 {
			data = b
		}
		if err := WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	if bad.Load() > 0 {
		t.Errorf("%d of %d reads saw a torn or missing file", bad.Load(), reads.Load())
	}
	if extra := leftovers(t, dir, "runtime_overrides.json"); len(extra) > 0 {
		t.Errorf("left behind: %q", extra)
	}
}
