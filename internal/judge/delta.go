package judge

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/pkg/artifact"
)

// RatioDefinition is the one definition of the delta full-apply ratio.
const RatioDefinition = "(full_apply + partial_ok) / proposed: the share of proposals whose outcome is verified " +
	"(applied as proposed, or held back or clamped by a named guard); fail, signature_stuck and unverified " +
	"(nothing to check against) proposals count against it"

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
// Outcomes, one per proposal:
//   - full_apply: every proposed key applied as proposed, and every value
//     set confirmed (by the next change of the key or the final overrides);
//   - partial_ok: some keys held back or clamped by a named guard (a
//     skipped entry with its guard, or the tuner's CLAMPED rationale), the
//     rest as for full_apply;
//   - fail: a key neither applied nor held back, a clamp no guard explains,
//     an inconsistent record (old + delta is not new, a change not
//     proposed, applied without any change), a value that did not hold, a
//     write not verified by re-reading it;
//   - signature_stuck: recorded as applied while the overrides' state hash
//     did not change — within the entry (old_hash = state_hash), or
//     because the next entry started from the state before this one;
//   - unverified: recorded as applied but nothing to check it against
//     (the final value of a key with no runtime_overrides.json; a legacy
//     entry without runtime_overrides.json). It never counts as success.
//
// SignatureStuckCount counts every proposal whose state did not change,
// failed ones included; the outcome counts partition the proposals. Legacy
// ledgers carry no values: their applied keys are checked by presence in
// runtime_overrides.json and by the state hash changing, and the note says
// so.
//
// The counts and the ratio cover every proposal. The pairs listed do when
// the ledger has at most MaxPairs proposals; a longer one lists the first
// MaxProblemPairs failed or signature-stuck proposals, the first
// MaxPartialPairs partial_ok and unverified ones and the last LastPairs
// proposals, and counts the others per outcome in PairsOmitted — so that a
// soak of 100,000 iterations does not carry 100,000 pairs in its verdict.
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
		case p.Outcome == artifact.DeltaPartialOK || p.Outcome == artifact.DeltaUnverified:
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

