package soakdir

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"
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
	ls, err := listIterations(dir)
	if err != nil {
		return nil, nil, err
	}
	ns := make([]int, len(ls.files))
	for i, f := range ls.files {
		ns[i] = f.N
	}
	return ls.files, Gaps(ns), nil
}

// ParseIterationFileName returns the iteration number of an
// ITER_SUMMARY_<n>.json name.
func ParseIterationFileName(name string) (int, bool) {
	digits, ok := strings.CutPrefix(name, "ITER_SUMMARY_")
	if !ok {
		return 0, false
	}
	if digits, ok = strings.CutSuffix(digits, ".json"); !ok || digits == "" {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 1 {
		return 0, false
	}
	return n, true
}

// Numbers returns the iteration numbers of s, in its order.
func Numbers(s *Soak) []int {
	ns := make([]int, len(s.Iterations))
	for i, it := range s.Iterations {
		ns[i] = it.Iteration
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
