package soakdir

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(path, v); err != nil {
		t.Fatal(err)
	}
}

// ourSoak writes iterations 1..n in our format with a ledger, a run record
// and overrides.
func ourSoak(t *testing.T, dir string, n int) {
	t.Helper()
	rep := artifact.TuningReport{SchemaVersion: artifact.SchemaVersion, Kind: artifact.KindTuningReport}
	for i := 1; i <= n; i++ {
		it := benchSummary(i)
		writeJSON(t, filepath.Join(dir, artifact.IterationFileName(i)), it)
		rep.Iterations = append(rep.Iterations, *it.Tuning)
	}
	rep.Summarize()
	writeJSON(t, filepath.Join(dir, artifact.TuningReportFile), rep)
	writeJSON(t, filepath.Join(dir, artifact.RunFile), artifact.RunRecord{
		SchemaVersion: 1, Kind: artifact.KindRun, Mode: artifact.ModeMock, Seed: 42,
		IterationsPlanned: n, IterationsDone: n, State: artifact.RunComplete,
	})
	data, err := artifact.Marshal(artifact.Overrides{Params: map[string]float64{"min_interval_ms": 60, "engine.concurrency_limit": 10}})
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, artifact.OverridesFile), string(data))
}

// legacySoak writes iterations 1..n as the Python toolkit did: no
// envelope, sorted keys, a bare-list ledger, overrides one level up.
func legacySoak(t *testing.T, dir string, n int) {
	t.Helper()
	var ledger []string
	for i := 1; i <= n; i++ {
		writeFile(t, filepath.Join(dir, artifact.IterationFileName(i)), fmt.Sprintf(`{
  "iteration": %d,
  "summary": {
    "maker_taker_ratio": 0.85,
    "maker_taker_source": "fills_volume",
    "net_bps": %g,
    "p95_latency_ms": 180.0,
    "risk_ratio": 0.3
  },
  "tuning": {
    "applied": false,
    "deltas": {},
    "proposed_deltas": {},
    "skip_reason": {"no_op": true, "note": "no effective change"},
    "state_hash": null
  }
}
`, i, 5.6+float64(i%7)/10))
		ledger = append(ledger, fmt.Sprintf(`{"iteration": %d, "proposed_deltas": {}, "applied": false, "signature": "na", "skip_reason": "no effective change"}`, i))
	}
	writeFile(t, filepath.Join(dir, artifact.TuningReportFile), "["+strings.Join(ledger, ",\n")+"]\n")
	writeFile(t, filepath.Join(dir, "..", artifact.OverridesFile), `{"min_interval_ms": 60, "engine": {"min_interval_ms": 5}}`)
}

func numbers(n int) []int {
	ns := make([]int, n)
	for i := range ns {
		ns[i] = i + 1
	}
	return ns
}

func TestLoadOurDir(t *testing.T) {
	dir := t.TempDir()
	ourSoak(t, dir, 5)
	s, err := Load(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(numbers(5), Numbers(s)); diff != "" {
		t.Errorf("numbers (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(benchSummary(3), s.Iterations[2], cmpIgnoreFile()); diff != "" {
		t.Errorf("iteration 3 (-want +got):\n%s", diff)
	}
	if s.Report == nil || len(s.Report.Iterations) != 5 || s.Run == nil || s.Overrides == nil {
		t.Fatalf("extras missing: report %v run %v overrides %v", s.Report, s.Run, s.Overrides)
	}
	if s.OverridesPath != filepath.Join(dir, artifact.OverridesFile) {
		t.Errorf("OverridesPath = %q", s.OverridesPath)
	}
	if s.Legacy || len(s.Warnings) > 0 || s.Dir != dir || s.Path != dir || len(s.Digest) != 64 {
		t.Errorf("legacy %v warnings %q dir %q path %q digest %q", s.Legacy, s.Warnings, s.Dir, s.Path, s.Digest)
	}
	// The digest is sha256 over "name sha256hex\n" per iteration file, in
	// order (release-bundle and verdicts written before record it).
	h := sha256.New()
	for n := 1; n <= 5; n++ {
		name := artifact.IterationFileName(n)
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(h, "%s %x\n", name, sha256.Sum256(data))
	}
	if want := hex.EncodeToString(h.Sum(nil)); s.Digest != want {
		t.Errorf("Digest = %s, want %s", s.Digest, want)
	}
	// The digest names the data: same files, same digest; one changed byte, another.
	again, err := Load(context.Background(), dir, nil)
	if err != nil || again.Digest != s.Digest {
		t.Fatalf("digest not stable: %v", err)
	}
	it := benchSummary(2)
	it.Seed = 43
	writeJSON(t, filepath.Join(dir, artifact.IterationFileName(2)), it)
	changed, err := Load(context.Background(), dir, nil)
	if err != nil || changed.Digest == s.Digest {
		t.Fatalf("digest did not change: %v", err)
	}
}

func cmpIgnoreFile() cmp.Option {
	return cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".File" }, cmp.Ignore())
}

