//go:build !unix

package outdir

const nonblock = 0
