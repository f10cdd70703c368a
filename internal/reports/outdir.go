package reports

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/soakline/soakline/internal/render"
)

// WriteDir puts files into the directory out as a whole. The files are
// written into a temporary directory beside out (same file system), synced,
// and then:
//
//   - out does not exist: the temporary directory is renamed to out, so out
//     appears complete or not at all;
//   - out exists and every entry in it is owned (a previous run's output):
//     out is renamed aside, the new directory renamed into place and the
//     old one removed; a reader sees the old set or the new one;
//   - out holds other files too: those are left alone; each owned entry is
//     replaced by a rename (the charts directory as a whole), and owned
//     entries this run does not produce are removed.
//
// On failure before the final renames, out is untouched and the temporary
// directory is removed.
func WriteDir(out string, files []render.File, owned func(string) bool) (err error) {
	out = filepath.Clean(out)
	parent, base := filepath.Split(out)
	if parent == "" {
		parent = "."
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("%s: %w", parent, unwrapPath(err))
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".tmp-")
	if err != nil {
		return fmt.Errorf("%s: %w", out, unwrapPath(err))
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		if err := writeSynced(filepath.Join(tmp, filepath.FromSlash(f.Name)), f.Data); err != nil {
			return err
		}
	}
	syncDir(filepath.Join(tmp, render.ChartsDir))
	syncDir(tmp)

	entries, err := os.ReadDir(out)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.Rename(tmp, out); err != nil {
			return fmt.Errorf("%s: %w", out, unwrapPath(err))
		}
		syncDir(parent)
		return nil
	case err != nil:
		return fmt.Errorf("%s: %w", out, unwrapPath(err))
	}
	if onlyOwned(entries, owned) {
		return swapDir(tmp, out)
	}
	// Mixed directory: replace our entries one by one.
	produced := map[string]bool{}
	newEntries, err := os.ReadDir(tmp)
	if err != nil {
		return err
	}
	for _, e := range newEntries {
		produced[e.Name()] = true
		src, dst := filepath.Join(tmp, e.Name()), filepath.Join(out, e.Name())
		if e.IsDir() {
			if err := replaceDir(src, dst); err != nil {
				return err
			}
			continue
		}
		if err := os.Rename(src, dst); err != nil {
			return fmt.Errorf("%s: %w", dst, unwrapPath(err))
		}
	}
	for _, e := range entries {
		if owned(e.Name()) && !produced[e.Name()] {
			if err := os.RemoveAll(filepath.Join(out, e.Name())); err != nil {
				return err
			}
		}
	}
	syncDir(out)
	return os.RemoveAll(tmp)
}

func onlyOwned(entries []fs.DirEntry, owned func(string) bool) bool {
	return !slices.ContainsFunc(entries, func(e fs.DirEntry) bool { return !owned(e.Name()) })
}

// replaceDir puts the directory src at dst: renamed there when dst is
// absent or holds nothing but .svg files (our charts), else file by file.
func replaceDir(src, dst string) error {
	entries, err := os.ReadDir(dst)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return os.Rename(src, dst)
	case err != nil:
		return fmt.Errorf("%s: %w", dst, unwrapPath(err))
	}
	if onlyOwned(entries, func(n string) bool { return strings.HasSuffix(n, ".svg") }) {
		return swapDir(src, dst)
	}
	files, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := os.Rename(filepath.Join(src, f.Name()), filepath.Join(dst, f.Name())); err != nil {
			return err
		}
	}
	return nil
}

// swapDir replaces the directory dst with src: dst is renamed aside, src
// renamed into place, the old one removed. If the second rename fails the
// old directory is put back.
func swapDir(src, dst string) error {
	parent, base := filepath.Split(dst)
	if parent == "" {
		parent = "."
	}
	old, err := os.MkdirTemp(parent, "."+base+".old-")
	if err != nil {
		return err
	}
	// MkdirTemp only picks a unique name; free it so that the rename also
	// works where a directory cannot be renamed over another (Windows).
	if err := os.Remove(old); err != nil {
		return err
	}
	if err := os.Rename(dst, old); err != nil {
		return fmt.Errorf("%s: %w", dst, unwrapPath(err))
	}
	if err := os.Rename(src, dst); err != nil {
		if rerr := os.Rename(old, dst); rerr != nil {
			return fmt.Errorf("%s: %w (the previous reports are in %s)", dst, unwrapPath(err), old)
		}
		return fmt.Errorf("%s: %w", dst, unwrapPath(err))
	}
	syncDir(parent)
	return os.RemoveAll(old)
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
