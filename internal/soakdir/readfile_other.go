//go:build !unix

package soakdir

// openNonblock is 0 where there is no O_NONBLOCK: the type checks of the
// listing and of the opened file are all there is.
const openNonblock = 0
