package gate

import (
	"bytes"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/pkg/artifact"
)

// metrics renders the verdict judged by pol in the Prometheus text format
// with the official client library, every family with HELP and TYPE. All metrics
// are gauges: they describe one judged soak, nothing accumulates. Names
// that would break promtool's lint (the legacy *_count suffixes) are
// replaced by labelled families.
func metrics(v *artifact.Verdict, pol *policy.Policy) ([]byte, error) {
	reg := prometheus.NewPedanticRegistry()
	gauge := func(name, help string, val float64) error {
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
		g.Set(val)
		return reg.Register(g)
	}
	vec := func(name, help string, labels ...string) (*prometheus.GaugeVec, error) {
		g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
		return g, reg.Register(g)
	}
	b2f := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	window := strconv.Itoa(v.Window.Size)

	var err error
	try := func(e error) {
		if err == nil {
			err = e
		}
	}

	// Verdict, one-hot, and freeze_ready.
	verdict, e := vec("soak_verdict", "Verdict of the soak gate: 1 for the verdict given, 0 for the others.", "verdict")
	try(e)
	if e == nil {
		for _, name := range []string{artifact.VerdictPass, artifact.VerdictWarn, artifact.VerdictFail, artifact.VerdictInconclusive} {
			verdict.WithLabelValues(name).Set(b2f(v.Verdict == name))
		}
	}
	try(gauge("soak_freeze_ready", "1 when the verdict is PASS and the tuned profile may be frozen.", b2f(v.FreezeReady)))
	try(gauge("soak_iterations", "Iterations in the soak.", float64(v.IterationsTotal)))
	try(gauge("soak_window_iterations", "Iterations judged in the window.", float64(v.Window.N)))
	try(gauge("soak_window_passing_iterations", "Iterations of the window in which every KPI met its fail level (pass_iterations_last_n).", float64(v.PassIterationsLastN)))
	try(gauge("soak_kpi_goals_met", "KPI goals (the policy's KPI checks) the window met: pass_count_last_n.", float64(v.PassCountLastN)))

	checks, e := vec("soak_checks", "Checks of the verdict by status.", "status")
	try(e)
	if e == nil {
		counts := map[string]int{}
		for _, c := range v.Checks {
			counts[c.Status]++
		}
		for _, st := range []string{artifact.CheckPass, artifact.CheckWarn, artifact.CheckFail, artifact.CheckInconclusive, artifact.CheckSkip} {
			checks.WithLabelValues(st).Set(float64(counts[st]))
		}
	}

	// Per-KPI window statistics: the descriptive four of kpi_last_n, and
	// the statistic of every policy rule, so that each rule (p95, last, ...)
	// has the series release-tag's rollback triggers query.
	kpi, e := vec("soak_kpi_window", "KPI statistic over the judged window of the last N iterations.", "kpi", "statistic", "window")
	try(e)
	samples, e2 := vec("soak_kpi_window_samples", "Usable KPI values in the judged window.", "kpi", "window")
	try(e2)
	if e == nil && e2 == nil {
		for name, st := range v.KPILastN {
			samples.WithLabelValues(name, window).Set(float64(st.N))
			for _, s := range []struct {
				stat string
				val  *float64
			}{{policy.StatMean, st.Mean}, {policy.StatMedian, st.Median}, {policy.StatMin, st.Min}, {policy.StatMax, st.Max}} {
				if s.val != nil {
					kpi.WithLabelValues(name, s.stat, window).Set(*s.val)
				}
			}
		}
		for _, r := range ruleValues(v, pol) {
			kpi.WithLabelValues(r.kpi, r.stat, window).Set(r.val)
		}
	}
	// The legacy extractor's names, for existing dashboards.
	for _, l := range []struct{ name, kpi string }{
		{"soak_kpi_risk_ratio_mean", "risk_ratio"},
		{"soak_kpi_maker_taker_mean", "maker_taker_ratio"},
		{"soak_kpi_net_bps_mean", "net_bps"},
		{"soak_kpi_latency_p95_mean", "p95_latency_ms"},
	} {
		if st, ok := v.KPILastN[l.kpi]; ok && st.Mean != nil {
			try(gauge(l.name, "Mean of "+l.kpi+" over the judged window (legacy name).", *st.Mean))
		}
	}

	if v.MakerTakerHMean != nil {
		g, e := vec("maker_taker_ratio_hmean", "Harmonic mean of the non-zero maker/taker ratios of the judged window.", "window")
		try(e)
		if e == nil {
			g.WithLabelValues(window).Set(*v.MakerTakerHMean)
		}
	}
	if v.MakerSharePct != nil {
		g, e := vec("maker_share_pct", "Maker share of fills over the judged window in percent (volume, else count, else the ratio).", "source")
		try(e)
		if e == nil {
			g.WithLabelValues(v.MakerShareSource).Set(*v.MakerSharePct)
		}
	}
	try(gauge("partial_freeze_active", "1 when the last tuning decision left a subsystem frozen.", b2f(v.PartialFreezeActive)))

	// Delta verification.
	if dv := v.DeltaVerification; dv != nil {
		try(gauge("soak_delta_verified", "1 when there was a tuning ledger to verify deltas against.", b2f(dv.Checked)))
		try(gauge("soak_delta_proposed", "Tuning proposals with at least one non-zero delta.", float64(dv.ProposedCount)))
		out, e := vec("soak_delta_proposals", "Tuning proposals by verified outcome.", "outcome")
		try(e)
		if e == nil {
			out.WithLabelValues(artifact.DeltaFullApply).Set(float64(dv.FullApplyCount))
			out.WithLabelValues(artifact.DeltaPartialOK).Set(float64(dv.PartialOKCount))
			out.WithLabelValues(artifact.DeltaFail).Set(float64(dv.FailCount))
			out.WithLabelValues(artifact.DeltaUnverified).Set(float64(dv.UnverifiedCount))
			// Outcome counts partition the proposals; signature_stuck_count
			// also counts stuck proposals that failed for another reason.
			out.WithLabelValues(artifact.DeltaSignatureStuck).Set(float64(dv.ProposedCount - dv.FullApplyCount - dv.PartialOKCount - dv.FailCount - dv.UnverifiedCount))
		}
		try(gauge("soak_delta_signature_stuck", "Proposals recorded as applied while the overrides' state hash did not change.", float64(dv.SignatureStuckCount)))
		try(gauge("soak_delta_full_apply_ratio", "(full_apply + partial_ok) / proposed; 0 when nothing was proposed.", dv.FullApplyRatio))
	}
	if err != nil {
		return nil, err
	}

	mfs, err := reg.Gather()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

type ruleValue struct {
	kpi, stat string
	val       float64
}

// ruleValues returns the value each KPI rule of pol judged: the value of
// its check, so that the series is exactly what the gate compared with the
// threshold. A rule with no usable value in the window has no series, as
// a missing mean has none.
func ruleValues(v *artifact.Verdict, pol *policy.Policy) []ruleValue {
	byName := make(map[string]*artifact.Check, len(v.Checks))
	for i := range v.Checks {
		byName[v.Checks[i].Name] = &v.Checks[i]
	}
	var out []ruleValue
	for _, r := range pol.Rules() {
		c, ok := byName[r.CheckName()]
		if !ok || c.Value == nil || c.KPI != r.KPI || c.Statistic != r.Statistic {
			continue
		}
		out = append(out, ruleValue{kpi: r.KPI, stat: r.Statistic, val: *c.Value})
	}
	return out
}
