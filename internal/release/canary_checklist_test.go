package release

import (
	"strings"
	"testing"

	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/pkg/artifact"
)

// warnPolicy has a warn level on two KPIs.
const warnPolicy = `name: warn-levels
kpis:
  - {kpi: maker_taker_ratio, direction: at_least, fail: 0.83, warn: 0.9}
  - {kpi: p95_latency_ms, direction: at_most, fail: 340, warn: 300}
`

// checklistTagging is a tagging of a soak whose window had the given
// maker_taker_ratio and p95_latency_ms means, judged by warnPolicy.
func checklistTagging(t *testing.T, verdict string, mtr, p95 float64, legacy bool) *Tagging {
	t.Helper()
	p, err := policy.Parse("warn.yaml", []byte(warnPolicy))
	if err != nil {
		t.Fatal(err)
	}
	v := artifact.Verdict{SchemaVersion: 1, Kind: artifact.KindVerdict, Verdict: verdict, Reason: "r"}
	v.KPILastN = map[string]artifact.KPIStats{"maker_taker_ratio": {N: 8, Mean: &mtr}, "p95_latency_ms": {N: 8, Mean: &p95}}
	if !legacy {
		v.Policy = artifact.Policy{Name: p.Name, Source: "warn.yaml", Digest: p.Digest()}
		v.Checks = []artifact.Check{
			{Name: "maker_taker_ratio_mean", KPI: "maker_taker_ratio", Statistic: "mean", Direction: ">=", Threshold: 0.83, Value: &mtr},
			{Name: "p95_latency_ms_mean", KPI: "p95_latency_ms", Statistic: "mean", Direction: "<=", Threshold: 340, Value: &p95},
			{Name: "delta_full_apply_ratio", Direction: ">=", Threshold: p.Delta.MinRatio(false)},
		}
	}
	pol := &ResolvedPolicy{Policy: p, Basis: "the policy the soak was judged by"}
	return &Tagging{
		Tag: "v1.2.0", Commit: strings.Repeat("a", 40), BundlePath: "release/v1.2.0", SumsSHA256: strings.Repeat("f", 64),
		Manifest: &Manifest{Version: "v1.2.0"},
		Snapshot: &Snapshot{Verdict: v, Legacy: legacy},
		Delta:    &artifact.DeltaVerify{ProposedCount: 10, FullApplyCount: 9, FullApplyRatio: 0.9},
		Policy:   pol, Triggers: Triggers(p), Tool: "devel",
	}
}

