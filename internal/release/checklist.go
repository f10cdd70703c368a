package release

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/internal/safetext"
	"github.com/soakline/soakline/pkg/artifact"
)

// Canary rollout parameters (the seed's).
const (
	CanaryPercent  = 5
	CanaryMinHours = 24
	CanaryMaxHours = 48
)

// Tagging is what release-tag knows when it writes the tag message and the
// canary documents.
type Tagging struct {
	Tag        string
	Commit     string
	BundlePath string // as the user named it
	SumsSHA256 string // of the bundle's SHA256SUMS
	Manifest   *Manifest
	Snapshot   *Snapshot
	Delta      *artifact.DeltaVerify // nil when unreadable
	Policy     *ResolvedPolicy
	Triggers   []CanaryTrigger
	Tool       string
}

func triggerSection(b *md, p *ResolvedPolicy, ts []CanaryTrigger) {
	b.line("Derived from the gate's policy %s (%s, %s): %s. Evaluated every %s on the gauges that `soak-gate --prometheus` exports (%s) for the canary's data.",
		code(p.Name), p.Source, p.Digest(), p.Basis, durText(EvalInterval), code(MetricFamily))
	b.blank()
	rows := make([][]Markdown, len(ts))
	txt := func(s string) Markdown { return Markdown(safetext.MarkdownTableCell(s)) }
	for i, t := range ts {
		rows[i] = []Markdown{txt(t.Name), txt(ConditionText(t)), tableCode(t.Expr), txt(t.For), txt(ActionText(t.Action))}
	}
	b.tableMD([]string{"trigger", "fires when", "PromQL (fires on any result)", "for", "action"}, rows)
	b.blank()
	b.line("%s watches the same thresholds, for counts and actions over the bot's own metrics, with the KPI queries of CANARY_PLAN.json (%s), and rolls back by itself.",
		code("release-tag canary --plan CANARY_PLAN.json --prometheus-url URL --canary-selector S"), code("watch.kpis"))
	b.blank()
}

// PrometheusRules renders the triggers as a Prometheus rule group (YAML;
// strings are JSON-quoted, which YAML reads verbatim).
func PrometheusRules(tag string, ts []CanaryTrigger) string {
	// JSON-quoted without HTML escaping ("<" stays "<", not "\u003c");
	// json still escapes control characters, U+2028 and U+2029.
	q := func(s string) string {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		return strings.TrimSuffix(b.String(), "\n")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "groups:\n  - name: %s\n    interval: %s\n    rules:\n", q("soakline-canary-"+tag), durText(EvalInterval))
	for _, t := range ts {
		fmt.Fprintf(&b, "      - alert: %s\n        expr: %s\n        for: %s\n        labels:\n          action: %s\n          release: %s\n        annotations:\n          summary: %s\n",
			q(t.Name), q(t.Expr), t.For, q(t.Action), q(tag), q(ConditionText(t)))
	}
	return b.String()
}

// kpiLevels lists the policy's KPI rules as "maker_taker_ratio mean >= 0.83".
func kpiLevels(p *ResolvedPolicy, warn bool) []string {
	var out []string
	for _, r := range p.Rules() {
		lvl := r.Fail
		if warn {
			if r.Warn == nil {
				continue
			}
			lvl = *r.Warn
		}
		out = append(out, fmt.Sprintf("%s %s %s %s", r.KPI, r.Statistic, r.Direction, numfmt.Level.Format(lvl)))
	}
	return out
}

// BreachedWarn is a warn level that the soak's judged window already
// breached: a release accepted with a WARN verdict (or one whose trigger
// policy is stricter than its verdict's) runs past it from its first
// minute. Its hold trigger would fire at once and the canary could never
// be promoted, so it is no trigger: on the canary it is expected, not a
// hold, and the KPI's fail-level trigger still rolls back.
type BreachedWarn struct {
	Trigger CanaryTrigger // the hold trigger left out
	Level   string        // "maker_taker_ratio mean >= 0.9"
	Value   float64       // the soak's window value
	// Shown is Value as the verdict shows it: never rounded onto or
	// across the warn or fail level (numfmt.Value).
	Shown string
}