// pairState is what verifyDeltas learns about one pair beyond its record.
type pairState struct {
	partial    []string // held back or clamped by a named guard
	unverified []string // applied, but nothing to check it against
	stuck      string   // why the state did not change, "" when it did
	applied    bool     // recorded as applied
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
	var states []pairState // one per pair; grown as pairs come (a long ledger may propose nothing)
	// prevPair is the pair of the last entry that recorded a state change,
	// waiting for the next entry's old_hash to confirm it.
	prevPair, prevEntry := -1, -1
	lastApplied := -1 // the pair of the last proposal recorded as applied
	for i := range entries {
		e := &entries[i]
		// The state chain: an entry starts from the state the one before
		// it left. Starting from the state before it means its write did
		// not stick (ours only: the legacy hashes are of another file).
		if !legacy && e.OldHash != "" && prevPair >= 0 {
			pe := &entries[prevEntry]
			switch e.OldHash {
			case pe.StateHash:
			case pe.OldHash:
				if states[prevPair].stuck == "" {
					states[prevPair].stuck = fmt.Sprintf("iteration %d started from the overrides' state before this change (old_hash %s)", e.Iteration, shortHash(e.OldHash))
				}
			default:
				dv.Pairs[prevPair].Problems = append(dv.Pairs[prevPair].Problems,
					fmt.Sprintf("the overrides changed outside the tuner before iteration %d (its old_hash %s is not this state_hash %s)", e.Iteration, shortHash(e.OldHash), shortHash(pe.StateHash)))
			}
			prevPair = -1
		}
		if !proposed(e) {
			continue
		}
		dv.ProposedCount++
		p := artifact.DeltaPair{Iteration: e.Iteration, Proposed: nonZero(e.ProposedDeltas), OldHash: e.OldHash, StateHash: e.StateHash,
			Applied: e.Changes, Skipped: e.Skipped}
		keys := slices.Sorted(maps.Keys(p.Proposed))
		var st pairState
		switch {
		case legacy:
			verifyLegacy(&p, &st, e, s.Overrides, keys)
		case e.Applied && len(e.Changes) == 0 && len(e.Skipped) == 0:
			// Applied, with nothing recorded: either the state did not
			// change (signature-stuck, below) or the record is wrong.
			st.applied = true
			if e.OldHash == "" || e.OldHash != e.StateHash {
				p.Problems = append(p.Problems, "recorded as applied, but no change is recorded")
			}
		default:
			for _, k := range keys {
				d := p.Proposed[k]
				ch, applied := lastFor(e.Changes, k, func(c artifact.Change) string { return c.Key })
				sk, held := lastFor(e.Skipped, k, func(s artifact.Skip) string { return s.Key })
				switch {
				case applied:
					if !near(ch.New, ch.Old+ch.Delta) {
						p.Problems = append(p.Problems, fmt.Sprintf("%s: recorded old %s + delta %s is not the recorded new %s", k, numfmt.Value.Format(ch.Old), numfmt.Value.Format(ch.Delta), numfmt.Value.Format(ch.New)))
					}
					if !near(ch.Delta, d) {
						if why, ok := clampReason(e, k); ok {
							st.partial = append(st.partial, fmt.Sprintf("%s clamped: proposed %+g, applied %+g (%s)", k, d, ch.Delta, why))
						} else {
							p.Problems = append(p.Problems, fmt.Sprintf("%s: applied %+g where %+g was proposed, and no guard is named for the difference", k, ch.Delta, d))
						}
					}
					if prev, ok := last[k]; ok && !near(ch.Old, prev.value) {
						dv.Pairs[prev.pair].Problems = append(dv.Pairs[prev.pair].Problems,
							fmt.Sprintf("%s: set to %s here, but was %s when iteration %d changed it", k, numfmt.Value.Format(prev.value), numfmt.Value.Format(ch.Old), e.Iteration))
					}
					last[k] = setBy{value: ch.New, pair: len(dv.Pairs), iter: e.Iteration}
				case held && strings.TrimSpace(sk.Guard) != "":
					st.partial = append(st.partial, fmt.Sprintf("%s held back by %s: %s", k, sk.Guard, oneLine(sk.Reason)))
				case held:
					p.Problems = append(p.Problems, fmt.Sprintf("%s: held back, but no guard is named (%s)", k, oneLine(sk.Reason)))
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
			if len(e.Changes) > 0 && !e.Applied {
				p.Problems = append(p.Problems, "changes are recorded, but applied is false")
			}
			st.applied = e.Applied || len(e.Changes) > 0
		}
		if st.applied && e.OldHash != "" && e.OldHash == e.StateHash {
			st.stuck = "recorded as applied but the overrides' state hash did not change"
		}
		dv.Pairs = append(dv.Pairs, p)
		states = append(states, st)
		if !legacy && st.applied && e.OldHash != "" && e.StateHash != "" && e.OldHash != e.StateHash {
			prevPair, prevEntry = len(dv.Pairs)-1, i
		}
		if st.applied {
			lastApplied = len(dv.Pairs) - 1
		}
	}
	// The overrides file must be the state the ledger ends in: soak-run
	// writes it only when tuning applies, and each entry's state_hash is
	// the sha256 of its bytes. Another file is one changed after the soak
	// (an untuned key included) — not the profile that was soaked. (A
	// stream's digest is of its line, and legacy hashes are of another
	// file: neither can be compared.)
	if !legacy && s.Dir != "" && s.OverridesDigest != "" {
		if end := lastStateHash(entries); end != "" && end != s.OverridesDigest {
			msg := fmt.Sprintf("runtime_overrides.json (sha256 %s) is not the state the ledger ends in (%s): it changed after the soak",
				shortHash(s.OverridesDigest), shortHash(end))
			if lastApplied >= 0 {
				dv.Pairs[lastApplied].Problems = append(dv.Pairs[lastApplied].Problems, msg)
			} else {
				notes = append(notes, msg)
			}
		}
	}
	// The final overrides must hold the last value set for every key;
	// without them, the last values are unverified.
	if len(last) > 0 {
		if s.Overrides == nil {
			n := 0
			for _, k := range slices.Sorted(maps.Keys(last)) {
				sb := last[k]
				states[sb.pair].unverified = append(states[sb.pair].unverified,
					fmt.Sprintf("%s: the value set here (%s) is not confirmed: no later change starts from it and there is no runtime_overrides.json", k, numfmt.Value.Format(sb.value)))
				n++
			}
			notes = append(notes, fmt.Sprintf("runtime_overrides.json not found: the last value of %d key(s) is unverified", n))
		} else {
			for _, k := range slices.Sorted(maps.Keys(last)) {
				sb := last[k]
				got, ok := s.Overrides.Params[k]
				switch {
				case !ok:
					dv.Pairs[sb.pair].Problems = append(dv.Pairs[sb.pair].Problems, fmt.Sprintf("%s: missing from runtime_overrides.json", k))
				case !near(got, sb.value):
					dv.Pairs[sb.pair].Problems = append(dv.Pairs[sb.pair].Problems,
						fmt.Sprintf("%s: runtime_overrides.json holds %s, iteration %d set %s", k, numfmt.Value.Format(got), sb.iter, numfmt.Value.Format(sb.value)))
				}
			}
		}
	}
	// Classify: fail, then signature_stuck, unverified, partial_ok,
	// full_apply.
	unverifiedLegacy := 0
	for i := range dv.Pairs {
		p, st := &dv.Pairs[i], &states[i]
		p.SignatureStuck = st.stuck != ""
		switch {
		case len(p.Problems) > 0:
			p.Outcome = artifact.DeltaFail
			p.Reason = strings.Join(p.Problems, "; ")
			if p.SignatureStuck {
				p.Reason += "; " + st.stuck
			}
		case p.SignatureStuck:
			p.Outcome = artifact.DeltaSignatureStuck
			p.Reason = st.stuck
		case len(st.unverified) > 0:
			p.Outcome = artifact.DeltaUnverified
			p.Reason = strings.Join(st.unverified, "; ")
			if legacy {
				unverifiedLegacy++
			}
		case len(st.partial) > 0:
			p.Outcome = artifact.DeltaPartialOK
			p.Reason = strings.Join(st.partial, "; ")
		default:
			p.Outcome = artifact.DeltaFullApply
			if p.Reason == "" {
				p.Reason = fmt.Sprintf("%d key(s) applied as proposed", len(p.Proposed))
			}
		}
		if p.SignatureStuck {
			dv.SignatureStuckCount++
		}
		switch p.Outcome {
		case artifact.DeltaFullApply:
			dv.FullApplyCount++
		case artifact.DeltaPartialOK:
			dv.PartialOKCount++
		case artifact.DeltaUnverified:
			dv.UnverifiedCount++
		case artifact.DeltaFail:
			dv.FailCount++
		}
	}
	if legacy && dv.ProposedCount > 0 {
		if s.Overrides == nil {
			if unverifiedLegacy > 0 {
				notes = append(notes, fmt.Sprintf("legacy ledger without runtime_overrides.json: %d applied proposal(s) unverified", unverifiedLegacy))
			}
		} else {
			notes = append(notes, "legacy ledger: it records no old/new values, so applied proposals were checked by their state hash changing and their keys' presence in runtime_overrides.json, not by value")
		}
	}
	if dv.ProposedCount == 0 {
		dv.Status = artifact.CheckSkip
		notes = append([]string{fmt.Sprintf("nothing to verify: no deltas were proposed in %d %s entries", len(entries), source)}, notes...)
		dv.Note = strings.Join(notes, "; ")
		return dv
	}
	ratio := float64(dv.FullApplyCount+dv.PartialOKCount) / float64(dv.ProposedCount)
	dv.FullApplyRatio = numfmt.RoundKeep(ratio, minRatio)
	dv.Note = strings.Join(notes, "; ")
	dv.Status = artifact.CheckPass
	if numfmt.CompareLevel(ratio, minRatio) < 0 || dv.SignatureStuckCount > maxStuck {
		dv.Status = artifact.CheckFail
	}
	return dv
}

// clampReason returns why key k of entry e was applied other than
// proposed, when a guard is named for it: the tuner's CLAMPED rationale
// ("CLAMPED: k proposed +x, applied +y (why)"), or a skipped record of
// the key with its guard.
func clampReason(e *artifact.Tuning, k string) (string, bool) {
	prefix := "CLAMPED: " + k + " "
	for _, r := range e.Rationale {
		if rest, ok := strings.CutPrefix(r, prefix); ok {
			if i := strings.LastIndex(rest, "("); i >= 0 && strings.HasSuffix(rest, ")") {
				return "bounds: " + oneLine(rest[i+1:len(rest)-1]), true
			}
			return "bounds", true
		}
	}
	if sk, ok := lastFor(e.Skipped, k, func(s artifact.Skip) string { return s.Key }); ok && strings.TrimSpace(sk.Guard) != "" {
		return sk.Guard + ": " + oneLine(sk.Reason), true
	}
	return "", false
}

// overridesSoaked checks that runtime_overrides.json is the state the
// soak's ledger ends in (the state_hash soak-run recorded when it last
// wrote the file): a file edited after the soak holds parameters that were
// never soaked, and a release would ship them under this verdict. It
// fails whatever the delta ratio forgives; there is no check where the two
// cannot be compared (no overrides file or no recorded state, a stream, or
// the Python toolkit's ledger, whose hashes are of another file).
func overridesSoaked(s *soakdir.Soak, on string) (artifact.Check, bool) {
	entries, source := ledger(s)
	legacy := s.Report != nil && s.Report.Legacy && source == "TUNING_REPORT.json" || s.Legacy && source != "TUNING_REPORT.json"
	end := lastStateHash(entries)
	if legacy || s.Dir == "" || s.OverridesDigest == "" || end == "" || on == policy.AdoptSkip {
		return artifact.Check{}, false
	}
	c := artifact.Check{Name: CheckOverridesState, Statistic: "changed_after_soak", Direction: policy.AtMost, Threshold: 0,
		Value: artifact.F(0), N: 1, Status: artifact.CheckPass, Reason: fmt.Sprintf("runtime_overrides.json (sha256 %s) is the state the tuning ledger ends in", shortHash(end))}
	if end != s.OverridesDigest {
		c.Status, c.Value = adoptStatus(on), artifact.F(1)
		c.Reason = fmt.Sprintf("runtime_overrides.json (sha256 %s) is not the state the tuning ledger ends in (%s): it changed after the soak, so its parameters were not soaked (on_overrides_changed: %s)",
			shortHash(s.OverridesDigest), shortHash(end), on)
	}
	return c, true
}

// lastStateHash is the state_hash of the last entry that records one.
func lastStateHash(entries []artifact.Tuning) string {
	for i := len(entries) - 1; i >= 0; i-- {
		if h := entries[i].StateHash; h != "" {
			return h
		}
	}
	return ""
}

func shortHash(h string) string { return h[:min(len(h), 12)] }

// proposed reports whether the entry proposed any non-zero delta.
func proposed(t *artifact.Tuning) bool {
	for _, d := range t.ProposedDeltas {
		if d != 0 {
			return true
		}
	}
	return false
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
// Without runtime_overrides.json an applied entry is unverified.
func verifyLegacy(p *artifact.DeltaPair, st *pairState, e *artifact.Tuning, o *artifact.Overrides, keys []string) {
	guard := e.SkipReason
	if guard == "" && len(e.Guards) > 0 {
		guard = strings.Join(e.Guards, ",")
	}
	if !e.Applied {
		if guard != "" {
			st.partial = append(st.partial, "held back: "+oneLine(guard))
			return
		}
		p.Problems = append(p.Problems, "proposed but not applied, and no guard or skip reason recorded")
		return
	}
	st.applied = true
	if o == nil {
		st.unverified = append(st.unverified, fmt.Sprintf("%d key(s) recorded as applied; nothing to check them against: no runtime_overrides.json", len(keys)))
		return
	}
	for _, k := range keys {
		if _, ok := lookupKey(o, k); !ok {
			if guard != "" {
				st.partial = append(st.partial, fmt.Sprintf("%s not in runtime_overrides.json, guard recorded: %s", k, oneLine(guard)))
				continue
			}
			p.Problems = append(p.Problems, fmt.Sprintf("%s: recorded as applied but absent from runtime_overrides.json", k))
		}
	}
	if len(p.Problems) == 0 && len(st.partial) == 0 {
		p.Reason = fmt.Sprintf("%d key(s) applied; present in runtime_overrides.json (legacy ledger: values not recorded)", len(keys))
	}
}

// lookupKey finds a key flat, dotted, or as the last segment of a nested
// key (the Python toolkit wrote some keys into sections).
func lookupKey(o *artifact.Overrides, k string) (float64, bool) {
	if v, ok := o.Params[k]; ok {
		return v, true
	}
	for _, full := range slices.Sorted(maps.Keys(o.Params)) {
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
	// The evidence: the proposals that count against the ratio.
	var bad []int
	for _, p := range dv.Pairs {
		if p.Outcome != artifact.DeltaFullApply && p.Outcome != artifact.DeltaPartialOK {
			bad = append(bad, p.Iteration)
		}
	}
	setEvidence(&ratio, bad)
	exact := float64(dv.FullApplyCount+dv.PartialOKCount) / float64(dv.ProposedCount)
	desc := fmt.Sprintf("%s = (%d full_apply + %d partial_ok) / %d proposed (%d fail, %d signature_stuck, %d unverified)",
		numfmt.Value.Format(exact, dv.MinRatio), dv.FullApplyCount, dv.PartialOKCount, dv.ProposedCount,
		dv.FailCount, dv.ProposedCount-dv.FullApplyCount-dv.PartialOKCount-dv.FailCount-dv.UnverifiedCount, dv.UnverifiedCount)
	if numfmt.CompareLevel(exact, dv.MinRatio) >= 0 {
		ratio.Status = artifact.CheckPass
		ratio.Reason = fmt.Sprintf("%s meets >= %s (%s)", desc, numfmt.Level.Format(dv.MinRatio), mode)
	} else {
		ratio.Status = artifact.CheckFail
		why := ""
		for _, p := range dv.Pairs {
			if p.Outcome != artifact.DeltaFullApply && p.Outcome != artifact.DeltaPartialOK {
				why = fmt.Sprintf("; first not verified, iteration %d (%s): %s", p.Iteration, p.Outcome, p.Reason)
				break
			}
		}
		ratio.Reason = fmt.Sprintf("%s is below %s (%s)%s", desc, numfmt.Level.Format(dv.MinRatio), mode, why)
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
