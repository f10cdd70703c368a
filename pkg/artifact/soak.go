package artifact

import (
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
)

// Well-known file names of a soak directory.
const (
	TuningReportFile = "TUNING_REPORT.json"
	OverridesFile    = "runtime_overrides.json"
	RunFile          = "RUN.json"
	SnapshotFile     = "POST_SOAK_SNAPSHOT.json"
	DeltaVerifyFile  = "DELTA_VERIFY_REPORT.json"
)

// IterFile is one ITER_SUMMARY file of a soak directory.
type IterFile struct {
	N    int
	Name string
	// Type holds the type bits the directory listing gave (fs.ModeSymlink,
	// fs.ModeDir, ...; 0 for a regular file), so that readers can skip a
	// stat of every regular file.
	Type fs.FileMode
}

// ListIterations lists the ITER_SUMMARY_<n>.json files of dir in numeric
// order, with no upper limit. Gaps in the numbering are returned as
// warnings; two files claiming the same iteration (ITER_SUMMARY_7.json and
// ITER_SUMMARY_07.json) are an error.
func ListIterations(dir string) ([]IterFile, []string, error) {
	// Not os.ReadDir: its sort by name is wasted on a listing sorted by
	// number below.
	d, err := os.Open(dir)
	if err != nil {
		return nil, nil, err
	}
	entries, err := d.ReadDir(-1)
	d.Close()
	if err != nil {
		return nil, nil, err
	}
	files := make([]IterFile, 0, len(entries))
	for _, e := range entries {
		n, ok := ParseIterationFileName(e.Name())
		if !ok {
			continue
		}
		files = append(files, IterFile{N: n, Name: e.Name(), Type: e.Type()})
	}
	sort.Slice(files, func(i, j int) bool {
		if files[i].N != files[j].N {
			return files[i].N < files[j].N
		}
		return files[i].Name < files[j].Name
	})
	for i := 1; i < len(files); i++ {
		if files[i].N == files[i-1].N {
			return nil, nil, &Error{File: dir, Err: fmt.Errorf("%s and %s both claim iteration %d", files[i-1].Name, files[i].Name, files[i].N)}
		}
	}
	return files, Gaps(iterNumbers(files)), nil
}

func iterNumbers(files []IterFile) []int {
	ns := make([]int, len(files))
	for i, f := range files {
		ns[i] = f.N
	}
	return ns
}

// Gaps describes the missing numbers in an ascending list of iterations
// (which starts at 1), one warning per gap.
func Gaps(ns []int) []string {
	var out []string
	prev := 0
	for _, n := range ns {
		if n > prev+1 {
			if n == prev+2 {
				out = append(out, fmt.Sprintf("iteration %d is missing", prev+1))
			} else {
				out = append(out, fmt.Sprintf("iterations %d-%d are missing", prev+1, n-1))
			}
		}
		prev = n
	}
	return out
}

// JoinWarnings joins warnings for a one-line message.
func JoinWarnings(ws []string) string { return strings.Join(ws, "; ") }
