package release

import (
	"strings"
	"testing"

	"github.com/soakline/soakline/pkg/artifact"
)

// TestCheckChainVerdictConsistent: a snapshot whose verdict is not what its
// own checks say (a forced FAIL bundle edited to PASS: the verdict alone,
// or the check statuses too with the failing values left) is a mismatch,
// in release-bundle and in verify, whatever the sums say (review R1).
func TestCheckChainVerdictConsistent(t *testing.T) {
	digest := strings.Repeat("1", 64)
	mk := func(verdict string, checks ...artifact.Check) *artifact.Verdict {
		return &artifact.Verdict{SchemaVersion: 1, Kind: artifact.KindVerdict, Verdict: verdict,
			Source: artifact.Source{Path: "soak", Digest: digest}, Checks: checks}
	}
	warn := 0.85
	maker := func(v float64, st string) artifact.Check {
		return artifact.Check{Name: "maker_taker_ratio_mean", KPI: "maker_taker_ratio", Statistic: "mean", Direction: ">=",
			Threshold: 0.83, Warn: &warn, Value: artifact.F(v), N: 8, Status: st}
	}
	window := artifact.Check{Name: "window", Statistic: "count", Direction: ">=", Threshold: 8, Value: artifact.F(8), N: 8, Status: "PASS"}
	adoptWarn := artifact.Check{Name: "overrides_adopted", Statistic: "count", Direction: "<=", Threshold: 0, Value: artifact.F(3), N: 8, Status: "WARN"}
	compare := artifact.Check{Name: "compare_p95_latency_ms", KPI: "p95_latency_ms", Statistic: "mean_shift", Direction: "<=", Threshold: 20, Value: artifact.F(25), N: 8, Status: "PASS"}
	sustained := artifact.Check{Name: "p95_latency_ms_max", KPI: "p95_latency_ms", Statistic: "max", Direction: "<=", Threshold: 340, Value: artifact.F(400), N: 8, Status: "PASS", Sustained: "3 consecutive"}
	skip := artifact.Check{Name: "delta_full_apply_ratio", Statistic: "ratio", Direction: ">=", Threshold: 0.9, Status: "SKIP"}
	for _, tc := range []struct {
		name string
		v    *artifact.Verdict
		bad  bool
	}{
		{"PASS as judged", mk("PASS", window, maker(0.9, "PASS"), compare, sustained, skip), false},
		{"WARN as judged", mk("WARN", window, maker(0.84, "WARN"), adoptWarn), false},
		{"FAIL as judged", mk("FAIL", window, maker(0.8, "FAIL"), adoptWarn), false},
		{"INCONCLUSIVE over a FAIL", mk("INCONCLUSIVE", artifact.Check{Name: "window", Direction: ">=", Threshold: 8, Value: artifact.F(4), N: 4, Status: "INCONCLUSIVE"}, maker(0.8, "FAIL")), true},
		{"FAIL edited to PASS, checks left", mk("PASS", window, maker(0.8, "FAIL")), true},
		{"FAIL edited to PASS with the checks", mk("PASS", window, maker(0.8, "PASS")), true},
		{"WARN edited to PASS", mk("PASS", window, maker(0.84, "WARN")), true},
		{"WARN edited to PASS with the checks", mk("PASS", window, maker(0.84, "PASS")), true},
		{"an unknown check status", mk("PASS", window, maker(0.9, "OK")), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := CheckChain(Evidence{Snapshot: []byte("{}"), Verdict: tc.v}, Facts{SoakDigest: digest})
			if tc.bad != (len(ps) > 0) {
				t.Fatalf("problems %v, want some: %v", ps, tc.bad)
			}
			for _, p := range ps {
				if p.File != artifact.SnapshotFile {
					t.Errorf("a problem of %s: %v", p.File, p)
				}
			}
		})
	}
}
