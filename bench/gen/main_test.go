package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/soakline/soakline/internal/events"
)

// TestEventsAreValid: the events file `make bench` times soak-run kpis on
// is one the events contract accepts — several iterations of the
// simulator as one stream whose t_ms never goes back.
func TestEventsAreValid(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	const n = 1_000_000 // 34 iterations of 30,000 events; with seed 1, the 31st starts before the 30th ended
	if err := writeEvents(path, n, 1); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	count := 0
	if err := events.Scan(f, func(*events.Event) error { count++; return nil }); err != nil {
		t.Fatalf("the generated events are refused: %v", err)
	}
	if count != n {
		t.Fatalf("%d events read, want %d", count, n)
	}
}
