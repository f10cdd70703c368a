package canary_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/soakline/soakline/internal/canary"
	"github.com/soakline/soakline/internal/cli/releasetag"
	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/internal/promtest"
	"github.com/soakline/soakline/internal/release"
	"github.com/soakline/soakline/pkg/artifact"
)

// writePlan writes a CANARY_PLAN.json with the triggers and watch section
// release-tag derives from pol.
func writePlan(t testing.TB, pol *policy.Policy) string {
	t.Helper()
	plan := release.CanaryPlan{
		SchemaVersion: artifact.SchemaVersion, Kind: artifact.KindCanaryPlan,
		Tag: "v1.0.0", Version: "1.0.0", Commit: strings.Repeat("a", 40), Verdict: "PASS",
		Policy:         artifact.Policy{Name: pol.Name, Source: pol.Source, Digest: pol.Digest()},
		TrafficPercent: 5, MinHours: 24, MaxHours: 48, EvaluationInterval: "5m",
		Triggers: release.Triggers(pol), Watch: release.Watch(pol),
	}
	b, err := artifact.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "CANARY_PLAN.json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// t0 is the start of the recordings.
var t0 = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)

// track describes a recorded track: its model, from when it is degraded
// (zero: never), and a gap without samples.
type track struct {
	name           string
	degradeAt      time.Duration
	latencyFactor  float64
	gapFrom, gapTo time.Duration
}

// record backfills tracks over length at 15 s steps into a new TSDB and
// starts Prometheus on it.
func record(t testing.TB, length time.Duration, tracks ...track) *promtest.Server {
	t.Helper()
	promtest.Binary(t, "prometheus")
	rec := promtest.NewRecorder()
	for i, tr := range tracks {
		m := promtest.NewModel(tr.name, uint64(i+1))
		if tr.latencyFactor != 0 {
			m.LatencyBase *= tr.latencyFactor
		}
		for d := time.Duration(0); d <= length; d += 15 * time.Second {
			a := m.Step(tr.degradeAt > 0 && d >= tr.degradeAt)
			if d >= tr.gapFrom && d < tr.gapTo {
				continue
			}
			rec.Record(tr.name, t0.Add(d), a)
		}
	}
	dir := t.TempDir()
	promtest.Backfill(t, dir, rec.OpenMetrics())
	return promtest.Start(t, promtest.Config{TSDB: dir})
}

type result struct {
	code           int
	stdout, stderr string
}

func run(t testing.TB, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	err := releasetag.Run(context.Background(), args, cliutil.Stdio{Out: &out, Err: &errb})
	code := cliutil.Report("release-tag", &errb, err)
	return result{code, out.String(), errb.String()}
}

func replayArgs(plan, url string, from, to time.Duration, extra ...string) []string {
	return append([]string{"canary", "--plan", plan, "--prometheus-url", url, "--canary-selector", `track="canary"`,
		"--interval", "5m", "--min-duration", "2h", "--max-duration", "6h",
		"--from", t0.Add(from).Format(time.RFC3339), "--to", t0.Add(to).Format(time.RFC3339)}, extra...)
}

func lines(t testing.TB, s string) []canary.Evaluation {
	t.Helper()
	var out []canary.Evaluation
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		var ev canary.Evaluation
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("--out - line %q: %v", l, err)
		}
		out = append(out, ev)
	}
	return out
}

