// Package soakdir is where soakline reads and writes files: it lists a soak
// directory, loads a soak — a directory written by soak-run or by the
// Python toolkit, or a JSON Lines stream of its artifacts — into the model
// the stages that judge, report and bundle it consume (Soak),
// reads JSON Lines streams, and writes files atomically.
//
// Iteration files are read in parallel (golang.org/x/sync/errgroup) and
// kept in iteration order; the Python toolkit's files are converted by
// internal/legacy as they are read.
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
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/soakline/soakline/internal/legacy"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// ResolveDir finds the soak directory under path, probing the layouts the
// Python toolkit used: path itself, path/soak/latest, path/latest.
func ResolveDir(path string) (string, error) {
	dir, _, err := resolveDir(path)
	return dir, err
}

// resolveDir is ResolveDir, also returning the listing of the directory it
// found, so that Load does not list 100,000 files twice.
func resolveDir(path string) (string, *listing, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", nil, err
	}
	if !fi.IsDir() {
		return "", nil, &fileerr.Error{File: path, Err: errors.New("not a directory")}
	}
	cands := legacy.SoakDirs(path)
	for i, cand := range cands {
		ls, err := listIterations(cand)
		if err != nil || len(ls.files) == 0 {
			continue
		}
		if i == 1 {
			// Both layouts under path: say which was read rather than
			// choose silently (source.path names it too).
			if fi, err := os.Stat(cands[2]); err == nil && fi.IsDir() {
				ls.notes = append([]string{fmt.Sprintf("soak directory: read %s; %s exists too and was not read (name it to judge it)", cand, cands[2])}, ls.notes...)
			}
		}
		return cand, ls, nil
	}
	return path, nil, nil
}

// listing is a soak directory's iteration files in numeric order, and
// the data-quality notes of the listing: gaps in the numbering, files
// named almost like iteration summaries.
type listing struct {
	files []IterFile
	notes []string
}

// maxNamedNearMisses bounds the file names one near-miss note quotes.
const maxNamedNearMisses = 5

// listIterations is ListIterations, also noting the files it
// ignores whose names start like an iteration summary's
// ("ITER_SUMMARY_7 (1).json", a browser's download copy; "iter_summary_7.json"):
// a user who copied one in expects it read. The check costs one
// comparison per file that is not an iteration summary.
func listIterations(dir string) (*listing, error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	entries, err := d.ReadDir(-1)
	d.Close()
	if err != nil {
		return nil, err
	}
	files := make([]IterFile, 0, len(entries))
	var near []string
	for _, e := range entries {
		name := e.Name()
		n, ok := ParseIterationFileName(name)
		if !ok {
			if len(name) >= len(iterPrefix) && strings.EqualFold(name[:len(iterPrefix)], iterPrefix) {
				near = append(near, name)
			}
			continue
		}
		files = append(files, IterFile{N: n, Name: name, Type: e.Type()})
	}
	sort.Slice(files, func(i, j int) bool {
		if files[i].N != files[j].N {
			return files[i].N < files[j].N
		}
		return files[i].Name < files[j].Name
	})
	for i := 1; i < len(files); i++ {
		if files[i].N == files[i-1].N {
			return nil, &fileerr.Error{File: dir, Err: fmt.Errorf("%s and %s both claim iteration %d", files[i-1].Name, files[i].Name, files[i].N)}
		}
	}
	ns := make([]int, len(files))
	for i, f := range files {
		ns[i] = f.N
	}
	ls := &listing{files: files, notes: Gaps(ns)}
	if len(near) > 0 {
		ls.notes = append(ls.notes, nearMissNote(near))
	}
	return ls, nil
}

const iterPrefix = "ITER_SUMMARY"

