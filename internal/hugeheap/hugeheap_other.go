//go:build !linux

package hugeheap

// Prepare does nothing here: the advice is Linux's.
func Prepare(n int) {}
