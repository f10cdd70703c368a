package soakrun

import (
	"context"
	"io"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/soakline/soakline/internal/events"
	"github.com/soakline/soakline/internal/judge"
	"github.com/soakline/soakline/pkg/artifact"
)

// Adoption: did the system under test run with the overrides soak-run
// wrote? Writing and re-reading runtime_overrides.json proves the file is
// right, not that the bot read it, so the bot reports the parameters it
// ran with in an effective_params record of its events (the contract is in
// internal/events; the simulator reports them too), and each iteration's
// summary records the comparison (artifact.Adoption) that soak-gate's
// overrides_adopted check judges.

// reportedParams reads the parameters of the effective_params records the
// command left in dir's events.jsonl, in order; nil when there is none, or
// no events.jsonl (a legacy EDGE_REPORT.json cannot report). The file is
// opened as readOutput opens it, after readOutput accepted it; a reason is
// returned when it cannot be read again, and ctx's error when ctx is done.
func reportedParams(ctx context.Context, dir string) ([][]events.Param, string, error) {
	f, reason := openOutput(dir, EventsFile, MaxEventsBytes)
	if reason != "" || f == nil {
		return nil, reason, nil
	}
	defer f.Close()
	recs, err := events.ReadParams(ctxReader{ctx, io.LimitReader(f, MaxEventsBytes)})
	if ctx.Err() != nil {
		return nil, "", ctx.Err()
	}
	if err != nil {
		return nil, EventsFile + ": " + err.Error(), nil
	}
	var out [][]events.Param
	for _, e := range recs {
		out = append(out, e.Params)
	}
	return out, "", nil
}

// adoptionOf compares what an iteration reported (res.Reported) with the
// parameters soak-run wrote for it; nil for a failed iteration. Every
// written key must be reported, and every report of it must be the value
// written (adopted: whole numbers exactly, others within
// adoptionRelTol); keys soak-run did not write are ignored.
func adoptionOf(wrote map[string]float64, res Result) *artifact.Adoption {
	if res.Failure != nil {
		return nil
	}
	a := &artifact.Adoption{Keys: len(wrote), Records: len(res.Reported)}
	if len(res.Reported) == 0 {
		a.Status = artifact.AdoptionUnreported
		return a
	}
	reported := make([]map[string]float64, len(res.Reported))
	for i, ps := range res.Reported {
		reported[i] = events.ParamsMap(ps)
	}
	for _, k := range slices.Sorted(maps.Keys(wrote)) {
		w := wrote[k]
		var first, differ *float64
		for _, m := range reported {
			v, ok := m[k]
			if !ok {
				continue
			}
			if first == nil {
				first = &v
			}
			if !adopted(w, v) {
				differ = &v
				break
			}
		}
		switch {
		case first == nil:
			a.Mismatches = append(a.Mismatches, artifact.Mismatch{Key: k, Wrote: w})
		case differ != nil:
			a.Mismatches = append(a.Mismatches, artifact.Mismatch{Key: k, Wrote: w, Reported: differ})
		}
	}
	a.Status = artifact.AdoptionAdopted
	if len(a.Mismatches) > 0 {
		a.Status = artifact.AdoptionMismatch
	}
	return a
}

// adopt records iteration sum's adoption (see adoptionOf) and says on
// standard error when the system under test did not run with what was
// written, and when it starts (or stops) reporting nothing.
func (r *runner) adopt(sum *artifact.IterationSummary, wrote map[string]float64, res Result) {
	sum.Adoption = adoptionOf(wrote, res)
	a := sum.Adoption
	switch {
	case a == nil:
	case a.Status == artifact.AdoptionMismatch:
		r.progress.note("iteration %d: the system under test did not run with the overrides soak-run wrote: %s", sum.Iteration, describeMismatches(a.Mismatches))
	case a.Status == artifact.AdoptionUnreported && !r.lastUnreported():
		r.progress.note("iteration %d: the system under test reported no effective_params record in %s; soak-gate cannot tell whether it used the overrides (see the events.jsonl contract)", sum.Iteration, EventsFile)
	}
}

// lastUnreported reports whether the last committed iteration with an
// adoption record was unreported, so that the note is not repeated.
func (r *runner) lastUnreported() bool {
	for i := len(r.sums) - 1; i >= 0; i-- {
		if a := r.sums[i].Adoption; a != nil {
			return a.Status == artifact.AdoptionUnreported
		}
	}
	return false
}

// describeMismatches names at most three keys with their values.
func describeMismatches(ms []artifact.Mismatch) string {
	return strings.Join(judge.DescribeMismatches(ms), "; ")
}

// adoptionRelTol is the relative tolerance of the adoption comparison for a
// value that is not a whole number (a whole number must be reported
// exactly): |reported - wrote| <= adoptionRelTol * max(|wrote|, |reported|).
// It lets a bot keep a parameter as a float32 (relative error below 6e-8);
// every tuner step is thousands of times larger.
const adoptionRelTol = 1e-6

// adopted reports whether reported is the value wrote within the adoption
// tolerance (see adoptionRelTol).
func adopted(wrote, reported float64) bool {
	if wrote == reported {
		return true
	}
	if wrote == math.Trunc(wrote) || math.IsNaN(reported) || math.IsInf(reported, 0) {
		return false
	}
	return math.Abs(reported-wrote) <= adoptionRelTol*math.Max(math.Abs(wrote), math.Abs(reported))
}
