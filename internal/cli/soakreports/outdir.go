package soakreports

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/soakline/soakline/internal/outdir"
	"github.com/soakline/soakline/internal/render"
	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// Ownership of --out.
//
// soak-reports replaces or deletes only files it can prove it wrote. The
// proof is RecordFile in --out: the name and sha256 of every file it wrote
// there. A file at one of its output names that the record does not list
// with the file's current digest (written by someone else, or changed
// since) is never replaced or deleted: the run stops, exit 2, naming it,
// before anything is written. Nothing under --out is followed through a
// symlink: entries are Lstat'ed, and a symlink (or a directory, a FIFO)
// where a report or the charts directory belongs is refused the same way.
// Files soak-reports has no name for are never looked at. The rule is
// internal/outdir's, shared with soak-gate: a file soak-gate's record
// (outdir.GateRecord) lists with its current digest is also one of ours.

// RecordFile is soak-reports' record of the files it wrote into --out.
const RecordFile = outdir.ReportsRecord

// LegacySnapshotFile is where a snapshot without provenance that
// soak-reports did not write (the Python toolkit's) is kept when the soak
// is judged again: renamed, never deleted.
const LegacySnapshotFile = "POST_SOAK_SNAPSHOT.legacy.json"

const (
	maxRecordSize = outdir.MaxRecordSize
	// maxOwnedSize bounds what is read of an existing file to learn
	// whether soak-reports wrote it; nothing it writes is near this size.
	maxOwnedSize = outdir.MaxOwnedSize
)

// recordFile is one file soak-reports wrote (its record's entry).
type recordFile = outdir.Entry

// outDir is --out as found before anything is written.
type outDir struct {
	path   string
	exists bool
	rec    map[string][]recordFile // soak-reports' record
	owners outdir.Owners           // both stages' records
}

// openOut looks at --out: whether it exists, and the record of what an
// earlier run wrote there. --out itself may be a symlink (the user named
// it); nothing under it is followed.
func openOut(path string) (*outDir, error) {
	d := &outDir{path: filepath.Clean(path), rec: map[string][]recordFile{}}
	exists, owners, err := outdir.Open(path, "--out")
	if err != nil {
		return nil, err
	}
	if exists {
		d.exists, d.owners, d.rec = true, owners, owners.Reports
	}
	return d, nil
}

func (d *outDir) join(name string) string { return filepath.Join(d.path, filepath.FromSlash(name)) }

// entryKind is what Lstat found at a name.
type entryKind = outdir.Kind

const (
	entryAbsent  = outdir.Absent
	entryFile    = outdir.File
	entryDir     = outdir.Dir
	entrySymlink = outdir.Symlink
)

// readOwned reads path if it is a regular file of at most limit bytes
// (Lstat: a symlink is never followed; a larger file is outdir.Large).
func readOwned(path string, limit int64) ([]byte, entryKind, error) {
	return outdir.ReadRegular(path, limit)
}

func digest(data []byte) string { return artifact.Hash(data) }

// owned returns the record entry of name for these bytes: ok when
// soak-reports wrote exactly them.
func (d *outDir) owned(name string, data []byte) (recordFile, bool) {
	e, _, ok := d.owners.Owner(name, data)
	return e, ok
}

// existing is a file found at one of soak-reports' names.
type existing struct {
	kind  entryKind
	data  []byte
	ours  bool
	entry recordFile
}

// look reads what is at name, refusing to look through a symlinked charts
// directory.
func (d *outDir) look(name string) (existing, error) {
	if !d.exists {
		return existing{}, nil
	}
	if dir, _, ok := strings.Cut(name, "/"); ok {
		if k, err := d.kindAt(dir); err != nil || (k != entryDir && k != entryAbsent) {
			return existing{kind: k}, err
		}
	}
	data, k, err := readOwned(d.join(name), maxOwnedSize)
	if err != nil || k != entryFile {
		return existing{kind: k}, err
	}
	e := existing{kind: k, data: data}
	e.entry, e.ours = d.owned(name, data)
	return e, nil
}

func (d *outDir) kindAt(name string) (entryKind, error) { return outdir.Lstat(d.join(name)) }

// writePlan is what a run will do to --out, decided before anything is
// written.
type writePlan struct {
	d      *outDir
	files  []render.File // everything this run produces
	write  []render.File // files to create or replace (replaced only when ours)
	keep   []recordFile  // ours, already holding this run's bytes
	stale  []string      // ours from an earlier run, not produced now: removed
	left   []string      // recorded, but changed since: left alone, no longer ours
	aside  bool          // keep the snapshot found under LegacySnapshotFile
	judged bool          // the snapshot was judged here
	mkdirs []string      // directories to create under an existing --out
}

// refuse is the error for a file soak-reports will not replace.
func refuse(path string, format string, args ...any) error {
	return fileerr.Errorf(path, 0, "%s; soak-reports replaces only files it wrote: move it away or choose another --out", fmt.Sprintf(format, args...))
}