// nearMissNote names the ignored files (quoted: the names are a
// stranger's), the first few of them in name order.
func nearMissNote(names []string) string {
	sort.Strings(names)
	quoted := make([]string, 0, min(len(names), maxNamedNearMisses))
	for _, n := range names[:min(len(names), maxNamedNearMisses)] {
		quoted = append(quoted, strconv.Quote(n))
	}
	more := ""
	if len(names) > maxNamedNearMisses {
		more = fmt.Sprintf(" and %d more", len(names)-maxNamedNearMisses)
	}
	what, it := "a file", "it"
	if len(names) > 1 {
		what, it = fmt.Sprintf("%d files", len(names)), "them"
	}
	return fmt.Sprintf("ignored %s named like an iteration summary but not ITER_SUMMARY_<n>.json (a download copy?): %s%s; rename %s to be read", what, strings.Join(quoted, ", "), more, it)
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
		return nil, fileerr.PathError(path, err)
	}
	if !fi.IsDir() {
		f, err := os.Open(path)
		if err != nil {
			return nil, fileerr.PathError(path, err)
		}
		defer f.Close()
		s, err := loadStream(ctx, path, f)
		if err != nil {
			return nil, err
		}
		s.Path = path
		return s, nil
	}
	// The ledger of a soak given as its own directory (the usual case) is
	// read while the directory is listed: listing 100,000 files keeps
	// one core busy for a tenth of a second, and the ledger takes three.
	early := startLedger(path)
	dir, ls, err := resolveDir(path)
	if err != nil {
		early.wait()
		return nil, fileerr.PathError(path, err)
	}
	if ls == nil {
		// Nothing to judge; listIterations says why (an unreadable
		// directory) or gives an empty listing.
		l, err := listIterations(dir)
		if err != nil {
			early.wait()
			return nil, err
		}
		ls = l
	}
	lr := early
	if dir != path {
		early.wait()
		lr = startLedger(dir)
	}
	return loadDir(ctx, path, dir, ls, lr)
}

// ledgerRead is the ledger of a soak directory, read in a goroutine of its
// own while the iteration files are read.
type ledgerRead struct {
	done   chan struct{}
	rep    *artifact.TuningReport
	digest string // sha256 hex of the bytes read
	err    error
	index  atomic.Pointer[ledgerIndex] // set as soon as the ledger is there
}

func startLedger(dir string) *ledgerRead {
	lr := &ledgerRead{done: make(chan struct{})}
	go func() {
		defer close(lr.done)
		lr.rep, lr.digest, lr.err = readLedger(dir)
		if lr.rep != nil {
			lr.index.Store(&ledgerIndex{lr.rep.Iterations})
		}
	}()
	return lr
}

func (lr *ledgerRead) wait() { <-lr.done }

func loadDir(ctx context.Context, path, dir string, ls *listing, lr *ledgerRead) (*Soak, error) {
	files := ls.files
	if dir != path {
		path = dir // what was read, for source.path
	}
	s := &Soak{Path: path, Dir: dir, Warnings: ls.notes}
	s.Iterations = make([]*artifact.IterationSummary, len(files))
	sums := make([][32]byte, len(files))
	err := readIterations(ctx, dir, files, s.Iterations, sums, lr)
	ledger, ledgerDigest, ledgerErr := lr.rep, lr.digest, lr.err
	if err != nil {
		return nil, err
	}
	// "name hex\n" per file, as fmt.Fprintf(h, "%s %x\n") writes it,
	// without fmt's cost at 100,000 files.
	h := sha256.New()
	line := make([]byte, 0, 128)
	for i, f := range files {
		line = append(append(line[:0], f.Name...), ' ')
		line = append(hex.AppendEncode(line, sums[i][:]), '\n')
		h.Write(line)
		if s.Iterations[i].Legacy {
			s.Legacy = true
		}
	}
	s.Digest = hex.EncodeToString(h.Sum(nil))
	if ledgerErr != nil {
		return nil, ledgerErr
	}
	s.Report, s.LedgerDigest = ledger, ledgerDigest
	if err := readExtras(s, dir); err != nil {
		return nil, err
	}
	finish(s)
	return s, nil
}

