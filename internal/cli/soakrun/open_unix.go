//go:build unix

package soakrun

import (
	"os"
	"syscall"
)

// openNoBlock opens name for reading without following a final symbolic
// link and without blocking on a FIFO or a device that replaced a regular
// file after it was checked (the caller checks the type of what it got).
func openNoBlock(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
}

// openAppend opens name for appending, creating it, without following a
// final symbolic link and without blocking on a FIFO.
func openAppend(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0o644)
}
