package soakgate

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/soakgen"
	"github.com/soakline/soakline/pkg/artifact"
)

// writeSoak writes the generator's soak of n iterations (internal/soakgen,
// seed 1) into dir: iteration summaries, the ledger and the overrides.
func writeSoak(tb testing.TB, dir string, n int) {
	tb.Helper()
	if err := soakgen.WriteDir(dir, n, 1, false); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkGate100k gates a 100,000-iteration soak directory end to end:
// list, read and decode every file in parallel, judge, encode the verdict.
func BenchmarkGate100k(b *testing.B) {
	dir := b.TempDir()
	writeSoak(b, dir, 100_000)
	stdio := cliutil.Stdio{In: bytes.NewReader(nil), Out: io.Discard, Err: io.Discard, Getenv: func(string) (string, bool) { return "", false }}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := Run(context.Background(), []string{dir}, stdio); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRunInProcess(t *testing.T) {
	dir := t.TempDir()
	writeSoak(t, dir, 12)
	var out, errb bytes.Buffer
	env := map[string]string{"SOURCE_DATE_EPOCH": "1767225600"}
	stdio := cliutil.Stdio{In: bytes.NewReader(nil), Out: &out, Err: &errb, Getenv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	if err := Run(context.Background(), []string{dir, "--strict"}, stdio); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	var v artifact.Verdict
	if err := artifact.Decode("stdout", out.Bytes(), artifact.KindVerdict, &v); err != nil {
		t.Fatalf("stdout is not a verdict: %v", err)
	}
	if v.Verdict != artifact.VerdictPass || v.GeneratedAt != "2026-01-01T00:00:00Z" || !v.Policy.Strict {
		t.Errorf("verdict %s generated_at %q strict %t", v.Verdict, v.GeneratedAt, v.Policy.Strict)
	}
}

func TestPromArgs(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"dir --prometheus", "[dir --prometheus=]"},
		{"dir --prometheus m.prom", "[dir --prometheus=m.prom]"},
		{"--prometheus dir", "[--prometheus= dir]"},
		{"dir --prometheus=x.txt", "[dir --prometheus=x.txt]"},
		{"-- --prometheus", "[-- --prometheus]"},
	} {
		if got := fmt.Sprint(promArgs(splitArgs(tc.in))); got != tc.want {
			t.Errorf("promArgs(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func splitArgs(s string) []string {
	var out []string
	for _, f := range bytes.Fields([]byte(s)) {
		out = append(out, string(f))
	}
	return out
}