// plan decides what writing files into d does. judged says the snapshot
// in files was judged here; aside, that the snapshot found in --out is to
// be kept under LegacySnapshotFile. It refuses (an error naming the path)
// to replace anything soak-reports did not write.
func (d *outDir) plan(files []render.File, judged, aside bool) (*writePlan, error) {
	p := &writePlan{d: d, files: files, judged: judged}
	if !d.exists {
		p.write = files
		return p, nil
	}
	produced := map[string]bool{}
	dirs := map[string]bool{}
	for _, f := range files {
		produced[f.Name] = true
		if dir, _, ok := strings.Cut(f.Name, "/"); ok && !dirs[dir] {
			dirs[dir] = true
			switch k, err := d.kindAt(dir); {
			case err != nil:
				return nil, err
			case k == entryAbsent:
				p.mkdirs = append(p.mkdirs, dir)
			case k != entryDir:
				return nil, refuse(d.join(dir), "%s where soak-reports keeps its %s directory; it follows no link", k, dir)
			}
		}
	}
	for _, f := range files {
		e, err := d.look(f.Name)
		if err != nil {
			return nil, err
		}
		path := d.join(f.Name)
		switch {
		case e.kind == entryAbsent:
			p.write = append(p.write, f)
		case e.kind != entryFile:
			return nil, refuse(path, "%s where soak-reports writes a report", e.kind)
		case f.Name == render.SnapshotFile && aside:
			switch k, err := d.kindAt(LegacySnapshotFile); {
			case err != nil:
				return nil, err
			case k != entryAbsent:
				return nil, refuse(d.join(LegacySnapshotFile), "the untrusted snapshot %s would be kept here, and this name is taken", path)
			}
			p.aside = true
			p.write = append(p.write, f)
		case bytes.Equal(e.data, f.Data):
			// Already these bytes: nothing to write. Still ours if it was.
			if e.ours {
				e.entry.Judged = e.entry.Judged || (f.Name == render.SnapshotFile && judged)
				p.keep = append(p.keep, e.entry)
			}
		case e.ours:
			p.write = append(p.write, f)
		case len(d.rec[f.Name]) > 0:
			return nil, refuse(path, "changed since soak-reports wrote it")
		case len(d.owners.Gate[f.Name]) > 0:
			return nil, refuse(path, "changed since soak-gate wrote it")
		default:
			return nil, refuse(path, "not written by soak-reports")
		}
	}
	names := make([]string, 0, len(d.rec))
	for name := range d.rec {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if produced[name] {
			continue
		}
		e, err := d.look(name)
		switch {
		case err != nil:
			return nil, err
		case e.kind == entryAbsent:
		case e.ours:
			p.stale = append(p.stale, name)
		default:
			p.left = append(p.left, name)
		}
	}
	return p, nil
}

// entries is the record after the run, in no order (outdir's Marshal
// sorts it): what it wrote and what of ours it kept; with old, also the earlier entries of the files being replaced.
func (p *writePlan) entries(old bool) []recordFile {
	var out []recordFile
	for _, f := range p.write {
		out = append(out, recordFile{Name: f.Name, SHA256: digest(f.Data), Judged: f.Name == render.SnapshotFile && p.judged})
		if old {
			out = append(out, p.d.rec[f.Name]...)
		}
	}
	out = append(out, p.keep...)
	if old {
		for _, name := range p.stale {
			out = append(out, p.d.rec[name]...)
		}
	}
	return out
}

func recordBytes(files []recordFile) ([]byte, error) { return outdir.Reports.Marshal(files) }

