package release

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

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
	Manifest   *artifact.Manifest
	Snapshot   *Snapshot
	Delta      *artifact.DeltaVerify // nil when unreadable
	Policy     *ResolvedPolicy
	Triggers   []artifact.CanaryTrigger
	Tool       string
}

func triggerSection(b *md, p *ResolvedPolicy, ts []artifact.CanaryTrigger) {
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
func PrometheusRules(tag string, ts []artifact.CanaryTrigger) string {
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
		out = append(out, fmt.Sprintf("%s %s %s %s", r.KPI, r.Statistic, r.Direction, num(lvl)))
	}
	return out
}

// Plan builds CANARY_PLAN.json's content.
func Plan(t *Tagging) artifact.CanaryPlan {
	fail := strings.Join(kpiLevels(t.Policy, false), ", ")
	warn := kpiLevels(t.Policy, true)
	warnText := "no warn levels are set"
	if len(warn) > 0 {
		warnText = strings.Join(warn, ", ")
	}
	var pre []string
	for _, st := range preSteps(t) {
		pre = append(pre, st.text())
	}
	cps := []artifact.CanaryCheckpoint{
		{Hour: 1, Checks: []string{
			"no trigger has fired",
			"every gauge the triggers read has data",
			"every KPI meets its fail level: " + fail,
		}},
		{Hour: 6, Checks: []string{
			"no trigger has fired",
			"every KPI meets its fail level: " + fail,
			"warn levels: " + warnText + "; a KPI past its warn level holds the rollout",
		}},
		{Hour: 24, Checks: []string{
			"no trigger has fired in 24 hours",
			"every KPI meets its fail level: " + fail,
			"every KPI meets its warn level (" + warnText + "): promote now, else continue to hour 48",
		}},
		{Hour: 48, Checks: []string{
			"no trigger has fired in 48 hours",
			"every KPI meets its fail level: " + fail + ": promote; otherwise roll back",
		}},
	}
	promo := []string{
		fmt.Sprintf("at least %d hours at %d%% of traffic with no trigger fired", CanaryMinHours, CanaryPercent),
		"at the last checkpoint every KPI meets the policy's levels (the policy's, not the values the soak happened to reach)",
		"no gap in the gauges longer than two evaluations",
		"then promote with your rollout procedure and keep the triggers active for 24 hours after",
	}
	return artifact.CanaryPlan{
		SchemaVersion: artifact.SchemaVersion, Kind: artifact.KindCanaryPlan,
		Tag: t.Tag, Version: t.Manifest.Version, Commit: t.Commit, BundleSumsSHA256: t.SumsSHA256,
		Verdict:        t.Snapshot.Verdict.Verdict,
		Policy:         artifact.Policy{Name: t.Policy.Name, Source: t.Policy.Source, Digest: t.Policy.Digest()},
		TrafficPercent: CanaryPercent, MinHours: CanaryMinHours, MaxHours: CanaryMaxHours,
		EvaluationInterval: durText(EvalInterval),
		PreDeployment:      pre, Checkpoints: cps, Triggers: t.Triggers, Promotion: promo,
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
// are release names (CheckReleaseName), the bundle path is quoted.
func preSteps(t *Tagging) []step {
	return []step{
		{cmd("release-tag verify " + shellWord(t.Tag) + " --bundle " + shellWord(t.BundlePath)), say("exits 0: the bundle is the one the tag carries")},
		{say("read POST_SOAK_AUDIT.md, RECOMMENDATIONS.md and FAILURES.md in the bundle")},
		{say(deltaCheck(t))},
		{say("copy the overrides the bot runs with now:"), cmd(`cp -p "$OVERRIDES" ` + shellSuffixed("OVERRIDES", ".before-", t.Manifest.Version)), say("(the rollback plan restores this copy)")},
		{say("load the triggers below into Prometheus (the rule group in CANARY_CHECKLIST.md) and route their alerts to the on-call owner")},
		{say("run soak-gate --prometheus on the canary's data every 5 minutes and export the file (e.g. node_exporter's textfile collector), so that the gauges the triggers read exist")},
		{say("have rollback_plan.md of the bundle open")},
	}
}

func deltaCheck(t *Tagging) string {
	d := t.Delta
	minRatio := t.Policy.Delta.MinRatio(true)
	if d == nil {
		return "DELTA_VERIFY_REPORT.json could not be read: check it by hand"
	}
	return fmt.Sprintf("DELTA_VERIFY_REPORT.json: full-apply ratio %s over %d proposals (the strict policy asks for at least %s)", fmtNum(d.FullApplyRatio), d.ProposedCount, num(minRatio))
}

// Checklist renders CANARY_CHECKLIST.md from the plan.
func Checklist(t *Tagging, plan artifact.CanaryPlan) []byte {
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
	b.line("Deploy %s of the bundle to the canary only, and route %d%% of the traffic to it.", code(artifact.ProfileFile), CanaryPercent)
	for _, cp := range plan.Checkpoints {
		b.blank()
		b.line("### Hour %d", cp.Hour)
		b.blank()
		for _, c := range cp.Checks {
			b.line("- [ ] %s", c)
		}
	}
	b.blank()
	b.line("## 3. Automatic rollback triggers (every %s)", plan.EvaluationInterval)
	b.blank()
	triggerSection(&b, t.Policy, t.Triggers)
	b.line("As a Prometheus rule group:")
	b.blank()
	b.line("```yaml")
	b.WriteString(PrometheusRules(t.Tag, t.Triggers))
	b.line("```")
	b.blank()
	b.line("## 4. Promotion criteria")
	b.blank()
	for _, p := range plan.Promotion {
		b.line("- [ ] %s", p)
	}
	return []byte(b.String())
}
