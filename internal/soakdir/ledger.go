package soakdir

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/soakline/soakline/internal/legacy"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// readLedger reads TUNING_REPORT.json when dir has one, and returns it
// with the sha256 (hex) of its bytes. It is read as a stream: at 100,000
// iterations the file is 85 MB, which held whole on the heap doubled the
// garbage collector's goal; the digest is taken on the way.
func readLedger(dir string) (*artifact.TuningReport, string, error) {
	name := filepath.Join(dir, artifact.TuningReportFile)
	if _, err := os.Lstat(name); errors.Is(err, fs.ErrNotExist) {
		return nil, "", nil
	}
	if err := checkRegular(name); err != nil {
		return nil, "", err
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, "", fileerr.PathError(name, err)
	}
	defer f.Close()
	if err := checkOpenSize(f, name, MaxLedgerSize); err != nil { // limits.go
		return nil, "", err
	}
	hr := &hashingReader{f: f, h: sha256.New()}
	rep, err := legacy.ReadTuningReport(name, hr)
	if err != nil {
		return nil, "", err
	}
	digest, err := hr.finish()
	if err != nil {
		return nil, "", fileerr.PathError(name, err)
	}
	return rep, digest, nil
}

// hashingReader hashes what is read from f. The decoder may seek back to
// the start (a legacy ledger is read twice): that starts the hash again.
type hashingReader struct {
	f io.ReadSeeker
	h hash.Hash
	n int64 // bytes hashed since the last seek to the start
}

func (r *hashingReader) Read(p []byte) (int, error) {
	n, err := r.f.Read(p)
	r.h.Write(p[:n])
	r.n += int64(n)
	return n, err
}

func (r *hashingReader) Seek(off int64, whence int) (int64, error) {
	pos, err := r.f.Seek(off, whence)
	if err == nil && pos == 0 {
		r.h.Reset()
		r.n = 0
	}
	return pos, err
}

// finish hashes the rest of the file and returns the digest of all its
// bytes. When the decoder left the file anywhere but just after the bytes
// hashed, the file is hashed again from the start.
func (r *hashingReader) finish() (string, error) {
	pos, err := r.f.Seek(0, io.SeekCurrent)
	if err != nil {
		return "", err
	}
	if pos != r.n {
		if _, err := r.Seek(0, io.SeekStart); err != nil {
			return "", err
		}
	}
	if _, err := io.Copy(r.h, r.f); err != nil {
		return "", err
	}
	return hex.EncodeToString(r.h.Sum(nil)), nil
}

// ledgerIndex finds the entries of a ledger by iteration, so that the
// iteration summaries can share them: every ITER_SUMMARY of ours carries
// its tuning record, and the ledger repeats them all; at 100,000
// iterations keeping both was a quarter of Load's memory.
type ledgerIndex struct{ entries []artifact.Tuning }

// entry returns the entry of iteration n, or nil.
func (l *ledgerIndex) entry(n int) *artifact.Tuning {
	es := l.entries
	if n >= 1 && n <= len(es) && es[n-1].Iteration == n {
		return &es[n-1] // the usual ledger: entry i is iteration i+1
	}
	// Otherwise, if the ledger is in order, a binary search finds the
	// entry; if it is not, the entry found may be another iteration's and
	// sameTuning refuses it.
	i := sort.Search(len(es), func(i int) bool { return es[i].Iteration >= n })
	if i < len(es) && es[i].Iteration == n {
		return &es[i]
	}
	return nil
}

// share points it.Tuning at the ledger's entry when the two are equal.
// When they are not, the map and the lists they have equal are shared: a
// legacy summary's record carries old_hash and its ledger entry does not,
// so the records differ, but their deltas and lists are usually the same
// (at 100,000 legacy iterations, 100,000 maps). Loaded records are read,
// never written, which is what sharing a whole record assumes already.
func (l *ledgerIndex) share(it *artifact.IterationSummary) {
	if it == nil || it.Tuning == nil {
		return
	}
	e := l.entry(it.Tuning.Iteration)
	if e == nil || e == it.Tuning {
		return
	}
	t := it.Tuning
	if sameTuning(t, e) {
		it.Tuning = e
		return
	}
	if sameDeltas(t.ProposedDeltas, e.ProposedDeltas) {
		t.ProposedDeltas = e.ProposedDeltas
	}
	if sameSlice(t.ChangedKeys, e.ChangedKeys) {
		t.ChangedKeys = e.ChangedKeys
	}
	if sameSlice(t.Rationale, e.Rationale) {
		t.Rationale = e.Rationale
	}
	if sameSlice(t.Guards, e.Guards) {
		t.Guards = e.Guards
	}
	if sameChanges(t.Changes, e.Changes) {
		t.Changes = e.Changes
	}
}

// sameTuning reports whether a and b are the same record, down to what
// encoding tells apart: nil and empty, 0 and -0.
func sameTuning(a, b *artifact.Tuning) bool {
	return a.Iteration == b.Iteration &&
		sameDeltas(a.ProposedDeltas, b.ProposedDeltas) &&
		a.Applied == b.Applied &&
		sameChanges(a.Changes, b.Changes) &&
		sameSlice(a.ChangedKeys, b.ChangedKeys) &&
		sameSlice(a.Skipped, b.Skipped) &&
		a.SkipReason == b.SkipReason &&
		sameSlice(a.Guards, b.Guards) &&
		sameSlice(a.Rationale, b.Rationale) &&
		a.OldHash == b.OldHash &&
		a.StateHash == b.StateHash &&
		a.Verified == b.Verified &&
		sameSlice(a.Frozen, b.Frozen)
}

func sameFloat(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }

func sameDeltas(a, b map[string]float64) bool {
	return (a == nil) == (b == nil) && maps.EqualFunc(a, b, sameFloat)
}

// sameSlice reports whether a and b are equal, and nil exactly when the
// other is.
func sameSlice[T comparable](a, b []T) bool { return (a == nil) == (b == nil) && slices.Equal(a, b) }

func sameChanges(a, b []artifact.Change) bool {
	return (a == nil) == (b == nil) && slices.EqualFunc(a, b, func(x, y artifact.Change) bool {
		return x.Key == y.Key && sameFloat(x.Old, y.Old) && sameFloat(x.New, y.New) && sameFloat(x.Delta, y.Delta)
	})
}