// readIterations reads and decodes files into its and their digests into
// sums, both indexed like files, while lr reads the ledger. One worker per
// CPU takes the next file in order, reusing its read buffer and decoder
// from file to file; once the ledger is there, summaries share its entries
// (see ledgerIndex). When files are bad, the error names the lowest-numbered
// one, and files after it are skipped. It returns when lr is done too.
func readIterations(ctx context.Context, dir string, files []IterFile, its []*artifact.IterationSummary, sums [][32]byte, lr *ledgerRead) (err error) {
	defer lr.wait()
	var (
		next atomic.Int64
		mu   sync.Mutex
		bad  atomic.Int64 // index of the lowest-numbered bad file so far
	)
	bad.Store(int64(len(files)))
	g, gctx := errgroup.WithContext(ctx)
	for range max(1, min(runtime.GOMAXPROCS(0), len(files))) {
		g.Go(func() error {
			buf := make([]byte, 0, 16<<10)
			for {
				i := next.Add(1) - 1
				if i >= bad.Load() {
					return nil
				}
				if err := gctx.Err(); err != nil {
					return err
				}
				it, data, ierr := readIteration(dir, files[i], buf)
				if ierr != nil {
					mu.Lock()
					if i < bad.Load() {
						bad.Store(i)
						err = ierr
					}
					mu.Unlock()
					continue
				}
				if l := lr.index.Load(); l != nil {
					l.share(it)
				}
				its[i], sums[i], buf = it, sha256.Sum256(data), data
			}
		})
	}
	if werr := g.Wait(); werr != nil {
		return werr
	}
	if err != nil {
		return err
	}
	// The summaries read before the ledger was there.
	lr.wait()
	if l := lr.index.Load(); l != nil {
		for _, it := range its {
			l.share(it)
		}
	}
	return nil
}

// readIteration reads and decodes one ITER_SUMMARY file into buf; it
// returns the summary and the file's contents (in buf or a larger buffer,
// for the next file).
func readIteration(dir string, f IterFile, buf []byte) (*artifact.IterationSummary, []byte, error) {
	name, n := filepath.Join(dir, f.Name), f.N
	// The listing already says what a regular file is; only the rest needs
	// a closer look (symbolic links, directories, devices).
	if !f.Type.IsRegular() {
		if err := checkRegular(name); err != nil {
			return nil, nil, err
		}
	}
	data, err := readFile(name, buf)
	if err != nil {
		return nil, nil, fileerr.PathError(name, err)
	}
	it, err := legacy.IterationSummary(name, data)
	if err != nil {
		return nil, nil, err
	}
	if it.Iteration != n {
		return nil, nil, fileerr.Errorf(name, 0, "file name says iteration %d, content says %d", n, it.Iteration)
	}
	return it, data, nil
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
		return fileerr.PathError(name, err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		target, err := filepath.EvalSymlinks(name)
		if err != nil {
			return fileerr.PathError(name, err)
		}
		// EvalSymlinks keeps a relative name relative; compare absolute
		// paths, or a link inside a soak given as a relative path would
		// look like one leading out.
		if target, err = filepath.Abs(target); err != nil {
			return fileerr.PathError(name, err)
		}
		dir, _ := filepath.Abs(filepath.Dir(name))
		if rd, err := filepath.EvalSymlinks(dir); err == nil {
			dir = rd
		}
		rel, err := filepath.Rel(dir, target)
		if err != nil || rel == ".." || filepath.IsAbs(rel) || len(rel) > 2 && rel[:3] == ".."+string(filepath.Separator) {
			return fileerr.Errorf(name, 0, "symbolic link points out of the soak directory")
		}
		fi, err = os.Stat(name)
		if err != nil {
			return fileerr.PathError(name, err)
		}
	}
	if !fi.Mode().IsRegular() {
		return fileerr.Errorf(name, 0, "not a regular file")
	}
	return nil
}

// readExtras reads the run record and the overrides when they exist (the
// ledger is read with the iterations). The overrides are looked for where
// soak-run writes them and where the Python toolkit did (one directory up).
func readExtras(s *Soak, dir string) error {
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
		o, err := legacy.Overrides(cand, data)
		if err != nil {
			return err
		}
		s.Overrides, s.OverridesPath, s.OverridesDigest = o, cand, artifact.Hash(data)
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
	data, err := readCapped(name, capFor(filepath.Base(name))) // limits.go
	if err != nil {
		return nil, false, err
	}
	return data, true, nil
}

// finish adds the data-quality notes every reader wants.
func finish(s *Soak) {
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
