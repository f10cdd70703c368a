package judge

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/pkg/artifact"
)

// RatioDefinition is the one definition of the delta full-apply ratio.
const RatioDefinition = "(full_apply + partial_ok) / proposed: the share of proposals whose outcome is verified " +
	"(applied as proposed, or held back or clamped by a guard with the reason recorded)"

// tolerance for comparing recorded parameter values (they are rounded to
// 6 decimals when written).
const tolerance = 1e-6

func near(a, b float64) bool { return math.Abs(a-b) <= tolerance*math.Max(1, math.Abs(b)) }

// VerifyDeltas checks, for every ledger entry that proposed deltas, that
// what was proposed was applied, and that each key held the expected value
// afterwards: the next recorded change of the key starts from it, and the
// final runtime_overrides.json holds the last one. The ledger is
// TUNING_REPORT.json, else the tuning records of the iteration summaries.
//
// Outcomes: full_apply (every proposed key applied as proposed and
// confirmed), partial_ok (some keys held back by a guard or clamped, with
// the reason recorded, the rest confirmed), fail (a key neither applied nor
// held back, an inconsistent record, a value that did not hold, an
// unverified write). Signature-stuck counts proposals recorded as applied
// while the overrides' state hash did not change. Legacy ledgers carry no
// values: they are verified by key presence and the note says so.
//
// The counts and the ratio cover every proposal. The pairs listed do when
// the ledger has at most MaxPairs proposals; a longer one lists the first
// MaxProblemPairs failed or signature-stuck proposals, the first
// MaxPartialPairs partial_ok ones and the last LastPairs proposals, and
// counts the others per outcome in PairsOmitted — so that a soak of
// 100,000 iterations does not carry 100,000 pairs in its verdict.
func VerifyDeltas(s *soakdir.Soak, minRatio float64, maxStuck int) *artifact.DeltaVerify {
	dv := verifyDeltas(s, minRatio, maxStuck)
	boundPairs(dv)
	return dv
}

// Bounds of DeltaVerify.Pairs; see VerifyDeltas.
const (
	MaxPairs        = 100
	MaxProblemPairs = 100
	MaxPartialPairs = 20
	LastPairs       = 8
)

// boundPairs trims dv.Pairs to the selection VerifyDeltas describes.
func boundPairs(dv *artifact.DeltaVerify) {
	if len(dv.Pairs) <= MaxPairs {
		return
	}
	kept := make([]artifact.DeltaPair, 0, MaxProblemPairs+MaxPartialPairs+LastPairs)
	omitted := map[string]int{}
	problems, partials := 0, 0
	for i, p := range dv.Pairs {
		keep := i >= len(dv.Pairs)-LastPairs
		switch {
		case p.Outcome == artifact.DeltaFail || p.SignatureStuck:
			keep = keep || problems < MaxProblemPairs
			problems++
		case p.Outcome == artifact.DeltaPartialOK:
			keep = keep || partials < MaxPartialPairs
			partials++
		}
		if keep {
			kept = append(kept, p)
		} else {
			omitted[p.Outcome]++
		}
	}
	dv.Pairs, dv.PairsOmitted = kept, omitted
}

