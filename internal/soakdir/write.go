package soakdir

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/soakline/soakline/pkg/artifact"
)

// WriteFile writes data to path atomically and durably: a temporary file in
// the same directory is written, synced, closed and renamed over path, and
// the directory is synced, so a reader sees the old file or the new one,
// never a part, and the new one survives a power loss. On failure the
// temporary file is removed and path is untouched.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return writeAtomic(path, data, perm, true)
}

// WriteFileNoSync is WriteFile without the fsyncs: still atomic (a killed
// process leaves the old file or the new one), not durable against a power
// loss. For outputs that are cheaper to regenerate than to sync.
func WriteFileNoSync(path string, data []byte, perm os.FileMode) error {
	return writeAtomic(path, data, perm, false)
}

func writeAtomic(path string, data []byte, perm os.FileMode, durable bool) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if durable {
		if err = f.Sync(); err != nil {
			return err
		}
	}
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	if durable {
		syncDir(dir)
	}
	return nil
}

// syncDir makes a rename durable; errors are ignored because not every
// file system supports syncing a directory.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// WriteJSON marshals v with artifact.Marshal and writes it atomically with mode 0644.
func WriteJSON(path string, v any) error {
	data, err := artifact.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return WriteFile(path, data, 0o644)
}
