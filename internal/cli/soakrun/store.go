package soakrun

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/soakline/soakline/internal/legacy"
	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// LockFile is the lock soak-run holds in a soak directory while it writes.
const LockFile = ".soak-run.lock"

// IterDir is the directory of per-iteration raw material: iter/<n>/.
const IterDir = "iter"

// store is where a soak's artifacts go: a directory, or a JSON Lines
// stream (with a scratch directory for an --exec command's files).
type store struct {
	dir    string    // where files are written; "" for a mock stream (nothing on disk)
	stream io.Writer // non-nil for --out -
	// overrides holds the bytes of runtime_overrides.json as last written
	// and verified.
	overrides []byte
	// durable makes every write fsync the file and its directory. Writes
	// are atomic (temporary file, rename) either way, which is what
	// survives a killed soak-run; fsync guards against a power loss, worth
	// its cost in an --exec soak of hours, not in a mock soak that reruns
	// in a second (it would triple the mock soak's wall time).
	durable bool
	// own is the directory's ownership log (OwnFile); nil for a stream.
	own *owned
}

// write writes data to path atomically, announced in the ownership log
// first.
func (s *store) write(path string, data []byte) error {
	if s.own != nil {
		if err := s.own.recordFile(filepath.Base(path), data); err != nil {
			return err
		}
	}
	if s.durable {
		return soakdir.WriteFile(path, data, 0o644)
	}
	return soakdir.WriteFileNoSync(path, data, 0o644)
}

// writeJSON marshals v deterministically and writes it atomically.
func (s *store) writeJSON(path string, v any) error {
	data, err := artifact.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return s.write(path, data)
}

func (s *store) path(name string) string { return filepath.Join(s.dir, name) }

// overridesPath is the file the system under test reads, "" when there is
// none (a mock stream).
func (s *store) overridesPath() string {
	if s.dir == "" {
		return ""
	}
	return s.path(artifact.OverridesFile)
}

// makeIterDir creates a fresh, empty iter/<n> (see owned.makeIterDir); a
// stream's scratch directory has no ownership log and needs none.
func (s *store) makeIterDir(n int) (string, error) {
	if s.own != nil {
		return s.own.makeIterDir(n)
	}
	d := filepath.Join(s.dir, IterDir, strconv.Itoa(n))
	if err := os.MkdirAll(d, 0o755); err != nil {
		return "", err
	}
	return d, nil
}

func encodeOverrides(params map[string]float64) ([]byte, error) {
	return artifact.Marshal(artifact.Overrides{Params: params})
}

// writeOverrides writes params atomically, reads the file back and compares
// it value by value. It returns the hash of the bytes read back. In a mock
// stream there is no file: the encoded bytes are decoded and compared.
func (s *store) writeOverrides(params map[string]float64) (string, error) {
	data, err := encodeOverrides(params)
	if err != nil {
		return "", err
	}
	name := artifact.OverridesFile
	back := data
	if s.dir != "" {
		name = s.path(artifact.OverridesFile)
		if err := s.write(name, data); err != nil {
			return "", err
		}
		if back, err = readRegular(name, maxOwnBytes); err != nil {
			return "", err
		}
	}
	if err := verifyOverrides(name, back, params); err != nil {
		return "", err
	}
	s.overrides = back
	return artifact.Hash(back), nil
}

// verifyOverrides decodes data and compares it with want, key by key.
func verifyOverrides(name string, data []byte, want map[string]float64) error {
	o, err := legacy.Overrides(name, data)
	if err != nil {
		return fmt.Errorf("verify after write: %w", err)
	}
	var diffs []string
	for k, v := range want {
		got, ok := o.Params[k]
		switch {
		case !ok:
			diffs = append(diffs, k+" missing")
		case got != v:
			diffs = append(diffs, fmt.Sprintf("%s: wrote %g, read %g", k, v, got))
		}
	}
	for k := range o.Params {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, k+" unexpected")
		}
	}
	if len(diffs) > 0 {
		sort.Strings(diffs)
		return fileerr.Errorf(name, 0, "verify after write failed: %s", strings.Join(diffs, "; "))
	}
	return nil
}

// checkOverrides makes sure the file still holds what soak-run last wrote,
// and restores it if something else changed it. It reports whether it had
// to.
func (s *store) checkOverrides(params map[string]float64) (bool, error) {
	if s.dir == "" {
		return false, nil
	}
	cur, err := readRegular(s.path(artifact.OverridesFile), maxOwnBytes)
	if err == nil && string(cur) == string(s.overrides) {
		return false, nil
	}
	var nr *notRegularError
	if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.As(err, &nr) {
		return false, err
	}
	// A link, a FIFO or other content there is replaced (rename, not a
	// write through it) with what soak-run last wrote.
	_, err = s.writeOverrides(params)
	return true, err
}

// commit writes an iteration's summary: the iteration's commit point.
func (s *store) commit(it *artifact.IterationSummary) error {
	if s.stream != nil {
		line, err := artifact.MarshalLine(it)
		if err != nil {
			return err
		}
		_, err = s.stream.Write(line)
		return err
	}
	return s.writeJSON(s.path(artifact.IterationFileName(it.Iteration)), it)
}