// verifyDeltas is VerifyDeltas with every pair.
func verifyDeltas(s *soakdir.Soak, minRatio float64, maxStuck int) *artifact.DeltaVerify {
	dv := &artifact.DeltaVerify{
		SchemaVersion:     artifact.SchemaVersion,
		Kind:              artifact.KindDeltaVerify,
		RatioDefinition:   RatioDefinition,
		MinRatio:          minRatio,
		MaxSignatureStuck: maxStuck,
	}
	entries, source := ledger(s)
	if len(entries) == 0 {
		dv.Status = artifact.CheckSkip
		dv.Note = "nothing to verify: the soak has no tuning ledger (TUNING_REPORT.json) and no tuning records in its iteration summaries"
		return dv
	}
	dv.Checked = true
	dv.Pairs = make([]artifact.DeltaPair, 0, len(entries))
	var notes []string
	legacy := s.Report != nil && s.Report.Legacy && source == "TUNING_REPORT.json" || s.Legacy && source != "TUNING_REPORT.json"
	type setBy struct {
		value float64
		pair  int
		iter  int
	}
	last := map[string]setBy{}
	for i := range entries {
		e := &entries[i]
		if !e.Proposed() {
			continue
		}
		dv.ProposedCount++
		p := artifact.DeltaPair{Iteration: e.Iteration, Proposed: nonZero(e.ProposedDeltas), OldHash: e.OldHash, StateHash: e.StateHash,
			Applied: e.Changes, Skipped: e.Skipped}
		keys := sortedKeys(p.Proposed)
		var partial []string
		if legacy || (len(e.Changes) == 0 && len(e.Skipped) == 0 && e.Applied) {
			partial = verifyLegacy(&p, e, s.Overrides, keys)
		} else {
			for _, k := range keys {
				d := p.Proposed[k]
				ch, applied := lastFor(e.Changes, k, func(c artifact.Change) string { return c.Key })
				sk, held := lastFor(e.Skipped, k, func(s artifact.Skip) string { return s.Key })
				switch {
				case applied:
					if !near(ch.New, ch.Old+ch.Delta) {
						p.Problems = append(p.Problems, fmt.Sprintf("%s: recorded old %s + delta %s is not the recorded new %s", k, fmtNum(ch.Old), fmtNum(ch.Delta), fmtNum(ch.New)))
					}
					if !near(ch.Delta, d) {
						partial = append(partial, fmt.Sprintf("%s clamped: proposed %+g, applied %+g", k, d, ch.Delta))
					}
					if prev, ok := last[k]; ok && !near(ch.Old, prev.value) {
						dv.Pairs[prev.pair].Problems = append(dv.Pairs[prev.pair].Problems,
							fmt.Sprintf("%s: set to %s here, but was %s when iteration %d changed it", k, fmtNum(prev.value), fmtNum(ch.Old), e.Iteration))
					}
					last[k] = setBy{value: ch.New, pair: len(dv.Pairs), iter: e.Iteration}
				case held:
					partial = append(partial, fmt.Sprintf("%s held back by %s: %s", k, sk.Guard, oneLine(sk.Reason)))
				default:
					p.Problems = append(p.Problems, fmt.Sprintf("%s: proposed %+g but neither applied nor held back by a guard", k, d))
				}
			}
			for _, ch := range e.Changes {
				if _, ok := p.Proposed[ch.Key]; !ok {
					p.Problems = append(p.Problems, fmt.Sprintf("%s: changed but not proposed", ch.Key))
				}
			}
			if len(e.Changes) > 0 && !e.Verified {
				p.Problems = append(p.Problems, "the overrides write was not verified by re-reading it")
			}
		}
		if len(e.Changes) > 0 || (legacy && e.Applied) {
			if e.OldHash != "" && e.StateHash != "" && e.OldHash == e.StateHash {
				p.SignatureStuck = true
				dv.SignatureStuckCount++
			}
		}
		switch {
		case len(p.Problems) > 0:
			p.Outcome = artifact.DeltaFail
			p.Reason = strings.Join(p.Problems, "; ")
		case len(partial) > 0:
			p.Outcome = artifact.DeltaPartialOK
			p.Reason = strings.Join(partial, "; ")
		default:
			p.Outcome = artifact.DeltaFullApply
			if p.Reason == "" {
				p.Reason = fmt.Sprintf("%d key(s) applied as proposed", len(keys))
			}
		}
		if p.SignatureStuck {
			p.Reason += "; recorded as applied but the overrides' state hash did not change"
		}
		dv.Pairs = append(dv.Pairs, p)
	}
	// The final overrides must hold the last value set for every key.
	if len(last) > 0 {
		if s.Overrides == nil {
			notes = append(notes, "runtime_overrides.json not found: final values not checked")
		} else {
			for _, k := range sortedKeys(last) {
				sb := last[k]
				got, ok := s.Overrides.Params[k]
				switch {
				case !ok:
					dv.Pairs[sb.pair].Problems = append(dv.Pairs[sb.pair].Problems, fmt.Sprintf("%s: missing from runtime_overrides.json", k))
				case !near(got, sb.value):
					dv.Pairs[sb.pair].Problems = append(dv.Pairs[sb.pair].Problems,
						fmt.Sprintf("%s: runtime_overrides.json holds %s, iteration %d set %s", k, fmtNum(got), sb.iter, fmtNum(sb.value)))
				}
			}
		}
	}
	// Problems found after a pair was classified turn it into a failure.
	for i := range dv.Pairs {
		p := &dv.Pairs[i]
		if len(p.Problems) > 0 && p.Outcome != artifact.DeltaFail {
			p.Outcome = artifact.DeltaFail
			p.Reason = strings.Join(p.Problems, "; ")
			if p.SignatureStuck {
				p.Reason += "; recorded as applied but the overrides' state hash did not change"
			}
		}
		switch p.Outcome {
		case artifact.DeltaFullApply:
			dv.FullApplyCount++
		case artifact.DeltaPartialOK:
			dv.PartialOKCount++
		default:
			dv.FailCount++
		}
	}
	if legacy && dv.ProposedCount > 0 {
		notes = append(notes, "legacy ledger: it records no old/new values, so applied keys were verified by their presence in runtime_overrides.json only")
	}
	if dv.ProposedCount == 0 {
		dv.Status = artifact.CheckSkip
		notes = append([]string{fmt.Sprintf("nothing to verify: no deltas were proposed in %d %s entries", len(entries), source)}, notes...)
		dv.Note = strings.Join(notes, "; ")
		return dv
	}
	dv.FullApplyRatio = math.Round(float64(dv.FullApplyCount+dv.PartialOKCount)/float64(dv.ProposedCount)*1000) / 1000
	dv.Note = strings.Join(notes, "; ")
	dv.Status = artifact.CheckPass
	if dv.FullApplyRatio < minRatio || dv.SignatureStuckCount > maxStuck {
		dv.Status = artifact.CheckFail
	}
	return dv
}

