package soakdir

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/soakline/soakline/internal/soakgen"
	"github.com/soakline/soakline/pkg/artifact"
)

// writeSoak writes the generator's soak of n iterations (internal/soakgen,
// seed 1; about 1.9 KB per iteration) into dir and returns the size of its
// files.
func writeSoak(tb testing.TB, dir string, n int) int64 {
	tb.Helper()
	if err := soakgen.WriteDir(dir, n, 1, false); err != nil {
		tb.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var total int64
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			tb.Fatal(err)
		}
		total += info.Size()
	}
	return total
}

// benchSummary is iteration i of a small soak whose every value is known:
// the fixture of the package's tests.
func benchSummary(i int) *artifact.IterationSummary {
	f := float64(i % 97)
	return &artifact.IterationSummary{
		SchemaVersion: artifact.SchemaVersion, Kind: artifact.KindIterationSummary,
		Iteration: i, Mode: artifact.ModeMock, Seed: 42, DurationMs: 1200, Status: artifact.StatusOK,
		StartedAt: "2025-10-12T12:00:00Z",
		Summary: artifact.Summary{
			MakerTakerRatio: artifact.F(0.8 + f/1000), MakerTakerSource: "fills_volume",
			P95LatencyMs: artifact.F(250 + f), RiskRatio: artifact.F(0.3), NetBps: artifact.F(3.1 + f/100),
			AdverseBpsP95: artifact.F(5), SlippageBpsP95: artifact.F(3.5), CancelRatio: artifact.F(0.6),
			OrderAgeP95Ms: artifact.F(340), WSLagP95Ms: artifact.F(130),
			Fills:  &artifact.Fills{MakerCount: 500, TakerCount: 90, MakerVolume: 25000, TakerVolume: 4500},
			Blocks: &artifact.Blocks{MinInterval: 15, Concurrency: 10, Risk: 5, Total: 30},
			Events: 12000,
		},
		Tuning: &artifact.Tuning{
			Iteration:      i,
			ProposedDeltas: map[string]float64{"base_spread_bps_delta": 0.02, "min_interval_ms": 5},
			Applied:        true,
			Changes:        []artifact.Change{{Key: "base_spread_bps_delta", Old: 0.05, New: 0.07, Delta: 0.02}, {Key: "min_interval_ms", Old: 60, New: 65, Delta: 5}},
			ChangedKeys:    []string{"base_spread_bps_delta", "min_interval_ms"},
			Rationale:      []string{"maker/taker below target", "latency in soft band"},
			OldHash:        fmt.Sprintf("%064x", i),
			StateHash:      fmt.Sprintf("%064x", i+1),
			Verified:       true,
		},
	}
}

func BenchmarkLoad(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("iterations=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			size := writeSoak(b, dir, n)
			b.SetBytes(size)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				s, err := Load(context.Background(), dir, nil)
				if err != nil {
					b.Fatal(err)
				}
				if len(s.Iterations) != n {
					b.Fatalf("loaded %d iterations, want %d", len(s.Iterations), n)
				}
			}
		})
	}
}
