package soakgate

import (
	"bytes"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/pkg/artifact"
)

// promMeta is what the metrics say about the run rather than the soak:
// the identity labels every series carries and when the gate ran.
type promMeta struct {
	labels []promLabel // --label, in the order given
	runAt  time.Time   // SOURCE_DATE_EPOCH, else the wall clock
}

// metrics renders the verdict judged by pol in the Prometheus text format
// with the official client library, every family with HELP and TYPE. All metrics
// are gauges: they describe one judged soak, nothing accumulates. Names
// that would break promtool's lint (the legacy *_count suffixes) are
// replaced by labelled families. Every series carries the identity labels
// of meta, so that two soaks' files in one textfile directory do not
// collide.
func metrics(v *artifact.Verdict, pol *policy.Policy, meta promMeta) ([]byte, error) {
	pedantic := prometheus.NewPedanticRegistry()
	m := &metricSet{reg: pedantic, window: strconv.Itoa(v.Window.Size)}
	if len(meta.labels) > 0 {
		id := prometheus.Labels{}
		for _, l := range meta.labels {
			id[l.name] = l.value
		}
		m.reg = prometheus.WrapRegistererWith(id, pedantic)
	}
	m.verdict(v)
	m.checks(v)
	m.kpis(v, pol)
	m.legacy(v)
	m.delta(v)
	// When the gate ran: node_exporter's textfile collector serves a file
	// until it is replaced, so an alert on time() minus this finds a gate
	// that stopped running.
	m.try(m.gauge("soak_gate_last_run_timestamp_seconds", "When soak-gate wrote this file, in seconds since 1970 (SOURCE_DATE_EPOCH when set).", float64(meta.runAt.Unix())))
	if m.err != nil {
		return nil, m.err
	}

	mfs, err := pedantic.Gather()
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

// A metricSet registers the gate's metrics, keeping the first error.
type metricSet struct {
	reg    prometheus.Registerer
	window string // the window's size, a label value
	err    error
}

func (m *metricSet) try(e error) {
	if m.err == nil {
		m.err = e
	}
}

func (m *metricSet) gauge(name, help string, val float64) error {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
	g.Set(val)
	return m.reg.Register(g)
}

func (m *metricSet) vec(name, help string, labels ...string) (*prometheus.GaugeVec, error) {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
	return g, m.reg.Register(g)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// verdict registers the verdict, one-hot, freeze_ready and the counts.
func (m *metricSet) verdict(v *artifact.Verdict) {
	verdict, e := m.vec("soak_verdict", "Verdict of the soak gate: 1 for the verdict given, 0 for the others.", "verdict")
	m.try(e)
	if e == nil {
		for _, name := range []string{artifact.VerdictPass, artifact.VerdictWarn, artifact.VerdictFail, artifact.VerdictInconclusive} {
			verdict.WithLabelValues(name).Set(b2f(v.Verdict == name))
		}
	}
	m.try(m.gauge("soak_freeze_ready", "1 when the verdict is PASS and the tuned profile may be frozen.", b2f(v.FreezeReady)))
	m.try(m.gauge("soak_iterations", "Iterations in the soak.", float64(v.IterationsTotal)))
	m.try(m.gauge("soak_window_iterations", "Iterations judged in the window.", float64(v.Window.N)))
	m.try(m.gauge("soak_window_passing_iterations", "Iterations of the window in which every KPI met its fail level (pass_iterations_last_n).", float64(v.PassIterationsLastN)))
	m.try(m.gauge("soak_kpi_goals_met", "KPI goals (the policy's KPI checks) the window met: pass_count_last_n.", float64(v.PassCountLastN)))

	checks, e := m.vec("soak_checks", "Checks of the verdict by status.", "status")
	m.try(e)
	if e == nil {
		counts := map[string]int{}
		for _, c := range v.Checks {
			counts[c.Status]++
		}
		for _, st := range checkStatuses {
			checks.WithLabelValues(st).Set(float64(counts[st]))
		}
	}
}

// checks registers each check: its status one-hot, its levels and the
// value it judged, so that an alert can fire on one check and a
// dashboard draw a KPI against its threshold.
func (m *metricSet) checks(v *artifact.Verdict) {
	status, e := m.vec("soak_check_status", "Status of each check of the verdict: 1 for the status it has, 0 for the others.", "check", "status")
	m.try(e)
	threshold, e2 := m.vec("soak_check_threshold", "Levels of each check: fail, and warn when the policy sets one; direction says which side passes.", "check", "level", "direction")
	m.try(e2)
	value, e3 := m.vec("soak_check_value", "Value each check judged (absent when it had none).", "check")
	m.try(e3)
	if e == nil && e2 == nil && e3 == nil {
		for _, c := range v.Checks {
			for _, st := range checkStatuses {
				status.WithLabelValues(c.Name, st).Set(b2f(c.Status == st))
			}
			dir := directionName(c.Direction)
			threshold.WithLabelValues(c.Name, "fail", dir).Set(c.Threshold)
			if c.Warn != nil {
				threshold.WithLabelValues(c.Name, "warn", dir).Set(*c.Warn)
			}
			if c.Value != nil {
				value.WithLabelValues(c.Name).Set(*c.Value)
			}
		}
	}
}

// kpis registers the per-KPI window statistics: the descriptive four of
// kpi_last_n, and the statistic of every policy rule, so that each rule
// (p95, last, ...) has the series release-tag's rollback triggers query.
func (m *metricSet) kpis(v *artifact.Verdict, pol *policy.Policy) {
	window := m.window
	kpi, e := m.vec("soak_kpi_window", "KPI statistic over the judged window of the last N iterations.", "kpi", "statistic", "window")
	m.try(e)
	samples, e2 := m.vec("soak_kpi_window_samples", "Usable KPI values in the judged window.", "kpi", "window")
	m.try(e2)
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
}

// legacy registers the legacy extractor's names, for existing
// dashboards, the maker-share measures and partial_freeze_active.
func (m *metricSet) legacy(v *artifact.Verdict) {
	window := m.window
	for _, l := range []struct{ name, kpi string }{
		{"soak_kpi_risk_ratio_mean", "risk_ratio"},
		{"soak_kpi_maker_taker_mean", "maker_taker_ratio"},
		{"soak_kpi_net_bps_mean", "net_bps"},
		{"soak_kpi_latency_p95_mean", "p95_latency_ms"},
	} {
		if st, ok := v.KPILastN[l.kpi]; ok && st.Mean != nil {
			m.try(m.gauge(l.name, "Mean of "+l.kpi+" over the judged window (legacy name).", *st.Mean))
		}
	}

	if v.MakerTakerHMean != nil {
		g, e := m.vec("maker_taker_ratio_hmean", "Unweighted harmonic mean of the non-zero maker_taker_ratio values of the judged window.", "window")
		m.try(e)
		if e == nil {
			g.WithLabelValues(window).Set(*v.MakerTakerHMean)
		}
	}
	if v.MakerTakerPooled != nil {
		g, e := m.vec("maker_taker_ratio_pooled", "Maker share of the judged window's fills pooled: sum of maker volume / sum of volume (0..1; by count when no volume was recorded).", "source", "window")
		m.try(e)
		if e == nil {
			g.WithLabelValues(v.MakerTakerPooledSource, window).Set(*v.MakerTakerPooled)
		}
	}
	if v.MakerSharePct != nil {
		// The one maker_share_pct: the verdict's, equal to
		// soak_kpi_window{kpi="maker_share_pct",statistic="mean"}.
		g, e := m.vec("maker_share_pct", "Mean over the judged window of the iterations' maker_share_pct KPI (100 * maker fills / fills), in percent.", "window")
		m.try(e)
		if e == nil {
			g.WithLabelValues(window).Set(*v.MakerSharePct)
		}
	}
	m.try(m.gauge("partial_freeze_active", "1 when the last tuning decision left a subsystem frozen.", b2f(v.PartialFreezeActive)))
}

// delta registers the delta verification.
func (m *metricSet) delta(v *artifact.Verdict) {
	if dv := v.DeltaVerification; dv != nil {
		m.try(m.gauge("soak_delta_verified", "1 when there was a tuning ledger to verify deltas against.", b2f(dv.Checked)))
		m.try(m.gauge("soak_delta_proposed", "Tuning proposals with at least one non-zero delta.", float64(dv.ProposedCount)))
		out, e := m.vec("soak_delta_proposals", "Tuning proposals by verified outcome.", "outcome")
		m.try(e)
		if e == nil {
			out.WithLabelValues(artifact.DeltaFullApply).Set(float64(dv.FullApplyCount))
			out.WithLabelValues(artifact.DeltaPartialOK).Set(float64(dv.PartialOKCount))
			out.WithLabelValues(artifact.DeltaFail).Set(float64(dv.FailCount))
			out.WithLabelValues(artifact.DeltaUnverified).Set(float64(dv.UnverifiedCount))
			// Outcome counts partition the proposals; signature_stuck_count
			// also counts stuck proposals that failed for another reason.
			out.WithLabelValues(artifact.DeltaSignatureStuck).Set(float64(dv.ProposedCount - dv.FullApplyCount - dv.PartialOKCount - dv.FailCount - dv.UnverifiedCount))
		}
		m.try(m.gauge("soak_delta_signature_stuck", "Proposals recorded as applied while the overrides' state hash did not change.", float64(dv.SignatureStuckCount)))
		m.try(m.gauge("soak_delta_full_apply_ratio", "(full_apply + partial_ok) / proposed; 0 when nothing was proposed.", dv.FullApplyRatio))
	}
}

var checkStatuses = []string{artifact.CheckPass, artifact.CheckWarn, artifact.CheckFail, artifact.CheckInconclusive, artifact.CheckSkip}

// directionName names a check's direction as a label value.
func directionName(d string) string {
	switch d {
	case policy.AtLeast:
		return "at_least"
	case policy.AtMost:
		return "at_most"
	}
	return d
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