// CanaryTriggers splits the triggers into the ones the canary is watched
// with and the warn levels the soak already breached (see BreachedWarn).
func CanaryTriggers(t *Tagging) (active []CanaryTrigger, breached []BreachedWarn) {
	rules := map[string]policy.Rule{}
	for _, r := range t.Policy.Rules() {
		if r.Warn != nil {
			rules[r.CheckName()+"_warn"] = r
		}
	}
	for _, tr := range t.Triggers {
		r, ok := rules[tr.Name]
		if tr.Level == "warn" && ok {
			if v, ok := soakValue(t.Snapshot, r.KPI, r.Statistic); ok && r.Breaches(v, *r.Warn) {
				breached = append(breached, BreachedWarn{Trigger: tr, Level: fmt.Sprintf("%s %s %s %s", r.KPI, r.Statistic, r.Direction, numfmt.Level.Format(*r.Warn)),
					Value: v, Shown: numfmt.Value.Format(v, *r.Warn, r.Fail)})
				continue
			}
		}
		active = append(active, tr)
	}
	return active, breached
}

// soakValue is the judged window's value of a KPI statistic: the verdict's
// check, else (a legacy snapshot has no checks) the window statistics.
func soakValue(s *Snapshot, kpi, stat string) (float64, bool) {
	for _, c := range s.Verdict.Checks {
		if c.KPI == kpi && c.Statistic == stat && c.Value != nil {
			return *c.Value, true
		}
	}
	st, ok := s.Verdict.KPILastN[kpi]
	if !ok {
		return 0, false
	}
	var v *float64
	switch stat {
	case "mean":
		v = st.Mean
	case "median":
		v = st.Median
	case "min":
		v = st.Min
	case "max":
		v = st.Max
	}
	if v == nil {
		return 0, false
	}
	return *v, true
}

// breachedText lists the breached warn levels with the soak's values.
func breachedText(bs []BreachedWarn) string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = fmt.Sprintf("%s (the soak's window: %s)", b.Level, b.Shown)
	}
	return strings.Join(out, ", ")
}

// Plan builds CANARY_PLAN.json's content. Its triggers are the ones the
// canary is watched with (CanaryTriggers); every checkpoint agrees with
// them: a warn level the soak already breached is named as expected, not
// a hold, and only the other warn levels hold or delay the promotion.
func Plan(t *Tagging) CanaryPlan {
	triggers, breached := CanaryTriggers(t)
	skip := map[string]bool{}
	for _, b := range breached {
		skip[b.Level] = true
	}
	fail := strings.Join(kpiLevels(t.Policy, false), ", ")
	var warn []string
	for _, l := range kpiLevels(t.Policy, true) {
		if !skip[l] {
			warn = append(warn, l)
		}
	}
	warnText := "no warn levels are set"
	switch {
	case len(warn) > 0:
		warnText = strings.Join(warn, ", ")
	case len(breached) > 0:
		warnText = "no other warn levels are set"
	}
	// expected is said wherever a warn level is: the soak's own values
	// past their warn levels are no reason to hold.
	expected := ""
	if len(breached) > 0 {
		expected = "already breached at release, expected and not a hold (no trigger; the fail level still rolls back): " + breachedText(breached)
	}
	var pre []string
	for _, st := range preSteps(t) {
		pre = append(pre, st.text())
	}
	hour1 := []string{
		"no trigger has fired",
		"every gauge the triggers read has data",
		"every KPI meets its fail level: " + fail,
	}
	hour6 := []string{
		"no trigger has fired",
		"every KPI meets its fail level: " + fail,
		"warn levels: " + warnText + "; a KPI past its warn level holds the rollout",
	}
	hour24 := []string{
		"no trigger has fired in 24 hours",
		"every KPI meets its fail level: " + fail,
		"every KPI meets its warn level (" + warnText + "): promote now, else continue to hour 48",
	}
	levels := "at the last checkpoint every KPI meets the policy's levels (the policy's, not the values the soak happened to reach)"
	if expected != "" {
		hour1 = append(hour1, "warn levels "+expected)
		hour6[2] += "; warn levels " + expected
		hour24[2] = "every KPI meets its warn level (" + warnText + "; the ones already breached at release need only their fail level): promote now, else continue to hour 48"
		levels = "at the last checkpoint every KPI meets the policy's fail level, and its warn level unless that was already breached at release (" + breachedText(breached) + ")"
	}
	cps := []CanaryCheckpoint{
		{Hour: 1, Checks: hour1},
		{Hour: 6, Checks: hour6},
		{Hour: 24, Checks: hour24},
		{Hour: 48, Checks: []string{
			"no trigger has fired in 48 hours",
			"every KPI meets its fail level: " + fail + ": promote; otherwise roll back",
		}},
	}
	promo := []string{
		fmt.Sprintf("at least %d hours at %d%% of traffic with no trigger fired", CanaryMinHours, CanaryPercent),
		levels,
		"no gap in the gauges longer than two evaluations",
		"then promote with your rollout procedure and keep the triggers active for 24 hours after",
	}
	return CanaryPlan{
		SchemaVersion: artifact.SchemaVersion, Kind: artifact.KindCanaryPlan,
		Tag: t.Tag, Version: t.Manifest.Version, Commit: t.Commit, BundleSumsSHA256: t.SumsSHA256,
		Verdict:        t.Snapshot.Verdict.Verdict,
		Policy:         artifact.Policy{Name: t.Policy.Name, Source: t.Policy.Source, Digest: t.Policy.Digest()},
		TrafficPercent: CanaryPercent, MinHours: CanaryMinHours, MaxHours: CanaryMaxHours,
		EvaluationInterval: durText(EvalInterval),
		PreDeployment:      pre, Checkpoints: cps, Triggers: triggers, Promotion: promo,
		Watch: Watch(t.Policy.Policy),
	}
}

