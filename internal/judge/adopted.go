package judge

import (
	"fmt"
	"slices"
	"strings"

	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/pkg/artifact"
)

// CheckAdopted is the check that the system under test ran with the
// overrides soak-run wrote for each iteration of the window.
const CheckAdopted = "overrides_adopted"

// adoptionChecks judges the adoption records of the window (see
// artifact.Adoption): soak-run compares, per iteration, the parameters the
// system under test reported in effective_params with the overrides it
// wrote, and this check reads that comparison by the policy's adoption
// rule.
//
//   - An iteration with status "mismatch" counts under on_mismatch (by
//     default: fail).
//   - One with status "unreported", or an ok iteration without a record in
//     a window where others have one, counts under on_unreported (default:
//     warn).
//   - The check takes the worse of the two outcomes (fail, then
//     inconclusive, then warn); "skip" leaves a case out, and when nothing
//     is left to judge the check is SKIP.
//
// A window where no ok iteration has a record (summaries from the legacy
// toolkit, or from a soak-run older than the check) gets no check, only a
// data-quality note, so that such soaks are judged as before. Failed
// iterations are judged by failed_iterations, not here.
func (e *evaluation) adoptionChecks() []artifact.Check {
	var ok, adopted, mismatch, unreported []*artifact.IterationSummary
	recorded := 0
	for _, it := range e.window {
		if it.Status != artifact.StatusOK {
			continue
		}
		ok = append(ok, it)
		a := it.Adoption
		if a == nil {
			unreported = append(unreported, it)
			continue
		}
		recorded++
		switch a.Status {
		case artifact.AdoptionAdopted:
			adopted = append(adopted, it)
		case artifact.AdoptionMismatch:
			mismatch = append(mismatch, it)
		default:
			unreported = append(unreported, it)
		}
	}
	if recorded == 0 {
		if len(ok) > 0 {
			e.v.DataQuality = append(e.v.DataQuality, CheckAdopted+" not judged: no iteration of the window records whether "+
				"the system under test ran with its overrides (summaries from the legacy toolkit or an older soak-run)")
		}
		return nil
	}
	rule := e.pol.Adoption
	c := artifact.Check{
		Name: CheckAdopted, Statistic: "count", Direction: policy.AtMost, Threshold: 0, N: len(ok),
		WindowFirst: e.v.Window.First, WindowLast: e.v.Window.Last,
	}
	where := span(c.WindowFirst, c.WindowLast)
	status := artifact.CheckPass
	var parts []string
	var counted []int
	judge := func(its []*artifact.IterationSummary, action, setting, what, detail string) {
		if len(its) == 0 {
			return
		}
		n := iterNumbers(its)
		part := fmt.Sprintf("%s in %d of %d iterations (%s)%s", what, len(its), len(ok), joinInts(n, 8), detail)
		if action == policy.AdoptSkip {
			parts = append(parts, part+" ("+setting+": skip, not counted)")
			return
		}
		counted = append(counted, n...)
		parts = append(parts, part+" ("+setting+": "+action+")")
		if s := adoptStatus(action); severity(s) > severity(status) {
			status = s
		}
	}
	judge(mismatch, rule.OnMismatch, "on_mismatch", "the system under test ran with other values than soak-run wrote", firstMismatch(mismatch))
	judge(unreported, rule.OnUnreported, "on_unreported", "it reported no effective_params", unrecordedNote(unreported))
	slices.Sort(counted)
	setEvidence(&c, counted)
	c.Value = artifact.F(float64(len(counted)))
	switch {
	case len(counted) == 0 && len(adopted) == 0:
		c.Status = artifact.CheckSkip
		c.Reason = "nothing to judge over " + where + ": " + strings.Join(parts, "; ")
	case len(counted) == 0:
		c.Status = artifact.CheckPass
		c.Reason = fmt.Sprintf("the system under test reported the overrides soak-run wrote in %d of %d iterations of %s", len(adopted), len(ok), where)
		if len(parts) > 0 {
			c.Reason += "; " + strings.Join(parts, "; ")
		}
	default:
		c.Status = status
		c.Reason = strings.Join(parts, "; ")
		if len(adopted) > 0 {
			c.Reason += fmt.Sprintf("; adopted in %d", len(adopted))
		}
	}
	return []artifact.Check{c}
}

// adoptStatus maps a policy action to a check status.
func adoptStatus(action string) string {
	switch action {
	case policy.AdoptFail:
		return artifact.CheckFail
	case policy.AdoptInconclusive:
		return artifact.CheckInconclusive
	case policy.AdoptWarn:
		return artifact.CheckWarn
	}
	return artifact.CheckPass
}

// severity orders check statuses as the verdict does.
func severity(status string) int {
	switch status {
	case artifact.CheckFail:
		return 3
	case artifact.CheckInconclusive:
		return 2
	case artifact.CheckWarn:
		return 1
	}
	return 0
}

func iterNumbers(its []*artifact.IterationSummary) []int {
	out := make([]int, len(its))
	for i, it := range its {
		out[i] = it.Iteration
	}
	return out
}

// firstMismatch describes the first mismatching iteration's keys, at most
// three, with exact values (a rounded value could look equal).
func firstMismatch(its []*artifact.IterationSummary) string {
	if len(its) == 0 {
		return ""
	}
	it := its[0]
	keys := DescribeMismatches(it.Adoption.Mismatches)
	return fmt.Sprintf(", first in iteration %d: %s", it.Iteration, strings.Join(keys, ", "))
}

// DescribeMismatches names at most three keys of ms, "KEY wrote X,
// reported Y" (or "not reported"), then "and N more", with every digit of
// the numbers (numfmt.Level: a rounded value could look equal), for
// soak-gate's check reason and soak-run's note alike.
func DescribeMismatches(ms []artifact.Mismatch) []string {
	num := func(x float64) string { return numfmt.Level.Format(x) }
	var parts []string
	for i, m := range ms {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(ms)-3))
			break
		}
		got := "not reported"
		if m.Reported != nil {
			got = "reported " + num(*m.Reported)
		}
		parts = append(parts, fmt.Sprintf("%s wrote %s, %s", m.Key, num(m.Wrote), got))
	}
	return parts
}

// unrecordedNote says how many of the unreported iterations have no
// adoption record at all.
func unrecordedNote(its []*artifact.IterationSummary) string {
	n := 0
	for _, it := range its {
		if it.Adoption == nil {
			n++
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(", %d of them without an adoption record", n)
}
