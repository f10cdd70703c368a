//go:build unix

package soakdir

import "syscall"

// openNonblock keeps the open of a FIFO without a writer from blocking;
// readFile then refuses the FIFO by its type.
const openNonblock = syscall.O_NONBLOCK
