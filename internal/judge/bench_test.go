package judge

import (
	"testing"

	"github.com/soakline/soakline/internal/policy"
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
