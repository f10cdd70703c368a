package soakrun

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// Ownership. soak-run deletes or replaces only what it can prove it wrote.
//
// OwnFile, in the soak directory, is a log of what soak-run wrote there:
// a header line, then one JSON line per write, appended (and, in an --exec
// soak, synced) before the write it announces — the SHA-256 of each file
// it writes ({"file": NAME, "sha256": HEX}) and each directory it creates
// under iter/ ({"dir": "iter/3"}). At the end of a soak the log is
// rewritten with only what is there now, so that the same soak gives the
// same bytes.
//
// A fresh soak-run into --out:
//
//   - a new or empty directory: the log is started;
//   - a directory with a log: each of soak-run's names there (the
//     summaries, TUNING_REPORT.json, RUN.json, runtime_overrides.json,
//     iter/) is cleared only when it is a regular file whose SHA-256 the
//     log holds, or a real directory iter/ (no symbolic link) holding only
//     directories the log holds, and the temporary files of soak-run's
//     interrupted writes; anything else is refused, exit 2, naming it, and
//     nothing is deleted;
//   - any other non-empty directory (--out . in a repository): refused,
//     exit 2, nothing written.
//
// --resume needs the log too, and removes only the uncommitted iteration's
// logged iter/<n> and temporary files. No symbolic link under --out is
// followed: every entry is checked with Lstat, files are opened with
// O_NOFOLLOW and O_NONBLOCK, and anything that is not a regular file (a
// FIFO, a device, a link) is refused by type before it is read.
const OwnFile = ".soak-run.files"

// ownHeader is the first line of OwnFile.
const ownHeader = `{"schema_version":1,"kind":"soak_run_files"}`

// maxOwnBytes bounds OwnFile and every file soak-run reads back from a
// soak directory (run record, summaries, ledger, overrides).
const maxOwnBytes = 64 << 20

