package soakreports

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/render"
)

var update = flag.Bool("update", false, "rewrite testdata/golden")

// runCLI runs soak-reports in-process and returns stdout, stderr and the
// exit code.
func runCLI(t *testing.T, stdin string, env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	stdio := cliutil.Stdio{In: strings.NewReader(stdin), Out: &out, Err: &errb, Getenv: func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}}
	code := cliutil.Report(name, &errb, Run(context.Background(), args, stdio))
	return out.String(), errb.String(), code
}

var goldenFiles = []string{render.SnapshotFile, render.AuditFile, render.RecommendationsFile, render.FailuresFile}

// TestGolden pins the four reports of a passing soak, a failing one and a
// 120-iteration legacy directory. Rewrite with go test ./internal/cli/soakreports/ -update.
func TestGolden(t *testing.T) {
	tests := []struct {
		name  string
		build func(t *testing.T, dir string)
		args  []string
	}{
		{"pass", func(t *testing.T, dir string) { writeOurs(t, dir, 24, passShape, nil) }, nil},
		{"fail", func(t *testing.T, dir string) { writeOurs(t, dir, 24, failShape, map[int]bool{21: true}) }, nil},
		{"legacy", func(t *testing.T, dir string) { writeLegacy(t, dir, 120) }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Chdir(t.TempDir()) // relative paths keep the reports free of temp names
			tc.build(t, "soak dir")
			args := append([]string{"--src", "soak dir", "--out", "reports out", "--now", "2026-01-02T03:04:05Z"}, tc.args...)
			_, stderr, code := runCLI(t, "", nil, args...)
			if code != 0 {
				t.Fatalf("exit %d, stderr:\n%s", code, stderr)
			}
			for _, f := range goldenFiles {
				got, err := os.ReadFile(filepath.Join("reports out", f))
				if err != nil {
					t.Fatal(err)
				}
				golden := filepath.Join(testdataDir(t), "golden", tc.name, f)
				if *update {
					if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(golden, got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./internal/cli/soakreports/ -update)", err)
				}
				if diff := cmp.Diff(string(want), string(got)); diff != "" {
					t.Errorf("%s mismatch (-want +got):\n%s", f, diff)
				}
			}
		})
	}
}

var pkgDir, _ = os.Getwd()

func testdataDir(t *testing.T) string { return filepath.Join(pkgDir, "testdata") }
