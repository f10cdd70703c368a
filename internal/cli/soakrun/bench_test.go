package soakrun

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/sim"
	"github.com/soakline/soakline/internal/tuner"
	"github.com/soakline/soakline/pkg/artifact"
)

// BenchmarkMockSoak24 is the wall time of the default soak,
// soak-run --mock --iterations 24 --auto-tune (30,000 events per
// iteration), into a directory and as a stream.
func BenchmarkMockSoak24(b *testing.B) {
	for _, out := range []string{"dir", "stream"} {
		b.Run(out, func(b *testing.B) {
			root := b.TempDir()
			for i := 0; b.Loop(); i++ {
				o := Options{Iterations: 24, AutoTune: true, Mode: artifact.ModeMock, Seed: 1, Scenario: sim.Steady,
					Events: DefaultEvents, Out: "-", MaxFailed: DefaultMaxFailed, Epoch: FixedEpoch, Set: map[string]bool{}}
				if out == "dir" {
					o.Out = filepath.Join(root, strconv.Itoa(i))
				}
				var sink bytes.Buffer
				r := &runner{opts: o, stdio: cliutil.Stdio{Out: &sink, Err: &bytes.Buffer{}}, tcfg: tuner.DefaultConfig(), wall: time.Now}
				if err := r.main(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
