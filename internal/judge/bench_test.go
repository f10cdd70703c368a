package judge

import (
	"fmt"
	"testing"

	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/pkg/artifact"
)

// BenchmarkEvaluate100k judges an in-memory soak of 100,000 iterations:
// window, KPI rules, kpi_all over every iteration, delta verification.
func BenchmarkEvaluate100k(b *testing.B) {
	s := soakOf(100_000, func(i int, it *artifact.IterationSummary) {
		it.Summary.NetBps = artifact.F(3 + 0.1*float64(i%7))
	})
	pol := policy.Default(false)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Evaluate(s, pol, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluateLedger100k judges a 100,000-iteration soak whose tuner
// proposed a delta every iteration, as soak-run --auto-tune records them
// (two keys applied in turn, every third proposal held back by a freeze),
// and reports the size of the encoded verdict.
func BenchmarkEvaluateLedger100k(b *testing.B) {
	s := ledgerSoak(100_000)
	pol := policy.Default(false)
	var size int
	b.ReportAllocs()
	for b.Loop() {
		v, err := Evaluate(s, pol, Options{})
		if err != nil {
			b.Fatal(err)
		}
		data, err := artifact.Marshal(v)
		if err != nil {
			b.Fatal(err)
		}
		size = len(data)
	}
	b.ReportMetric(float64(size), "verdict-bytes")
}

// ledgerSoak is a soak of n good iterations with a ledger entry each: the
// proposal of iteration i is held back by a freeze when i%3 == 0, else
// applied to one of two keys, chained and confirmed by the overrides.
func ledgerSoak(n int) *soakdir.Soak {
	s := soakOf(n, nil)
	rep := &artifact.TuningReport{SchemaVersion: 1, Kind: artifact.KindTuningReport}
	vals := map[string]float64{"base_spread_bps_delta": 0, "min_interval_ms": 100}
	keys := []string{"base_spread_bps_delta", "min_interval_ms"}
	hash := func(i int) string { return fmt.Sprintf("%064x", i) }
	for i := 1; i <= n; i++ {
		k := keys[i%2]
		d := 0.02
		if k == "min_interval_ms" {
			d = 5
		}
		t := artifact.Tuning{Iteration: i, ProposedDeltas: map[string]float64{k: d}, OldHash: hash(i - 1), Verified: true}
		if i%3 == 0 {
			t.Skipped = []artifact.Skip{{Key: k, Guard: "freeze", Reason: fmt.Sprintf("steady-state freeze through iteration %d", i+2)}}
			t.SkipReason = "freeze"
			t.StateHash = hash(i - 1)
		} else {
			old := vals[k]
			vals[k] = old + d
			t.Applied = true
			t.Changes = []artifact.Change{{Key: k, Old: old, New: vals[k], Delta: d}}
			t.ChangedKeys = []string{k}
			t.StateHash = hash(i)
		}
		rep.Iterations = append(rep.Iterations, t)
	}
	s.Report = rep
	s.Overrides = &artifact.Overrides{Params: vals}
	return s
}