type ownEntry struct {
	File   string `json:"file,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	Dir    string `json:"dir,omitempty"`
}

// owned is the ownership log of a soak directory.
type owned struct {
	dir     string
	durable bool
	files   map[string]map[string]bool // name -> SHA-256s soak-run wrote under it
	dirs    map[string]bool            // "iter", "iter/3"
}

func newOwned(dir string, durable bool) *owned {
	return &owned{dir: dir, durable: durable, files: map[string]map[string]bool{}, dirs: map[string]bool{}}
}

// loadOwned reads the log of dir; nil without one.
func loadOwned(dir string, durable bool) (*owned, error) {
	path := filepath.Join(dir, OwnFile)
	data, err := readRegular(path, maxOwnBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	o := newOwned(dir, durable)
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for i := 0; sc.Scan(); i++ {
		line := sc.Bytes()
		if i == 0 {
			if string(line) != ownHeader {
				return nil, fileerr.Errorf(path, 1, "not soak-run's file log")
			}
			continue
		}
		var e ownEntry
		if json.Unmarshal(line, &e) != nil {
			continue // a write cut short by a kill: it announced nothing that was written
		}
		o.add(e)
	}
	if len(data) == 0 {
		return nil, fileerr.Errorf(path, 1, "not soak-run's file log")
	}
	return o, nil
}

func (o *owned) add(e ownEntry) {
	switch {
	case e.File != "" && e.SHA256 != "":
		if o.files[e.File] == nil {
			o.files[e.File] = map[string]bool{}
		}
		o.files[e.File][e.SHA256] = true
	case e.Dir != "":
		o.dirs[e.Dir] = true
	}
}

// record appends entries to the log, before the writes they announce.
func (o *owned) record(es ...ownEntry) error {
	var buf bytes.Buffer
	for _, e := range es {
		if e.File != "" && o.files[e.File][e.SHA256] || e.Dir != "" && o.dirs[e.Dir] {
			continue
		}
		line, err := json.Marshal(e)
		if err != nil {
			return err
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	if buf.Len() == 0 {
		return nil
	}
	path := filepath.Join(o.dir, OwnFile)
	f, err := openAppend(path)
	if err != nil {
		return &fileerr.Error{File: path, Err: unwrapPath(err)}
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return fileerr.Errorf(path, 0, "not a regular file")
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		return err
	}
	if o.durable {
		if err := f.Sync(); err != nil {
			return err
		}
	}
	for _, e := range es {
		o.add(e)
	}
	return f.Close()
}

func (o *owned) recordFile(name string, data []byte) error {
	return o.record(ownEntry{File: name, SHA256: artifact.Hash(data)})
}

func (o *owned) recordDir(rel string) error { return o.record(ownEntry{Dir: rel}) }

// compact rewrites the log with only what is there now: the files whose
// content the log holds and the logged directories that exist.
func (o *owned) compact() error {
	var buf bytes.Buffer
	buf.WriteString(ownHeader + "\n")
	files := map[string]map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(o.files)) {
		data, err := readRegular(filepath.Join(o.dir, name), maxOwnBytes)
		if err != nil {
			continue
		}
		h := artifact.Hash(data)
		if !o.files[name][h] {
			continue
		}
		line, _ := json.Marshal(ownEntry{File: name, SHA256: h})
		buf.Write(line)
		buf.WriteByte('\n')
		files[name] = map[string]bool{h: true}
	}
	dirs := map[string]bool{}
	for _, d := range slices.Sorted(maps.Keys(o.dirs)) {
		if fi, err := os.Lstat(filepath.Join(o.dir, filepath.FromSlash(d))); err == nil && fi.IsDir() {
			line, _ := json.Marshal(ownEntry{Dir: d})
			buf.Write(line)
			buf.WriteByte('\n')
			dirs[d] = true
		}
	}
	path := filepath.Join(o.dir, OwnFile)
	var err error
	if o.durable {
		err = soakdir.WriteFile(path, buf.Bytes(), 0o644)
	} else {
		err = soakdir.WriteFileNoSync(path, buf.Bytes(), 0o644)
	}
	if err != nil {
		return err
	}
	o.files, o.dirs = files, dirs
	return nil
}

// typeName names a file mode for a refusal.
func typeName(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		return "a device"
	case m.IsDir():
		return "a directory"
	}
	return "not a regular file"
}

// notRegularError is a path that is not a regular file where one is read.
type notRegularError struct{ mode fs.FileMode }

func (e *notRegularError) Error() string {
	return "is " + typeName(e.mode) + ", not a regular file: refused"
}

// openRegular opens path for reading when it is a regular file (checked
// with Lstat before and on the open file after, no link followed, no
// blocking on a FIFO) of at most limit bytes.
func openRegular(path string, limit int64) (*os.File, int64, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		return nil, 0, &fs.PathError{Op: "open", Path: path, Err: &notRegularError{fi.Mode()}}
	}
	f, err := openNoBlock(path)
	if err != nil {
		return nil, 0, err
	}
	fi, err = f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, &fs.PathError{Op: "open", Path: path, Err: &notRegularError{fi.Mode()}}
	}
	if fi.Size() > limit {
		f.Close()
		return nil, 0, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%d bytes, over the %d-byte cap", fi.Size(), limit)}
	}
	return f, fi.Size(), nil
}

// readRegular reads a regular file of at most limit bytes (openRegular).
func readRegular(path string, limit int64) ([]byte, error) {
	f, _, err := openRegular(path, limit)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("over the %d-byte cap", limit)}
	}
	return data, nil
}

// isTemp reports whether name is the temporary file of an interrupted
// atomic write of one of soak-run's files (or of OwnFile).
func isTemp(name string) bool {
	if !strings.HasPrefix(name, ".") || !strings.Contains(name, ".tmp-") {
		return false
	}
	base := name[1:strings.Index(name, ".tmp-")]
	return base == OwnFile || ownArtifact(base)
}

// isLockFile reports whether name is the lock or a file of another
// soak-run taking it (internal/lock's temporary and stale names).
func isLockFile(name string) bool {
	return name == LockFile || strings.HasPrefix(name, "."+LockFile+".tmp-") || strings.HasPrefix(name, LockFile+".stale.")
}

// refuse is the error of a path soak-run will not delete or replace.
func refuse(path, why string) error {
	return fileerr.Errorf(path, 0, "%s; soak-run deletes or replaces only what it wrote (see %s): move it away or choose another --out", why, OwnFile)
}

// claim makes dir a soak directory for a fresh soak: a new or empty
// directory gets a log; a directory with a log has soak-run's previous
// artifacts cleared (only what the log proves soak-run wrote; anything
// else under soak-run's names is refused before anything is deleted); any
// other directory is refused.
func claim(dir string, durable bool) (*owned, error) {
	own, err := loadOwned(dir, durable)
	if err != nil {
		return nil, err
	}
	if own == nil {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, &fileerr.Error{File: dir, Err: unwrapPath(err)}
		}
		var names []string
		for _, e := range entries {
			if !isLockFile(e.Name()) {
				names = append(names, e.Name())
			}
		}
		if len(names) > 0 {
			shown := names[:min(len(names), 3)]
			more := ""
			if len(names) > 3 {
				more = fmt.Sprintf(" and %d more", len(names)-3)
			}
			return nil, fileerr.Errorf(dir, 0, "not empty (%s%s) and not a soak directory soak-run wrote (no %s): soak-run writes only into a new or empty directory, or one it wrote before; choose another --out",
				strings.Join(shown, ", "), more, OwnFile)
		}
		own = newOwned(dir, durable)
		return own, own.compact()
	}
	if err := own.clear(false); err != nil {
		return nil, err
	}
	return own, own.compact()
}

// claimable checks, changing nothing, that claim would accept dir (a
// directory that does not exist yet is fine).
func claimable(dir string) error {
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	own, err := loadOwned(dir, false)
	if err != nil {
		return err
	}
	if own == nil {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return &fileerr.Error{File: dir, Err: unwrapPath(err)}
		}
		for _, e := range entries {
			if !isLockFile(e.Name()) {
				return fileerr.Errorf(dir, 0, "not empty (%s) and not a soak directory soak-run wrote (no %s): soak-run writes only into a new or empty directory, or one it wrote before; choose another --out", e.Name(), OwnFile)
			}
		}
		return nil
	}
	return own.clear(true)
}

// clear removes soak-run's previous artifacts from the directory: first
// every one is checked, then all are removed, so that a refusal deletes
// nothing. dryRun only checks.
func (o *owned) clear(dryRun bool) error {
	entries, err := os.ReadDir(o.dir)
	if err != nil {
		return &fileerr.Error{File: o.dir, Err: unwrapPath(err)}
	}
	var remove []string
	iterDir := ""
	for _, e := range entries {
		name := e.Name()
		path := filepath.Join(o.dir, name)
		if isTemp(name) {
			if fi, err := os.Lstat(path); err == nil && fi.Mode().IsRegular() {
				remove = append(remove, path)
			}
			continue
		}
		if !ownArtifact(name) {
			continue
		}
		if name == IterDir {
			dirs, err := o.iterDirs(func(int) bool { return true })
			if err != nil {
				return err
			}
			remove = append(remove, dirs...)
			iterDir = path
			continue
		}
		if err := o.provesFile(name); err != nil {
			return err
		}
		remove = append(remove, path)
	}
	if dryRun {
		return nil
	}
	for _, p := range remove {
		if err := os.RemoveAll(p); err != nil {
			return err
		}
	}
	if iterDir != "" {
		// Empty now; Remove, not RemoveAll: what appeared since stays.
		if err := os.Remove(iterDir); err != nil {
			return err
		}
	}
	return nil
}

// provesFile checks that the top-level file name holds what soak-run wrote.
func (o *owned) provesFile(name string) error {
	path := filepath.Join(o.dir, name)
	data, err := readRegular(path, maxOwnBytes)
	if err != nil {
		var nr *notRegularError
		if errors.As(err, &nr) {
			return refuse(path, nr.Error())
		}
		return refuse(path, unwrapPath(err).Error())
	}
	if !o.files[name][artifact.Hash(data)] {
		return refuse(path, "not written by soak-run, or changed since")
	}
	return nil
}

// iterDirs returns the iter/<n> directories whose n passes want, after
// checking that iter/ is a real directory and each of them a real
// directory soak-run created. Other names under iter/ are left alone,
// except when want(-1) (a fresh soak, which clears iter/ whole): then they
// are refused.
func (o *owned) iterDirs(want func(n int) bool) ([]string, error) {
	iter := filepath.Join(o.dir, IterDir)
	fi, err := os.Lstat(iter)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, refuse(iter, "is "+typeName(fi.Mode())+", not a directory (soak-run follows no links under --out)")
	}
	if !o.dirs[IterDir] {
		return nil, refuse(iter, "not created by soak-run")
	}
	entries, err := os.ReadDir(iter)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil || strconv.Itoa(n) != e.Name() || n < 1 || !want(n) {
			if want(-1) && (err != nil || strconv.Itoa(n) != e.Name() || n < 1) {
				// A fresh soak clears iter/ whole: it must be all soak-run's.
				return nil, refuse(filepath.Join(iter, e.Name()), "not created by soak-run")
			}
			continue
		}
		path := filepath.Join(iter, e.Name())
		fi, err := os.Lstat(path)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			return nil, refuse(path, "is "+typeName(fi.Mode())+", not a directory (soak-run follows no links under --out)")
		}
		if !o.dirs[IterDir+"/"+e.Name()] {
			return nil, refuse(path, "not created by soak-run")
		}
		out = append(out, path)
	}
	return out, nil
}

// makeIterDir creates a fresh, empty iter/<n> (logged first); an iter/ or
// iter/<n> that is not a real directory soak-run created is refused.
func (o *owned) makeIterDir(n int) (string, error) {
	iter := filepath.Join(o.dir, IterDir)
	fi, err := os.Lstat(iter)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := o.recordDir(IterDir); err != nil {
			return "", err
		}
		if err := os.Mkdir(iter, 0o755); err != nil {
			return "", err
		}
	case err != nil:
		return "", err
	case !fi.IsDir():
		return "", refuse(iter, "is "+typeName(fi.Mode())+", not a directory (soak-run follows no links under --out)")
	case !o.dirs[IterDir]:
		return "", refuse(iter, "not created by soak-run")
	}
	rel := IterDir + "/" + strconv.Itoa(n)
	path := filepath.Join(o.dir, filepath.FromSlash(rel))
	dirs, err := o.iterDirs(func(j int) bool { return j == n })
	if err != nil {
		return "", err
	}
	for _, d := range dirs {
		if err := os.RemoveAll(d); err != nil {
			return "", err
		}
	}
	if err := o.recordDir(rel); err != nil {
		return "", err
	}
	if err := os.Mkdir(path, 0o755); err != nil {
		return "", err
	}
	return path, nil
}