// apply carries the plan out.
//
// A new --out is written whole: the files go into a temporary directory
// beside it, which is renamed into place, so --out appears complete or not
// at all. Into an existing --out, each file is written into a temporary
// directory inside it (same file system) and renamed over its name, so a
// reader sees the old file or the new one; the record lists the old and
// the new digests while that happens.
func (p *writePlan) apply() (err error) {
	out := p.d.path
	if !p.d.exists {
		parent, base := filepath.Split(out)
		if parent == "" {
			parent = "."
		}
		if err := os.MkdirAll(parent, 0o755); err != nil {
			return fileerr.PathError(parent, err)
		}
		tmp, err := os.MkdirTemp(parent, "."+base+".tmp-")
		if err != nil {
			return fileerr.PathError(out, err)
		}
		defer func() {
			if err != nil {
				os.RemoveAll(tmp)
			}
		}()
		if err := os.Chmod(tmp, 0o755); err != nil {
			return err
		}
		if err := writeFiles(tmp, p.write, p.entries(false)); err != nil {
			return err
		}
		if err := os.Rename(tmp, out); err != nil {
			return fileerr.PathError(out, err)
		}
		syncDir(parent)
		return nil
	}

	// 1. Every new file, in a temporary directory inside --out.
	tmp, err := os.MkdirTemp(out, ".soak-reports.tmp-")
	if err != nil {
		return fileerr.PathError(out, err)
	}
	defer os.RemoveAll(tmp)
	if err := writeFiles(tmp, p.write, nil); err != nil {
		return err
	}
	// 2. The record, listing old and new digests.
	if err := p.writeRecord(true); err != nil {
		return err
	}
	// 3. The untrusted snapshot found is kept under another name.
	if p.aside {
		if err := os.Rename(p.d.join(render.SnapshotFile), p.d.join(LegacySnapshotFile)); err != nil {
			return fileerr.PathError(p.d.join(render.SnapshotFile), err)
		}
	}
	// 4. The new files into place.
	for _, dir := range p.mkdirs {
		if err := os.Mkdir(p.d.join(dir), 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return fileerr.PathError(p.d.join(dir), err)
		}
	}
	for _, f := range p.write {
		if err := os.Rename(filepath.Join(tmp, filepath.FromSlash(f.Name)), p.d.join(f.Name)); err != nil {
			return fileerr.PathError(p.d.join(f.Name), err)
		}
	}
	// 5. Our files of an earlier run that this one does not produce.
	for _, name := range p.stale {
		if err := os.Remove(p.d.join(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fileerr.PathError(p.d.join(name), err)
		}
	}
	syncDir(p.d.join(render.ChartsDir))
	syncDir(out)
	// 6. The record as it now is.
	return p.writeRecord(false)
}

func (p *writePlan) writeRecord(old bool) error {
	data, err := recordBytes(p.entries(old))
	if err != nil {
		return err
	}
	if err := soakdir.WriteFile(p.d.join(RecordFile), data, 0o644); err != nil {
		return fileerr.PathError(p.d.join(RecordFile), err)
	}
	return nil
}

// writeFiles writes files (and, when rec is not nil, the record) under
// dir, synced.
func writeFiles(dir string, files []render.File, rec []recordFile) error {
	for _, f := range files {
		if err := writeSynced(filepath.Join(dir, filepath.FromSlash(f.Name)), f.Data); err != nil {
			return err
		}
	}
	if rec != nil {
		data, err := recordBytes(rec)
		if err != nil {
			return err
		}
		if err := writeSynced(filepath.Join(dir, RecordFile), data); err != nil {
			return err
		}
	}
	syncDir(filepath.Join(dir, render.ChartsDir))
	syncDir(dir)
	return nil
}

func writeSynced(path string, data []byte) (err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	return f.Sync()
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// foundVerdict is the snapshot found in --out.
type foundVerdict struct {
	present bool
	data    []byte
	// v is the verdict when it carries provenance (a soak digest); nil for
	// a legacy snapshot or one that records no soak digest, which is never
	// trusted. why says which.
	v   *artifact.Verdict
	why string
	// ours: soak-reports wrote these bytes; judged: and judged them itself.
	ours, judged bool
}

// findVerdict reads the snapshot in --out, if any. A symlink or other
// non-file there, or a file that is not a snapshot, is an error naming it.
func (d *outDir) findVerdict() (foundVerdict, error) {
	e, err := d.look(render.SnapshotFile)
	path := d.join(render.SnapshotFile)
	switch {
	case err != nil:
		return foundVerdict{}, err
	case e.kind == entryAbsent:
		return foundVerdict{}, nil
	case e.kind != entryFile:
		return foundVerdict{}, refuse(path, "%s where the snapshot belongs", e.kind)
	}
	f, err := classify(path, e.data)
	f.ours, f.judged = e.ours, e.ours && e.entry.Judged
	return f, err
}

// findSoakVerdict reads the snapshot soak-gate --out SOAK_DIR leaves in
// the soak directory, if any: a regular file (Lstat), else nothing.
func findSoakVerdict(dir string) (foundVerdict, error) {
	path := filepath.Join(dir, render.SnapshotFile)
	data, k, err := readOwned(path, maxOwnedSize)
	switch {
	case err != nil:
		return foundVerdict{}, err
	case k == outdir.Large:
		return foundVerdict{}, fileerr.Errorf(path, 0, "larger than %d MB: not a snapshot", maxOwnedSize>>20)
	case k != entryFile:
		return foundVerdict{}, nil
	}
	return classify(path, data)
}

// classify reads a snapshot's bytes: a verdict with provenance, or an
// untrusted one (why says which); an error for anything else.
func classify(path string, data []byte) (foundVerdict, error) {
	if len(data) > maxOwnedSize {
		return foundVerdict{}, fileerr.Errorf(path, 0, "larger than %d MB: not a snapshot", maxOwnedSize>>20)
	}
	f := foundVerdict{present: true, data: data}
	env, err := artifact.PeekEnvelope(path, data)
	if err != nil {
		return foundVerdict{}, err
	}
	if env.Kind == "" {
		f.why = "a snapshot without provenance (the Python toolkit's schema)"
		return f, nil
	}
	var v artifact.Verdict
	if err := artifact.Decode(path, data, artifact.KindVerdict, &v); err != nil {
		return foundVerdict{}, err
	}
	if v.Source.Digest == "" {
		f.why = "a verdict that records no soak digest"
		return f, nil
	}
	f.v = &v
	return f, nil
}

// readRegular reads a file named on the command line, refusing anything
// but a regular file (a FIFO would block, a device never end) and reading
// at most limit+1 bytes.
func readRegular(path string, limit int64) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit+1))
}
