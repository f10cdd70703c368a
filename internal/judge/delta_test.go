package judge

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/pkg/artifact"
)

// entry is a ledger entry that proposes key +d and applies it from old.
func entry(it int, key string, d, old float64, oldHash, newHash string) artifact.Tuning {
	return artifact.Tuning{
		Iteration: it, ProposedDeltas: map[string]float64{key: d}, Applied: true,
		Changes:     []artifact.Change{{Key: key, Old: old, New: old + d, Delta: d}},
		ChangedKeys: []string{key}, OldHash: oldHash, StateHash: newHash, Verified: true,
	}
}

func withLedger(entries []artifact.Tuning, params map[string]float64) *soakdir.Soak {
	s := soakOf(8, nil)
	s.Report = &artifact.TuningReport{SchemaVersion: 1, Kind: artifact.KindTuningReport, Iterations: entries}
	if params != nil {
		s.Overrides = &artifact.Overrides{Params: params}
	}
	return s
}

func TestVerifyDeltas(t *testing.T) {
	type counts struct {
		Proposed, Full, Partial, Fail, Stuck int
		Ratio                                float64
		Status                               string
		Outcomes                             []string
	}
	held := artifact.Tuning{Iteration: 3, ProposedDeltas: map[string]float64{"min_interval_ms": 10},
		Skipped: []artifact.Skip{{Key: "min_interval_ms", Guard: "velocity", Reason: "velocity cap exceeded"}}, SkipReason: "velocity", Verified: true}
	tests := []struct {
		name    string
		soak    *soakdir.Soak
		want    counts
		problem string
	}{
		{
			name: "no ledger: nothing to verify, said so",
			soak: soakOf(8, nil),
			want: counts{Status: "SKIP"},
		},
		{
			name: "ledger without proposals",
			soak: withLedger([]artifact.Tuning{{Iteration: 1, ProposedDeltas: map[string]float64{}}}, nil),
			want: counts{Status: "SKIP"},
		},
		{
			name: "applied, chained and confirmed by the overrides",
			soak: withLedger([]artifact.Tuning{
				entry(1, "min_interval_ms", 5, 100, "h0", "h1"),
				entry(2, "min_interval_ms", 5, 105, "h1", "h2"),
				held,
			}, map[string]float64{"min_interval_ms": 110}),
			want: counts{Proposed: 3, Full: 2, Partial: 1, Ratio: 1, Status: "PASS", Outcomes: []string{"full_apply", "full_apply", "partial_ok"}},
		},
		{
			name: "a value that did not hold",
			soak: withLedger([]artifact.Tuning{
				entry(1, "min_interval_ms", 5, 100, "h0", "h1"),
				entry(2, "min_interval_ms", 5, 120, "h1", "h2"),
			}, map[string]float64{"min_interval_ms": 125}),
			want:    counts{Proposed: 2, Full: 1, Fail: 1, Ratio: 0.5, Status: "FAIL", Outcomes: []string{"fail", "full_apply"}},
			problem: "min_interval_ms: set to 105 here, but was 120 when iteration 2 changed it",
		},
		{
			name:    "final overrides disagree",
			soak:    withLedger([]artifact.Tuning{entry(1, "tail_age_ms", 25, 500, "h0", "h1")}, map[string]float64{"tail_age_ms": 500}),
			want:    counts{Proposed: 1, Fail: 1, Status: "FAIL", Outcomes: []string{"fail"}},
			problem: "tail_age_ms: runtime_overrides.json holds 500, iteration 1 set 525",
		},
		{
			name:    "proposed but neither applied nor held back",
			soak:    withLedger([]artifact.Tuning{{Iteration: 1, ProposedDeltas: map[string]float64{"k": 1}}}, nil),
			want:    counts{Proposed: 1, Fail: 1, Status: "FAIL", Outcomes: []string{"fail"}},
			problem: "k: proposed +1 but neither applied nor held back by a guard",
		},
		{
			name: "signature stuck twice",
			soak: withLedger([]artifact.Tuning{
				entry(1, "a", 1, 0, "h0", "h0"),
				entry(2, "b", 1, 0, "h0", "h0"),
			}, map[string]float64{"a": 1, "b": 1}),
			want: counts{Proposed: 2, Full: 2, Stuck: 2, Ratio: 1, Status: "FAIL", Outcomes: []string{"full_apply", "full_apply"}},
		},
		{
			name: "clamped is partial",
			soak: func() *soakdir.Soak {
				e := entry(1, "a", 1, 0, "h0", "h1")
				e.ProposedDeltas["a"] = 3
				return withLedger([]artifact.Tuning{e}, map[string]float64{"a": 1})
			}(),
			want: counts{Proposed: 1, Partial: 1, Ratio: 1, Status: "PASS", Outcomes: []string{"partial_ok"}},
		},
		{
			name: "unverified write",
			soak: func() *soakdir.Soak {
				e := entry(1, "a", 1, 0, "h0", "h1")
				e.Verified = false
				return withLedger([]artifact.Tuning{e}, map[string]float64{"a": 1})
			}(),
			want:    counts{Proposed: 1, Fail: 1, Status: "FAIL", Outcomes: []string{"fail"}},
			problem: "the overrides write was not verified by re-reading it",
		},
		{
			name: "legacy ledger: key presence only",
			soak: func() *soakdir.Soak {
				s := withLedger([]artifact.Tuning{
					{Iteration: 1, ProposedDeltas: map[string]float64{"min_interval_ms": 5}, Applied: true, ChangedKeys: []string{"min_interval_ms"}, OldHash: "a", StateHash: "b"},
					{Iteration: 2, ProposedDeltas: map[string]float64{"tail_age_ms": 5}, SkipReason: "velocity"},
					{Iteration: 3, ProposedDeltas: map[string]float64{"gone": 5}, Applied: true, OldHash: "b", StateHash: "b"},
				}, map[string]float64{"engine.min_interval_ms": 5})
				s.Report.Legacy = true
				return s
			}(),
			want:    counts{Proposed: 3, Full: 1, Partial: 1, Fail: 1, Stuck: 1, Ratio: 0.667, Status: "FAIL", Outcomes: []string{"full_apply", "partial_ok", "fail"}},
			problem: "gone: recorded as applied but absent from runtime_overrides.json",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dv := VerifyDeltas(tc.soak, 0.9, 1)
			got := counts{Proposed: dv.ProposedCount, Full: dv.FullApplyCount, Partial: dv.PartialOKCount, Fail: dv.FailCount,
				Stuck: dv.SignatureStuckCount, Ratio: dv.FullApplyRatio, Status: dv.Status}
			for _, p := range dv.Pairs {
				got.Outcomes = append(got.Outcomes, p.Outcome)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
			if tc.problem != "" {
				found := false
				for _, p := range dv.Pairs {
					found = found || strings.Contains(p.Reason, tc.problem)
				}
				if !found {
					t.Errorf("no pair reason contains %q: %+v", tc.problem, dv.Pairs)
				}
			}
			if dv.Status == "SKIP" && !strings.HasPrefix(dv.Note, "nothing to verify") {
				t.Errorf("a skipped verification must say why: %q", dv.Note)
			}
			// The same result drives the verdict's checks.
			v, err := Evaluate(tc.soak, policy.Default(false), Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range v.Checks {
				if c.Name == CheckDeltaRatio && tc.want.Status != "FAIL" && c.Status != tc.want.Status {
					t.Errorf("ratio check %s, want %s", c.Status, tc.want.Status)
				}
			}
			if tc.want.Status == "FAIL" && v.Verdict != artifact.VerdictFail {
				t.Errorf("a failed delta verification gave verdict %s", v.Verdict)
			}
		})
	}
}

func TestStrictThreshold(t *testing.T) {
	// 9 of 10 verified: passes at 0.90, fails at 0.95 with --strict.
	var entries []artifact.Tuning
	params := map[string]float64{}
	for i := 1; i <= 10; i++ {
		key := string(rune('a' + i))
		e := entry(i, key, 1, 0, "h", "h"+key)
		params[key] = 1
		if i == 10 {
			e.Changes, e.ChangedKeys, e.Applied = nil, nil, false
		}
		entries = append(entries, e)
	}
	for _, strict := range []bool{false, true} {
		v, err := Evaluate(withLedger(entries, params), policy.Default(false), Options{Strict: strict})
		if err != nil {
			t.Fatal(err)
		}
		want := map[bool]string{false: "PASS", true: "FAIL"}[strict]
		if v.Verdict != want {
			t.Errorf("strict=%t: verdict %s, want %s (%s)", strict, v.Verdict, want, v.Reason)
		}
	}
}
