package policy

import (
	"errors"
	"testing"

	"github.com/soakline/soakline/pkg/fileerr"
)

// FuzzPolicy: Parse either fails with a located *fileerr.Error and no
// policy, or returns a valid policy whose canonical JSON parses back to
// the same canonical JSON.
func FuzzPolicy(f *testing.F) {
	f.Add([]byte("kpis:\n  - {kpi: net_bps, direction: at_least, fail: 2.5}\n"))
	f.Add([]byte(`{"window": 8, "warmup": "auto", "kpis": [{"kpi": "risk_ratio", "statistic": "p95", "direction": "<=", "fail": 0.4, "warn": 0.35, "sustained": {"k": 2, "n": 4}}]}`))
	f.Add(Default(false).CanonicalJSON())
	f.Add(Default(true).CanonicalJSON())
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("kpis: [{kpi: net_bps, direction: at_least, fail: 1}]\nadoption: {on_mismatch: warn, on_unreported: skip}\n"))
	f.Add([]byte("\ufeffwindow: 3\r\nkpis: [{kpi: p95_latency_ms, direction: at_most, fail: 1e3, on_missing: skip}]\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data)
		if err != nil {
			if p != nil {
				t.Fatalf("error %v with a policy", err)
			}
			var ae *fileerr.Error
			if !errors.As(err, &ae) || ae.File != "fuzz.yaml" {
				t.Fatalf("error %q is not an *fileerr.Error naming the file", err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("Parse accepted an invalid policy: %v", err)
		}
		canon := p.CanonicalJSON()
		back, err := Parse("canonical.json", canon)
		if err != nil {
			t.Fatalf("canonical JSON does not parse: %v\n%s", err, canon)
		}
		if string(back.CanonicalJSON()) != string(canon) {
			t.Fatalf("round trip changed the policy:\n%s\n%s", canon, back.CanonicalJSON())
		}
	})
}
