// Package outdir is the ownership rule soak-gate and soak-reports share
// for the files they write into an output directory.
//
// A stage replaces a file only when it can prove that a stage of ours
// wrote exactly the bytes now there. The proof is a record in the
// directory, one per stage (GateRecord, ReportsRecord): the name and
// sha256 of every file the stage wrote. Both stages write the verdict and
// the delta verification reports into the same directory (soak-gate --out
// R, then soak-reports --out R renders that verdict; soak-reports judges
// and writes them itself when there is no verdict), so a file is ours when
// either record lists its name with its current digest. Anything else at
// an output name — a user's file, a Python-toolkit snapshot, a file
// changed since it was written, a symlink, a directory, a FIFO — is
// foreign: the stage stops, exit 2, naming it, before writing anything.
// Records are read strictly (schema, kind, known names, digests), so a
// crafted record cannot name another file. Nothing under the directory is
// followed through a symlink: entries are Lstat'ed, and the file opened
// must be the one Lstat saw.
package outdir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/soakline/soakline/internal/render"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

const (
	// GateRecord is soak-gate's record of the files it wrote.
	GateRecord = ".soak-gate.json"
	// ReportsRecord is soak-reports' record of the files it wrote.
	ReportsRecord = ".soak-reports.json"
	// GateMetricsFile is the metrics file soak-gate --prometheus writes
	// into --out (or the soak directory) when given no FILE.
	GateMetricsFile = "POST_SOAK_METRICS.prom"

	// MaxRecordSize bounds a record: a few hundred bytes per file.
	MaxRecordSize = 1 << 20
	// MaxOwnedSize bounds what is read of an existing file to learn
	// whether a stage wrote it; nothing a stage writes is near this size,
	// and a larger file (by Lstat) is foreign without being read.
	MaxOwnedSize = 256 << 20
)

// Stage is one stage's record: where it is kept, its kind, and the only
// names it may list.
type Stage struct {
	Name  string // the stage, in messages
	File  string // the record's name in the directory
	Kind  string // the record's kind
	Valid func(name string) bool
	// Judged: entries may carry the judged mark (soak-reports only).
	Judged bool
}

// Gate is soak-gate's record.
var Gate = Stage{Name: "soak-gate", File: GateRecord, Kind: "soak_gate_files", Valid: IsGateName}

// Reports is soak-reports' record.
var Reports = Stage{Name: "soak-reports", File: ReportsRecord, Kind: "soak_reports_files", Valid: render.IsOutputName, Judged: true}

// IsGateName reports whether soak-gate writes a file of this name into
// its output directory.
func IsGateName(name string) bool {
	switch name {
	case render.SnapshotFile, render.DeltaVerifyFile, render.DeltaVerifyMDFile, GateMetricsFile:
		return true
	}
	return false
}

// Entry is one file a stage wrote. A name appears twice only while files
// are being replaced (the old digest and the new), so that an interrupted
// run leaves every file provably owned.
type Entry struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	// Judged marks a snapshot soak-reports judged itself, for want of a
	// verdict from soak-gate; a snapshot without it is soak-gate's verdict.
	Judged bool `json:"judged,omitempty"`
}

type record struct {
	SchemaVersion int     `json:"schema_version"`
	Kind          string  `json:"kind"`
	Files         []Entry `json:"files"`
}

// Read reads the stage's record in dir: the entries by name; empty when
// there is none. Anything but a valid record of this stage at its name is
// an error naming it.
func (s Stage) Read(dir string) (map[string][]Entry, error) {
	path := filepath.Join(dir, s.File)
	rec := map[string][]Entry{}
	bad := func(format string, args ...any) error {
		return fileerr.Errorf(path, 0, "not a %s record (%s); move it away", s.Name, fmt.Sprintf(format, args...))
	}
	data, kind, err := ReadRegular(path, MaxRecordSize)
	switch {
	case err != nil:
		return nil, err
	case kind == Absent:
		return rec, nil
	case kind == Large:
		return nil, bad("larger than %d bytes", MaxRecordSize)
	case kind != File:
		return nil, fileerr.Errorf(path, 0, "%s where %s keeps the record of the files it wrote; move it away", kind, s.Name)
	}
	var r record
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, bad("%v", err)
	}
	if dec.More() {
		return nil, bad("data after the record")
	}
	if r.SchemaVersion != 1 || r.Kind != s.Kind {
		return nil, bad("schema_version %d, kind %q", r.SchemaVersion, r.Kind)
	}
	for _, f := range r.Files {
		// Only names the stage writes: a record can never make it touch
		// another file.
		if !s.Valid(f.Name) {
			return nil, bad("file name %q", f.Name)
		}
		if len(f.SHA256) != 64 || strings.Trim(f.SHA256, "0123456789abcdef") != "" {
			return nil, bad("sha256 %q of %s", f.SHA256, f.Name)
		}
		if f.Judged && !s.Judged {
			return nil, bad("judged mark on %s", f.Name)
		}
		rec[f.Name] = append(rec[f.Name], f)
	}
	return rec, nil
}

