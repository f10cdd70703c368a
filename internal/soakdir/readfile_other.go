//go:build !unix

package soakdir

import (
	"bytes"
	"os"
)

// readFile reads the file name into buf, grown as needed, and returns the
// contents.
func readFile(name string, buf []byte) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := bytes.NewBuffer(buf[:0])
	if _, err := b.ReadFrom(f); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
