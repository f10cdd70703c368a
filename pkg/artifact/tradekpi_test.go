package artifact

import (
	"strings"
	"testing"
)

// TestFastPathTradeKPIs: the fast decoder reads pnl_per_hour, fill_rate and
// quote_uptime_pct (issue 13) as the general decoder does, takes the fast
// path for them, and refuses one given twice the same way.
func TestFastPathTradeKPIs(t *testing.T) {
	const old = `"net_bps":-3.1e-2`
	if !strings.Contains(fullIter, old) {
		t.Fatalf("%q is not in fullIter", old)
	}
	with := strings.Replace(fullIter, old, old+`,"pnl_per_hour":-1234.5,"fill_rate":0.25,"quote_uptime_pct":93.125`, 1)
	for _, in := range []string{
		with,
		strings.Replace(fullIter, old, old+`,"fill_rate":0.25,"fill_rate":0.5`, 1),
		strings.Replace(fullIter, old, old+`,"quote_uptime_pct":"93"`, 1),
	} {
		sameSummary(t, []byte(in))
	}
	var d fastDecoder
	d.reset([]byte(with))
	var s IterationSummary
	d.iterationSummary(&s)
	if !d.done() {
		t.Fatalf("fast path left at byte %d", d.i)
	}
	for name, want := range map[string]float64{"pnl_per_hour": -1234.5, "fill_rate": 0.25, "quote_uptime_pct": 93.125} {
		if v, ok := s.Summary.KPI(name); !ok || v != want {
			t.Errorf("%s = %v (%v), want %v", name, v, ok, want)
		}
	}
}
