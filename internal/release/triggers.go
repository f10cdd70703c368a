package release

import (
	"fmt"
	"strconv"
	"time"

	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/internal/safetext"
	"github.com/soakline/soakline/pkg/artifact"
)

// EvalInterval is how often the automatic rollback triggers are evaluated.
const EvalInterval = 5 * time.Minute

// CanaryGrace is how many evaluations in a row may lack data before a
// missing trigger fires (the same two intervals as its Expr's window).
const CanaryGrace = 2

// MetricFamily is the gauge soak-gate --prometheus exports for the KPI
// statistics of the judged window, labelled kpi, statistic and window.
const MetricFamily = "soak_kpi_window"

// MetricName is the PromQL selector of one KPI statistic, e.g.
// soak_kpi_window{kpi="p95_latency_ms",statistic="mean"}. The triggers read
// these series, so a canary judged by soak-gate every 5 minutes feeds them.
func MetricName(kpi, statistic string) string {
	return MetricFamily + `{kpi="` + safetext.PromLabel(kpi) + `",statistic="` + safetext.PromLabel(statistic) + `"}`
}

// Trigger actions.
const (
	ActionRollback = "rollback"
	ActionHold     = "hold"
)

// ActionText says what an action means, for the checklist and the plan.
func ActionText(action string) string {
	if action == ActionRollback {
		return "roll back now: the quick rollback of rollback_plan.md"
	}
	return "hold: stop the rollout at its current share and page the release owner"
}

// Triggers derives the automatic rollback triggers from the policy's KPI
// rules, evaluated every EvalInterval: per rule, a rollback at the fail
// level, a hold at the warn level when the rule has one, and for missing
// data a rollback (on_missing: fail) or a hold (on_missing: inconclusive);
// on_missing: skip adds none. A sustained rule carries over: "k
// consecutive" becomes k consecutive evaluations, "k of n" a count over
// the last n evaluations.
//
// Each trigger also carries the KPI's query over the bot's own metrics
// (the policy's prometheus: section or the built-in one) and its for count
// as evaluations (Count of the last Of), which release-tag canary
// evaluates; Expr stays the rule over the soak_kpi_window gauges, for a
// Prometheus rule group.
func Triggers(p *policy.Policy) []CanaryTrigger {
	every := durText(EvalInterval)
	queries := p.Queries()
	var out []CanaryTrigger
	for _, r := range p.Rules() {
		metric := MetricName(r.KPI, r.Statistic)
		breach := "<"
		if r.Direction == policy.AtMost {
			breach = ">"
		}
		level := func(name, lvl string, v float64, action string) CanaryTrigger {
			cond := breach + " " + numfmt.Level.Format(v)
			expr := metric + " " + cond
			forText := "0m"
			if s := r.Sustained; s != nil {
				switch {
				case s.Consecutive > 1:
					forText = durText(time.Duration(s.Consecutive-1) * EvalInterval)
				case s.N > 0:
					expr = fmt.Sprintf("count_over_time((%s)[%s:%s]) >= %d", expr, durText(time.Duration(s.N)*EvalInterval), every, s.K)
				}
			}
			count, of := 1, 1
			if s := r.Sustained; s != nil {
				if s.Consecutive > 0 {
					count, of = s.Consecutive, s.Consecutive
				} else {
					count, of = s.K, s.N
				}
			}
			return CanaryTrigger{
				Name: name, KPI: r.KPI, Statistic: r.Statistic, Level: lvl,
				Condition: cond, Threshold: v, Expr: expr, For: forText, Every: every, Action: action,
				Query: queries[r.KPI], Count: count, Of: of,
			}
		}
		out = append(out, level(r.CheckName()+"_fail", "fail", r.Fail, ActionRollback))
		if r.Warn != nil {
			out = append(out, level(r.CheckName()+"_warn", "warn", *r.Warn, ActionHold))
		}
		var action string
		switch r.OnMissing {
		case policy.OnMissingFail:
			action = ActionRollback
		case policy.OnMissingInconclusive:
			action = ActionHold
		}
		if action != "" {
			window := durText(2 * EvalInterval)
			out = append(out, CanaryTrigger{
				Name: r.CheckName() + "_missing", KPI: r.KPI, Statistic: r.Statistic, Level: "missing",
				Condition: "no data for " + window,
				Expr:      "absent_over_time(" + metric + "[" + window + "])",
				For:       "0m", Every: every, Action: action,
				Query: queries[r.KPI], Count: CanaryGrace, Of: CanaryGrace,
			})
		}
	}
	return out
}

