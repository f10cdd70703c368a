package stats

import (
	"math"
	"math/bits"
	"slices"
)

// insertionCutoff is the range length below which selection finishes with
// an insertion sort; partitioning tiny ranges costs more than it saves.
const insertionCutoff = 16

// SelectInPlace returns the k-th smallest value of xs (0-based, so k = 0 is
// the minimum) and reorders xs so that xs[k] holds it, every element before
// k is <= xs[k] and every element after is >= xs[k].
//
// It is an introselect: quickselect with a deterministic pivot (median of
// three, Tukey's ninther on ranges over 128) and Hoare partitioning that
// stops on equal keys, so runs of duplicates split evenly instead of
// degrading. Expected time is O(n). If 2·log2(n) partitioning rounds have
// not finished the job it sorts the remaining range instead, bounding the
// worst case at O(n log n) rather than quadratic; on ordinary input that
// rarely happens and the range left by then is small.
//
// It returns NaN if xs is empty and panics if k is outside [0, len(xs)),
// which is a programming error like an index out of range.
func SelectInPlace(xs []float64, k int) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	if k < 0 || k >= len(xs) {
		panic("stats: SelectInPlace index out of range")
	}
	return introselect(xs, k, 2*bits.Len(uint(len(xs))))
}

// introselect is SelectInPlace with a given number of partitioning rounds
// before falling back to sorting; tests use a small budget to reach the
// fallback.
func introselect(xs []float64, k, budget int) float64 {
	lo, hi := 0, len(xs)-1
	for hi-lo > insertionCutoff {
		if budget == 0 {
			slices.Sort(xs[lo : hi+1])
			return xs[k]
		}
		budget--
		p := pivot(xs, lo, hi)
		i, j := lo, hi
		for i <= j {
			// The pivot value lies in [lo, hi] and swapped elements act as
			// sentinels, so these scans cannot run off the range.
			for xs[i] < p {
				i++
			}
			for xs[j] > p {
				j--
			}
			if i <= j {
				xs[i], xs[j] = xs[j], xs[i]
				i++
				j--
			}
		}
		// Now xs[lo..j] <= p, xs[i..hi] >= p and anything between equals p.
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return xs[k]
		}
	}
	for a := lo + 1; a <= hi; a++ {
		for b := a; b > lo && xs[b] < xs[b-1]; b-- {
			xs[b], xs[b-1] = xs[b-1], xs[b]
		}
	}
	return xs[k]
}

// pivot picks a pivot value for xs[lo..hi] without moving anything.
func pivot(xs []float64, lo, hi int) float64 {
	mid := lo + (hi-lo)/2
	if hi-lo < 128 {
		return median3(xs[lo], xs[mid], xs[hi])
	}
	s := (hi - lo) / 8
	return median3(
		median3(xs[lo], xs[lo+s], xs[lo+2*s]),
		median3(xs[mid-s], xs[mid], xs[mid+s]),
		median3(xs[hi-2*s], xs[hi-s], xs[hi]),
	)
}

func median3(a, b, c float64) float64 {
	if a > b {
		a, b = b, a
	}
	if b > c {
		b = c
	}
	if a > b {
		return a
	}
	return b
}
