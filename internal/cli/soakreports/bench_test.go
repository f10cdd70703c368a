package soakreports

import (
	"testing"

	"github.com/soakline/soakline/internal/judge"
	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/internal/render"
	"github.com/soakline/soakline/internal/render/tunerdata"
	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/internal/soakgen"
	"github.com/soakline/soakline/pkg/artifact"
)

// bigSoak is the generator's soak of n iterations (internal/soakgen, seed
// 1), in memory as soakdir.Load would return it: a tuning entry each, an
// apply every 7th iteration, the overrides the ledger ends in.
func bigSoak(tb testing.TB, n int) *soakdir.Soak {
	iterations, ledger, params := soakgen.Soak(n, 1)
	for _, it := range iterations {
		it.File = "big/" + artifact.IterationFileName(it.Iteration)
	}
	o := &artifact.Overrides{Params: params}
	data, err := artifact.Marshal(o)
	if err != nil {
		tb.Fatal(err)
	}
	return &soakdir.Soak{Path: "big", Dir: "big", Iterations: iterations, Report: ledger,
		Overrides: o, OverridesPath: "big/" + artifact.OverridesFile, OverridesDigest: artifact.Hash(data)}
}

// BenchmarkReports100k judges (judge.Evaluate, as soak-gate does) and
// renders every report and chart of a 100,000-iteration soak, in memory.
func BenchmarkReports100k(b *testing.B) {
	s := bigSoak(b, 100000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		v, err := judge.Evaluate(s, policy.Default(false), judge.Options{})
		if err != nil {
			b.Fatal(err)
		}
		files, err := render.Render(render.Input{Soak: s, Verdict: v, HTML: true, Tuning: tunerdata.Default()})
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
	s := bigSoak(b, 100000)
	v, err := judge.Evaluate(s, policy.Default(false), judge.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := render.Render(render.Input{Soak: s, Verdict: v, HTML: true, Tuning: tunerdata.Default()}); err != nil {
			b.Fatal(err)
		}
	}
}
