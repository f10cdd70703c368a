package releasebundle

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
	"github.com/soakline/soakline/pkg/artifact"
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
			// Judged by another version of the tool: judged again, and
			// refused only when this version's verdict is worse than the
			// recorded one (a PASS made of a FAIL).
			v.ToolVersion = "v0.0.1-other"
			ps = (Options{}).verdictProblems(soak, v)
			if worse := was != "PASS" && was != "WARN"; worse != (len(ps) == 1) {
				t.Fatalf("another tool version, %s edited to %s: %v", was, v.Verdict, ps)
			}
		})
	}
}

// TestVerdictProblemsForged: a snapshot edited from FAIL to PASS is not
// let through by also editing what used to stop the judging again — its
// tool version, or a --compare baseline it names — and one judged by a
// policy of the user's own given with --policy is judged again by it
// (review R1).
func TestVerdictProblemsForged(t *testing.T) {
	dir := t.TempDir()
	for i := 1; i <= 10; i++ {
		doc := fmt.Sprintf(`{"iteration": %d, "summary": {"maker_taker_ratio": 0.85, "net_bps": 6.3, "p95_latency_ms": 9000, "risk_ratio": 0.3}}`, i)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("ITER_SUMMARY_%d.json", i)), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	soak, err := soakdir.Load(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	team := policy.Default(false).Clone()
	team.Name = "team"
	teamFile := filepath.Join(t.TempDir(), "team.json")
	if err := os.WriteFile(teamFile, team.CanonicalJSON(), 0o644); err != nil {
		t.Fatal(err)
	}
	team, err = policy.Load(teamFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		pol   *policy.Policy
		forge func(v *artifact.Verdict)
		o     Options
	}{
		{"tool version", policy.Default(false), func(v *artifact.Verdict) { v.ToolVersion = "v0.0.1-other" }, Options{}},
		{"compare baseline", policy.Default(false), func(v *artifact.Verdict) { v.Settings.CompareBaseline = "sha256:" + strings.Repeat("cd", 32) }, Options{}},
		{"policy given with --policy", team, func(v *artifact.Verdict) {}, Options{Policy: teamFile}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := judge.Evaluate(soak, tc.pol, judge.Options{ToolVersion: cliutil.Version()})
			if err != nil {
				t.Fatal(err)
			}
			if v.Verdict != artifact.VerdictFail {
				t.Fatalf("judged %s, want FAIL", v.Verdict)
			}
			if ps := tc.o.verdictProblems(soak, v); len(ps) != 0 {
				t.Fatalf("as judged: %v", ps)
			}
			v.Verdict, v.Reason = artifact.VerdictPass, "all checks passed"
			for i := range v.Checks {
				v.Checks[i].Status = artifact.VerdictPass
			}
			tc.forge(v)
			if ps := tc.o.verdictProblems(soak, v); len(ps) != 1 {
				t.Fatalf("a FAIL edited to PASS is let through: %v", ps)
			}
		})
	}
}

// TestVerdictProblemsEdited: a snapshot judged by this version whose
// verdict is left as it was but whose window, freeze_ready or a check's
// status was edited (what CHANGELOG.md and the tag message show) is
// refused too (review R1).
func TestVerdictProblemsEdited(t *testing.T) {
	dir := t.TempDir()
	for i := 1; i <= 10; i++ {
		doc := fmt.Sprintf(`{"iteration": %d, "summary": {"maker_taker_ratio": 0.85, "net_bps": 6.3, "p95_latency_ms": 180, "risk_ratio": 0.3}}`, i)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("ITER_SUMMARY_%d.json", i)), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	soak, err := soakdir.Load(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		edit func(v *artifact.Verdict)
	}{
		{"window", func(v *artifact.Verdict) { v.Window.First, v.Window.Last = 29, 36 }},
		{"freeze_ready", func(v *artifact.Verdict) { v.FreezeReady = !v.FreezeReady }},
		{"a check's status", func(v *artifact.Verdict) { v.Checks[1].Status = artifact.CheckSkip }},
		{"a check left out", func(v *artifact.Verdict) { v.Checks = v.Checks[1:] }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := judge.Evaluate(soak, policy.Default(false), judge.Options{ToolVersion: cliutil.Version()})
			if err != nil {
				t.Fatal(err)
			}
			if ps := (Options{}).verdictProblems(soak, v); len(ps) != 0 {
				t.Fatalf("as judged: %v", ps)
			}
			tc.edit(v)
			if ps := (Options{}).verdictProblems(soak, v); len(ps) != 1 {
				t.Fatalf("edited %s: %v", tc.name, ps)
			}
		})
	}
}