// step is one pre-deployment step: text and shell commands, in order.
type step []stepPart

type stepPart struct {
	s   string
	cmd bool // a shell command line whose words are quoted
}

func (st step) text() string {
	parts := make([]string, len(st))
	for i, p := range st {
		parts[i] = p.s
	}
	return strings.Join(parts, " ")
}

// markdown renders the step with its commands as code spans.
func (st step) markdown() Markdown {
	parts := make([]string, len(st))
	for i, p := range st {
		if p.cmd {
			parts[i] = string(code(p.s))
		} else {
			parts[i] = safetext.MarkdownText(p.s)
		}
	}
	return Markdown(strings.Join(parts, " "))
}

func say(s string) stepPart { return stepPart{s: s} }
func cmd(s string) stepPart { return stepPart{s: s, cmd: true} }

// preSteps are the pre-deployment steps. The tag and the bundle's version
// are release names (CheckReleaseName), the bundle path is quoted. OVERRIDES
// is set (or the shell stops) before any step uses it.
func preSteps(t *Tagging) []step {
	steps := []step{
		{cmd("release-tag verify " + shellWord(t.Tag) + " --bundle " + shellWord(t.BundlePath)), say("exits 0: the bundle is the one the tag carries")},
		{say("read POST_SOAK_AUDIT.md, RECOMMENDATIONS.md and FAILURES.md in the bundle")},
		{say(deltaCheck(t))},
		{say("set OVERRIDES to the overrides file the bot reads, in the shell that runs these steps and the rollback plan's:"), cmd(`: "${OVERRIDES:?set OVERRIDES to the overrides file the bot reads}"`)},
		{say("copy the overrides the bot runs with now:"), cmd(`cp -p "$OVERRIDES" ` + shellSuffixed("OVERRIDES", ".before-", t.Manifest.Version)), say("(the rollback plan and release-tag canary restore this copy)")},
	}
	if red := t.Manifest.Redacted; len(red) > 0 {
		// The bundle's profile is not the whole file the canary needs.
		steps = append(steps, step{say(fmt.Sprintf("the bundle's %s is incomplete: credentials were removed from it when it was bundled (%s). Deploy it only with these put back from your secret store (the values the bot runs with now are in the copy just made); as shipped, the canary would run without them",
			ProfileFile, strings.Join(red, ", ")))})
	}
	return append(steps,
		step{say("load the triggers below into Prometheus (the rule group in CANARY_CHECKLIST.md) and route their alerts to the on-call owner")},
		step{say("run soak-gate --prometheus on the canary's data every 5 minutes and export the file (e.g. node_exporter's textfile collector), so that the gauges the triggers read exist")},
		step{say("have rollback_plan.md of the bundle open")},
	)
}

