//go:build unix && !linux

package soakdir

import (
	"io/fs"
	"syscall"
)

// readFile reads the file name into buf, grown as needed, and returns the
// contents. It costs an open, two reads and a close: os.ReadFile also
// registers the descriptor with the poller and stats it (six more system
// calls on Linux, fcntl and epoll_ctl that fail for a regular file), which at
// 100,000 ITER_SUMMARY files was a third of Load's time.
func readFile(name string, buf []byte) ([]byte, error) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(name, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	defer syscall.Close(fd)
	buf = buf[:0]
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
	}
}
