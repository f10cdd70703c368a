package soakdir

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

func touch(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestListIterationsNumericOrder(t *testing.T) {
	dir := t.TempDir()
	var want []IterFile
	for n := 120; n >= 1; n-- { // created backwards: the listing must sort
		touch(t, dir, artifact.IterationFileName(n))
	}
	for n := 1; n <= 120; n++ {
		want = append(want, IterFile{N: n, Name: artifact.IterationFileName(n)})
	}
	// Names that are not iteration summaries are left alone.
	touch(t, dir, "ITER_SUMMARY.json", "iter_summary_3.json", "ITER_SUMMARY_3.json.bak", "ITER_SUMMARY_0.json",
		"ITER_SUMMARY_-4.json", "ITER_SUMMARY_+5.json", "ITER_SUMMARY_ 6.json", "ITER_SUMMARY_x.json", "ITER_SUMMARY_.json",
		"ITER_SUMMARY_99999999999999999999999.json", "TUNING_REPORT.json", ".ITER_SUMMARY_8.json.tmp-123")
	got, gaps, err := ListIterations(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if len(gaps) != 0 {
		t.Errorf("gaps = %q, want none", gaps)
	}
}

func TestListIterationsGapsAndTypes(t *testing.T) {
	dir := t.TempDir()
	touch(t, dir, "ITER_SUMMARY_2.json", "ITER_SUMMARY_3.json", "ITER_SUMMARY_7.json", "ITER_SUMMARY_9.json")
	if err := os.Mkdir(filepath.Join(dir, "ITER_SUMMARY_10.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, gaps, err := ListIterations(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []IterFile{
		{N: 2, Name: "ITER_SUMMARY_2.json"}, {N: 3, Name: "ITER_SUMMARY_3.json"}, {N: 7, Name: "ITER_SUMMARY_7.json"},
		{N: 9, Name: "ITER_SUMMARY_9.json"}, {N: 10, Name: "ITER_SUMMARY_10.json", Type: fs.ModeDir},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	wantGaps := []string{"iteration 1 is missing", "iterations 4-6 are missing", "iteration 8 is missing"}
	if diff := cmp.Diff(wantGaps, gaps); diff != "" {
		t.Errorf("gaps (-want +got):\n%s", diff)
	}
}

func TestListIterationsDuplicate(t *testing.T) {
	dir := t.TempDir()
	touch(t, dir, "ITER_SUMMARY_6.json", "ITER_SUMMARY_7.json", "ITER_SUMMARY_07.json", "ITER_SUMMARY_8.json")
	got, _, err := ListIterations(dir)
	if err == nil {
		t.Fatalf("got %v, want a duplicate error", got)
	}
	want := dir + ": ITER_SUMMARY_07.json and ITER_SUMMARY_7.json both claim iteration 7"
	if diff := cmp.Diff(want, err.Error()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	var ae *fileerr.Error
	if !errors.As(err, &ae) {
		t.Errorf("error is %T, want *Error", err)
	}
}

func TestListIterationsMissingDir(t *testing.T) {
	_, _, err := ListIterations(filepath.Join(t.TempDir(), "nope"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want not exist", err)
	}
}

func TestGaps(t *testing.T) {
	tests := []struct {
		ns   []int
		want []string
	}{
		{nil, nil},
		{[]int{1, 2, 3}, nil},
		{[]int{2}, []string{"iteration 1 is missing"}},
		{[]int{1, 5, 6, 100}, []string{"iterations 2-4 are missing", "iterations 7-99 are missing"}},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, Gaps(tc.ns)); diff != "" {
			t.Errorf("Gaps(%v) (-want +got):\n%s", tc.ns, diff)
		}
	}
	if got := JoinWarnings([]string{"a", "b"}); got != "a; b" {
		t.Errorf("JoinWarnings = %q", got)
	}
}
