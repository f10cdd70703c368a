package soakdir

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soakline/soakline/pkg/artifact"
)

func fileDigest(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// TestLedgerAndOverridesDigests: the soak records the sha256 of the
// ledger and the overrides as read — for our ledger (read on the fast
// path), the Python toolkit's (read twice: the hash restarts), and a
// ledger large enough to be read through several windows.
func TestLedgerAndOverridesDigests(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(t *testing.T, dir string)
		over  string // where the overrides are, relative to dir
	}{
		{"ours", func(t *testing.T, dir string) { ourSoak(t, dir, 5) }, artifact.OverridesFile},
		{"ours, a ledger read through several windows", func(t *testing.T, dir string) {
			ourSoak(t, dir, 3)
			rep := artifact.TuningReport{SchemaVersion: artifact.SchemaVersion, Kind: artifact.KindTuningReport}
			for i := 1; i <= 3000; i++ {
				rep.Iterations = append(rep.Iterations, *benchSummary(i).Tuning)
			}
			rep.Summarize()
			writeJSON(t, filepath.Join(dir, artifact.TuningReportFile), rep)
			if fi, err := os.Stat(filepath.Join(dir, artifact.TuningReportFile)); err != nil || fi.Size() < 1<<20 {
				t.Fatalf("ledger of %v bytes, want more than 1 MiB (%v)", fi.Size(), err)
			}
		}, artifact.OverridesFile},
		{"legacy", func(t *testing.T, dir string) { legacySoak(t, dir, 5) }, filepath.Join("..", artifact.OverridesFile)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "latest")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			tc.write(t, dir)
			s, err := Load(context.Background(), dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			if want := fileDigest(t, filepath.Join(dir, artifact.TuningReportFile)); s.LedgerDigest != want {
				t.Errorf("LedgerDigest = %q, want %q", s.LedgerDigest, want)
			}
			if want := fileDigest(t, filepath.Join(dir, tc.over)); s.OverridesDigest != want {
				t.Errorf("OverridesDigest = %q, want %q", s.OverridesDigest, want)
			}
		})
	}
	// Without the files, no digests.
	dir := t.TempDir()
	ourSoak(t, dir, 3)
	for _, f := range []string{artifact.TuningReportFile, artifact.OverridesFile} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Load(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.LedgerDigest != "" || s.OverridesDigest != "" {
		t.Errorf("digests of absent files: %q, %q", s.LedgerDigest, s.OverridesDigest)
	}
}

// TestStreamDigests: in a stream, the ledger's and the overrides' digests
// are those of their lines, without the line end.
func TestStreamDigests(t *testing.T) {
	rep := artifact.TuningReport{SchemaVersion: 1, Kind: artifact.KindTuningReport}
	rep.Iterations = append(rep.Iterations, *benchSummary(1).Tuning)
	rep.Summarize()
	ledgerLine := strings.TrimSuffix(line(t, rep), "\n")
	ov, err := artifact.MarshalLine(artifact.Overrides{Params: map[string]float64{"min_interval_ms": 60}})
	if err != nil {
		t.Fatal(err)
	}
	ovLine := string(bytes.TrimSuffix(ov, []byte("\n")))
	in := line(t, benchSummary(1)) + ovLine + "\r\n" + ledgerLine + "\n"
	s, err := Load(context.Background(), "-", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if want := artifact.Hash([]byte(ledgerLine)); s.LedgerDigest != want {
		t.Errorf("LedgerDigest = %q, want %q", s.LedgerDigest, want)
	}
	if want := artifact.Hash([]byte(ovLine)); s.OverridesDigest != want {
		t.Errorf("OverridesDigest = %q, want %q", s.OverridesDigest, want)
	}
}
