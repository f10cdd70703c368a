//go:build unix

package outdir

import "syscall"

// nonblock opens without waiting: a FIFO swapped in after Lstat does not
// block the open (the SameFile check then refuses it).
const nonblock = syscall.O_NONBLOCK
