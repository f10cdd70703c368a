//go:build unix

package soakdir

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestReadFileFIFO: a FIFO put where a file was listed neither blocks the
// open (no writer) nor hangs the read (a writer that writes nothing): it
// is refused as no regular file.
func TestReadFileFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "ITER_SUMMARY_2.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	// No writer.
	if _, err := readFile(fifo, nil); !errors.Is(err, errNotRegular) {
		t.Errorf("FIFO without a writer: %v; want %v", err, errNotRegular)
	}
	// A writer that holds the FIFO open and writes nothing: a plain
	// blocking read would wait for it forever.
	r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := readFile(fifo, nil); !errors.Is(err, errNotRegular) {
		t.Errorf("FIFO with a silent writer: %v; want %v", err, errNotRegular)
	}
}
