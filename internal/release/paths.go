package release

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/soakline/soakline/pkg/fileerr"
)

// Within reports whether path is dir or inside it, after making both
// absolute and resolving symbolic links as far as the paths exist (so
// that an output that does not exist yet still compares correctly).
func Within(path, dir string) bool {
	p, d := resolve(path), resolve(dir)
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

func resolve(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return filepath.Clean(p)
	}
	dir, rest := abs, ""
	for {
		if r, err := filepath.EvalSymlinks(dir); err == nil {
			return filepath.Join(r, rest)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return abs
		}
		rest = filepath.Join(filepath.Base(dir), rest)
		dir = parent
	}
}

// Size caps on what the release pair reads. A bundle holds ten files of
// known names; nothing else in its directory or archive is read at all.
const (
	// MaxBundleFileBytes bounds one file read from a bundle, an archive or
	// the inputs of a bundle (a report, the snapshot, the delta report,
	// the overrides).
	MaxBundleFileBytes = 64 << 20
	// MaxBundleBytes bounds all the files of one bundle together, and what
	// an archive may expand to (its tar headers included).
	MaxBundleBytes = 256 << 20
	// MaxArchiveEntries bounds the entries of a bundle archive: ten files
	// and their directory, with room for what tar adds (PAX headers).
	MaxArchiveEntries = 64
)

// ErrTooLarge is returned (wrapped) when a file exceeds its cap.
var ErrTooLarge = errors.New("too large")

// ReadRegular reads the regular file name, at most max bytes. Anything
// else is refused by its type before it is opened (os.Lstat: a symbolic
// link when follow is false, a directory, a FIFO, a device, a socket), and
// the file is opened so that a FIFO or device put in its place meanwhile
// neither blocks nor is read (non-blocking, no following of a final
// symbolic link unless follow, and its type checked again on the open
// descriptor). With follow, a symbolic link is followed (its target must
// be a regular file); the caller has checked where it leads. A file larger
// than max is refused from its size before reading, and a file that grows
// past max while read is refused too. The error names name.
func ReadRegular(name string, max int64, follow bool) ([]byte, error) {
	fi, err := os.Lstat(name)
	if err != nil {
		return nil, fileerr.PathError(name, err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 && follow {
		if fi, err = os.Stat(name); err != nil {
			return nil, fileerr.PathError(name, err)
		}
	}
	if err := regularSize(name, fi, max); err != nil {
		return nil, err
	}
	f, err := openNoBlock(name, follow)
	if err != nil {
		return nil, fileerr.PathError(name, err)
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, fileerr.PathError(name, err)
	}
	if err := regularSize(name, fi, max); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fileerr.PathError(name, err)
	}
	if int64(len(data)) > max {
		return nil, &fileerr.Error{File: name, Err: fmt.Errorf("%w: larger than %d bytes", ErrTooLarge, max)}
	}
	return data, nil
}

func regularSize(name string, fi fs.FileInfo, max int64) error {
	switch m := fi.Mode(); {
	case m&fs.ModeSymlink != 0:
		return fileerr.Errorf(name, 0, "a symbolic link, not a regular file")
	case m.IsDir():
		return fileerr.Errorf(name, 0, "a directory, not a regular file")
	case !m.IsRegular():
		return fileerr.Errorf(name, 0, "not a regular file (%s)", typeName(m))
	case fi.Size() > max:
		return &fileerr.Error{File: name, Err: fmt.Errorf("%w: %d bytes, more than the %d allowed", ErrTooLarge, fi.Size(), max)}
	}
	return nil
}

func typeName(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "type " + m.Type().String()
}
