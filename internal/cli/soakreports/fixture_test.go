package soakreports

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/pkg/artifact"
)

// The fixtures are small, hand-shaped soaks whose truth is known: "pass"
// converges inside the seed's targets, "fail" degrades in the window (a
// latency spike, a failed iteration, a missing KPI), "legacy" is a
// 120-iteration Python-toolkit directory.

type shape func(i, n int) artifact.Summary

func lerp(a, b float64, i, n int) float64 {
	return numfmt.Round(a + (b-a)*float64(i-1)/float64(n-1))
}

// wobble is a deterministic small oscillation, so that trends and
// sparklines have something to show.
func wobble(i int, amp float64) float64 { return numfmt.Round(amp * math.Sin(float64(i)*1.7)) }

func passShape(i, n int) artifact.Summary {
	return artifact.Summary{
		MakerTakerRatio:  artifact.F(lerp(0.78, 0.88, i, n) + wobble(i, 0.004)),
		MakerTakerSource: "fills_volume",
		P95LatencyMs:     artifact.F(lerp(365, 298, i, n) + wobble(i, 4)),
		RiskRatio:        artifact.F(lerp(0.066, 0.041, i, n) + wobble(i, 0.001)),
		NetBps:           artifact.F(lerp(1.9, 3.6, i, n) + wobble(i, 0.1)),
		AdverseBpsP95:    artifact.F(lerp(3.9, 2.4, i, n)),
		SlippageBpsP95:   artifact.F(lerp(2.8, 1.7, i, n)),
		CancelRatio:      artifact.F(lerp(0.31, 0.22, i, n)),
	}
}

func failShape(i, n int) artifact.Summary {
	s := passShape(i, n)
	if i >= n-6 { // a latency regression in the judged window
		s.P95LatencyMs = artifact.F(numfmt.Round(372 + 6*float64(i-(n-6)) + wobble(i, 3)))
		s.MakerTakerRatio = artifact.F(numfmt.Round(0.845 + wobble(i, 0.004)))
	}
	if i == n-4 {
		s.NetBps = nil // the bot did not report it
	}
	if i == 9 {
		s.P95LatencyMs = artifact.F(611) // one spike
	}
	return s
}

var baseTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// writeOurs writes a soakline soak directory of n iterations.
func writeOurs(t testing.TB, dir string, n int, sh shape, failed map[int]bool) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	params := map[string]float64{
		"min_interval_ms": 60, "replace_rate_per_min": 300, "base_spread_bps_delta": 0.05,
		"impact_cap_ratio": 0.10, "tail_age_ms": 600, "max_delta_ratio": 0.15, "engine.concurrency_limit": 10,
	}
	rep := artifact.TuningReport{SchemaVersion: 1, Kind: artifact.KindTuningReport}
	for i := 1; i <= n; i++ {
		it := artifact.IterationSummary{
			SchemaVersion: 1, Kind: artifact.KindIterationSummary, Iteration: i, Mode: artifact.ModeExec,
			Seed: 7, StartedAt: baseTime.Add(time.Duration(i-1) * 15 * time.Minute).Format(time.RFC3339),
			DurationMs: 900000, Status: artifact.StatusOK, Summary: sh(i, n),
		}
		if failed[i] {
			code := 137
			it.Status = artifact.StatusFailed
			it.Summary = artifact.Summary{}
			it.Failure = &artifact.Failure{Reason: "command exited with status 137 (killed: out of memory?)", ExitCode: &code,
				StderrTail: "bot: connecting to exchange\nbot: book snapshot 1.2 MB\nfatal error: runtime: out of memory\n"}
		}
		tu := artifact.Tuning{Iteration: i, ProposedDeltas: map[string]float64{}}
		switch {
		case i <= 6 && i%2 == 1: // early applies
			for _, c := range []struct {
				k string
				d float64
			}{{"base_spread_bps_delta", 0.03}, {"engine.concurrency_limit", -1}, {"tail_age_ms", 50}} {
				tu.ProposedDeltas[c.k] = c.d
				old := params[c.k]
				params[c.k] = numfmt.Round(old + c.d)
				tu.Changes = append(tu.Changes, artifact.Change{Key: c.k, Old: old, New: params[c.k], Delta: c.d})
				tu.ChangedKeys = append(tu.ChangedKeys, c.k)
			}
			tu.Applied, tu.Verified = true, true
			tu.Rationale = []string{"LATENCY_SOFT", "MAKER_BOOST"}
		case i <= 6:
			tu.ProposedDeltas["base_spread_bps_delta"] = 0.03
			tu.Skipped = []artifact.Skip{{Key: "base_spread_bps_delta", Guard: "velocity", Reason: "velocity cap exceeded"}}
			tu.Guards = []string{"velocity"}
			tu.SkipReason = "velocity"
		case i == 12 || i == 13:
			tu.ProposedDeltas["impact_cap_ratio"] = -0.01
			tu.Skipped = []artifact.Skip{{Key: "impact_cap_ratio", Guard: "cooldown", Reason: "cooldown: 2 iterations left"}}
			tu.Guards = []string{"cooldown"}
			tu.SkipReason = "cooldown"
		}
		it.Tuning = &tu
		rep.Iterations = append(rep.Iterations, tu)
		if err := soakdir.WriteJSON(filepath.Join(dir, artifact.IterationFileName(i)), &it); err != nil {
			t.Fatal(err)
		}
	}
	rep.Summarize()
	if err := soakdir.WriteJSON(filepath.Join(dir, artifact.TuningReportFile), &rep); err != nil {
		t.Fatal(err)
	}
	o := artifact.Overrides{Params: params}
	data, err := artifact.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := soakdir.WriteFile(filepath.Join(dir, artifact.OverridesFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeLegacy writes a Python-toolkit soak directory: no envelopes,
// skip_reason objects, the bare-list TUNING_REPORT.json, made-up
// maker_taker defaults and p95 = 0 in some iterations.
func writeLegacy(t testing.TB, dir string, n int) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var report []string
	for i := 1; i <= n; i++ {
		s := passShape(i, n)
		src, mt := `"fills_volume"`, fmt.Sprint(*s.MakerTakerRatio)
		if i%40 == 7 {
			src, mt = `"fallback"`, "0.6"
		}
		p95 := fmt.Sprint(*s.P95LatencyMs)
		if i == 50 {
			p95 = "0.0"
		}
		skip := `""`
		applied := "true"
		keys := `["base_spread_bps_delta", "min_interval_ms"]`
		switch {
		case i >= 4 && i <= 6:
			skip = `{"cooldown": false, "velocity": true, "oscillation": false, "freeze": false, "no_op": false, "note": "velocity cap exceeded"}`
			applied, keys = "false", "[]"
		case i > 6:
			skip = `{"cooldown": false, "velocity": false, "oscillation": false, "freeze": false, "no_op": true, "note": "no effective change"}`
			applied, keys = "false", "[]"
		case i == 2:
			skip = `"no effective change"`
			applied, keys = "false", "[]"
		}
		tuning := fmt.Sprintf(`{"deltas": {"base_spread_bps_delta": 0.02}, "proposed_deltas": {"base_spread_bps_delta": 0.02}, "rationale": "net_bps low | maker boost", "applied": %s, "skip_reason": %s, "changed_keys": %s, "state_hash": null, "old_hash": null}`, applied, skip, keys)
		doc := fmt.Sprintf("{\r\n  \"iteration\": %d,\r\n  \"summary\": {\"maker_taker_ratio\": %s, \"maker_taker_source\": %s, \"p95_latency_ms\": %s, \"risk_ratio\": %v, \"net_bps\": %v, \"adverse_bps_p95\": %v, \"slippage_bps_p95\": %v, \"order_age_p95_ms\": 300, \"runtime_utc\": \"2025-10-12T12:00:00Z\"},\r\n  \"tuning\": %s\r\n}\r\n",
			i, mt, src, p95, *s.RiskRatio, *s.NetBps, *s.AdverseBpsP95, *s.SlippageBpsP95, tuning)
		if err := os.WriteFile(filepath.Join(dir, artifact.IterationFileName(i)), []byte("\uFEFF"+doc), 0o644); err != nil {
			t.Fatal(err)
		}
		report = append(report, strings.Replace(tuning, "{", fmt.Sprintf(`{"iteration": %d, "signature": "na", `, i), 1))
	}
	if err := os.WriteFile(filepath.Join(dir, artifact.TuningReportFile), []byte("["+strings.Join(report, ",\n")+"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}