// nonZero returns the non-zero deltas of m: m itself when it has no zero
// (the pairs only read it), else a copy without them.
func nonZero(m map[string]float64) map[string]float64 {
	for _, d := range m {
		if d == 0 {
			out := make(map[string]float64, len(m))
			for k, d := range m {
				if d != 0 {
					out[k] = d
				}
			}
			return out
		}
	}
	return m
}

// lastFor returns the last element of xs whose key is k. A ledger entry
// holds a handful of keys, so a scan beats building a map per entry.
func lastFor[T any](xs []T, k string, key func(T) string) (T, bool) {
	for i := len(xs) - 1; i >= 0; i-- {
		if key(xs[i]) == k {
			return xs[i], true
		}
	}
	var zero T
	return zero, false
}

// verifyLegacy verifies an entry without recorded values: applied keys
// must exist in the overrides; keys not applied need a recorded guard.
func verifyLegacy(p *artifact.DeltaPair, e *artifact.Tuning, o *artifact.Overrides, keys []string) []string {
	var partial []string
	guard := e.SkipReason
	if guard == "" && len(e.Guards) > 0 {
		guard = strings.Join(e.Guards, ",")
	}
	if !e.Applied {
		if guard != "" {
			return []string{"held back: " + oneLine(guard)}
		}
		p.Problems = append(p.Problems, "proposed but not applied, and no guard or skip reason recorded")
		return nil
	}
	if o == nil {
		p.Reason = fmt.Sprintf("%d key(s) recorded as applied; not checked: no runtime_overrides.json", len(keys))
		return nil
	}
	for _, k := range keys {
		if _, ok := lookupKey(o, k); !ok {
			if guard != "" {
				partial = append(partial, fmt.Sprintf("%s not in runtime_overrides.json, guard recorded: %s", k, oneLine(guard)))
				continue
			}
			p.Problems = append(p.Problems, fmt.Sprintf("%s: recorded as applied but absent from runtime_overrides.json", k))
		}
	}
	if len(p.Problems) == 0 && len(partial) == 0 {
		p.Reason = fmt.Sprintf("%d key(s) applied; present in runtime_overrides.json (legacy ledger: values not recorded)", len(keys))
	}
	return partial
}

// lookupKey finds a key flat, dotted, or as the last segment of a nested
// key (the Python toolkit wrote some keys into sections).
func lookupKey(o *artifact.Overrides, k string) (float64, bool) {
	if v, ok := o.Params[k]; ok {
		return v, true
	}
	for _, full := range o.Keys() {
		if strings.HasSuffix(full, "."+k) {
			return o.Params[full], true
		}
	}
	return 0, false
}

// ledger returns the tuning entries in iteration order and where they
// came from. The result is read-only: a report already in order (as ours
// always is) is returned as it is, not copied.
func ledger(s *soakdir.Soak) ([]artifact.Tuning, string) {
	var out []artifact.Tuning
	source := "TUNING_REPORT.json"
	byIteration := func(a, b artifact.Tuning) int { return cmp.Compare(a.Iteration, b.Iteration) }
	if s.Report != nil {
		if slices.IsSortedFunc(s.Report.Iterations, byIteration) {
			return s.Report.Iterations, source
		}
		out = slices.Clone(s.Report.Iterations)
	} else {
		source = "iteration summary tuning"
		for _, it := range s.Iterations {
			if it.Tuning != nil {
				t := *it.Tuning
				if t.Iteration == 0 {
					t.Iteration = it.Iteration
				}
				out = append(out, t)
			}
		}
	}
	slices.SortStableFunc(out, byIteration)
	return out, source
}

