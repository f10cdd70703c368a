package kpi

import (
	"cmp"
	"math"
	"slices"

	"github.com/soakline/soakline/internal/stats"
)

// samples is the multiset of values of one percentile KPI. Values are
// counted in a hash table until it holds maxDistinct different ones: a
// bot's ages, lags and costs are often quantised (whole milliseconds,
// hundredths of a bps), so ten million samples may take a few thousand
// entries instead of 80 MB. After that, values are stored one by one in
// blocks: the first block grows like a slice,
// later ones are allocated full-sized, so that adding a value never copies
// the ones before it. A percentile is exact either way (see nearestRank).
type samples struct {
	// Counts of the values of the form m/gridScale that workers' grids
	// took (see grid), by m; nil if none.
	grid      []int64
	gridScale float64
	gridTotal int64

	tab   valueTable
	full  [][]float64 // finished blocks of stored values, in order
	nFull int         // values in full
	cur   []float64   // the block being filled
	spare [][]float64 // emptied blocks of capacity blockLen kept by reset
}

// blockLen is the number of values in a full block (512 KiB).
const blockLen = 1 << 16

func (s *samples) len() int { return int(s.gridTotal) + int(s.tab.total) + s.nFull + len(s.cur) }

func (s *samples) add(x float64) {
	if !s.tab.inc(x) {
		s.store(x)
	}
}

// store adds x to the stored values.
func (s *samples) store(x float64) {
	if len(s.cur) == cap(s.cur) {
		s.grow()
	}
	s.cur = append(s.cur, x)
}

