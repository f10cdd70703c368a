package judge

import (
	"github.com/soakline/soakline/internal/legacy"
	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/pkg/artifact"
)

// kpis is one iteration's policy KPIs; a nil pointer is missing.
type kpis struct{ mt, p95, risk, net *float64 }

func good() kpis { return kpis{artifact.F(0.9), artifact.F(200), artifact.F(0.03), artifact.F(4)} }

func iter(n int, k kpis) *artifact.IterationSummary {
	return &artifact.IterationSummary{
		SchemaVersion: 1, Kind: artifact.KindIterationSummary, Iteration: n, Mode: artifact.ModeMock, Status: artifact.StatusOK,
		Summary: artifact.Summary{MakerTakerRatio: k.mt, P95LatencyMs: k.p95, RiskRatio: k.risk, NetBps: k.net},
	}
}

// soakOf builds a soak of n good iterations, then applies edits by
// iteration number.
func soakOf(n int, edit func(i int, it *artifact.IterationSummary)) *soakdir.Soak {
	s := &soakdir.Soak{Path: "test"}
	for i := 1; i <= n; i++ {
		it := iter(i, good())
		if edit != nil {
			edit(i, it)
		}
		s.Iterations = append(s.Iterations, it)
	}
	return s
}

// BaselineFromSnapshot reads a baseline run from a snapshot's bytes, as
// soak-gate --compare does (internal/legacy reads, judge reduces).
func BaselineFromSnapshot(path string, data []byte) (BaselineRun, error) {
	v, old, err := legacy.Snapshot(path, data)
	if err != nil {
		return BaselineRun{}, err
	}
	return BaselineFromVerdict(path, artifact.Hash(data), v, old)
}
