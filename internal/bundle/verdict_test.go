package bundle

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/judge"
	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/internal/soakdir"
)

// A snapshot whose digests all agree but whose verdict was edited (FAIL to
// PASS) is found by judging the soak again with its own policy and
// settings; an unedited one, also judged with --last-n, --warmup or
// --strict, or under the mock policy, is not flagged.
func TestVerdictProblems(t *testing.T) {
	dir := t.TempDir()
	for i := 1; i <= 10; i++ {
		p95 := 180.0
		if i == 10 {
			p95 = 9000
		}
		doc := fmt.Sprintf(`{"iteration": %d, "summary": {"maker_taker_ratio": 0.85, "net_bps": 6.3, "p95_latency_ms": %g, "risk_ratio": 0.3}}`, i, p95)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("ITER_SUMMARY_%d.json", i)), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	soak, err := soakdir.Load(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	three := policy.Warmup{N: 3}
	for _, tc := range []struct {
		name string
		mock bool
		opts judge.Options
	}{
		{"production", false, judge.Options{}},
		{"mock", true, judge.Options{}},
		{"--last-n 4 --strict", false, judge.Options{LastN: 4, Strict: true}},
		{"--warmup 3", false, judge.Options{Warmup: &three}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.ToolVersion = cliutil.Version()
			v, err := judge.Evaluate(soak, policy.Default(tc.mock), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if ps := (Options{}).verdictProblems(soak, v); len(ps) != 0 {
				t.Fatalf("as judged (%s): %v", v.Verdict, ps)
			}
			was := v.Verdict
			v.Verdict = "PASS"
			if was == "PASS" {
				v.Verdict = "FAIL"
			}
			ps := (Options{}).verdictProblems(soak, v)
			if len(ps) != 1 || !strings.Contains(ps[0].Why, "edited after it was judged") {
				t.Fatalf("edited from %s to %s: %v", was, v.Verdict, ps)
			}
			// Judged by another version of the tool: not judged again.
			v.ToolVersion = "v0.0.1-other"
			if ps := (Options{}).verdictProblems(soak, v); len(ps) != 0 {
				t.Fatalf("another tool version: %v", ps)
			}
		})
	}
}
