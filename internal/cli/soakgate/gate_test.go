package soakgate

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/judge"
	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/internal/provenance"
	"github.com/soakline/soakline/internal/render"
	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/pkg/artifact"
)

// TestLibraryJudgesAsTheGate pins the contract soak-reports relies on:
// judge.LoadPolicy and judge.Evaluate, given the gate's flags as options,
// produce the verdict bytes soak-gate writes (stdout and
// POST_SOAK_SNAPSHOT.json), and render.DeltaMarkdown the
// DELTA_VERIFY_REPORT.md, whose provenance line names the soak and the
// snapshot; the verdict records every setting it was judged with.
func TestLibraryJudgesAsTheGate(t *testing.T) {
	dir := t.TempDir()
	soakDir := filepath.Join(dir, "soak")
	if err := os.Mkdir(soakDir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeSoak(t, soakDir, 20)
	pol := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(pol, []byte(promPolicy), 0o644); err != nil {
		t.Fatal(err)
	}
	warm := policy.Warmup{N: 3}
	auto := policy.Warmup{Auto: true}
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		// what the library is given
		file   string
		mock   bool
		opts   judge.Options
		settle artifact.Settings
	}{
		{name: "built-in", args: nil, opts: judge.Options{}, settle: artifact.Settings{}},
		{name: "strict, warm-up, last-n", args: []string{"--strict", "--warmup", "3", "--last-n", "6"},
			opts: judge.Options{Strict: true, Warmup: &warm, LastN: 6}, settle: artifact.Settings{Strict: true, Warmup: "3", LastN: 6}},
		{name: "mock", args: []string{"--mock", "--warmup", "auto"}, mock: true,
			opts: judge.Options{Warmup: &auto}, settle: artifact.Settings{Mock: true, Warmup: "auto"}},
		{name: "USE_MOCK=1", env: map[string]string{"USE_MOCK": "1"}, mock: true, settle: artifact.Settings{Mock: true}},
		{name: "policy file, USE_MOCK ignored", args: []string{"--policy", pol}, env: map[string]string{"USE_MOCK": "1"}, file: pol},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			var stdout, stderr bytes.Buffer
			env := func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }
			stdio := cliutil.Stdio{In: bytes.NewReader(nil), Out: &stdout, Err: &stderr, Getenv: env}
			args := append([]string{soakDir, "--out", out}, tc.args...)
			if err := Run(context.Background(), args, stdio); err != nil {
				t.Logf("gate: %v", err) // a FAIL is an answer, not an error here
			}
			snap, err := os.ReadFile(filepath.Join(out, artifact.SnapshotFile))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(snap, stdout.Bytes()) {
				t.Errorf("POST_SOAK_SNAPSHOT.json differs from stdout")
			}

			// The library, as soak-reports calls it.
			s, err := soakdir.Load(context.Background(), soakDir, nil)
			if err != nil {
				t.Fatal(err)
			}
			p, err := judge.LoadPolicy(tc.file, tc.mock)
			if err != nil {
				t.Fatal(err)
			}
			opts := tc.opts
			opts.ToolVersion = cliutil.Version()
			v, err := judge.Evaluate(s, p, opts)
			if err != nil {
				t.Fatal(err)
			}
			data, err := artifact.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(snap), string(data)); diff != "" {
				t.Errorf("library verdict differs from the gate's (-gate +library):\n%s", diff)
			}
			if diff := cmp.Diff(tc.settle, v.Settings); diff != "" {
				t.Errorf("settings (-want +got):\n%s", diff)
			}
			md, err := os.ReadFile(filepath.Join(out, render.DeltaVerifyMDFile))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(md, render.DeltaMarkdown(v, artifact.Hash(data))) {
				t.Errorf("DELTA_VERIFY_REPORT.md differs from render.DeltaMarkdown")
			}
			soak, verdict, ok := provenance.Parse(md)
			if !ok || soak != s.Digest || verdict != artifact.Hash(snap) {
				t.Errorf("provenance %q %q %t, want soak %s and the snapshot's digest", soak, verdict, ok, s.Digest)
			}
			dvFile, err := os.ReadFile(filepath.Join(out, artifact.DeltaVerifyFile))
			if err != nil {
				t.Fatal(err)
			}
			var dv artifact.DeltaVerify
			if err := artifact.Decode("dv", dvFile, artifact.KindDeltaVerify, &dv); err != nil {
				t.Fatal(err)
			}
			if dv.Source == nil || dv.Source.Digest != s.Digest || dv.Source.LedgerDigest != s.LedgerDigest || dv.PolicyDigest != v.Policy.Digest {
				t.Errorf("DELTA_VERIFY_REPORT.json source %+v policy %q", dv.Source, dv.PolicyDigest)
			}
			if v.Source.LedgerDigest == "" || v.Source.LedgerDigest != s.LedgerDigest {
				t.Errorf("verdict source %+v lacks the ledger digest", v.Source)
			}
		})
	}
}
