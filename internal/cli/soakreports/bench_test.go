package soakreports

import (
	"fmt"
	"testing"

	"github.com/soakline/soakline/internal/judge"
	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/internal/render"
	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/pkg/artifact"
)

// bigSoak is an in-memory soak of n iterations with a tuning entry each
// and an apply every 50 iterations.
func bigSoak(n int) *soakdir.Soak {
	s := &soakdir.Soak{Path: "big", Dir: "big"}
	rep := &artifact.TuningReport{SchemaVersion: 1, Kind: artifact.KindTuningReport}
	for i := 1; i <= n; i++ {
		it := &artifact.IterationSummary{SchemaVersion: 1, Kind: artifact.KindIterationSummary, Iteration: i,
			Mode: artifact.ModeMock, Status: artifact.StatusOK, Summary: passShape(i%240+1, 241),
			File: fmt.Sprintf("big/ITER_SUMMARY_%d.json", i)}
		tu := artifact.Tuning{Iteration: i, ProposedDeltas: map[string]float64{}}
		if i%50 == 0 {
			tu.Applied = true
			tu.ProposedDeltas["tail_age_ms"] = 5
			tu.Changes = []artifact.Change{{Key: "tail_age_ms", Old: 600, New: 605, Delta: 5}}
		}
		it.Tuning = &tu
		rep.Iterations = append(rep.Iterations, tu)
		s.Iterations = append(s.Iterations, it)
	}
	s.Report = rep
	return s
}

// BenchmarkReports100k judges (judge.Evaluate, as soak-gate does) and
// renders every report and chart of a 100,000-iteration soak, in memory.
func BenchmarkReports100k(b *testing.B) {
	s := bigSoak(100000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		v, err := judge.Evaluate(s, policy.Default(false), judge.Options{})
		if err != nil {
			b.Fatal(err)
		}
		files, err := render.Render(render.Input{Soak: s, Verdict: v, HTML: true})
		if err != nil {
			b.Fatal(err)
		}
		if len(files) < 8 {
			b.Fatalf("%d files", len(files))
		}
	}
}

// BenchmarkRender100k is the rendering alone.
func BenchmarkRender100k(b *testing.B) {
	s := bigSoak(100000)
	v, err := judge.Evaluate(s, policy.Default(false), judge.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := render.Render(render.Input{Soak: s, Verdict: v, HTML: true}); err != nil {
			b.Fatal(err)
		}
	}
}
