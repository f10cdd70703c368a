package release

import (
	"strings"
	"testing"

	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/pkg/artifact"
)

// TestDisplayedValuesAgreeWithStatus: a value just below its level never
// shows as the level itself next to FAIL, in CHANGELOG.md or the tag
// message, and neither does a level or the delta ratio (review R1).
func TestDisplayedValuesAgreeWithStatus(t *testing.T) {
	maker, warnAt := 0.8299999, 0.85
	p95 := 300.00001
	ratio := 0.94999999
	v := artifact.Verdict{
		SchemaVersion: 1, Kind: artifact.KindVerdict, Verdict: "FAIL", Reason: "r",
		Source: artifact.Source{Path: "soak", Digest: strings.Repeat("1", 64)},
		DeltaVerification: &artifact.DeltaVerify{SchemaVersion: 1, Kind: artifact.KindDeltaVerify,
			ProposedCount: 10, FullApplyCount: 9, FullApplyRatio: ratio, MinRatio: 0.95, Checked: true, Status: "FAIL"},
	}
	v.KPILastN = map[string]artifact.KPIStats{
		"maker_taker_ratio": {N: 8, Mean: &maker, Median: &maker, Min: &maker, Max: &maker},
		"order_age_p95_ms":  {N: 8, Mean: &p95},
	}
	thr := 0.833333333
	v.Checks = []artifact.Check{
		{Name: "maker_taker_ratio_mean", KPI: "maker_taker_ratio", Statistic: "mean", Direction: ">=", Threshold: 0.83, Warn: &warnAt, Value: &maker, N: 8, Status: "FAIL"},
		{Name: "order_age_p95_ms_mean", KPI: "order_age_p95_ms", Statistic: "mean", Direction: "<=", Threshold: 300, Value: &p95, N: 8, Status: "FAIL"},
		{Name: "delta_full_apply_ratio", Direction: ">=", Threshold: 0.95, Value: &ratio, N: 10, Status: "FAIL"},
		{Name: "other_level", Direction: ">=", Threshold: thr, Value: artifact.F(0.8333331), N: 10, Status: "FAIL"},
	}
	r := &Release{Version: "v1", Snapshot: &Snapshot{Verdict: v}, Delta: v.DeltaVerification, Forced: true,
		Policy: &ResolvedPolicy{Policy: policy.Default(false)}}
	r.Triggers = Triggers(r.Policy.Policy)
	docs := map[string]string{
		"CHANGELOG.md": string(Changelog(r)),
		"tag message":  TagMessage(&Tagging{Snapshot: r.Snapshot, Manifest: &Manifest{Version: "v1"}, BundlePath: "b", SumsSHA256: strings.Repeat("a", 64)}),
	}
	for name, doc := range docs {
		for _, want := range []string{"0.8299999 (< 0.83)", "300.00001"} {
			if !strings.Contains(doc, want) {
				t.Errorf("%s does not show %q:\n%s", name, want, doc)
			}
		}
		for _, never := range []string{"| 0.83 |", " 0.83  ", "| 300 |", "mean 0.83 ", "mean 300 ", "0.8333 |"} {
			if strings.Contains(doc, never) {
				t.Errorf("%s shows a value that contradicts its status (%q):\n%s", name, never, doc)
			}
		}
	}
	if cl := docs["CHANGELOG.md"]; !strings.Contains(cl, "0.94999999 (< 0.95)") || strings.Contains(cl, "ratio 0.95") {
		t.Errorf("CHANGELOG.md shows the delta ratio as meeting 0.95:\n%s", cl)
	}
	if cl := docs["CHANGELOG.md"]; !strings.Contains(cl, "0.833333333") {
		t.Errorf("CHANGELOG.md rounds a level:\n%s", cl)
	}
}
