package soakgate

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/soakline/soakline/internal/outdir"
	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// Ownership of the files soak-gate names itself.
//
// Into --out (or, for a bare --prometheus without --out, the soak
// directory) soak-gate writes files whose names it picks: the snapshot,
// the delta verification reports, the metrics. It replaces one only when
// the record of soak-gate (outdir.GateRecord) or of soak-reports lists it
// with its current digest (internal/outdir's rule, shared with
// soak-reports, which writes the same files into the same directory). A
// user's file, a Python-toolkit snapshot, a file changed since, or a
// symlink, directory or FIFO at one of those names stops the run, exit 2,
// naming it, before anything is written. After writing, soak-gate's
// record lists what it wrote. Files named on the command line
// (--prometheus=FILE, --junit FILE) are the user's choice and are replaced
// (atomically: a symlink there is replaced, never followed).

// ownedDir is the directory where soak-gate picks the names, as found
// before anything is written.
type ownedDir struct {
	path   string
	names  []string // the names written there, in writing order
	exists bool
	gate   map[string][]outdir.Entry // soak-gate's record
}

// refuseForeign is the error for a file soak-gate will not replace.
func refuseForeign(path, format string, args ...any) error {
	return fileerr.Errorf(path, 0, "%s; soak-gate replaces only files it or soak-reports wrote: move it away or choose another --out", fmt.Sprintf(format, args...))
}

// checkOwned looks at dir and refuses (an error naming the path) when a
// file at one of names is not provably ours. dir itself may be a symlink
// (the user named it); nothing under it is followed.
func checkOwned(dir string, names []string) (*ownedDir, error) {
	d := &ownedDir{path: filepath.Clean(dir), names: names}
	exists, owners, err := outdir.Open(dir, "")
	if err != nil || !exists {
		return d, err
	}
	d.exists, d.gate = true, owners.Gate
	for _, name := range names {
		path := filepath.Join(d.path, name)
		data, k, err := outdir.ReadRegular(path, outdir.MaxOwnedSize)
		switch {
		case err != nil:
			return nil, err
		case k == outdir.Absent:
		case k != outdir.File:
			return nil, refuseForeign(path, "%s where soak-gate writes %s", k, name)
		default:
			if _, _, ok := owners.Owner(name, data); ok {
				continue
			}
			switch {
			case len(owners.Gate[name]) > 0:
				return nil, refuseForeign(path, "changed since soak-gate wrote it")
			case len(owners.Reports[name]) > 0:
				return nil, refuseForeign(path, "changed since soak-reports wrote it")
			}
			return nil, refuseForeign(path, "not written by soak-gate or soak-reports")
		}
	}
	return d, nil
}

// entries is soak-gate's record after writing files (name → bytes), in
// no order (outdir's Marshal sorts it): the
// digests written, and the earlier entries of names not written now whose
// file still holds them; with old, also the earlier entries of the names
// being replaced, so that an interrupted run leaves every file ours.
func (d *ownedDir) entries(files map[string][]byte, old bool) []outdir.Entry {
	var out []outdir.Entry
	for name, data := range files {
		out = append(out, outdir.Entry{Name: name, SHA256: artifact.Hash(data)})
	}
	for name, es := range d.gate {
		if _, written := files[name]; written && !old {
			continue
		}
		if !old {
			data, k, err := outdir.ReadRegular(filepath.Join(d.path, name), outdir.MaxOwnedSize)
			if err != nil || k != outdir.File {
				continue
			}
			sum := artifact.Hash(data)
			es = slices.DeleteFunc(slices.Clone(es), func(e outdir.Entry) bool { return e.SHA256 != sum })
		}
		out = append(out, es...)
	}
	return out
}

// write writes files (name → bytes) into the directory, each atomically,
// between two writes of the record: first listing old and new digests,
// then what is there.
func (d *ownedDir) write(files map[string][]byte) error {
	if err := os.MkdirAll(d.path, 0o755); err != nil {
		return fileerr.PathError(d.path, err)
	}
	record := func(old bool) error {
		data, err := outdir.Gate.Marshal(d.entries(files, old))
		if err != nil {
			return err
		}
		path := filepath.Join(d.path, outdir.GateRecord)
		if err := soakdir.WriteFile(path, data, 0o644); err != nil {
			return fileerr.PathError(path, err)
		}
		return nil
	}
	if err := record(true); err != nil {
		return err
	}
	for _, name := range d.names {
		path := filepath.Join(d.path, name)
		if err := soakdir.WriteFile(path, files[name], 0o644); err != nil {
			return fileerr.PathError(path, err)
		}
	}
	return record(false)
}
