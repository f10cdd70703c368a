//go:build unix

package release

import (
	"os"
	"syscall"
)

// openNoBlock opens name for reading without blocking on a FIFO or a
// device that replaced a regular file after it was checked, and, unless
// follow, without following a final symbolic link.
func openNoBlock(name string, follow bool) (*os.File, error) {
	flags := os.O_RDONLY | syscall.O_NONBLOCK
	if !follow {
		flags |= syscall.O_NOFOLLOW
	}
	return os.OpenFile(name, flags, 0)
}
