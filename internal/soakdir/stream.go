package soakdir

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"sort"

	"github.com/soakline/soakline/internal/legacy"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// loadStream reads a JSON Lines stream: iteration summaries (ours, or
// legacy lines with "iteration" and "summary"), and optionally the ledger,
// the run record and the overrides, each on a line of its own.
func loadStream(ctx context.Context, name string, r io.Reader) (*Soak, error) {
	// A pretty-printed JSON file (one ITER_SUMMARY, a whole ledger) fails
	// on its first line with "unexpected end of JSON input"; say what it is.
	br := bufio.NewReader(r)
	head, _ := br.Peek(64)
	if first, _, found := bytes.Cut(artifact.TrimBOM(head), []byte("\n")); found {
		if f := bytes.TrimSpace(first); len(f) == 1 && (f[0] == '{' || f[0] == '[') {
			return nil, fileerr.Errorf(name, 1, "not JSON Lines: a pretty-printed JSON document (a stream has one record per line; give the soak directory instead)")
		}
	}
	r = br
	s := &Soak{Path: name}
	h := sha256.New()
	seen := map[int]int{}
	records := 0
	err := ScanLines(name, r, func(line int, env artifact.Envelope, raw []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		records++
		h.Write(raw)
		h.Write([]byte{'\n'})
		switch env.Kind {
		case artifact.KindIterationSummary, "":
			it, err := legacy.IterationSummary("", raw)
			if err != nil {
				return err
			}
			if prev, dup := seen[it.Iteration]; dup {
				return fileerr.Errorf("", 0, "iteration %d appears twice (first on line %d)", it.Iteration, prev)
			}
			seen[it.Iteration] = line
			it.File = name
			s.Iterations = append(s.Iterations, it)
			s.Legacy = s.Legacy || it.Legacy
		case artifact.KindTuningReport:
			rep := new(artifact.TuningReport)
			if err := artifact.Decode("", raw, artifact.KindTuningReport, rep); err != nil {
				return err
			}
			s.Report, s.LedgerDigest = rep, artifact.Hash(raw)
		case artifact.KindRun:
			var run artifact.RunRecord
			if err := artifact.Decode("", raw, artifact.KindRun, &run); err != nil {
				return err
			}
			s.Run = &run
		case artifact.KindRuntimeOverrides:
			o, err := legacy.Overrides("", raw)
			if err != nil {
				return err
			}
			s.Overrides, s.OverridesDigest = o, artifact.Hash(raw)
		default:
			return fileerr.Errorf("", 0, "unexpected kind %q in a soak stream", env.Kind)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if records == 0 {
		// Nothing at all is not a soak with no iterations (INCONCLUSIVE):
		// it is the wrong input, e.g. a producer that wrote nothing.
		return nil, fileerr.Errorf(name, 0, "empty input: no JSON Lines records (a soak stream has one record per line)")
	}
	sort.Slice(s.Iterations, func(i, j int) bool { return s.Iterations[i].Iteration < s.Iterations[j].Iteration })
	s.Warnings = Gaps(Numbers(s))
	s.Digest = hex.EncodeToString(h.Sum(nil))
	finish(s)
	return s, nil
}
