package soakdir

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestReadFileLinux(t *testing.T) {
	dir := t.TempDir()
	// Contents larger than the buffer given, to exercise the growth.
	want := bytes.Repeat([]byte("0123456789abcdef"), 3000)
	name := filepath.Join(dir, "ITER_SUMMARY_1.json")
	if err := os.WriteFile(name, want, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readFile(name, make([]byte, 0, 100))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("readFile = %d bytes, %v; want %d bytes", len(got), err, len(want))
	}

	// A missing file is a PathError naming it.
	_, err = readFile(filepath.Join(dir, "nope.json"), nil)
	var pe *os.PathError
	if !errors.As(err, &pe) || pe.Path != filepath.Join(dir, "nope.json") || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}

	// A FIFO put where a file was listed neither blocks the open (no
	// writer) nor hangs the read: it reads as empty, which the decoder
	// then refuses.
	fifo := filepath.Join(dir, "ITER_SUMMARY_2.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	got, err = readFile(fifo, nil)
	if err != nil || len(got) != 0 {
		t.Errorf("FIFO: %q, %v; want empty, no error", got, err)
	}
}
