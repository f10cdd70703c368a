package soakdir

import (
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// Size caps on the files of a soak directory. A file over its cap is
// refused by its size (fstat of the opened file) before any of it is read,
// exit 2 naming the file and the cap: a soak directory is downloaded from
// anyone's CI, and a 300 MB sparse file used to be read whole (0.3-1.2 GB
// of memory) by soak-gate, soak-reports and release-bundle. The caps are
// far above what soak-run or the Python toolkit write.
const (
	// MaxIterationSize caps an ITER_SUMMARY_<n>.json; ours are ~1.6 KB.
	MaxIterationSize = 16 << 20
	// MaxLedgerSize caps TUNING_REPORT.json. It grows by ~850 bytes per
	// iteration (85 MB at 100,000 iterations, BENCHMARKS.md): the cap
	// takes about 600,000.
	MaxLedgerSize = 512 << 20
	// MaxRunSize caps RUN.json; ours is under 2 KB.
	MaxRunSize = 1 << 20
	// MaxOverridesSize caps runtime_overrides.json.
	MaxOverridesSize = 16 << 20
)

// capFor is the cap of a soak file by its base name.
func capFor(base string) int64 {
	switch base {
	case artifact.TuningReportFile:
		return MaxLedgerSize
	case artifact.RunFile:
		return MaxRunSize
	case artifact.OverridesFile:
		return MaxOverridesSize
	}
	return MaxIterationSize
}

// errCap is the error for size bytes over limit (a file's name goes before
// it).
func errCap(size, limit int64) error {
	return fmt.Errorf("%d bytes, over the cap of %s for this file: not read", size, mib(limit))
}

// tooLarge is the error for the file name of size bytes over limit.
func tooLarge(name string, size, limit int64) error {
	return &fileerr.Error{File: name, Err: errCap(size, limit)}
}

func mib(n int64) string {
	if n%(1<<20) != 0 {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("%d MiB", n>>20)
}

// checkOpenSize refuses the opened file f (named name) when fstat says it
// is larger than limit.
func checkOpenSize(f *os.File, name string, limit int64) error {
	fi, err := f.Stat()
	if err != nil {
		return fileerr.PathError(name, err)
	}
	if fi.Size() > limit {
		return tooLarge(name, fi.Size(), limit)
	}
	return nil
}

// readCapped reads the regular file name, at most limit bytes: opened
// without blocking, refused unless what was opened is a regular file of at
// most limit bytes (fstat, before reading), and refused if it grew past
// limit while read.
func readCapped(name string, limit int64) ([]byte, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, fileerr.PathError(name, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fileerr.PathError(name, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fileerr.PathError(name, &fs.PathError{Op: "read", Path: name, Err: errNotRegular})
	}
	if fi.Size() > limit {
		return nil, tooLarge(name, fi.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fileerr.PathError(name, err)
	}
	if int64(len(data)) > limit {
		return nil, tooLarge(name, int64(len(data)), limit)
	}
	return data, nil
}
