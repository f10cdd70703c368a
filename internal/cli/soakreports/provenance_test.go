package soakreports

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soakline/soakline/internal/judge"
	"github.com/soakline/soakline/internal/provenance"
	"github.com/soakline/soakline/internal/render"
	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/pkg/artifact"
)

var provenanceReports = []string{render.AuditFile, render.RecommendationsFile, render.FailuresFile, render.DeltaVerifyMDFile}

// checkProvenance requires every markdown report in dir to end with the
// provenance line naming the soak's digest and the sha256 of the snapshot
// bytes in dir.
func checkProvenance(t *testing.T, dir, soakDigest string) {
	t.Helper()
	snap, err := os.ReadFile(filepath.Join(dir, render.SnapshotFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range provenanceReports {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		s, v, ok := provenance.Parse(data)
		if !ok {
			t.Errorf("%s: no provenance line at the end", f)
			continue
		}
		if s != soakDigest || v != artifact.Hash(snap) {
			t.Errorf("%s: provenance soak=%s verdict=%s, want soak=%s verdict=%s", f, s, v, soakDigest, artifact.Hash(snap))
		}
		if !strings.HasSuffix(string(data), provenance.Line(s, v)) {
			t.Errorf("%s does not end with its provenance line", f)
		}
	}
}

// TestProvenance: the reports name the snapshot bytes they render, whether
// judged here or soak-gate's file found in --out (written here compactly,
// so that a re-encoded snapshot would not match).
func TestProvenance(t *testing.T) {
	t.Chdir(t.TempDir())
	writeOurs(t, "soak", 24, failShape, map[int]bool{21: true})
	soak, err := soakdir.Load(t.Context(), "soak", nil)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("judged here", func(t *testing.T) {
		if _, stderr, code := runCLI(t, "", nil, "soak", "--out", "here"); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		checkProvenance(t, "here", soak.Digest)
	})

	t.Run("gate verdict in --out", func(t *testing.T) {
		pol, err := judge.LoadPolicy("", false)
		if err != nil {
			t.Fatal(err)
		}
		v, err := judge.Evaluate(soak, pol, judge.Options{Strict: true})
		if err != nil {
			t.Fatal(err)
		}
		compact, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll("gate", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("gate", render.SnapshotFile), compact, 0o644); err != nil {
			t.Fatal(err)
		}
		_, stderr, code := runCLI(t, "", nil, "soak", "--out", "gate")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if strings.Contains(stderr, "judged here") {
			t.Errorf("judged again over soak-gate's verdict:\n%s", stderr)
		}
		got, err := os.ReadFile(filepath.Join("gate", render.SnapshotFile))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(compact) {
			t.Errorf("soak-gate's snapshot was rewritten")
		}
		checkProvenance(t, "gate", soak.Digest)
	})
}
