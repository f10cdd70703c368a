package canary

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/soakline/soakline/internal/release"
)

func TestChartName(t *testing.T) {
	used := map[string]bool{}
	// Position j is the KPI's index; a name taken falls back to kpi-N,
	// and a fallback taken gets a '_' prefix.
	cases := []struct {
		kpi  string
		j    int
		want string
	}{
		{"p95_latency_ms", 0, "p95_latency_ms.svg"},
		{"../../etc/passwd", 1, "kpi-2.svg"},
		{".hidden", 2, "kpi-3.svg"},
		{"a/b", 3, "kpi-4.svg"},
		{"", 4, "kpi-5.svg"},
		{"kpi-2", 5, "kpi-6.svg"},
		{"ünïcode", 1, "_kpi-2.svg"},
		{"p95_latency_ms", 7, "kpi-8.svg"},
		{strings.Repeat("a", 101), 8, "kpi-9.svg"},
	}
	for _, tc := range cases {
		if got := chartName(tc.kpi, tc.j, used); got != tc.want {
			t.Errorf("chartName(%q, %d) = %q, want %q", tc.kpi, tc.j, got, tc.want)
		}
	}
}

// TestChartsHostileNames: KPI names from the plan are escaped in the SVG
// and the .md and never name a file outside charts/.
func TestChartsHostileNames(t *testing.T) {
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	v := 1.0
	kpis := []string{`</text><script>alert(1)</script>`, `../x]("evil")`}
	st := &State{Tag: "v1", Start: start, Interval: "5m", Baseline: `track="b"`}
	plan := &release.CanaryPlan{}
	for _, k := range kpis {
		plan.Triggers = append(plan.Triggers, release.CanaryTrigger{KPI: k, Level: "fail", Action: "rollback", Threshold: 2})
	}
	for i := 1; i <= 3; i++ {
		ev := Evaluation{Index: i, Time: start.Add(time.Duration(i) * 5 * time.Minute), Decision: Continue}
		for _, k := range kpis {
			ev.KPIs = append(ev.KPIs, KPIValue{KPI: k, Value: &v})
			ev.Compare = append(ev.Compare, Comparison{KPI: k, BaselineMedian: &v})
		}
		if i == 3 {
			ev.Decision = Rollback
		}
		st.Evaluations = append(st.Evaluations, ev)
	}
	dir := t.TempDir()
	if err := writeReport(dir, st, plan); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(filepath.Join(dir, ChartsDir))
	if len(ents) != 2 || ents[0].Name() != "kpi-1.svg" || ents[1].Name() != "kpi-2.svg" {
		t.Fatalf("charts/ holds %v, want kpi-1.svg and kpi-2.svg", ents)
	}
	for _, e := range ents {
		b, _ := os.ReadFile(filepath.Join(dir, ChartsDir, e.Name()))
		if bytes.Contains(b, []byte("<script")) {
			t.Errorf("%s: unescaped KPI name", e.Name())
		}
		dec := xml.NewDecoder(bytes.NewReader(b))
		for {
			_, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: not well-formed: %v", e.Name(), err)
			}
		}
		if !bytes.Contains(b, []byte(`class="mark" data-x="15"`)) || !bytes.Contains(b, []byte(`class="baseline"`)) {
			t.Errorf("%s: no decision mark at 15 minutes or no baseline", e.Name())
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, ReportMD))
	if !bytes.Contains(md, []byte("(charts/kpi-1.svg)")) || !bytes.Contains(md, []byte("(charts/kpi-2.svg)")) || bytes.Contains(md, []byte(`x]("evil")`)) || bytes.Contains(md, []byte("| </text>")) {
		t.Errorf("CANARY_REPORT.md's chart links:\n%s", md)
	}
	// charts/ as a symlink is refused, nothing written through it.
	dir2, elsewhere := t.TempDir(), t.TempDir()
	if err := os.Symlink(elsewhere, filepath.Join(dir2, ChartsDir)); err != nil {
		t.Skip(err)
	}
	if err := writeReport(dir2, st, plan); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("charts/ a symlink: %v", err)
	}
	if ents, _ := os.ReadDir(elsewhere); len(ents) != 0 {
		t.Errorf("wrote through the symlink: %v", ents)
	}
}
