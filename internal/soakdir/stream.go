package soakdir

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"sort"

	"github.com/soakline/soakline/pkg/artifact"
)

// loadStream reads a JSON Lines stream: iteration summaries (ours, or
// legacy lines with "iteration" and "summary"), and optionally the ledger,
// the run record and the overrides, each on a line of its own.
func loadStream(ctx context.Context, name string, r io.Reader) (*Soak, error) {
	s := &Soak{Path: name}
	h := sha256.New()
	seen := map[int]int{}
	err := artifact.ScanLines(name, r, func(line int, env artifact.Envelope, raw []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		h.Write(raw)
		h.Write([]byte{'\n'})
		switch env.Kind {
		case artifact.KindIterationSummary, "":
			it, err := artifact.DecodeIterationSummary("", raw)
			if err != nil {
				return err
			}
			if prev, dup := seen[it.Iteration]; dup {
				return artifact.Errorf("", 0, "iteration %d appears twice (first on line %d)", it.Iteration, prev)
			}
			seen[it.Iteration] = line
			it.File = name
			s.Iterations = append(s.Iterations, it)
			s.Legacy = s.Legacy || it.Legacy
		case artifact.KindTuningReport:
			rep, err := artifact.DecodeTuningReport("", raw)
			if err != nil {
				return err
			}
			s.Report = rep
		case artifact.KindRun:
			var run artifact.RunRecord
			if err := artifact.Decode("", raw, artifact.KindRun, &run); err != nil {
				return err
			}
			s.Run = &run
		case artifact.KindRuntimeOverrides:
			o, err := artifact.DecodeOverrides("", raw)
			if err != nil {
				return err
			}
			s.Overrides = o
		default:
			return artifact.Errorf("", 0, "unexpected kind %q in a soak stream", env.Kind)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(s.Iterations, func(i, j int) bool { return s.Iterations[i].Iteration < s.Iterations[j].Iteration })
	s.Warnings = artifact.Gaps(s.Numbers())
	s.Digest = hex.EncodeToString(h.Sum(nil))
	s.finish()
	return s, nil
}
