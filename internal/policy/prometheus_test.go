package policy

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const promRule = "kpis:\n  - kpi: net_bps\n    direction: at_least\n    fail: 2.5\n"

// TestPrometheusSection pins the prometheus: section: an expression
// replaces its KPI's built-in one, the others stay, and a policy without
// the section keeps its digest.
func TestPrometheusSection(t *testing.T) {
	p, err := Parse("p.yaml", []byte(promRule+"prometheus:\n  queries:\n    net_bps: 'avg(my_edge{$selector})'\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultQueries()
	want["net_bps"] = "avg(my_edge{$selector})"
	if diff := cmp.Diff(want, p.Queries()); diff != "" {
		t.Errorf("Queries (-want +got):\n%s", diff)
	}
	plain, err := Parse("p.yaml", []byte(promRule))
	if err != nil {
		t.Fatal(err)
	}
	if plain.Prometheus != nil || strings.Contains(string(plain.CanonicalJSON()), "prometheus") {
		t.Error("a policy without a prometheus: section has one in its canonical form")
	}
	if plain.Digest() == p.Digest() {
		t.Error("the queries are not part of the digest")
	}
	if Default(false).Prometheus != nil {
		t.Error("the built-in policy's canonical form changed")
	}
	c := p.Clone()
	c.Prometheus.Queries["net_bps"] = "x{$selector}"
	if p.Prometheus.Queries["net_bps"] == "x{$selector}" {
		t.Error("Clone shares the queries")
	}
	for kpi, q := range DefaultQueries() {
		if err := ValidateQuery(q); err != nil {
			t.Errorf("built-in query of %s: %v", kpi, err)
		}
	}
}

func TestPrometheusSectionErrors(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"unknown key", "prometheus:\n  url: x\n", "p.yaml: line 6: prometheus.url: unknown key (known: queries)"},
		{"unknown KPI", "prometheus:\n  queries:\n    pnl: 'x{$selector}'\n", `p.yaml: line 7: prometheus.queries.pnl: unknown KPI "pnl"`},
		{"no selector", "prometheus:\n  queries:\n    net_bps: 'avg(x)'\n", "p.yaml: line 7: prometheus.queries.net_bps: expression does not use $selector"},
		{"unbalanced", "prometheus:\n  queries:\n    net_bps: 'avg(x{$selector}'\n", `p.yaml: line 7: prometheus.queries.net_bps: unclosed '('`},
		{"unknown placeholder", "prometheus:\n  queries:\n    net_bps: 'x{$selector}[$window]'\n", "p.yaml: line 7: prometheus.queries.net_bps: unknown placeholder at offset 13"},
		{"unterminated string", "prometheus:\n  queries:\n    net_bps: 'x{a=\"b,$selector}'\n", "p.yaml: line 7: prometheus.queries.net_bps: unterminated string"},
		{"not a string", "prometheus:\n  queries:\n    net_bps: 3\n", "p.yaml: line 7: prometheus.queries.net_bps: want a string, got a number (3)"},
		{"not a mapping", "prometheus: x\n", `p.yaml: line 5: prometheus: want a mapping, got "x"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse("p.yaml", []byte(promRule+tc.doc))
			if err == nil {
				t.Fatalf("no error; got %+v", p)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error\n got %q\nwant %q...", err, tc.want)
			}
		})
	}
}

func FuzzValidateQuery(f *testing.F) {
	for _, q := range DefaultQueries() {
		f.Add(q)
	}
	f.Add(`x{a="}",$selector}`)
	f.Add("`raw`{$selector}[$range]")
	f.Fuzz(func(t *testing.T, q string) {
		if ValidateQuery(q) != nil {
			return
		}
		if !strings.Contains(q, PlaceholderSelector) || len(q) > MaxQueryBytes {
			t.Fatalf("accepted %q", q)
		}
	})
}
