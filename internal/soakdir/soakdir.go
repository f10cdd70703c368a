// Package soakdir loads a soak — a soak directory written by soak-run or by
// the Python toolkit, or a JSON Lines stream of its artifacts — into memory
// for the stages that judge, report and bundle it.
package soakdir

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/sync/errgroup"

	"github.com/soakline/soakline/pkg/artifact"
)

// Soak is everything a soak left behind.
type Soak struct {
	// Path is what the user named; Dir the directory the files were read
	// from ("" for a stream).
	Path string
	Dir  string
	// Iterations holds the iteration summaries in numeric order.
	Iterations []*artifact.IterationSummary
	// Report, Overrides and Run are nil when the soak has none.
	Report        *artifact.TuningReport
	Overrides     *artifact.Overrides
	OverridesPath string
	Run           *artifact.RunRecord
	// Warnings are data-quality notes: gaps, legacy input, a running soak.
	Warnings []string
	// Legacy is true when any iteration came from the Python toolkit.
	Legacy bool
	// Digest is the sha256 over the iteration files' names and contents,
	// in order: which data was judged.
	Digest string
}

// Numbers returns the iteration numbers.
func (s *Soak) Numbers() []int {
	ns := make([]int, len(s.Iterations))
	for i, it := range s.Iterations {
		ns[i] = it.Iteration
	}
	return ns
}

// ResolveDir finds the soak directory under path, probing the layouts the
// Python toolkit used: path itself, path/soak/latest, path/latest.
func ResolveDir(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if !fi.IsDir() {
		return "", &artifact.Error{File: path, Err: errors.New("not a directory")}
	}
	for _, cand := range []string{path, filepath.Join(path, "soak", "latest"), filepath.Join(path, "latest")} {
		files, _, err := artifact.ListIterations(cand)
		if err == nil && len(files) > 0 {
			return cand, nil
		}
	}
	return path, nil
}

// Load reads the soak at path: a directory, a JSON Lines file, or "-" for
// a JSON Lines stream on stdin. Iteration files are read in parallel and
// kept in iteration order; with several bad files, the error names the
// lowest-numbered one.
func Load(ctx context.Context, path string, stdin io.Reader) (*Soak, error) {
	if path == "-" {
		return loadStream(ctx, "<stdin>", stdin)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, pathError(path, err)
	}
	if !fi.IsDir() {
		f, err := os.Open(path)
		if err != nil {
			return nil, pathError(path, err)
		}
		defer f.Close()
		s, err := loadStream(ctx, path, f)
		if err != nil {
			return nil, err
		}
		s.Path = path
		return s, nil
	}
	dir, err := ResolveDir(path)
	if err != nil {
		return nil, pathError(path, err)
	}
	return loadDir(ctx, path, dir)
}

func pathError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return &artifact.Error{File: path, Err: pe.Err}
	}
	return &artifact.Error{File: path, Err: err}
}

