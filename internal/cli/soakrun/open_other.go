//go:build !unix

package soakrun

import "os"

// openNoBlock opens name for reading; without O_NONBLOCK and O_NOFOLLOW
// the type checks before and after the open are all there is.
func openNoBlock(name string) (*os.File, error) { return os.Open(name) }

// openAppend opens name for appending, creating it.
func openAppend(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
}
