//go:build !unix

package release

import "os"

// openNoBlock opens name for reading; without O_NONBLOCK and O_NOFOLLOW
// the type checks before and after the open are all there is.
func openNoBlock(name string, follow bool) (*os.File, error) {
	return os.Open(name)
}
