package soakdir

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestNearMissNames: files named almost like an iteration summary (a
// browser's download copy "ITER_SUMMARY_7 (1).json", another case, a
// suffix) are not read, and a data-quality note names them, quoted; other
// files are ignored without a word. Issue 16.
func TestNearMissNames(t *testing.T) {
	tests := []struct {
		name  string
		extra []string
		want  string // "" for no note
	}{
		{"download copy", []string{"ITER_SUMMARY_7 (1).json"},
			`ignored a file named like an iteration summary but not ITER_SUMMARY_<n>.json (a download copy?): "ITER_SUMMARY_7 (1).json"; rename it to be read`},
		{"case and suffix", []string{"iter_summary_3.json", "ITER_SUMMARY_3.json.bak", "ITER_SUMMARY_0.json"},
			`ignored 3 files named like an iteration summary but not ITER_SUMMARY_<n>.json (a download copy?): "ITER_SUMMARY_0.json", "ITER_SUMMARY_3.json.bak", "iter_summary_3.json"; rename them to be read`},
		{"control characters quoted", []string{"ITER_SUMMARY_1\n- [ ] x.json"},
			`ignored a file named like an iteration summary but not ITER_SUMMARY_<n>.json (a download copy?): "ITER_SUMMARY_1\n- [ ] x.json"; rename it to be read`},
		{"many", []string{"ITER_SUMMARY_1 (1).json", "ITER_SUMMARY_1 (2).json", "ITER_SUMMARY_1 (3).json", "ITER_SUMMARY_1 (4).json", "ITER_SUMMARY_1 (5).json", "ITER_SUMMARY_1 (6).json", "ITER_SUMMARY_1 (7).json"},
			`ignored 7 files named like an iteration summary but not ITER_SUMMARY_<n>.json (a download copy?): "ITER_SUMMARY_1 (1).json", "ITER_SUMMARY_1 (2).json", "ITER_SUMMARY_1 (3).json", "ITER_SUMMARY_1 (4).json", "ITER_SUMMARY_1 (5).json" and 2 more; rename them to be read`},
		{"other files", []string{"notes.txt", "POST_SOAK_METRICS.prom", "ITER.json"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			legacySoak(t, dir, 8)
			for _, n := range tc.extra {
				if err := os.WriteFile(filepath.Join(dir, n), []byte("{}"), 0o644); err != nil {
					t.Skipf("file name %q: %v", n, err)
				}
			}
			s, err := Load(context.Background(), dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Iterations) != 8 {
				t.Fatalf("%d iterations, want 8", len(s.Iterations))
			}
			var got []string
			for _, w := range s.Warnings {
				if strings.HasPrefix(w, "ignored ") {
					got = append(got, w)
				}
			}
			var want []string
			if tc.want != "" {
				want = []string{tc.want}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("notes (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBothLayouts: with both src/soak/latest and src/latest, the first is
// read (as before), a note says so and names the other, and Path (the
// verdict's source.path) is the directory read. Issue 16.
func TestBothLayouts(t *testing.T) {
	root := t.TempDir()
	src := filepath.Join(root, "src")
	legacySoak(t, filepath.Join(src, "soak", "latest"), 8)
	legacySoak(t, filepath.Join(src, "latest"), 3)
	s, err := Load(context.Background(), src, nil)
	if err != nil {
		t.Fatal(err)
	}
	read, other := filepath.Join(src, "soak", "latest"), filepath.Join(src, "latest")
	if s.Dir != read || s.Path != read || len(s.Iterations) != 8 {
		t.Fatalf("Dir %q Path %q, %d iterations; want %q and 8", s.Dir, s.Path, len(s.Iterations), read)
	}
	want := fmt.Sprintf("soak directory: read %s; %s exists too and was not read (name it to judge it)", read, other)
	if !slices.Contains(s.Warnings, want) {
		t.Errorf("warnings %q lack %q", s.Warnings, want)
	}
	// Only one layout: no note, Path still names it.
	os.RemoveAll(other)
	s, err = Load(context.Background(), src, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Path != read || slices.ContainsFunc(s.Warnings, func(w string) bool { return strings.HasPrefix(w, "soak directory:") }) {
		t.Errorf("one layout: Path %q, warnings %q", s.Path, s.Warnings)
	}
}
