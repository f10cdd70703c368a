package artifact

import (
	"fmt"
	"testing"
)

func benchIter(i int) *IterationSummary {
	f := float64(i % 97)
	return &IterationSummary{
		SchemaVersion: SchemaVersion, Kind: KindIterationSummary,
		Iteration: i, Mode: ModeMock, Seed: 42, DurationMs: 1200, Status: StatusOK,
		Summary: Summary{
			MakerTakerRatio: F(0.8 + f/1000), MakerTakerSource: "fills_volume",
			P95LatencyMs: F(250 + f), RiskRatio: F(0.3), NetBps: F(3.1 + f/100),
			AdverseBpsP95: F(5), SlippageBpsP95: F(3.5), CancelRatio: F(0.6), OrderAgeP95Ms: F(340), WSLagP95Ms: F(130),
			Fills: &Fills{MakerCount: 500, TakerCount: 90, MakerVolume: 25000, TakerVolume: 4500},
		},
		Tuning: &Tuning{
			Iteration: i, ProposedDeltas: map[string]float64{"base_spread_bps_delta": 0.02, "min_interval_ms": 5},
			Applied: true, ChangedKeys: []string{"base_spread_bps_delta", "min_interval_ms"},
			Changes: []Change{{Key: "min_interval_ms", Old: 60, New: 65, Delta: 5}},
			OldHash: fmt.Sprintf("%064x", i), StateHash: fmt.Sprintf("%064x", i+1), Verified: true,
		},
	}
}

func BenchmarkPeekEnvelope(b *testing.B) {
	data, err := Marshal(benchIter(7))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PeekEnvelope("f", data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeTuningReport decodes the ledger of a 100,000-iteration soak.
func BenchmarkDecodeTuningReport(b *testing.B) {
	r := TuningReport{SchemaVersion: SchemaVersion, Kind: KindTuningReport}
	for i := 1; i <= 100000; i++ {
		r.Iterations = append(r.Iterations, *benchIter(i).Tuning)
	}
	r.Summarize()
	data, err := Marshal(r)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := Decode("f", data, KindTuningReport, new(TuningReport)); err != nil {
			b.Fatal(err)
		}
	}
}