// Watch is the plan's watch section: the policy's KPI queries and
// comparison settings, for release-tag canary.
func Watch(p *policy.Policy) *CanaryWatch {
	queries := p.Queries()
	w := &CanaryWatch{Grace: CanaryGrace, Alpha: p.Compare.Alpha, MinSamples: p.Compare.MinSamples}
	seen := map[string]bool{}
	for _, r := range p.Rules() {
		if seen[r.KPI] {
			continue // one comparison per KPI: the first rule's settings
		}
		seen[r.KPI] = true
		w.KPIs = append(w.KPIs, CanaryKPI{KPI: r.KPI, Query: queries[r.KPI], Direction: r.Direction, MinEffect: r.MinEffect, OnMissing: r.OnMissing})
	}
	return w
}

// ConditionText describes when a trigger fires, in words.
func ConditionText(t CanaryTrigger) string {
	if t.Level == "missing" {
		return t.KPI + " " + t.Statistic + ": " + t.Condition
	}
	s := t.KPI + " " + t.Statistic + " " + t.Condition
	if t.For != "0m" {
		s += " for " + t.For
	}
	return s
}

// durText formats d as Prometheus does: "5m", "1h", "90s".
func durText(d time.Duration) string {
	switch {
	case d == 0:
		return "0m"
	case d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	case d%time.Minute == 0:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	}
	return strconv.Itoa(int(d/time.Second)) + "s"
}

// ResolvedPolicy is the policy the rollback triggers come from, and why.
type ResolvedPolicy struct {
	*policy.Policy
	// Basis says in words how the policy relates to the soak's verdict.
	Basis string
	// Notes are for the user (stderr).
	Notes []string
}

// ResolvePolicy returns the policy the rollback triggers come from: the
// file given with --policy, else the built-in policy the verdict was
// judged by (matched by digest). A policy file the verdict names is never
// read: a soak or a bundle does not choose the bar it is held to (nor the
// canary's rollback triggers), so a policy of the user's own is given with
// --policy, as the user's word for it. A legacy snapshot records no
// policy: the built-in production policy is used and a note says so. An
// error means the policy cannot be determined (*UnknownPolicyError when
// the user must name it).
func ResolvePolicy(judged artifact.Policy, legacy bool, file string) (*ResolvedPolicy, error) {
	if file != "" {
		p, err := policy.Load(file)
		if err != nil {
			return nil, err
		}
		r := &ResolvedPolicy{Policy: p, Basis: "given with --policy; the same policy the soak was judged by"}
		if judged.Digest != p.Digest() {
			judgedBy := "a policy it does not record"
			if judged.Digest != "" {
				judgedBy = fmt.Sprintf("%s (%s)", judged.Name, judged.Digest)
			}
			r.Basis = "given with --policy; the soak was judged by " + judgedBy
			r.Notes = append(r.Notes, fmt.Sprintf("policy %s (%s) is not the policy the soak was judged by", file, p.Digest()))
		}
		return r, nil
	}
	if legacy || judged.Digest == "" {
		return &ResolvedPolicy{
			Policy: policy.Default(false),
			Basis:  "the built-in production policy: the snapshot records no policy",
			Notes:  []string{"the snapshot records no policy: the triggers use the built-in production policy (choose another with --policy)"},
		}, nil
	}
	const same = "the policy the soak was judged by"
	for _, mock := range []bool{false, true} {
		if p := policy.Default(mock); p.Digest() == judged.Digest {
			return &ResolvedPolicy{Policy: p, Basis: same}, nil
		}
	}
	return nil, &UnknownPolicyError{Judged: judged}
}

// An UnknownPolicyError is ResolvePolicy's answer when the policy the soak
// was judged by is not built in: the user must name it (--policy).
type UnknownPolicyError struct{ Judged artifact.Policy }

func (e *UnknownPolicyError) Error() string {
	return fmt.Sprintf("the soak was judged by policy %q (%s, %s), which is not built in: pass that policy file with --policy (a policy file the snapshot names is not read: the soak does not choose its own policy)", e.Judged.Name, e.Judged.Source, e.Judged.Digest)
}