func loadDir(ctx context.Context, path, dir string) (*Soak, error) {
	files, gaps, err := artifact.ListIterations(dir)
	if err != nil {
		return nil, err
	}
	s := &Soak{Path: path, Dir: dir, Warnings: gaps}
	s.Iterations = make([]*artifact.IterationSummary, len(files))
	sums := make([][32]byte, len(files))
	errs := make([]error, len(files))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(2 * runtime.GOMAXPROCS(0))
	for i, f := range files {
		g.Go(func() error {
			if gctx.Err() != nil {
				return gctx.Err()
			}
			it, sum, err := readIteration(dir, f)
			if err != nil {
				errs[i] = err
				return nil // keep going: report the lowest-numbered bad file
			}
			s.Iterations[i], sums[i] = it, sum
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	h := sha256.New()
	for i, f := range files {
		fmt.Fprintf(h, "%s %x\n", f.Name, sums[i])
		if s.Iterations[i].Legacy {
			s.Legacy = true
		}
	}
	s.Digest = hex.EncodeToString(h.Sum(nil))
	if err := s.readExtras(dir); err != nil {
		return nil, err
	}
	s.finish()
	return s, nil
}

func readIteration(dir string, f artifact.IterFile) (*artifact.IterationSummary, [32]byte, error) {
	name, n := filepath.Join(dir, f.Name), f.N
	// The listing already says what a regular file is; only the rest needs
	// a closer look (symbolic links, directories, devices).
	if !f.Type.IsRegular() {
		if err := checkRegular(name); err != nil {
			return nil, [32]byte{}, err
		}
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, [32]byte{}, pathError(name, err)
	}
	it, err := artifact.DecodeIterationSummary(name, data)
	if err != nil {
		return nil, [32]byte{}, err
	}
	if it.Iteration != n {
		return nil, [32]byte{}, artifact.Errorf(name, 0, "file name says iteration %d, content says %d", n, it.Iteration)
	}
	return it, sha256.Sum256(data), nil
}

// CheckRegular refuses anything but a regular file, and symbolic links
// that lead out of the directory holding name, as Load does for the
// iteration files. The error names the file.
func CheckRegular(name string) error { return checkRegular(name) }

// checkRegular refuses anything but a regular file, and symbolic links
// that lead out of the soak directory.
func checkRegular(name string) error {
	fi, err := os.Lstat(name)
	if err != nil {
		return pathError(name, err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		target, err := filepath.EvalSymlinks(name)
		if err != nil {
			return pathError(name, err)
		}
		dir, _ := filepath.Abs(filepath.Dir(name))
		if rd, err := filepath.EvalSymlinks(dir); err == nil {
			dir = rd
		}
		rel, err := filepath.Rel(dir, target)
		if err != nil || rel == ".." || filepath.IsAbs(rel) || len(rel) > 2 && rel[:3] == ".."+string(filepath.Separator) {
			return artifact.Errorf(name, 0, "symbolic link points out of the soak directory")
		}
		fi, err = os.Stat(name)
		if err != nil {
			return pathError(name, err)
		}
	}
	if !fi.Mode().IsRegular() {
		return artifact.Errorf(name, 0, "not a regular file")
	}
	return nil
}

// readExtras reads the ledger, the overrides and the run record when they
// exist. The overrides are looked for where soak-run writes them and where
// the Python toolkit did (one directory up).
func (s *Soak) readExtras(dir string) error {
	if data, ok, err := readOptional(filepath.Join(dir, artifact.TuningReportFile)); err != nil {
		return err
	} else if ok {
		r, err := artifact.DecodeTuningReport(filepath.Join(dir, artifact.TuningReportFile), data)
		if err != nil {
			return err
		}
		s.Report = r
	}
	if data, ok, err := readOptional(filepath.Join(dir, artifact.RunFile)); err != nil {
		return err
	} else if ok {
		var r artifact.RunRecord
		if err := artifact.Decode(filepath.Join(dir, artifact.RunFile), data, artifact.KindRun, &r); err != nil {
			return err
		}
		s.Run = &r
	}
	for _, cand := range []string{filepath.Join(dir, artifact.OverridesFile), filepath.Join(dir, "..", artifact.OverridesFile)} {
		data, ok, err := readOptional(cand)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		o, err := artifact.DecodeOverrides(cand, data)
		if err != nil {
			return err
		}
		s.Overrides, s.OverridesPath = o, cand
		break
	}
	return nil
}

func readOptional(name string) ([]byte, bool, error) {
	if _, err := os.Lstat(name); errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err := checkRegular(name); err != nil {
		return nil, false, err
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, false, pathError(name, err)
	}
	return data, true, nil
}

// finish adds the data-quality notes every reader wants.
func (s *Soak) finish() {
	if s.Legacy {
		s.Warnings = append(s.Warnings, "legacy input: iteration summaries written by the Python toolkit")
	}
	if s.Run != nil && s.Run.State == artifact.RunRunning {
		s.Warnings = append(s.Warnings, fmt.Sprintf("the soak is still running or was killed (%d of %d iterations done)", s.Run.IterationsDone, s.Run.IterationsPlanned))
	}
	if s.Report != nil && len(s.Iterations) > 0 {
		// A reader racing a writer may see the ledger one iteration ahead of
		// the summaries; judge only whole iterations.
		last := s.Iterations[len(s.Iterations)-1].Iteration
		ahead := func(e *artifact.Tuning) bool { return e.Iteration > last }
		n := 0
		for i := range s.Report.Iterations {
			if ahead(&s.Report.Iterations[i]) {
				n++
			}
		}
		if n > 0 { // rare: copy only then (a ledger can hold 100,000 entries)
			kept := make([]artifact.Tuning, 0, len(s.Report.Iterations)-n)
			for i := range s.Report.Iterations {
				if !ahead(&s.Report.Iterations[i]) {
					kept = append(kept, s.Report.Iterations[i])
				}
			}
			s.Report.Iterations = kept
			s.Report.Summarize()
		}
	}
}