// TestCanaryPlanWarnRelease: a warn level the soak's window already
// breached is no hold trigger (it would fire at the first evaluation while
// every checkpoint asks that no trigger has fired); the checkpoints and
// promotion criteria name it as expected, with the soak's value; the other
// warn levels still hold. Whatever the verdict, no trigger of the plan
// fires on the soak's own values.
func TestCanaryPlanWarnRelease(t *testing.T) {
	tests := []struct {
		name         string
		verdict      string
		mtr, p95     float64
		legacy       bool
		wantBreached []string // warn triggers left out
		wantExpected string   // in hour 1, 6 and 24 and the promotion criteria; "" for none
	}{
		{"PASS: every warn level met", "PASS", 0.95, 250, false, nil, ""},
		{"WARN: one warn level breached", "WARN", 0.87, 250, false, []string{"maker_taker_ratio_mean_warn"},
			"maker_taker_ratio mean >= 0.9 (the soak's window: 0.87)"},
		{"WARN: both warn levels breached", "WARN", 0.87, 320, false, []string{"maker_taker_ratio_mean_warn", "p95_latency_ms_mean_warn"},
			"maker_taker_ratio mean >= 0.9 (the soak's window: 0.87), p95_latency_ms mean <= 300 (the soak's window: 320)"},
		{"WARN a hair below the warn level: the value is not rounded onto it", "WARN", 0.8999999, 250, false, []string{"maker_taker_ratio_mean_warn"},
			"maker_taker_ratio mean >= 0.9 (the soak's window: 0.8999999 (< 0.9))"},
		{"legacy WARN snapshot: values from the window statistics", "WARN", 0.85, 250, true, []string{"maker_taker_ratio_mean_warn"},
			"maker_taker_ratio mean >= 0.9 (the soak's window: 0.85)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tg := checklistTagging(t, tc.verdict, tc.mtr, tc.p95, tc.legacy)
			plan := Plan(tg)
			names := map[string]bool{}
			soak := map[string]float64{"maker_taker_ratio": tc.mtr, "p95_latency_ms": tc.p95}
			for _, tr := range plan.Triggers {
				names[tr.Name] = true
				if tr.Level == "missing" {
					continue
				}
				v := soak[tr.KPI]
				if fires := tr.Condition[0] == '<' && v < tr.Threshold || tr.Condition[0] == '>' && v > tr.Threshold; fires {
					t.Errorf("trigger %s (%s) fires on the soak's own value %v", tr.Name, tr.Condition, v)
				}
			}
			for _, n := range tc.wantBreached {
				if names[n] {
					t.Errorf("plan keeps the hold trigger %s the soak already breaches", n)
				}
			}
			if want := len(tg.Triggers) - len(tc.wantBreached); len(plan.Triggers) != want {
				t.Errorf("%d triggers, want %d", len(plan.Triggers), want)
			}
			for _, cp := range plan.Checkpoints {
				all := strings.Join(cp.Checks, "\n")
				if !strings.Contains(all, "no trigger has fired") {
					t.Errorf("hour %d: no 'no trigger has fired' check", cp.Hour)
				}
				if cp.Hour == 48 {
					continue
				}
				if tc.wantExpected == "" {
					if strings.Contains(all, "already breached") {
						t.Errorf("hour %d names a breached warn level:\n%s", cp.Hour, all)
					}
					continue
				}
				if !strings.Contains(all, "already breached at release") || !strings.Contains(all, tc.wantExpected) && cp.Hour != 24 {
					t.Errorf("hour %d does not name %q as expected:\n%s", cp.Hour, tc.wantExpected, all)
				}
				// The warn levels that still hold do not list a breached one.
				for _, c := range cp.Checks {
					if lv, ok := strings.CutPrefix(c, "warn levels: "); ok {
						lv, _, _ = strings.Cut(lv, ";")
						if strings.Contains(lv, "maker_taker_ratio mean >= 0.9") {
							t.Errorf("hour %d holds at a breached warn level: %s", cp.Hour, c)
						}
					}
				}
			}
			promo := strings.Join(plan.Promotion, "\n")
			if tc.wantExpected != "" && !strings.Contains(promo, tc.wantExpected) {
				t.Errorf("promotion criteria do not name %q:\n%s", tc.wantExpected, promo)
			}
			cl := string(Checklist(tg, plan))
			for _, n := range tc.wantBreached {
				if strings.Contains(cl, "alert: \""+n+"\"") || strings.Contains(cl, "| "+n+" |") {
					t.Errorf("checklist still lists %s as a trigger", n)
				}
				if !strings.Contains(cl, "- `"+n+"`: ") {
					t.Errorf("checklist does not say %s is not a trigger:\n%s", n, cl)
				}
			}
		})
	}
}

// TestCanaryDeltaThreshold: the delta step names the threshold the bundle
// was judged with (the verdict's delta check, else the policy's strict or
// normal one by the verdict's settings), not always the strict one.
func TestCanaryDeltaThreshold(t *testing.T) {
	tests := []struct {
		name           string
		strictSetting  bool
		strictPolicy   bool
		checkThreshold float64 // 0: no delta check in the verdict
		want           string
	}{
		{"judged without --strict", false, false, 0.9, "(the bundle was judged without --strict, which asks for at least 0.9)"},
		{"judged with --strict", true, false, 0.95, "(the bundle was judged with --strict, which asks for at least 0.95)"},
		{"the verdict's check wins over the policy", false, false, 0.7, "which asks for at least 0.7)"},
		{"no check: the policy's strict level by Policy.Strict", false, true, 0, "(the bundle was judged with --strict, which asks for at least 0.95)"},
		{"no check, not strict: the policy's level", false, false, 0, "(the bundle was judged without --strict, which asks for at least 0.9)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tg := checklistTagging(t, "PASS", 0.95, 250, false)
			v := &tg.Snapshot.Verdict
			v.Settings.Strict, v.Policy.Strict = tc.strictSetting, tc.strictPolicy
			v.Checks = v.Checks[:2]
			if tc.checkThreshold != 0 {
				v.Checks = append(v.Checks, artifact.Check{Name: "delta_full_apply_ratio", Direction: ">=", Threshold: tc.checkThreshold})
			}
			got := deltaCheck(tg)
			if !strings.Contains(got, tc.want) {
				t.Errorf("delta step %q does not contain %q", got, tc.want)
			}
			if strings.Contains(got, "strict policy asks") {
				t.Errorf("delta step still says the strict policy asks: %q", got)
			}
		})
	}
}

