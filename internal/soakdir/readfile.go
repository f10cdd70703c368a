package soakdir

import "errors"

// errNotRegular is the error for a file that is not a regular file once
// opened (a FIFO or a device swapped in after the listing).
var errNotRegular = errors.New("not a regular file")

// readFile (readfile_unix.go, readfile_other.go) reads the regular file
// name into buf, grown as needed, and returns the contents. It is
// os.ReadFile without the fresh buffer per file: a worker passes the
// buffer of its last file back in, which at 100,000 ITER_SUMMARY files
// saves about 0.2 s of allocation and garbage collection
// (issue 15's review).
//
// The open does not block on a FIFO, and what was opened is refused unless
// it is a regular file, so a FIFO swapped in after the listing neither
// blocks the open nor hangs the read.

// sized returns buf emptied, with room for a file of size bytes and the
// read that finds its end, and some to spare for the next, slightly
// larger, file. A size that is wrong (a file still being written, a file
// system that reports 0) only costs growth. size is at most
// MaxIterationSize.
func sized(buf []byte, size int64) []byte {
	if int(size) >= cap(buf) {
		return make([]byte, 0, int(size)+512)
	}
	return buf[:0]
}