// storeAll adds xs to the stored values, copying them.
func (s *samples) storeAll(xs []float64) {
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

// takeStored moves the values o stores to s: short runs are copied, longer
// ones change hands as blocks. o keeps its table and is left with an empty
// block about the size of the one it gave away.
func (s *samples) takeStored(o *samples) {
	if o.nFull == 0 && len(o.cur) < 256 {
		s.storeAll(o.cur)
		o.cur = o.cur[:0]
		return
	}
	if len(s.cur) > 0 {
		s.full = append(s.full, s.cur)
		s.nFull += len(s.cur)
		s.cur = nil
	}
	s.full = append(s.full, o.full...)
	s.nFull += o.nFull
	s.full = append(s.full, o.cur)
	s.nFull += len(o.cur)
	clear(o.full)
	o.full, o.nFull = o.full[:0], 0
	o.cur = make([]float64, 0, len(s.full[len(s.full)-1])*9/8)
}

// reset empties s, keeping its table, grid and full-sized blocks for reuse.
func (s *samples) reset() {
	clear(s.grid)
	s.gridTotal = 0
	s.tab.reset()
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
// not be empty. Selection works on the table's distinct values and on the
// stored ones; it may reorder the stored values of a single block but
// changes no value.
func (s *samples) nearestRank(p float64) float64 {
	k := stats.NearestRankIndex(s.len(), p)
	stored := s.full[:len(s.full):len(s.full)]
	if len(s.cur) > 0 {
		stored = append(stored, s.cur)
	}
	switch {
	case len(stored) == 0 && s.gridTotal == 0:
		return selectCounted(s.tab.entries(nil, 0, 0), k)
	case s.tab.n == 0 && s.gridTotal == 0 && len(stored) == 1:
		return stats.SelectInPlace(stored[0], k)
	}
	return radixSelect(&s.tab, s.grid, s.gridScale, stored, k)
}

// orderKey maps a float64 to a uint64 with the same order (-0 sorts just
// before +0, which compare equal; NaN never occurs here).
func orderKey(x float64) uint64 {
	b := math.Float64bits(x)
	if b>>63 != 0 {
		return ^b
	}
	return b | 1<<63
}

// counted is a value and how many times it occurs.
type counted struct {
	x float64
	n int64
}

// selectCounted returns the k-th smallest (0-based) value of the multiset
// es, sorting its distinct values.
func selectCounted(es []counted, k int) float64 {
	slices.SortFunc(es, func(a, b counted) int { return cmp.Compare(orderKey(a.x), orderKey(b.x)) })
	for _, e := range es {
		if int64(k) < e.n {
			return e.x
		}
		k -= int(e.n)
	}
	panic("kpi: rank out of range")
}

const radixBits = 16

// radixSelect returns the k-th smallest (0-based) of the values counted in
// tab and in grid (grid[m] values float64(m)/scale) and stored in blocks. One pass counts the values by the top 16 bits
// of their order key (sign, exponent and 4 bits of mantissa), which finds
// the bucket holding the k-th value; a second pass takes that bucket's
// values out, and a selection over those finishes. That is two cheap linear
// passes instead of a quickselect's partitioning of everything, and the
// blocks stay as they are.
func radixSelect(tab *valueTable, grid []int64, scale float64, blocks [][]float64, k int) float64 {
	var hist [1 << radixBits]int
	for _, b := range blocks {
		for _, x := range b {
			hist[orderKey(x)>>(64-radixBits)]++
		}
	}
	for _, sl := range tab.slots {
		if sl.key != emptyKey {
			hist[orderKey(math.Float64frombits(sl.key))>>(64-radixBits)] += int(sl.n)
		}
	}
	for m, n := range grid {
		if n != 0 {
			hist[orderKey(float64(m)/scale)>>(64-radixBits)] += int(n)
		}
	}
	bucket := 0
	for ; k >= hist[bucket]; bucket++ {
		k -= hist[bucket]
	}
	lo, hi := uint64(bucket)<<(64-radixBits), uint64(bucket)<<(64-radixBits)|(1<<(64-radixBits)-1)
	tabIn := tab.entries(nil, lo, hi)
	for m, n := range grid {
		if x := float64(m) / scale; n != 0 && orderKey(x)>>(64-radixBits) == uint64(bucket) {
			tabIn = append(tabIn, counted{x, n})
		}
	}
	in := make([]float64, 0, hist[bucket])
	for _, b := range blocks {
		for _, x := range b {
			if orderKey(x)>>(64-radixBits) == uint64(bucket) {
				in = append(in, x)
			}
		}
	}
	if len(tabIn) == 0 {
		return stats.SelectInPlace(in, k)
	}
	for _, x := range in {
		tabIn = append(tabIn, counted{x, 1})
	}
	return selectCounted(tabIn, k)
}

// valueTable counts float64 values: open addressing on the values' bits
// with linear probing, at most 3/4 full, each key next to its count so
// that counting touches one cache line. It holds at most maxDistinct
// values; inc refuses new ones after that.
type valueTable struct {
	slots []slot
	shift uint  // 64 - log2(len(slots))
	n     int   // distinct values
	total int64 // values counted
	// full is set when the table first refuses a value: from then on it
	// refuses every value without looking, since data with more distinct
	// values than a table holds is cheaper to store one by one (probing a
	// full table costs a cache miss per value).
	full bool
}

type slot struct {
	key uint64 // math.Float64bits of the value, or emptyKey
	n   int64
}

// emptyKey marks a free slot: it is a NaN, which is never a sample.
const emptyKey = ^uint64(0)

// maxDistinct bounds a table at 16384 slots (256 KiB).
const maxDistinct = 1 << 13

func (t *valueTable) slot(key uint64) int {
	key ^= key >> 33 // murmur3's finaliser: values differing in any bits spread out
	key *= 0xff51afd7ed558ccd
	key ^= key >> 33
	return int(key * 0xc4ceb9fe1a85ec53 >> t.shift)
}

// inc counts x and reports true, or reports false if x is new and the
// table is full.
func (t *valueTable) inc(x float64) bool {
	return t.addCount(x, 1)
}

// addCount adds n occurrences of x, or reports false if x is new and the
// table is full.
func (t *valueTable) addCount(x float64, n int64) bool {
	if t.full {
		return false
	}
	key := math.Float64bits(x)
	if t.slots == nil {
		t.resize(64)
	}
	mask := len(t.slots) - 1
	for i := t.slot(key); ; i = (i + 1) & mask {
		sl := &t.slots[i]
		if sl.key == key {
			sl.n += n
			t.total += n
			return true
		}
		if sl.key == emptyKey {
			if t.n >= maxDistinct {
				t.full = true
				return false
			}
			if 4*(t.n+1) > 3*len(t.slots) {
				t.resize(2 * len(t.slots))
				return t.addCount(x, n)
			}
			sl.key, sl.n = key, n
			t.n++
			t.total += n
			return true
		}
	}
}

func (t *valueTable) resize(size int) {
	old := t.slots
	t.slots = make([]slot, size)
	for i := range t.slots {
		t.slots[i].key = emptyKey
	}
	t.shift = uint(64 - math.Ilogb(float64(size)))
	mask := size - 1
	for _, sl := range old {
		if sl.key == emptyKey {
			continue
		}
		i := t.slot(sl.key)
		for t.slots[i].key != emptyKey {
			i = (i + 1) & mask
		}
		t.slots[i] = sl
	}
}

// entries appends the table's values whose order keys lie in [lo, hi] (all
// of them if hi is 0) to es.
func (t *valueTable) entries(es []counted, lo, hi uint64) []counted {
	for _, sl := range t.slots {
		if sl.key == emptyKey {
			continue
		}
		x := math.Float64frombits(sl.key)
		if hi != 0 && (orderKey(x) < lo || orderKey(x) > hi) {
			continue
		}
		es = append(es, counted{x, sl.n})
	}
	return es
}

// reset empties t, keeping its memory.
func (t *valueTable) reset() {
	for i := range t.slots {
		t.slots[i].key = emptyKey
	}
	t.n, t.total, t.full = 0, 0, false
}

// addTable adds the values counted in o to s.
func (s *samples) addTable(o *valueTable) {
	for _, sl := range o.slots {
		if sl.key == emptyKey {
			continue
		}
		x := math.Float64frombits(sl.key)
		if !s.tab.addCount(x, sl.n) {
			for range sl.n {
				s.store(x)
			}
		}
	}
}

// The grid scales: what bots and the simulator usually write, hundredths of
// a millisecond and ten-thousandths of a basis point.
const (
	msScale  = 100
	bpsScale = 1e4
)

// gridLen is the number of values a grid counts: m/scale for 0 <= m <
// gridLen (up to 2621.43 ms, 26.2143 bps).
const gridLen = 1 << 18

// grid counts, on one worker, the sample values of one KPI that are
// m/scale exactly (bit for bit float64(m)/scale) for an integer m in
// [0, gridLen): quantised values, which are most of a bot's latencies,
// ages and costs. A count is one increment in an array instead of a stored
// float64 (8 bytes of fresh memory, which the kernel zeroes, and two
// passes of the selection). The counts are bytes, so that the parts of
// the array in use stay in the core's cache (they are read at random);
// each 256th occurrence of a value is carried into a map. A grid turns
// itself off after many more values missed it than it took
// (full-precision floats), which then cost no more than a multiplication
// and a division each.
type grid struct {
	scale      float64
	counts     []uint8         // counts[m] counts float64(m)/scale, modulo 256; nil until the first
	n          []uint8         // counts while the grid is on, else nil: add's fast path checks only its length
	carry      map[int64]int64 // the multiples of 256 of counts[m]
	hits, miss int
	off        bool
}

// add counts x and reports true, or reports false if x is not of the form
// the grid counts.
func (g *grid) add(x float64) bool {
	return g.tryAdd(x) || g.addSlow(x)
}

// tryAdd is add's common case, which inlines: it counts x and reports true
// if the grid is on and allocated, x is of its form, and the count does
// not carry; otherwise it reports false and addSlow decides.
func (g *grid) tryAdd(x float64) bool {
	m := int64(x*g.scale + 0.5) // nearest, for x >= 0; anything else fails the check
	if uint64(m) >= uint64(len(g.n)) || g.n[m] == 255 || math.Float64bits(float64(m)/g.scale) != math.Float64bits(x) {
		return false
	}
	g.n[m]++
	g.hits++
	return true
}

// addSlow is add for a grid that is off or not yet allocated, for a count
// that carries, and for a value the grid does not count.
func (g *grid) addSlow(x float64) bool {
	if g.off {
		return false
	}
	m := int64(x*g.scale + 0.5)
	if uint64(m) >= gridLen || math.Float64bits(float64(m)/g.scale) != math.Float64bits(x) {
		if g.miss++; g.miss > 4096 && g.miss > 8*g.hits {
			g.off, g.n = true, nil
		}
		return false
	}
	if g.counts == nil {
		g.counts = make([]uint8, gridLen)
		g.n = g.counts
	}
	if g.n[m]++; g.n[m] == 0 {
		if g.carry == nil {
			g.carry = make(map[int64]int64)
		}
		g.carry[m] += 256
	}
	g.hits++
	return true
}

// addGrid adds the values a worker's grid counted to s. Every grid of a
// KPI has the same scale.
func (s *samples) addGrid(g *grid) {
	if g.counts == nil {
		return
	}
	if s.grid == nil {
		s.grid, s.gridScale = make([]int64, gridLen), g.scale
	}
	if s.gridScale != g.scale {
		panic("kpi: grids of one KPI with different scales")
	}
	for m, n := range g.counts {
		if n != 0 {
			s.grid[m] += int64(n)
			s.gridTotal += int64(n)
		}
	}
	for m, n := range g.carry {
		s.grid[m] += n
		s.gridTotal += n
	}
}