func TestLoadLegacyLayouts(t *testing.T) {
	tests := []struct {
		name   string
		soak   string // where the files are, under the temp dir
		arg    string // what the user names
		wantOv string // where the overrides are found
	}{
		{"src/soak/latest", "src/soak/latest", "src", "src/soak/runtime_overrides.json"},
		{"src/latest", "src/latest", "src", "src/runtime_overrides.json"},
		{"the directory itself", "artifacts/soak/latest", "artifacts/soak/latest", "artifacts/soak/runtime_overrides.json"},
		{"a name with a space", "my soaks/latest 1", "my soaks/latest 1", "my soaks/runtime_overrides.json"},
		{"src with a space and non-ASCII", "sоак run/soak/latest", "sоак run", "sоак run/soak/runtime_overrides.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			legacySoak(t, filepath.Join(root, tc.soak), 120)
			s, err := Load(context.Background(), filepath.Join(root, tc.arg), nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(numbers(120), Numbers(s)); diff != "" {
				t.Errorf("numbers (-want +got):\n%s", diff)
			}
			if s.Dir != filepath.Join(root, tc.soak) {
				t.Errorf("Dir = %q", s.Dir)
			}
			if s.Path != s.Dir { // source.path names the directory read
				t.Errorf("Path = %q, want %q", s.Path, s.Dir)
			}
			if !s.Legacy || s.Report == nil || !s.Report.Legacy || len(s.Report.Iterations) != 120 {
				t.Errorf("legacy %v report %+v", s.Legacy, s.Report != nil)
			}
			if s.OverridesPath != filepath.Join(root, tc.soak, "..", artifact.OverridesFile) || s.Overrides.Params["engine.min_interval_ms"] != 5 {
				t.Errorf("overrides at %q: %+v", s.OverridesPath, s.Overrides)
			}
			if diff := cmp.Diff([]string{"legacy input: iteration summaries written by the Python toolkit"}, s.Warnings); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
			if got := s.Iterations[119].Summary.NetBps; got == nil || *got != 5.6+float64(120%7)/10 {
				t.Errorf("iteration 120 net_bps = %v", got)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) // dir holds a good 12-iteration soak
		want  string                         // with DIR for the soak directory
	}{
		{
			name: "malformed ITER_SUMMARY_7.json",
			setup: func(t *testing.T, dir string) {
				writeFile(t, filepath.Join(dir, "ITER_SUMMARY_7.json"), "{\n  \"schema_version\": 1,\n  \"kind\": \"iteration_summary\",,\n}")
			},
			want: `DIR/ITER_SUMMARY_7.json: line 3: invalid JSON: invalid character ',' at start of value`,
		},
		{
			name: "lowest-numbered bad file is named",
			setup: func(t *testing.T, dir string) {
				for _, n := range []int{11, 3, 9} {
					writeFile(t, filepath.Join(dir, artifact.IterationFileName(n)), "{")
				}
			},
			want: `DIR/ITER_SUMMARY_3.json: line 1: invalid JSON: unexpected end of JSON input`,
		},
		{
			name: "duplicate iteration",
			setup: func(t *testing.T, dir string) {
				writeFile(t, filepath.Join(dir, "ITER_SUMMARY_07.json"), "{}")
			},
			want: `DIR: ITER_SUMMARY_07.json and ITER_SUMMARY_7.json both claim iteration 7`,
		},
		{
			name: "name and content disagree",
			setup: func(t *testing.T, dir string) {
				writeJSON(t, filepath.Join(dir, "ITER_SUMMARY_4.json"), benchSummary(5))
			},
			want: `DIR/ITER_SUMMARY_4.json: file name says iteration 4, content says 5`,
		},
		{
			name: "symlink out of the soak directory",
			setup: func(t *testing.T, dir string) {
				out := filepath.Join(filepath.Dir(dir), "outside.json")
				writeJSON(t, out, benchSummary(2))
				os.Remove(filepath.Join(dir, "ITER_SUMMARY_2.json"))
				if err := os.Symlink("../outside.json", filepath.Join(dir, "ITER_SUMMARY_2.json")); err != nil {
					t.Fatal(err)
				}
			},
			want: `DIR/ITER_SUMMARY_2.json: symbolic link points out of the soak directory`,
		},
		{
			name: "absolute symlink out of the soak directory",
			setup: func(t *testing.T, dir string) {
				os.Remove(filepath.Join(dir, "ITER_SUMMARY_2.json"))
				if err := os.Symlink("/etc/hostname", filepath.Join(dir, "ITER_SUMMARY_2.json")); err != nil {
					t.Fatal(err)
				}
			},
			want: `DIR/ITER_SUMMARY_2.json: symbolic link points out of the soak directory`,
		},
		{
			name: "dangling symlink",
			setup: func(t *testing.T, dir string) {
				os.Remove(filepath.Join(dir, "ITER_SUMMARY_2.json"))
				if err := os.Symlink("nowhere.json", filepath.Join(dir, "ITER_SUMMARY_2.json")); err != nil {
					t.Fatal(err)
				}
			},
			want: `DIR/ITER_SUMMARY_2.json: no such file or directory`,
		},
		{
			name: "symlinked ledger out of the soak directory",
			setup: func(t *testing.T, dir string) {
				os.Remove(filepath.Join(dir, artifact.TuningReportFile))
				if err := os.Symlink("/etc/passwd", filepath.Join(dir, artifact.TuningReportFile)); err != nil {
					t.Fatal(err)
				}
			},
			want: `DIR/TUNING_REPORT.json: symbolic link points out of the soak directory`,
		},
		{
			name: "a directory where an iteration file belongs",
			setup: func(t *testing.T, dir string) {
				os.Remove(filepath.Join(dir, "ITER_SUMMARY_5.json"))
				if err := os.Mkdir(filepath.Join(dir, "ITER_SUMMARY_5.json"), 0o755); err != nil {
					t.Fatal(err)
				}
			},
			want: `DIR/ITER_SUMMARY_5.json: not a regular file`,
		},
		{
			name: "a directory where the ledger belongs",
			setup: func(t *testing.T, dir string) {
				os.Remove(filepath.Join(dir, artifact.TuningReportFile))
				if err := os.Mkdir(filepath.Join(dir, artifact.TuningReportFile), 0o755); err != nil {
					t.Fatal(err)
				}
			},
			want: `DIR/TUNING_REPORT.json: not a regular file`,
		},
		{
			name: "bad run record",
			setup: func(t *testing.T, dir string) {
				writeFile(t, filepath.Join(dir, artifact.RunFile), `{"schema_version": 1, "kind": "run", "state": "running", "colour": 1}`)
			},
			want: `DIR/RUN.json: line 1: unknown field "colour"`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "soak")
			ourSoak(t, dir, 12)
			tc.setup(t, dir)
			s, err := Load(context.Background(), dir, nil)
			if err == nil {
				t.Fatalf("loaded %d iterations, want an error", len(s.Iterations))
			}
			var ae *fileerr.Error
			if !errors.As(err, &ae) {
				t.Errorf("error is %T, want *fileerr.Error", err)
			}
			if diff := cmp.Diff(strings.ReplaceAll(tc.want, "DIR", dir), err.Error()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadSymlinkInsideIsFollowed(t *testing.T) {
	dir := t.TempDir()
	ourSoak(t, dir, 3)
	writeJSON(t, filepath.Join(dir, "iter", "3.json"), benchSummary(3))
	os.Remove(filepath.Join(dir, "ITER_SUMMARY_3.json"))
	if err := os.Symlink(filepath.Join("iter", "3.json"), filepath.Join(dir, "ITER_SUMMARY_3.json")); err != nil {
		t.Fatal(err)
	}
	// The soak directory itself reached through a symbolic link.
	link := filepath.Join(t.TempDir(), "latest")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	s, err := Load(context.Background(), link, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(numbers(3), Numbers(s)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestLoadPathErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope")
	if _, err := Load(context.Background(), missing, nil); err == nil || err.Error() != missing+": no such file or directory" {
		t.Errorf("missing path: %v", err)
	}
	// A file where a directory belongs is read as a JSON Lines stream; a
	// pretty-printed summary is not one.
	file := filepath.Join(dir, "ITER_SUMMARY_1.json")
	writeJSON(t, file, benchSummary(1))
	_, err := Load(context.Background(), file, nil)
	if want := file + ": line 1: not JSON Lines: a pretty-printed JSON document (a stream has one record per line; give the soak directory instead)"; err == nil || err.Error() != want {
		t.Errorf("file as dir: got %v, want %q", err, want)
	}
	if _, err := ResolveDir(file); err == nil || err.Error() != file+": not a directory" {
		t.Errorf("ResolveDir(file) = %v", err)
	}
}

func TestLoadGapsAndEmpty(t *testing.T) {
	dir := t.TempDir()
	ourSoak(t, dir, 6)
	os.Remove(filepath.Join(dir, "ITER_SUMMARY_2.json"))
	os.Remove(filepath.Join(dir, "ITER_SUMMARY_3.json"))
	s, err := Load(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{1, 4, 5, 6}, Numbers(s)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"iterations 2-3 are missing"}, s.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	empty, err := Load(context.Background(), t.TempDir(), nil)
	if err != nil || len(empty.Iterations) != 0 {
		t.Errorf("empty dir: %v, %v", empty, err)
	}
}

// A reader racing soak-run may see the ledger one entry ahead of the
// summaries: only whole iterations count, and the ledger's summary agrees.
func TestLoadLedgerBeyondLastSummary(t *testing.T) {
	dir := t.TempDir()
	ourSoak(t, dir, 4)
	os.Remove(filepath.Join(dir, "ITER_SUMMARY_4.json"))
	s, err := Load(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, e := range s.Report.Iterations {
		got = append(got, e.Iteration)
	}
	if diff := cmp.Diff([]int{1, 2, 3}, got); diff != "" {
		t.Errorf("ledger (-want +got):\n%s", diff)
	}
	if s.Report.Summary.Count != 3 || s.Report.Summary.Applied != 3 {
		t.Errorf("ledger summary %+v counts the dropped entry", s.Report.Summary)
	}
}

func TestLoadRunningSoakWarns(t *testing.T) {
	dir := t.TempDir()
	ourSoak(t, dir, 2)
	writeJSON(t, filepath.Join(dir, artifact.RunFile), artifact.RunRecord{
		SchemaVersion: 1, Kind: artifact.KindRun, IterationsPlanned: 24, IterationsDone: 2, State: artifact.RunRunning,
	})
	s, err := Load(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"the soak is still running or was killed (2 of 24 iterations done)"}, s.Warnings); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestLoadCanceled(t *testing.T) {
	dir := t.TempDir()
	ourSoak(t, dir, 50)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Load(ctx, dir, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if _, err := Load(ctx, "-", strings.NewReader(line(t, benchSummary(1)))); !errors.Is(err, context.Canceled) {
		t.Errorf("stream: err = %v, want context.Canceled", err)
	}
}

// TestSymlinkInsideRelativeSoak pins that a link staying inside a soak
// given by a relative path is followed, as it is with an absolute path.
func TestSymlinkInsideRelativeSoak(t *testing.T) {
	root := t.TempDir()
	t.Chdir(root)
	if err := os.MkdirAll(filepath.Join("soak", "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	data := []byte(`{"iteration": 1, "summary": {"net_bps": 3.0}}`)
	if err := os.WriteFile(filepath.Join("soak", "data", "1.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join("data", "1.json"), filepath.Join("soak", "ITER_SUMMARY_1.json")); err != nil {
		t.Fatal(err)
	}
	s, err := Load(context.Background(), "soak", nil)
	if err != nil {
		t.Fatalf("Load(relative soak with an inside link): %v", err)
	}
	if len(s.Iterations) != 1 {
		t.Fatalf("got %d iterations, want 1", len(s.Iterations))
	}
}
