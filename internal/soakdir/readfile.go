package soakdir

import (
	"errors"
	"io"
	"io/fs"
	"os"
)

// errNotRegular is the error for a file that is not a regular file when it
// is opened (a FIFO or a device swapped in after the listing).
var errNotRegular = errors.New("not a regular file")

// readFile reads the regular file name into buf, grown as needed, and
// returns the contents. It is os.ReadFile without the fresh buffer per
// file: a worker passes the buffer of its last file back in, which at
// 100,000 ITER_SUMMARY files saves about 0.2 s of allocation and garbage
// collection (BENCHMARKS.md).
//
// The reads are ordinary os.File reads, so a slow read (NFS, FUSE) hands
// its processor to other goroutines and does not hold up the garbage
// collector. The file is opened without blocking where the system allows
// it (openNonblock) and refused unless what was opened is a regular file,
// so a FIFO swapped in after the listing neither blocks the open nor hangs
// the read.
func readFile(name string, buf []byte) ([]byte, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errNotRegular}
	}
	if fi.Size() > MaxIterationSize { // limits.go
		return nil, errCap(fi.Size(), MaxIterationSize)
	}
	// Room for the whole file and the read that finds its end, with some
	// to spare for the next, slightly larger, file. A size that is wrong
	// (a file still being written, a file system that reports 0) only
	// costs growth.
	if size := fi.Size(); size < 1<<30 && int(size) >= cap(buf) {
		buf = make([]byte, 0, int(size)+512)
	}
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf) > MaxIterationSize { // grew while read
			return nil, errCap(int64(len(buf)), MaxIterationSize)
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
