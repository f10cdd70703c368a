//go:build !unix

package soakdir

import (
	"io"
	"io/fs"
	"os"
)

// openNonblock is 0 where there is no O_NONBLOCK: the type checks of the
// listing and of the opened file are all there is.
const openNonblock = 0

// readFile reads through an os.File, refused unless it is a regular file
// once opened; there is no O_NONBLOCK here, so the listing's type check is
// what keeps a FIFO out.
func readFile(name string, buf []byte) ([]byte, error) {
	f, err := os.Open(name)
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
	buf = sized(buf, fi.Size())
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
