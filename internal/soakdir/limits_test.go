package soakdir

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadCapped(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "RUN.json")
	if err := os.WriteFile(name, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	if data, err := readCapped(name, 10); err != nil || string(data) != "0123456789" {
		t.Fatalf("at the cap: %q, %v", data, err)
	}
	if _, err := readCapped(name, 9); err == nil || !strings.Contains(err.Error(), "RUN.json: 10 bytes, over the cap of 9 bytes") {
		t.Fatalf("over the cap: %v", err)
	}
	if _, err := readCapped(dir, 1<<20); err == nil {
		t.Fatal("a directory was read")
	}
}

func TestReadFileCap(t *testing.T) {
	name := filepath.Join(t.TempDir(), "ITER_SUMMARY_1.json")
	if err := os.WriteFile(name, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(name, MaxIterationSize+1); err != nil {
		t.Fatal(err)
	}
	if _, err := readFile(name, nil); err == nil || !strings.Contains(err.Error(), "over the cap of 16 MiB") {
		t.Fatalf("over the cap: %v", err)
	}
	if err := os.Truncate(name, MaxIterationSize); err != nil {
		t.Fatal(err)
	}
	if data, err := readFile(name, nil); err != nil || len(data) != MaxIterationSize {
		t.Fatalf("at the cap: %d bytes, %v", len(data), err)
	}
}

func TestCapFor(t *testing.T) {
	for name, want := range map[string]int64{"TUNING_REPORT.json": MaxLedgerSize, "RUN.json": MaxRunSize, "runtime_overrides.json": MaxOverridesSize, "ITER_SUMMARY_7.json": MaxIterationSize} {
		if got := capFor(name); got != want {
			t.Errorf("capFor(%s) = %d, want %d", name, got, want)
		}
	}
}
