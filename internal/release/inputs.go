package release

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// Inputs are the files a bundle is assembled from, found in the layouts
// soakline writes and the Python toolkit wrote.
type Inputs struct {
	SoakDir    string // the directory holding the ITER_SUMMARY files
	ReportsDir string // "" when no reports were found
	// Paths maps a bundle file name (and artifact.OverridesFile) to the
	// path it is read from.
	Paths map[string]string
	// Missing says, one line each, what is missing and where it was looked
	// for. A bundle is built only when it is empty.
	Missing []string
}

// reportFiles are the files soak-reports writes (build_reports in the
// Python toolkit).
var reportFiles = []string{artifact.SnapshotFile, AuditFile, RecommendationsFile, FailuresFile}

// Locate finds the inputs of a bundle of the soak at src, with the reports
// in reports ("" to search): the reports in <src>/reports/analysis, then
// in the layouts of the Python toolkit (<soak>/reports/analysis where the
// soak is <src>/soak/latest or <src>/latest, then the soak directory
// itself, where its analyzer wrote them); DELTA_VERIFY_REPORT.json in the
// reports directory, then the soak directory (soak-gate --out); the
// overrides in the soak directory, its parent (the Python toolkit's
// artifacts/soak/runtime_overrides.json), <src>, <src>/soak and the parent
// of <src>.
//
// A file counts as found when its name exists, whatever it is: a found
// file that is a directory, or a symbolic link out of its directory, is
// refused when it is read (soakdir.CheckRegular), not skipped for another
// layout. The error is an input error that a missing file is not: a soak
// directory whose iteration files cannot be listed (unreadable, or two
// files claiming one iteration), as soak-gate reports it.
func Locate(src, reports string) (*Inputs, error) {
	in := &Inputs{Paths: map[string]string{}}
	// An unreadable --src or --reports is an input error (exit 2), like
	// any unreadable path; "missing" is for what a readable soak lacks.
	for _, d := range []struct{ flag, path string }{{"--src", src}, {"--reports", reports}} {
		if d.path == "" {
			continue
		}
		fi, err := os.Stat(d.path)
		switch {
		case err != nil:
			return nil, &fileerr.Error{File: d.path, Err: fmt.Errorf("%s: %s", d.flag, reason(err))}
		case !fi.IsDir():
			return nil, &fileerr.Error{File: d.path, Err: fmt.Errorf("%s: not a directory", d.flag)}
		}
	}
	soak, err := soakdir.ResolveDir(src)
	if err != nil {
		soak = src
	}
	in.SoakDir = soak
	if files, _, err := soakdir.ListIterations(soak); err != nil {
		return nil, err
	} else if len(files) == 0 {
		// ResolveDir passes over a layout it cannot list; say why rather
		// than "none".
		layouts := uniq(src, filepath.Join(src, "soak", "latest"), filepath.Join(src, "latest"))
		for _, d := range layouts {
			if _, _, err := soakdir.ListIterations(d); err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
				return nil, err
			}
		}
		in.Missing = append(in.Missing, fmt.Sprintf("ITER_SUMMARY_<n>.json: none in %s", lookedIn(layouts)))
	}

	var cands []string
	if reports != "" {
		cands = []string{reports}
	} else {
		cands = uniq(filepath.Join(src, "reports", "analysis"), filepath.Join(soak, "reports", "analysis"), soak, src)
	}
	for _, d := range cands {
		if exists(filepath.Join(d, artifact.SnapshotFile)) {
			in.ReportsDir = d
			break
		}
	}
	if in.ReportsDir == "" {
		for _, d := range cands {
			for _, f := range reportFiles {
				if in.ReportsDir == "" && exists(filepath.Join(d, f)) {
					in.ReportsDir = d
				}
			}
		}
	}
	for _, f := range reportFiles {
		if in.ReportsDir != "" && exists(filepath.Join(in.ReportsDir, f)) {
			in.Paths[f] = filepath.Join(in.ReportsDir, f)
			continue
		}
		where := cands
		if in.ReportsDir != "" {
			where = []string{in.ReportsDir}
		}
		in.Missing = append(in.Missing, fmt.Sprintf("%s: not in %s (soak-reports --out DIR writes it)", f, lookedIn(where)))
	}

	deltaDirs := uniq(in.ReportsDir, soak, src)
	if p := first(deltaDirs, artifact.DeltaVerifyFile); p != "" {
		in.Paths[artifact.DeltaVerifyFile] = p
	} else {
		in.Missing = append(in.Missing, fmt.Sprintf("%s: not in %s (soak-gate --out DIR writes it; the Python toolkit's verify_deltas_applied --json printed it)", artifact.DeltaVerifyFile, lookedIn(deltaDirs)))
	}

	ovDirs := uniq(soak, filepath.Dir(filepath.Clean(soak)), src, filepath.Join(src, "soak"), filepath.Dir(filepath.Clean(src)))
	if p := first(ovDirs, artifact.OverridesFile); p != "" {
		in.Paths[artifact.OverridesFile] = p
	} else {
		in.Missing = append(in.Missing, fmt.Sprintf("%s: not in %s", artifact.OverridesFile, lookedIn(ovDirs)))
	}
	return in, nil
}

func reason(err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return "does not exist"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// exists reports whether the name p exists (see Locate).
func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

func first(dirs []string, name string) string {
	for _, d := range dirs {
		if p := filepath.Join(d, name); exists(p) {
			return p
		}
	}
	return ""
}

// uniq drops empty and repeated directories (compared cleaned).
func uniq(dirs ...string) []string {
	seen := map[string]bool{}
	var out []string
	for _, d := range dirs {
		if d == "" {
			continue
		}
		c := filepath.Clean(d)
		if seen[c] {
			continue
		}
		seen[c] = true
		out = append(out, c)
	}
	return out
}

func lookedIn(dirs []string) string {
	if len(dirs) == 1 {
		return dirs[0]
	}
	return strings.Join(dirs[:len(dirs)-1], ", ") + " or " + dirs[len(dirs)-1]
}
