package soakdir

import (
	"os"
	"strconv"
	"testing"
)

// TestGenerate writes a soak directory of SOAKLINE_GEN_N iterations into
// SOAKLINE_GEN_DIR for timing the binaries by hand:
//
//	SOAKLINE_GEN_DIR=/tmp/soak100k SOAKLINE_GEN_N=100000 go test -run TestGenerate ./internal/soakdir/
//
// Without the variables it does nothing.
func TestGenerate(t *testing.T) {
	dir, n := os.Getenv("SOAKLINE_GEN_DIR"), os.Getenv("SOAKLINE_GEN_N")
	if dir == "" || n == "" {
		t.Skip("set SOAKLINE_GEN_DIR and SOAKLINE_GEN_N to generate a soak directory")
	}
	count, err := strconv.Atoi(n)
	if err != nil || count < 1 {
		t.Fatalf("SOAKLINE_GEN_N=%q: want a positive integer", n)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	size := writeSoak(t, dir, count)
	t.Logf("%d iterations, %d bytes of ITER_SUMMARY files in %s", count, size, dir)
}