// Marshal is the record listing entries, sorted by name and digest, each
// name and digest once.
func (s Stage) Marshal(entries []Entry) ([]byte, error) {
	entries = slices.Clone(entries)
	slices.SortFunc(entries, func(a, b Entry) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.SHA256, b.SHA256)
	})
	entries = slices.CompactFunc(entries, func(a, b Entry) bool { return a.Name == b.Name && a.SHA256 == b.SHA256 })
	if entries == nil {
		entries = []Entry{}
	}
	return artifact.Marshal(record{SchemaVersion: 1, Kind: s.Kind, Files: entries})
}

// Open looks at dir, the output directory the user named (it may be a
// symlink; nothing under it is followed): whether it exists and, when it
// does, both stages' records in it. Anything else than a directory there
// is an error naming dir, which flag ("--out", or "") begins.
func Open(dir, flag string) (exists bool, o Owners, err error) {
	clean := filepath.Clean(dir)
	fi, err := os.Stat(clean)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, Owners{}, nil
	case err != nil:
		return false, Owners{}, fileerr.PathError(dir, err)
	case !fi.IsDir():
		return false, Owners{}, fileerr.Errorf(dir, 0, "%s", strings.TrimSpace(flag+" exists and is not a directory"))
	}
	o, err = ReadOwners(clean)
	return true, o, err
}

// Owners is what both stages' records in a directory say.
type Owners struct {
	Gate, Reports map[string][]Entry
}

// ReadOwners reads both records in dir.
func ReadOwners(dir string) (Owners, error) {
	g, err := Gate.Read(dir)
	if err != nil {
		return Owners{}, err
	}
	r, err := Reports.Read(dir)
	if err != nil {
		return Owners{}, err
	}
	return Owners{Gate: g, Reports: r}, nil
}

// Owner returns the entry that proves a stage of ours wrote exactly data
// at name, and which stage: soak-reports' record first (its entry carries
// the judged mark), then soak-gate's.
func (o Owners) Owner(name string, data []byte) (Entry, *Stage, bool) {
	if len(o.Reports[name]) == 0 && len(o.Gate[name]) == 0 {
		return Entry{}, nil, false
	}
	sum := artifact.Hash(data)
	for _, f := range o.Reports[name] {
		if f.SHA256 == sum {
			return f, &Reports, true
		}
	}
	for _, f := range o.Gate[name] {
		if f.SHA256 == sum {
			return Entry{Name: name, SHA256: sum}, &Gate, true
		}
	}
	return Entry{}, nil, false
}

// Listed reports whether either record names name (with any digest).
func (o Owners) Listed(name string) bool { return len(o.Reports[name]) > 0 || len(o.Gate[name]) > 0 }

// Kind is what Lstat found at a name.
type Kind string

const (
	Absent  Kind = ""
	File    Kind = "file"
	Dir     Kind = "a directory"
	Symlink Kind = "a symlink"
	Other   Kind = "a special file"
	// Large is a regular file larger than the limit it was read with:
	// nothing a stage writes, so never ours, and never read.
	Large Kind = "a file too large to be ours"
)

// KindOf is the kind of an Lstat result.
func KindOf(fi fs.FileInfo) Kind {
	switch m := fi.Mode(); {
	case m.IsRegular():
		return File
	case m&fs.ModeSymlink != 0:
		return Symlink
	case m.IsDir():
		return Dir
	}
	return Other
}

// Lstat is the kind of what is at path, without following a symlink.
func Lstat(path string) (Kind, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Absent, nil
	}
	if err != nil {
		return Absent, fileerr.PathError(path, err)
	}
	return KindOf(fi), nil
}

// ReadRegular reads path if it is a regular file (Lstat: a symlink is
// never followed) of at most limit bytes. A regular file larger than
// limit (by Lstat, or grown while read) is kind Large, its data not kept.
func ReadRegular(path string, limit int64) ([]byte, Kind, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Absent, nil
	}
	if err != nil {
		return nil, Absent, fileerr.PathError(path, err)
	}
	if k := KindOf(fi); k != File {
		return nil, k, nil
	}
	if fi.Size() > limit {
		return nil, Large, nil
	}
	f, err := os.OpenFile(path, os.O_RDONLY|nonblock, 0)
	if err != nil {
		return nil, Absent, fileerr.PathError(path, err)
	}
	defer f.Close()
	// The file opened must be the one Lstat saw: not swapped for a link.
	if ofi, err := f.Stat(); err != nil || !os.SameFile(fi, ofi) {
		return nil, Symlink, nil
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, Absent, fileerr.PathError(path, err)
	}
	if int64(len(data)) > limit {
		return nil, Large, nil
	}
	return data, File, nil
}