// TestReplay pins the decisions of a replay over backfilled series: a
// healthy canary is promoted at the minimum duration, a degraded one
// rolled back within two intervals of the degradation, one whose series
// stop is held (never promoted), and a canary slower than its baseline
// but inside the thresholds is held as Regressed.
func TestReplay(t *testing.T) {
	srv := record(t, 3*time.Hour,
		track{name: "baseline"},
		track{name: "canary"},
		track{name: "bad", degradeAt: time.Hour},
		track{name: "gappy", gapFrom: 40 * time.Minute, gapTo: 60 * time.Minute},
		track{name: "slower", latencyFactor: 1.2},
	)
	plan := writePlan(t, policy.Default(false))

	t.Run("promote", func(t *testing.T) {
		r := run(t, replayArgs(plan, srv.URL, 0, 3*time.Hour, "--out", "-")...)
		if r.code != 0 {
			t.Fatalf("exit %d, want 0 (PROMOTE)\n%s", r.code, r.stderr)
		}
		evs := lines(t, r.stdout)
		last := evs[len(evs)-1]
		if last.Decision != canary.Promote || last.Index != 24 {
			t.Fatalf("last evaluation %d %s, want 24 PROMOTE (2h at 5m)", last.Index, last.Decision)
		}
		for _, ev := range evs[:len(evs)-1] {
			if ev.Decision != canary.Continue {
				t.Fatalf("evaluation %d: %s %v", ev.Index, ev.Decision, ev.Reasons)
			}
		}
		if !strings.Contains(r.stderr, "PROMOTE v1.0.0") || !strings.Contains(r.stderr, "p95_latency_ms = ") {
			t.Errorf("stderr does not explain:\n%s", r.stderr)
		}
	})

	t.Run("rollback", func(t *testing.T) {
		out := t.TempDir()
		args := replayArgs(plan, srv.URL, 0, 3*time.Hour, "--out", out)
		args[6] = `track="bad"`
		r := run(t, args...)
		if r.code != 1 {
			t.Fatalf("exit %d, want 1 (ROLLBACK)\n%s", r.code, r.stderr)
		}
		var rep canary.State
		b, err := os.ReadFile(filepath.Join(out, canary.ReportJSON))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &rep); err != nil {
			t.Fatal(err)
		}
		last := rep.Evaluations[len(rep.Evaluations)-1]
		if rep.Outcome != canary.Rollback || last.Decision != canary.Rollback {
			t.Fatalf("outcome %s, last %s", rep.Outcome, last.Decision)
		}
		// Degraded from 1h: the evaluation at 1h05 is the first whose
		// window is all degraded; two intervals at most.
		if d := last.Time.Sub(t0); d <= time.Hour || d > time.Hour+10*time.Minute {
			t.Fatalf("rolled back at +%s, want within two intervals after +1h", d)
		}
		md, err := os.ReadFile(filepath.Join(out, canary.ReportMD))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Outcome: **ROLLBACK**", "## Timeline", "| 13 |", "p95_latency_ms_mean_fail"} {
			if !bytes.Contains(md, []byte(want)) {
				t.Errorf("CANARY_REPORT.md lacks %q", want)
			}
		}
		// Deterministic: the same replay writes the same bytes.
		out2 := t.TempDir()
		args[len(args)-1] = out2
		run(t, args...)
		b2, _ := os.ReadFile(filepath.Join(out2, canary.ReportJSON))
		if !bytes.Equal(b, b2) {
			t.Error("two replays of the same data wrote different CANARY_REPORT.json")
		}
		md2, _ := os.ReadFile(filepath.Join(out2, canary.ReportMD))
		if !bytes.Equal(md, md2) {
			t.Error("two replays of the same data wrote different CANARY_REPORT.md")
		}
		// One chart per watched KPI, with its threshold and the decision
		// marked, referenced from the .md; the same bytes again.
		for _, f := range checkCharts(t, plan, out, md, false) {
			c1, _ := os.ReadFile(filepath.Join(out, f))
			c2, err := os.ReadFile(filepath.Join(out2, f))
			if err != nil || !bytes.Equal(c1, c2) {
				t.Errorf("two replays of the same data wrote different %s (%v)", f, err)
			}
		}
	})

	t.Run("gap holds", func(t *testing.T) {
		args := replayArgs(plan, srv.URL, 0, 3*time.Hour, "--out", "-")
		args[6] = `track="gappy"`
		r := run(t, args...)
		if r.code != 3 {
			t.Fatalf("exit %d, want 3 (held)\n%s", r.code, r.stderr)
		}
		evs := lines(t, r.stdout)
		held := 0
		for _, ev := range evs {
			if ev.Decision == canary.Promote {
				t.Fatalf("a held canary was promoted at %d", ev.Index)
			}
			if ev.Decision == canary.Hold && held == 0 {
				held = ev.Index
			}
		}
		// Series stop after 40m (evaluation 8); the missing trigger fires
		// after two evaluations without data (the 45m and 50m ones),
		// lookback of 5m keeps the 45m one alive: 10 at the latest.
		if held < 9 || held > 11 {
			t.Fatalf("held at evaluation %d, want 9..11", held)
		}
		if !strings.Contains(r.stderr, "HOLD v1.0.0") {
			t.Errorf("stderr: %s", r.stderr)
		}
	})

	t.Run("baseline regression holds", func(t *testing.T) {
		args := replayArgs(plan, srv.URL, 0, 3*time.Hour, "--out", "-", "--baseline-selector", `track="baseline"`)
		args[6] = `track="slower"`
		r := run(t, args...)
		if r.code != 3 {
			t.Fatalf("exit %d, want 3 (held)\n%s", r.code, r.stderr)
		}
		evs := lines(t, r.stdout)
		// A single Regressed may be noise (5 samples a side); the hold
		// needs two in a row, and it must be the slower KPI's.
		firstHold := ""
		for _, ev := range evs {
			if ev.Decision == canary.Promote || ev.Decision == canary.Rollback {
				t.Fatalf("evaluation %d: %s", ev.Index, ev.Decision)
			}
			if ev.Decision == canary.Hold && firstHold == "" {
				firstHold = strings.Join(ev.Reasons, "; ")
			}
		}
		if !strings.HasPrefix(firstHold, "p95_latency_ms regressed against the baseline in 2 evaluations in a row") {
			t.Fatalf("first hold: %q, want p95_latency_ms regressed", firstHold)
		}
		// The same tracks against each other: no regression, promoted;
		// the report's charts draw the baseline too.
		out := t.TempDir()
		args = replayArgs(plan, srv.URL, 0, 3*time.Hour, "--out", out, "--baseline-selector", `track="baseline"`)
		r = run(t, args...)
		if r.code != 0 {
			t.Fatalf("healthy canary against baseline: exit %d\n%s", r.code, r.stderr)
		}
		md, err := os.ReadFile(filepath.Join(out, canary.ReportMD))
		if err != nil {
			t.Fatal(err)
		}
		checkCharts(t, plan, out, md, true)
	})

	// At the plan's 5m interval the comparison's samples use a 1m $range
	// (four of the recording's 15 s scrapes); --scrape-interval 45s
	// raises it to 1m30s, and 1m is then refused as too short.
	t.Run("scrape interval sets the sample range", func(t *testing.T) {
		for _, tc := range []struct {
			extra []string
			code  int
			rng   string
		}{
			{nil, 0, "[1m]"},
			{[]string{"--scrape-interval", "45s"}, 0, "[1m30s]"},
			{[]string{"--scrape-interval", "45s", "--sample-step", "1m"}, 2, ""},
			{[]string{"--scrape-interval", "3m"}, 2, ""},
		} {
			args := replayArgs(plan, srv.URL, 0, 3*time.Hour, append([]string{"--out", "-", "--baseline-selector", `track="baseline"`}, tc.extra...)...)
			r := run(t, args...)
			if r.code != tc.code {
				t.Fatalf("%v: exit %d, want %d\n%s", tc.extra, r.code, tc.code, r.stderr)
			}
			if tc.code == 2 {
				if first, _, _ := strings.Cut(r.stderr, "\n"); !strings.Contains(first, "shorter than two scrapes (--scrape-interval 45s)") && !strings.Contains(first, "--interval 5m: shorter than two scrapes (--scrape-interval 3m)") {
					t.Errorf("%v: stderr %q, want one line naming the flags and two scrapes", tc.extra, r.stderr)
				}
				continue
			}
			ev := lines(t, r.stdout)[0]
			for _, c := range ev.Compare {
				if !strings.Contains(c.Query, tc.rng) || c.NCanary == 0 {
					t.Errorf("%v: %s compared with %q over %d samples, want $range %s and samples", tc.extra, c.KPI, c.Query, c.NCanary, tc.rng)
				}
			}
		}
	})

	t.Run("undecided before the minimum duration", func(t *testing.T) {
		r := run(t, replayArgs(plan, srv.URL, 0, time.Hour, "--out", "-")...)
		if r.code != 3 || !strings.Contains(r.stderr, "undecided: 12 evaluations") {
			t.Fatalf("exit %d, want 3 (undecided)\n%s", r.code, r.stderr)
		}
		for _, ev := range lines(t, r.stdout) {
			if ev.Decision != canary.Continue {
				t.Fatalf("evaluation %d: %s", ev.Index, ev.Decision)
			}
		}
	})

	t.Run("unreachable holds", func(t *testing.T) {
		r := run(t, replayArgs(plan, "http://127.0.0.1:1", 0, 3*time.Hour, "--out", "-")...)
		if r.code != 3 || !strings.Contains(r.stderr, "prometheus unreachable") {
			t.Fatalf("exit %d, want 3 with prometheus unreachable\n%s", r.code, r.stderr)
		}
		if strings.Contains(r.stdout, `"PROMOTE"`) {
			t.Fatal("promoted without Prometheus")
		}
	})

	t.Run("selector matches too much", func(t *testing.T) {
		args := replayArgs(plan, srv.URL, 0, 3*time.Hour, "--max-series", "5")
		r := run(t, args...)
		if r.code != 2 || !strings.Contains(r.stderr, "matches") || !strings.Contains(r.stderr, "--max-series 5") {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
		// A query that returns one series per track is refused too.
		pol := policy.Default(false)
		pol.Prometheus = &policy.Prometheus{Queries: map[string]string{"net_bps": `avg by (track) (avg_over_time(bot_net_edge_bps{$selector}[$range]))`}}
		args = replayArgs(writePlan(t, pol), srv.URL, 0, 3*time.Hour)
		args[6] = `track=~"canary|bad"`
		r = run(t, args...)
		if r.code != 2 || !strings.Contains(r.stderr, "returned 2 series") {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
	})
}

// checkCharts asserts that out/charts holds one well-formed SVG per KPI
// the plan watches, each with the KPI's rollback threshold (every watched
// KPI of the default policy has one), the decision marked, a baseline
// line when withBaseline, and referenced from md; it returns the charts'
// paths relative to out.
func checkCharts(t *testing.T, planPath, out string, md []byte, withBaseline bool) []string {
	t.Helper()
	pb, err := os.ReadFile(planPath)
	if err != nil {
		t.Fatal(err)
	}
	var plan release.CanaryPlan
	if err := json.Unmarshal(pb, &plan); err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, k := range plan.Watch.KPIs {
		if k.Query == "" {
			continue
		}
		f := canary.ChartsDir + "/" + k.KPI + ".svg"
		files = append(files, f)
		svg, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Errorf("no chart for watched KPI %s: %v", k.KPI, err)
			continue
		}
		classes := map[string]int{}
		dec := xml.NewDecoder(bytes.NewReader(svg))
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s is not well-formed XML: %v", f, err)
			}
			if se, ok := tok.(xml.StartElement); ok {
				for _, a := range se.Attr {
					if a.Name.Local == "class" {
						classes[a.Value]++
					}
				}
			}
		}
		var th float64
		for _, tr := range plan.Triggers {
			if tr.KPI == k.KPI && tr.Level == "fail" && tr.Action == "rollback" {
				th = tr.Threshold
				break
			}
		}
		want := `class="threshold" data-value="` + strconv.FormatFloat(th, 'g', -1, 64) + `"`
		if !bytes.Contains(svg, []byte(want)) {
			t.Errorf("%s lacks the rollback threshold %s", f, want)
		}
		if classes["mark"] != 1 || classes["values"] != 1 || !bytes.Contains(svg, []byte("minutes since start")) {
			t.Errorf("%s: %d decision marks, %d value paths, want 1 and 1 over minutes since start", f, classes["mark"], classes["values"])
		}
		if got := classes["baseline"] == 1; got != withBaseline {
			t.Errorf("%s: baseline line drawn %v, want %v", f, got, withBaseline)
		}
		if !bytes.Contains(md, []byte("]("+f+")")) {
			t.Errorf("CANARY_REPORT.md does not reference %s", f)
		}
	}
	if len(files) == 0 {
		t.Fatal("the plan watches no KPI")
	}
	if ents, _ := os.ReadDir(filepath.Join(out, canary.ChartsDir)); len(ents) != len(files) {
		t.Errorf("%d files in charts/, want %d (one per watched KPI)", len(ents), len(files))
	}
	return files
}
