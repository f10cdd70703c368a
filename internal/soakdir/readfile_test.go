package soakdir

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "ITER_SUMMARY_1.json")
	small := []byte(`{"iteration":1}`)
	if err := os.WriteFile(name, small, 0o644); err != nil {
		t.Fatal(err)
	}
	// A file that fits is read into the buffer given: the reuse that
	// readIterations relies on.
	buf := make([]byte, 0, 100)
	got, err := readFile(name, buf)
	if err != nil || !bytes.Equal(got, small) {
		t.Fatalf("readFile = %q, %v; want %q", got, err, small)
	}
	if &got[:1][0] != &buf[:1][0] {
		t.Errorf("a file that fits the buffer was read into a new one")
	}

	// Contents larger than the buffer given: the buffer grows.
	want := bytes.Repeat([]byte("0123456789abcdef"), 3000)
	if err := os.WriteFile(name, want, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, buf := range [][]byte{nil, make([]byte, 0, 100), make([]byte, 5, len(want))} {
		got, err := readFile(name, buf)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("readFile(cap %d) = %d bytes, %v; want %d bytes", cap(buf), len(got), err, len(want))
		}
	}

	// An empty file reads as empty.
	if err := os.WriteFile(name, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := readFile(name, nil); err != nil || len(got) != 0 {
		t.Errorf("empty file: %q, %v", got, err)
	}

	// A missing file is a PathError naming it.
	_, err = readFile(filepath.Join(dir, "nope.json"), nil)
	var pe *os.PathError
	if !errors.As(err, &pe) || pe.Path != filepath.Join(dir, "nope.json") || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}

	// A directory is no regular file.
	if _, err := readFile(dir, nil); !errors.Is(err, errNotRegular) {
		t.Errorf("directory: %v; want %v", err, errNotRegular)
	}
}
