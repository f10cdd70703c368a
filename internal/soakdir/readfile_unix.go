//go:build unix

package soakdir

import (
	"io/fs"
	"syscall"
)

// openNonblock keeps the open of a FIFO without a writer from blocking;
// readFile and readCapped then refuse the FIFO by its type.
const openNonblock = syscall.O_NONBLOCK

// readFile makes five system calls per file (open, fstat, read, read,
// close), through the syscall package's ordinary wrappers, so a slow read
// (NFS, FUSE) hands its processor to other goroutines and holds up no
// garbage collection. It does not use os.File: at 100,000 files an os.File
// per file cost 0.8 s more CPU in soak-reports (BENCHMARKS.md, issue 15).
func readFile(name string, buf []byte) ([]byte, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(name, syscall.O_RDONLY|syscall.O_CLOEXEC|openNonblock, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errNotRegular}
	}
	if st.Size > MaxIterationSize { // limits.go
		return nil, errCap(st.Size, MaxIterationSize)
	}
	buf = sized(buf, st.Size)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := syscall.Read(fd, buf[len(buf):cap(buf)])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: name, Err: err}
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
		if len(buf) > MaxIterationSize { // grew while read
			return nil, errCap(int64(len(buf)), MaxIterationSize)
		}
	}
}
