package judge

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/soakline/soakline/internal/numfmt"
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
			want: counts{Proposed: 2, Stuck: 2, Status: "FAIL", Outcomes: []string{"signature_stuck", "signature_stuck"}},
		},
		{
			name: "clamped by a named guard is partial",
			soak: func() *soakdir.Soak {
				e := entry(1, "a", 1, 0, "h0", "h1")
				e.ProposedDeltas["a"] = 3
				e.Rationale = []string{"CLAMPED: a proposed +3, applied +1 (clamped to [0, 1])"}
				return withLedger([]artifact.Tuning{e}, map[string]float64{"a": 1})
			}(),
			want:    counts{Proposed: 1, Partial: 1, Ratio: 1, Status: "PASS", Outcomes: []string{"partial_ok"}},
			problem: "a clamped: proposed +3, applied +1 (bounds: clamped to [0, 1])",
		},
		{
			name: "a clamp no guard explains fails",
			soak: func() *soakdir.Soak {
				e := entry(1, "a", 1, 0, "h0", "h1")
				e.ProposedDeltas["a"] = 3
				return withLedger([]artifact.Tuning{e}, map[string]float64{"a": 1})
			}(),
			want:    counts{Proposed: 1, Fail: 1, Status: "FAIL", Outcomes: []string{"fail"}},
			problem: "a: applied +1 where +3 was proposed, and no guard is named for the difference",
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
			want:    counts{Proposed: 3, Full: 1, Partial: 1, Fail: 1, Stuck: 1, Ratio: 0.666667, Status: "FAIL", Outcomes: []string{"full_apply", "partial_ok", "fail"}},
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
		e := entry(i, key, 1, 0, fmt.Sprint("h", i-1), fmt.Sprint("h", i))
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
	cur := "h0" // the overrides' state hash, chained from entry to entry
	for i := 1; i <= n; i++ {
		key := fmt.Sprintf("k%d", i)
		e := entry(i, key, 1, 0, cur, fmt.Sprint("h", i))
		switch {
		case i%3 == 0:
			e = artifact.Tuning{Iteration: i, ProposedDeltas: map[string]float64{key: 1}, Verified: true, SkipReason: "freeze",
				Skipped: []artifact.Skip{{Key: key, Guard: "freeze", Reason: "steady-state freeze"}}, OldHash: cur, StateHash: cur}
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
		cur = e.StateHash
		entries = append(entries, e)
	}
	s := withLedger(entries, params)
	dv := VerifyDeltas(s, 0.9, 1)

	if dv.ProposedCount != n || dv.FailCount != wantFail || dv.PartialOKCount != wantPartial ||
		dv.FullApplyCount != n-wantFail-wantPartial-1 || dv.SignatureStuckCount != 1 {
		t.Fatalf("counts: proposed %d full %d partial %d fail %d stuck %d; want %d, %d, %d, %d, 1",
			dv.ProposedCount, dv.FullApplyCount, dv.PartialOKCount, dv.FailCount, dv.SignatureStuckCount,
			n, n-wantFail-wantPartial-1, wantPartial, wantFail)
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
	for _, o := range []string{artifact.DeltaFullApply, artifact.DeltaPartialOK, artifact.DeltaFail, artifact.DeltaSignatureStuck} {
		total := map[string]int{artifact.DeltaFullApply: dv.FullApplyCount, artifact.DeltaPartialOK: dv.PartialOKCount, artifact.DeltaFail: dv.FailCount,
			artifact.DeltaSignatureStuck: 1}[o]
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
		// The evidence: every proposal counted against the ratio, the
		// signature-stuck iteration 10 first.
		if len(c.Iterations) != MaxEvidence || c.IterationsOmitted != wantFail+1-MaxEvidence || c.Iterations[0] != 10 || c.Iterations[1] != 500 {
			t.Errorf("ratio evidence: %d iterations from %v, %d omitted; want %d from 10, 500, %d omitted",
				len(c.Iterations), c.Iterations[:2], c.IterationsOmitted, MaxEvidence, wantFail+1-MaxEvidence)
		}
		if c.WindowFirst != 1 || c.WindowLast != n || c.N != n {
			t.Errorf("ratio check spans %d-%d n=%d, want 1-%d n=%d", c.WindowFirst, c.WindowLast, c.N, n, n)
		}
		if !strings.Contains(c.Reason, "first not verified, iteration 10 (signature_stuck): ") {
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

// chained builds n applied proposals, each of its own key, the state hash
// chained from entry to entry; bad(i) turns entry i into an unverified
// write (a fail).
func chained(n int, bad func(i int) bool) *soakdir.Soak {
	var entries []artifact.Tuning
	params := map[string]float64{}
	for i := 1; i <= n; i++ {
		key := fmt.Sprintf("k%d", i)
		e := entry(i, key, 1, 0, fmt.Sprint("h", i-1), fmt.Sprint("h", i))
		if bad != nil && bad(i) {
			e.Verified = false
		}
		params[key] = 1
		entries = append(entries, e)
	}
	return withLedger(entries, params)
}

// TestDeltaOutcomes pins issue 12 item 5: delta verification counts only
// what it verified.
func TestDeltaOutcomes(t *testing.T) {
	type counts struct {
		Full, Partial, Fail, Unverified, Stuck int
		Outcomes                               []string
		Status                                 string
	}
	tests := []struct {
		name    string
		soak    *soakdir.Soak
		want    counts
		reason  string // substring of a pair's reason
		note    string // substring of the note
		notNote string // must not be in the note
	}{
		{
			// (a) a tuner that applied nothing passed with ratio 1.0.
			name: "applied with no change and an unchanged hash is signature-stuck",
			soak: withLedger([]artifact.Tuning{
				{Iteration: 1, ProposedDeltas: map[string]float64{"a": 1}, Applied: true, OldHash: "h1", StateHash: "h1", Verified: true},
				{Iteration: 2, ProposedDeltas: map[string]float64{"b": 1}, Applied: true, OldHash: "h1", StateHash: "h1", Verified: true},
			}, map[string]float64{"a": 1, "b": 1}),
			want:   counts{Stuck: 2, Outcomes: []string{"signature_stuck", "signature_stuck"}, Status: "FAIL"},
			reason: "recorded as applied but the overrides' state hash did not change",
		},
		{
			name: "applied with no change but a new hash is inconsistent",
			soak: withLedger([]artifact.Tuning{
				{Iteration: 1, ProposedDeltas: map[string]float64{"a": 1}, Applied: true, OldHash: "h0", StateHash: "h1", Verified: true},
			}, map[string]float64{"a": 1}),
			want:   counts{Fail: 1, Outcomes: []string{"fail"}, Status: "FAIL"},
			reason: "recorded as applied, but no change is recorded",
		},
		{
			// (b) without runtime_overrides.json the last values were
			// counted full_apply.
			name: "no runtime_overrides.json: the last value of each key is unverified",
			soak: withLedger([]artifact.Tuning{
				entry(1, "a", 1, 0, "h0", "h1"),
				entry(2, "a", 1, 1, "h1", "h2"),
				entry(3, "b", 1, 0, "h2", "h3"),
			}, nil),
			want:    counts{Full: 1, Unverified: 2, Outcomes: []string{"full_apply", "unverified", "unverified"}, Status: "FAIL"},
			reason:  "a: the value set here (2) is not confirmed: no later change starts from it and there is no runtime_overrides.json",
			note:    "runtime_overrides.json not found: the last value of 2 key(s) is unverified",
			notNote: "presence",
		},
		{
			name: "legacy ledger without runtime_overrides.json is unverified, never verified by presence",
			soak: func() *soakdir.Soak {
				s := withLedger([]artifact.Tuning{
					{Iteration: 1, ProposedDeltas: map[string]float64{"min_interval_ms": 5}, Applied: true, ChangedKeys: []string{"min_interval_ms"}, OldHash: "a", StateHash: "b"},
					{Iteration: 2, ProposedDeltas: map[string]float64{"tail_age_ms": 5}, SkipReason: "velocity"},
				}, nil)
				s.Report.Legacy = true
				return s
			}(),
			want:    counts{Partial: 1, Unverified: 1, Outcomes: []string{"unverified", "partial_ok"}, Status: "FAIL"},
			reason:  "nothing to check them against: no runtime_overrides.json",
			note:    "legacy ledger without runtime_overrides.json: 1 applied proposal(s) unverified",
			notNote: "presence",
		},
		{
			// (c) soak-run's own ledger: the next iteration started from the
			// state before the change, so the write did not stick.
			name: "the next entry starting from the old state is signature-stuck",
			soak: withLedger([]artifact.Tuning{
				entry(1, "a", 1, 0, "h0", "h1"),
				{Iteration: 2, ProposedDeltas: map[string]float64{}, OldHash: "h0", StateHash: "h0", Verified: false},
				entry(3, "b", 1, 0, "h0", "h3"),
			}, map[string]float64{"a": 1, "b": 1}),
			want:   counts{Full: 1, Stuck: 1, Outcomes: []string{"signature_stuck", "full_apply"}, Status: "FAIL"},
			reason: "iteration 2 started from the overrides' state before this change",
		},
		{
			name: "the overrides changed between two entries",
			soak: withLedger([]artifact.Tuning{
				entry(1, "a", 1, 0, "h0", "h1"),
				entry(2, "b", 1, 0, "hX", "h2"),
			}, map[string]float64{"a": 1, "b": 1}),
			want:   counts{Full: 1, Fail: 1, Outcomes: []string{"fail", "full_apply"}, Status: "FAIL"},
			reason: "the overrides changed outside the tuner before iteration 2",
		},
		{
			name: "an overrides file that is not the state the ledger ends in fails the last applied proposal",
			soak: func() *soakdir.Soak {
				s := withLedger([]artifact.Tuning{
					entry(1, "a", 1, 0, "h0", "h1"),
					entry(2, "b", 1, 0, "h1", "h2"),
					{Iteration: 3, ProposedDeltas: map[string]float64{}, OldHash: "h2", StateHash: "h2"},
				}, map[string]float64{"a": 1, "b": 1})
				s.Dir, s.OverridesDigest = "soak", "h9"
				return s
			}(),
			want:   counts{Full: 1, Fail: 1, Outcomes: []string{"full_apply", "fail"}, Status: "FAIL"},
			reason: "runtime_overrides.json (sha256 h9) is not the state the ledger ends in (h2): it changed after the soak",
		},
		{
			name: "the same file, or a stream's line digest, is not compared",
			soak: func() *soakdir.Soak {
				s := withLedger([]artifact.Tuning{entry(1, "a", 1, 0, "h0", "h1")}, map[string]float64{"a": 1})
				s.OverridesDigest = "line digest" // a stream: no Dir
				return s
			}(),
			want:   counts{Full: 1, Outcomes: []string{"full_apply"}, Status: "PASS"},
			reason: "1 key(s) applied as proposed",
		},
		{
			name: "changes recorded under applied: false are inconsistent",
			soak: func() *soakdir.Soak {
				e := entry(1, "a", 1, 0, "h0", "h1")
				e.Applied = false
				return withLedger([]artifact.Tuning{e}, map[string]float64{"a": 1})
			}(),
			want:   counts{Fail: 1, Outcomes: []string{"fail"}, Status: "FAIL"},
			reason: "changes are recorded, but applied is false",
		},
		{
			name: "held back without a named guard fails",
			soak: withLedger([]artifact.Tuning{
				{Iteration: 1, ProposedDeltas: map[string]float64{"a": 1}, Skipped: []artifact.Skip{{Key: "a", Reason: "not now"}}, OldHash: "h0", StateHash: "h0"},
			}, map[string]float64{"a": 0}),
			want:   counts{Fail: 1, Outcomes: []string{"fail"}, Status: "FAIL"},
			reason: "a: held back, but no guard is named (not now)",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dv := VerifyDeltas(tc.soak, 0.9, 1)
			got := counts{Full: dv.FullApplyCount, Partial: dv.PartialOKCount, Fail: dv.FailCount, Unverified: dv.UnverifiedCount,
				Stuck: dv.SignatureStuckCount, Status: dv.Status}
			for _, p := range dv.Pairs {
				got.Outcomes = append(got.Outcomes, p.Outcome)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
			if n := dv.FullApplyCount + dv.PartialOKCount + dv.FailCount + dv.UnverifiedCount; n > dv.ProposedCount {
				t.Errorf("outcome counts %d exceed the proposals %d", n, dv.ProposedCount)
			}
			if want := float64(dv.FullApplyCount+dv.PartialOKCount) / float64(dv.ProposedCount); math.Abs(dv.FullApplyRatio-want) > 1e-6 {
				t.Errorf("ratio %v, want %v: unverified and stuck proposals never count as success", dv.FullApplyRatio, want)
			}
			found := false
			for _, p := range dv.Pairs {
				found = found || strings.Contains(p.Reason, tc.reason)
			}
			if !found {
				t.Errorf("no pair reason contains %q: %+v", tc.reason, dv.Pairs)
			}
			if !strings.Contains(dv.Note, tc.note) || tc.notNote != "" && strings.Contains(dv.Note, tc.notNote) {
				t.Errorf("note %q: want %q, not %q", dv.Note, tc.note, tc.notNote)
			}
		})
	}
}

// TestDeltaRatioExact pins issue 12 item 7: the ratio is compared
// unrounded (113/119 = 0.94958 passed ">= 0.95" as 0.95), and neither the
// stored value nor the reason reads as meeting the threshold.
func TestDeltaRatioExact(t *testing.T) {
	for _, tc := range []struct {
		n, bad int
		strict bool
		want   string
		shown  string
	}{
		{119, 6, true, "FAIL", "0.94958 = (113 full_apply"},
		{209, 21, false, "FAIL", "0.899522 = (188 full_apply"},
		{20, 1, true, "PASS", "0.95 = (19 full_apply"},
		{10, 1, false, "PASS", "0.9 = (9 full_apply"},
	} {
		s := chained(tc.n, func(i int) bool { return i <= tc.bad })
		v, err := Evaluate(s, policy.Default(false), Options{Strict: tc.strict})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range v.Checks {
			if c.Name != CheckDeltaRatio {
				continue
			}
			if c.Status != tc.want || !strings.Contains(c.Reason, tc.shown) {
				t.Errorf("%d of %d: %s %s, want %s showing %q", tc.n-tc.bad, tc.n, c.Status, c.Reason, tc.want, tc.shown)
			}
			if numfmt.Meets(*c.Value, c.Direction, c.Threshold) != (tc.want == "PASS") {
				t.Errorf("%d of %d: stored value %v contradicts %s", tc.n-tc.bad, tc.n, *c.Value, c.Status)
			}
		}
	}
}