// deltaCheck names the full-apply ratio the bundle was judged with: the
// threshold of its verdict's delta check, else the policy's, strict when
// the verdict was judged with --strict.
func deltaCheck(t *Tagging) string {
	d := t.Delta
	if d == nil {
		return "DELTA_VERIFY_REPORT.json could not be read: check it by hand"
	}
	v := t.Snapshot.Verdict
	strict := v.Settings.Strict || v.Policy.Strict
	minRatio := t.Policy.Delta.MinRatio(strict)
	for _, c := range v.Checks {
		if c.Name == deltaRatioCheck {
			minRatio = c.Threshold
			break
		}
	}
	judged := "judged without --strict"
	if strict {
		judged = "judged with --strict"
	}
	return fmt.Sprintf("DELTA_VERIFY_REPORT.json: full-apply ratio %s over %d proposals (the bundle was %s, which asks for at least %s)", numfmt.Value.Format(d.FullApplyRatio, minRatio), d.ProposedCount, judged, numfmt.Level.Format(minRatio))
}

// deltaRatioCheck is the name of the verdict's delta full-apply ratio
// check (judge.CheckDeltaRatio; release reads verdicts, it does not judge).
const deltaRatioCheck = "delta_full_apply_ratio"

// Checklist renders CANARY_CHECKLIST.md from the plan.
func Checklist(t *Tagging, plan CanaryPlan) []byte {
	var b md
	v := t.Snapshot.Verdict
	b.line("# Canary checklist: %s", t.Tag)
	b.blank()
	b.line("- Tag: %s at commit %s", code(t.Tag), t.Commit)
	b.line("- Bundle: %s, version %s, SHA256SUMS sha256 %s", code(t.BundlePath), t.Manifest.Version, t.SumsSHA256)
	b.line("- Verdict: **%s** — %s", v.Verdict, dash(v.Reason))
	b.line("- Judged window: %s", WindowText(&v))
	b.line("- Written by: release-tag %s", t.Tool)
	b.blank()
	b.line("## 1. Before deployment")
	b.blank()
	for _, st := range preSteps(t) {
		b.line("- [ ] %s", st.markdown())
	}
	b.blank()
	b.line("## 2. Canary: %d%% of traffic for %d–%d hours", CanaryPercent, CanaryMinHours, CanaryMaxHours)
	b.blank()
	if red := t.Manifest.Redacted; len(red) > 0 {
		b.line("Deploy %s of the bundle to the canary only, with the credentials removed from it (%s) put back from your secret store — never deploy it as shipped — and route %d%% of the traffic to it.", code(ProfileFile), codeList(red), CanaryPercent)
	} else {
		b.line("Deploy %s of the bundle to the canary only, and route %d%% of the traffic to it.", code(ProfileFile), CanaryPercent)
	}
	for _, cp := range plan.Checkpoints {
		b.blank()
		b.line("### Hour %d", cp.Hour)
		b.blank()
		for _, c := range cp.Checks {
			b.line("- [ ] %s", safetext.MarkdownText(c))
		}
	}
	b.blank()
	b.line("## 3. Automatic rollback triggers (every %s)", plan.EvaluationInterval)
	b.blank()
	triggerSection(&b, t.Policy, plan.Triggers)
	if _, breached := CanaryTriggers(t); len(breached) > 0 {
		b.line("Not triggers: warn levels the soak's window already breached when this %s release was accepted. On the canary they are expected, not a hold (a hold would fire at the first evaluation and the canary could never be promoted); the fail-level trigger of each KPI still rolls back:", safetext.MarkdownText(t.Snapshot.Verdict.Verdict))
		b.blank()
		for _, w := range breached {
			b.line("- %s: %s, the soak's window %s", code(w.Trigger.Name), safetext.MarkdownText(w.Level), safetext.MarkdownText(w.Shown))
		}
		b.blank()
	}
	b.line("As a Prometheus rule group:")
	b.blank()
	b.line("```yaml")
	b.WriteString(PrometheusRules(t.Tag, plan.Triggers))
	b.line("```")
	b.blank()
	b.line("## 4. Promotion criteria")
	b.blank()
	for _, p := range plan.Promotion {
		b.line("- [ ] %s", safetext.MarkdownText(p))
	}
	return []byte(b.String())
}
