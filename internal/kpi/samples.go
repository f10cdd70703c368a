package kpi

import (
	"math"

	"github.com/soakline/soakline/internal/stats"
)

// blockLen is the number of values in a full block of samples (512 KiB).
const blockLen = 1 << 16

// samples holds the values of one percentile KPI in blocks: the first block
// grows like a slice, later ones are allocated full-sized, so that adding a
// value never copies the ones before it (a slice growing to 10 million
// values copies about five times that many on the way). adopt takes over a
// whole slice as a block without copying it.
type samples struct {
	full  [][]float64 // finished blocks, in order
	nFull int         // values in full
	cur   []float64   // the block being filled
	spare [][]float64 // emptied blocks of capacity blockLen kept by reset
}

func (s *samples) len() int { return s.nFull + len(s.cur) }

// adopt adds xs in order, taking over its memory: the caller must not use
// xs again.
func (s *samples) adopt(xs []float64) {
	if len(xs) == 0 {
		return
	}
	if len(s.cur) > 0 {
		s.full = append(s.full, s.cur)
		s.nFull += len(s.cur)
		s.cur = nil
	}
	s.full = append(s.full, xs)
	s.nFull += len(xs)
}

func (s *samples) add(x float64) {
	if len(s.cur) == cap(s.cur) {
		s.grow()
	}
	s.cur = append(s.cur, x)
}

// addAll adds xs in order.
func (s *samples) addAll(xs []float64) {
	for len(xs) > 0 {
		if len(s.cur) == cap(s.cur) {
			s.grow()
		}
		n := min(len(xs), cap(s.cur)-len(s.cur))
		s.cur = append(s.cur, xs[:n]...)
		xs = xs[n:]
	}
}

// grow makes room in cur: it doubles the first block up to blockLen, then
// moves full blocks to full and starts new ones.
func (s *samples) grow() {
	if c := cap(s.cur); c < blockLen {
		nb := make([]float64, len(s.cur), min(max(2*c, 256), blockLen))
		copy(nb, s.cur)
		s.cur = nb
		return
	}
	s.full = append(s.full, s.cur)
	s.nFull += len(s.cur)
	if n := len(s.spare); n > 0 {
		s.cur, s.spare = s.spare[n-1][:0], s.spare[:n-1]
		return
	}
	s.cur = make([]float64, 0, blockLen)
}

// reset empties s, keeping its blocks of capacity blockLen for reuse.
func (s *samples) reset() {
	for _, b := range s.full {
		if cap(b) == blockLen {
			s.spare = append(s.spare, b)
		}
	}
	clear(s.full)
	s.full, s.nFull = s.full[:0], 0
	s.cur = s.cur[:0]
}

// nearestRank returns the nearest-rank p-quantile of the values, which must
// not be empty or hold a NaN. One block is selected in place (reordering
// it); more are selected by radix without moving anything (see radixSelect).
func (s *samples) nearestRank(p float64) float64 {
	if len(s.full) == 0 {
		return stats.NearestRankInPlace(s.cur, p)
	}
	blocks := append(s.full[:len(s.full):len(s.full)], s.cur)
	return radixSelect(blocks, stats.NearestRankIndex(s.len(), p))
}

// orderKey maps a float64 to a uint64 with the same order (-0 sorts just
// before +0, which compare equal).
func orderKey(x float64) uint64 {
	b := math.Float64bits(x)
	if b>>63 != 0 {
		return ^b
	}
	return b | 1<<63
}

const radixBits = 16

// radixSelect returns the k-th smallest (0-based) of the values in blocks.
// One pass counts the values by the top 16 bits of their order key (sign,
// exponent and 4 bits of mantissa), which finds the bucket holding the k-th
// value; a second pass copies that bucket's values out, and a selection
// over those finishes. That is two cheap linear passes instead of a
// quickselect's partitioning of everything, and the blocks stay as they
// are.
func radixSelect(blocks [][]float64, k int) float64 {
	var hist [1 << radixBits]int
	for _, b := range blocks {
		for _, x := range b {
			hist[orderKey(x)>>(64-radixBits)]++
		}
	}
	bucket := 0
	for ; k >= hist[bucket]; bucket++ {
		k -= hist[bucket]
	}
	in := make([]float64, 0, hist[bucket])
	for _, b := range blocks {
		for _, x := range b {
			if orderKey(x)>>(64-radixBits) == uint64(bucket) {
				in = append(in, x)
			}
		}
	}
	return stats.SelectInPlace(in, k)
}
