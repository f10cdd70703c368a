package judge

import (
	"fmt"
	"slices"
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

// TestDeltaPairsBounded: a long ledger keeps exact counts, lists every
// kind of problem (the first failed and signature-stuck proposals, the
// first partial_ok ones) and the last proposals, counts what it leaves out
// per outcome, and bounds the checks' evidence.
func TestDeltaPairsBounded(t *testing.T) {
	const n = 1000
	isFail := func(i int) bool { return i == 500 || (i > 700 && i <= 900 && i%3 != 0) }
	var entries []artifact.Tuning
	params := map[string]float64{}
	wantFail, wantPartial := 0, 0
	for i := 1; i <= n; i++ {
		key := fmt.Sprintf("k%d", i)
		e := entry(i, key, 1, 0, fmt.Sprint("h", i-1), fmt.Sprint("h", i))
		switch {
		case i%3 == 0:
			e = artifact.Tuning{Iteration: i, ProposedDeltas: map[string]float64{key: 1}, Verified: true, SkipReason: "freeze",
				Skipped: []artifact.Skip{{Key: key, Guard: "freeze", Reason: "steady-state freeze"}}}
			wantPartial++
		case isFail(i):
			e.Verified = false
			params[key] = 1
			wantFail++
		default:
			params[key] = 1
		}
		if i == 10 {
			e.StateHash = e.OldHash // applied, hash unchanged
		}
		entries = append(entries, e)
	}
	s := withLedger(entries, params)
	dv := VerifyDeltas(s, 0.9, 1)

	if dv.ProposedCount != n || dv.FailCount != wantFail || dv.PartialOKCount != wantPartial ||
		dv.FullApplyCount != n-wantFail-wantPartial || dv.SignatureStuckCount != 1 {
		t.Fatalf("counts: proposed %d full %d partial %d fail %d stuck %d; want %d, %d, %d, %d, 1",
			dv.ProposedCount, dv.FullApplyCount, dv.PartialOKCount, dv.FailCount, dv.SignatureStuckCount,
			n, n-wantFail-wantPartial, wantPartial, wantFail)
	}
	if max := MaxProblemPairs + MaxPartialPairs + LastPairs; len(dv.Pairs) > max {
		t.Errorf("%d pairs listed, at most %d", len(dv.Pairs), max)
	}
	listed := map[string]int{}
	var its []int
	problems, partials := 0, 0
	for _, p := range dv.Pairs {
		listed[p.Outcome]++
		its = append(its, p.Iteration)
		switch {
		case p.Outcome == artifact.DeltaFail || p.SignatureStuck:
			problems++
		case p.Outcome == artifact.DeltaPartialOK:
			partials++
		}
	}
	if !slices.IsSorted(its) {
		t.Errorf("pairs out of iteration order: %v", its)
	}
	if problems < MaxProblemPairs || partials < MaxPartialPairs {
		t.Errorf("listed %d problem and %d partial_ok pairs, want at least %d and %d", problems, partials, MaxProblemPairs, MaxPartialPairs)
	}
	for _, want := range []int{10, 500, 701, 3, 60, 993, 1000} { // stuck, first fails, first partials, the last ones
		if !slices.Contains(its, want) {
			t.Errorf("iteration %d not listed: %v", want, its)
		}
	}
	for _, o := range []string{artifact.DeltaFullApply, artifact.DeltaPartialOK, artifact.DeltaFail} {
		total := map[string]int{artifact.DeltaFullApply: dv.FullApplyCount, artifact.DeltaPartialOK: dv.PartialOKCount, artifact.DeltaFail: dv.FailCount}[o]
		if listed[o]+dv.PairsOmitted[o] != total {
			t.Errorf("%s: %d listed + %d omitted != %d", o, listed[o], dv.PairsOmitted[o], total)
		}
	}

	// The checks judge every proposal and bound their evidence.
	v, err := Evaluate(s, policy.Default(false), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range v.Checks {
		if c.Name != CheckDeltaRatio {
			continue
		}
		if len(c.Iterations) != MaxEvidence || c.IterationsOmitted != wantFail-MaxEvidence || c.Iterations[0] != 500 {
			t.Errorf("ratio evidence: %d iterations from %v, %d omitted; want %d from 500, %d omitted",
				len(c.Iterations), c.Iterations[:1], c.IterationsOmitted, MaxEvidence, wantFail-MaxEvidence)
		}
		if c.WindowFirst != 1 || c.WindowLast != n || c.N != n {
			t.Errorf("ratio check spans %d-%d n=%d, want 1-%d n=%d", c.WindowFirst, c.WindowLast, c.N, n, n)
		}
		if !strings.Contains(c.Reason, "first failure, iteration 500: ") {
			t.Errorf("ratio reason: %s", c.Reason)
		}
	}
	if v.DeltaVerification.Source == nil || *v.DeltaVerification.Source != v.Source || v.DeltaVerification.PolicyDigest != v.Policy.Digest {
		t.Errorf("the verdict's delta verification does not say what it was computed from: %+v, %q", v.DeltaVerification.Source, v.DeltaVerification.PolicyDigest)
	}
	dv.Source, dv.PolicyDigest = v.DeltaVerification.Source, v.DeltaVerification.PolicyDigest
	if diff := cmp.Diff(dv, v.DeltaVerification); diff != "" {
		t.Errorf("Evaluate's delta verification differs from VerifyDeltas' (-want +got):\n%s", diff)
	}
}

// TestFailedIterationsBounded: a large window of failed iterations lists
// the first MaxEvidence and counts them all.
func TestFailedIterationsBounded(t *testing.T) {
	s := soakOf(300, func(i int, it *artifact.IterationSummary) {
		if i > 100 {
			it.Status = artifact.StatusFailed
		}
	})
	v, err := Evaluate(s, policy.Default(false), Options{LastN: 250})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.FailedIterations) != MaxEvidence || v.FailedIterations[0] != 101 || v.FailedIterationsCount != 200 {
		t.Errorf("failed_iterations: %d listed from %d, count %d; want %d from 101, count 200",
			len(v.FailedIterations), v.FailedIterations[0], v.FailedIterationsCount, MaxEvidence)
	}
	for _, c := range v.Checks {
		if c.Name == CheckFailed && (len(c.Iterations) != MaxEvidence || c.IterationsOmitted != 100 || *c.Value != 200) {
			t.Errorf("failed check: %d evidence, %d omitted, value %v", len(c.Iterations), c.IterationsOmitted, *c.Value)
		}
	}
}
