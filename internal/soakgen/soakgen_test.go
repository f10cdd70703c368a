package soakgen

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/soakline/soakline/internal/events"
	"github.com/soakline/soakline/pkg/artifact"
)

// TestEventsAreValid: the events file `make bench` times soak-run kpis on
// is one the events contract accepts — several iterations of the
// simulator as one stream whose t_ms never goes back.
func TestEventsAreValid(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	const n = 1_000_000 // 34 iterations of 30,000 events; with seed 1, the 31st starts before the 30th ended
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteEvents(f, n, 1); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	f, err = os.Open(path)
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

// TestWriteDirMatchesSoak: the directory in our format holds, file for
// file, what Soak returns in memory (the benchmarks that skip the disk
// judge the same soak), and the same arguments write the same bytes.
func TestWriteDirMatchesSoak(t *testing.T) {
	const n = 40
	iterations, ledger, params := Soak(n, 3)
	if len(iterations) != n || len(ledger.Iterations) != n {
		t.Fatalf("%d iterations, %d ledger entries, want %d", len(iterations), len(ledger.Iterations), n)
	}
	a, b := t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b} {
		if err := WriteDir(dir, n, 3, false); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string][]byte{}
	for _, it := range iterations {
		data, err := artifact.Marshal(it)
		if err != nil {
			t.Fatal(err)
		}
		want[artifact.IterationFileName(it.Iteration)] = data
	}
	var err error
	if want[artifact.TuningReportFile], err = artifact.Marshal(ledger); err != nil {
		t.Fatal(err)
	}
	if want[artifact.OverridesFile], err = artifact.Marshal(artifact.Overrides{Params: params}); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(a)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(want) {
		t.Errorf("%d files written, want %d", len(entries), len(want))
	}
	for name, data := range want {
		got, err := os.ReadFile(filepath.Join(a, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data) {
			t.Errorf("%s differs from Soak's:\n%s\nwant\n%s", name, got, data)
		}
		again, err := os.ReadFile(filepath.Join(b, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, again) {
			t.Errorf("%s: two runs with the same arguments differ", name)
		}
	}
}

// TestLegacyDirShape: the legacy soak has no envelopes and a ledger of
// plain entries, as the Python toolkit wrote them.
func TestLegacyDirShape(t *testing.T) {
	dir := t.TempDir()
	if err := WriteDir(dir, 36, 1, true); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{artifact.IterationFileName(35), artifact.TuningReportFile} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(`"schema_version"`)) || bytes.Contains(data, []byte(`"kind"`)) {
			t.Errorf("%s has an envelope:\n%.300s", name, data)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, artifact.IterationFileName(35)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`"note": "velocity cap exceeded"`)) {
		t.Errorf("iteration 35's velocity skip is not a legacy skip_reason object:\n%s", data)
	}
}

// TestLedgerChains: the ledger is one soak-run would write, so that the
// gate's delta verification passes on it rather than failing early: each
// entry starts from the state the previous one ended in, the last state is
// the sha256 of the runtime_overrides.json beside it, an entry that
// changes nothing keeps its hash, every change was proposed with a
// non-zero delta, and every change held back names its guard.
func TestLedgerChains(t *testing.T) {
	dir := t.TempDir()
	const n = 1100 // past the first bad stretch and 31 velocity holds
	if err := WriteDir(dir, n, 1, false); err != nil {
		t.Fatal(err)
	}
	_, ledger, _ := Soak(n, 1)
	overrides, err := os.ReadFile(filepath.Join(dir, artifact.OverridesFile))
	if err != nil {
		t.Fatal(err)
	}
	prev := ""
	for _, e := range ledger.Iterations {
		if prev != "" && e.OldHash != prev {
			t.Fatalf("iteration %d: old_hash %.12s, want the previous state_hash %.12s", e.Iteration, e.OldHash, prev)
		}
		if !e.Applied && e.StateHash != e.OldHash {
			t.Errorf("iteration %d: nothing applied, yet the state changed", e.Iteration)
		}
		for _, c := range e.Changes {
			if d, ok := e.ProposedDeltas[c.Key]; !ok || d == 0 || c.Delta != d || c.New == c.Old {
				t.Errorf("iteration %d: change %+v against proposal %v", e.Iteration, c, e.ProposedDeltas)
			}
		}
		for _, s := range e.Skipped {
			if s.Guard == "" {
				t.Errorf("iteration %d: %s held back by no guard", e.Iteration, s.Key)
			}
		}
		prev = e.StateHash
	}
	if want := artifact.Hash(overrides); prev != want {
		t.Errorf("the ledger ends in state %.12s, the overrides' sha256 is %.12s", prev, want)
	}
}