// checkpoint rewrites the ledger and the run record after a commit.
func (s *store) checkpoint(rep *artifact.TuningReport, run *artifact.RunRecord) error {
	if s.stream != nil {
		return nil
	}
	if err := s.writeJSON(s.path(artifact.TuningReportFile), rep); err != nil {
		return err
	}
	return s.writeJSON(s.path(artifact.RunFile), run)
}

// finish writes the final ledger and run record; a stream gets the ledger,
// the final overrides and the run record as its last lines.
func (s *store) finish(rep *artifact.TuningReport, run *artifact.RunRecord) error {
	if s.stream == nil {
		if err := s.checkpoint(rep, run); err != nil {
			return err
		}
		if s.own != nil {
			return s.own.compact()
		}
		return nil
	}
	o, err := legacy.Overrides(artifact.OverridesFile, s.overrides)
	if err != nil {
		return err
	}
	for _, v := range []any{rep, o, run} {
		line, err := artifact.MarshalLine(v)
		if err != nil {
			return err
		}
		if _, err := s.stream.Write(line); err != nil {
			return err
		}
	}
	return nil
}

// ownArtifact reports whether name (an entry of a soak directory) is
// something soak-run writes, and so may clear: the summaries, the ledger,
// the run record, the overrides, iter/, and the temporary files of an
// interrupted atomic write of any of them.
func ownArtifact(name string) bool {
	base := name
	if strings.HasPrefix(base, ".") && strings.Contains(base, ".tmp-") {
		base = strings.TrimPrefix(base[:strings.Index(base, ".tmp-")], ".")
	}
	if _, ok := soakdir.ParseIterationFileName(base); ok {
		return true
	}
	switch base {
	case artifact.TuningReportFile, artifact.RunFile, artifact.OverridesFile, IterDir:
		return true
	}
	return false
}

// clearIterDirsAfter removes iter/<j> for every j > n: the raw material of
// iterations that did not commit; only real directories the ownership log
// holds (others are refused).
func (o *owned) clearIterDirsAfter(n int) error {
	dirs, err := o.iterDirs(func(j int) bool { return j > n })
	if err != nil {
		return err
	}
	for _, d := range dirs {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
	}
	return nil
}

// clearTemps removes the temporary files of soak-run's interrupted atomic
// writes (regular files only).
func (o *owned) clearTemps() error {
	entries, err := os.ReadDir(o.dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if n := e.Name(); isTemp(n) {
			p := filepath.Join(o.dir, n)
			if fi, err := os.Lstat(p); err != nil || !fi.Mode().IsRegular() {
				continue
			}
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}

// materialize copies soak-run's artifacts from src into dst, which it
// claims first like a fresh soak does (a new or empty directory, or one
// whose previous soak-run artifacts the ownership log proves). RUN.json is
// copied last, so that a dst with a complete RUN.json has everything.
func materialize(src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	own, err := claim(dst, true)
	if err != nil {
		return err
	}
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		if ownArtifact(e.Name()) && !strings.HasPrefix(e.Name(), ".") && e.Name() != artifact.RunFile {
			names = append(names, e.Name())
		}
	}
	names = append(names, artifact.RunFile)
	for _, n := range names {
		if err := copyTree(own, filepath.Join(src, n), n); err != nil {
			return err
		}
	}
	return own.compact()
}

// copyTree copies src to rel under own's directory: regular files and
// directories; the command's sockets, pipes and links stay behind.
func copyTree(own *owned, src, rel string) error {
	fi, err := os.Lstat(src)
	if err != nil {
		return err
	}
	dst := filepath.Join(own.dir, filepath.FromSlash(rel))
	if fi.IsDir() {
		if rel == IterDir || strings.HasPrefix(rel, IterDir+"/") && strings.Count(rel, "/") == 1 {
			if err := own.recordDir(rel); err != nil {
				return err
			}
		}
		if err := os.Mkdir(dst, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		if fi, err := os.Lstat(dst); err != nil || !fi.IsDir() {
			return refuse(dst, "not a directory")
		}
		entries, err := os.ReadDir(src)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := copyTree(own, filepath.Join(src, e.Name()), rel+"/"+e.Name()); err != nil {
				return err
			}
		}
		return nil
	}
	if !fi.Mode().IsRegular() {
		return nil
	}
	f, size, err := openRegular(src, 1<<40)
	if err != nil {
		return err
	}
	defer f.Close()
	if !strings.Contains(rel, "/") {
		// A top-level artifact: announced in the log, written atomically.
		data, err := io.ReadAll(io.LimitReader(f, size))
		if err != nil {
			return err
		}
		if err := own.recordFile(rel, data); err != nil {
			return err
		}
		return soakdir.WriteFile(dst, data, 0o644)
	}
	// Raw material under iter/<n>/ (events files can be large): streamed.
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, io.LimitReader(f, size)); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