// ledgerDivergence names iterations where TUNING_REPORT.json and the
// iteration summary disagree on whether tuning was applied.
func ledgerDivergence(s *soakdir.Soak) []string {
	if s.Report == nil {
		return nil
	}
	byIter := map[int]bool{}
	for _, e := range s.Report.Iterations {
		byIter[e.Iteration] = e.Applied
	}
	var out []string
	for _, it := range s.Iterations {
		if it.Tuning == nil {
			continue
		}
		if applied, ok := byIter[it.Iteration]; ok && applied != it.Tuning.Applied {
			out = append(out, fmt.Sprintf("iteration %d: TUNING_REPORT.json says applied=%t, its ITER_SUMMARY says applied=%t", it.Iteration, applied, it.Tuning.Applied))
		}
	}
	return capNotes(out)
}

// deltaChecks judges the delta verification; dv holds every pair (it is
// bounded afterwards).
func deltaChecks(dv *artifact.DeltaVerify, strict bool) []artifact.Check {
	first, last := 0, 0
	if len(dv.Pairs) > 0 {
		first, last = dv.Pairs[0].Iteration, dv.Pairs[len(dv.Pairs)-1].Iteration
	}
	mode := "non-strict"
	if strict {
		mode = "strict"
	}
	ratio := artifact.Check{Name: CheckDeltaRatio, Statistic: "ratio", Direction: ">=", Threshold: dv.MinRatio,
		N: dv.ProposedCount, WindowFirst: first, WindowLast: last}
	stuck := artifact.Check{Name: CheckDeltaStuck, Statistic: "count", Direction: "<=", Threshold: float64(dv.MaxSignatureStuck),
		N: dv.ProposedCount, WindowFirst: first, WindowLast: last}
	if dv.Status == artifact.CheckSkip {
		ratio.Status, stuck.Status = artifact.CheckSkip, artifact.CheckSkip
		ratio.Reason, stuck.Reason = dv.Note, dv.Note
		return []artifact.Check{ratio, stuck}
	}
	ratio.Value = artifact.F(dv.FullApplyRatio)
	stuck.Value = artifact.F(float64(dv.SignatureStuckCount))
	var bad []int
	for _, p := range dv.Pairs {
		if p.Outcome == artifact.DeltaFail {
			bad = append(bad, p.Iteration)
		}
	}
	setEvidence(&ratio, bad)
	desc := fmt.Sprintf("%s = (%d full + %d partial_ok) / %d proposed (%d failed)", fmtNum(dv.FullApplyRatio), dv.FullApplyCount, dv.PartialOKCount, dv.ProposedCount, dv.FailCount)
	if dv.FullApplyRatio >= dv.MinRatio {
		ratio.Status = artifact.CheckPass
		ratio.Reason = fmt.Sprintf("%s meets >= %s (%s)", desc, fmtNum(dv.MinRatio), mode)
	} else {
		ratio.Status = artifact.CheckFail
		why := ""
		for _, p := range dv.Pairs {
			if p.Outcome == artifact.DeltaFail {
				why = fmt.Sprintf("; first failure, iteration %d: %s", p.Iteration, p.Reason)
				break
			}
		}
		ratio.Reason = fmt.Sprintf("%s is below %s (%s)%s", desc, fmtNum(dv.MinRatio), mode, why)
	}
	if dv.Note != "" {
		ratio.Reason += "; " + dv.Note
	}
	var stuckIts []int
	for _, p := range dv.Pairs {
		if p.SignatureStuck {
			stuckIts = append(stuckIts, p.Iteration)
		}
	}
	setEvidence(&stuck, stuckIts)
	if dv.SignatureStuckCount <= dv.MaxSignatureStuck {
		stuck.Status = artifact.CheckPass
		stuck.Reason = fmt.Sprintf("%d proposal(s) applied without a state hash change, at most %d allowed", dv.SignatureStuckCount, dv.MaxSignatureStuck)
	} else {
		stuck.Status = artifact.CheckFail
		stuck.Reason = fmt.Sprintf("%d proposal(s) recorded as applied while the overrides' state hash did not change (iterations %s), at most %d allowed",
			dv.SignatureStuckCount, joinInts(stuckIts, 8), dv.MaxSignatureStuck)
	}
	return []artifact.Check{ratio, stuck}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