// TestCanaryPreStepsOverrides: OVERRIDES is set (the shell stops when it
// is not) in a step before any step that uses it; a bundle whose profile
// had credentials removed says which, and that they come back from the
// secret store before the canary runs it.
func TestCanaryPreStepsOverrides(t *testing.T) {
	tests := []struct {
		name     string
		redacted []string
	}{
		{"complete profile", nil},
		{"credentials removed", []string{"exchange.api_key", "webhook_url"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tg := checklistTagging(t, "PASS", 0.95, 250, false)
			tg.Manifest.Redacted = tc.redacted
			plan := Plan(tg)
			set, use := -1, -1
			for i, s := range plan.PreDeployment {
				if set < 0 && strings.Contains(s, `: "${OVERRIDES:?`) {
					set = i
				}
				if use < 0 && strings.Contains(s, `"$OVERRIDES`) {
					use = i
				}
			}
			if set < 0 || use < 0 || set > use {
				t.Errorf("OVERRIDES set in step %d, first used in step %d:\n%s", set, use, strings.Join(plan.PreDeployment, "\n"))
			}
			pre := strings.Join(plan.PreDeployment, "\n")
			cl := string(Checklist(tg, plan))
			if len(tc.redacted) == 0 {
				if strings.Contains(pre, "secret store") || strings.Contains(cl, "secret store") {
					t.Errorf("a complete profile is said to need credentials:\n%s", cl)
				}
				return
			}
			for _, k := range tc.redacted {
				if !strings.Contains(pre, k) || !strings.Contains(cl, "`"+k+"`") {
					t.Errorf("removed credential %s not named:\n%s", k, cl)
				}
			}
			if !strings.Contains(pre, "put back from your secret store") || !strings.Contains(cl, "put back from your secret store — never deploy it as shipped") {
				t.Errorf("the checklist deploys the redacted profile as if complete:\n%s", cl)
			}
		})
	}
}

// TestCanaryChecklistRedactedInjection: removed credential paths come from
// a stranger's overrides file: they change no structure of the checklist.
func TestCanaryChecklistRedactedInjection(t *testing.T) {
	benignT := checklistTagging(t, "WARN", 0.87, 250, false)
	benignT.Manifest.Redacted = []string{"value", "value"}
	hostileT := checklistTagging(t, "WARN", 0.87, 250, false)
	hostileT.Manifest.Redacted = hostileValues
	want := skeleton(string(Checklist(benignT, Plan(benignT))))
	got := string(Checklist(hostileT, Plan(hostileT)))
	if gs := skeleton(got); strings.Join(gs, "\n") != strings.Join(want, "\n") {
		t.Errorf("checklist structure changed by removed credential names:\n%s", got)
	}
	checkNoMarkup(t, got)
}

// TestRollbackPreviousRedacted: when credentials were removed from the
// previous profile, the rollback restores the complete pre-release copy
// and checks it with cmp, not the bundled file against its sha256 (which
// a file with the credentials put back never has).
func TestRollbackPreviousRedacted(t *testing.T) {
	tests := []struct {
		name         string
		redacted     []string
		wantRestore  string
		wantCheck    string
		notInSteps   string
		wantParagrap string
	}{
		{"previous profile complete", nil,
			`cp prev/value/soak_profile.runtime_overrides.json "$OVERRIDES.tmp"`,
			`sha256sum "$OVERRIDES"   # expect ` + strings.Repeat("e", 64),
			`"$OVERRIDES.before-v1.0.0"`, ""},
		{"previous profile had credentials removed", []string{"api_key"},
			`cp "$OVERRIDES.before-v1.0.0" "$OVERRIDES.tmp"`,
			`cmp "$OVERRIDES.before-v1.0.0" "$OVERRIDES"`,
			`# expect ` + strings.Repeat("e", 64),
			"**Credentials were removed from the previous profile when it was bundled** (`api_key`)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := release(benign)
			r.Previous.RedactedKeys = tc.redacted
			plan := string(RollbackPlan(r))
			for _, w := range []string{tc.wantRestore, tc.wantCheck, tc.wantParagrap} {
				if !strings.Contains(plan, w) {
					t.Errorf("rollback plan lacks %q:\n%s", w, plan)
				}
			}
			if strings.Contains(plan, tc.notInSteps) {
				t.Errorf("rollback plan holds %q:\n%s", tc.notInSteps, plan)
			}
		})
	}
}
