package tuner

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/soakline/soakline/pkg/artifact"
)

func TestBoundStays(t *testing.T) {
	ch := func(key string, old, new float64) artifact.Change {
		return artifact.Change{Key: key, Old: old, New: new, Delta: new - old}
	}
	ledger := []artifact.Tuning{
		{Iteration: 1, Changes: []artifact.Change{ch(KeyConcurrencyLimit, 3, 2), ch(KeyTailAgeMs, 600, 650)}},
		{Iteration: 2, Changes: []artifact.Change{ch(KeyConcurrencyLimit, 2, 1)}},
		{Iteration: 3},
		{Iteration: 4, Changes: []artifact.Change{ch(KeyConcurrencyLimit, 1, 2), ch(KeyImpactCapRatio, 0.05, 0.04)}},
		{Iteration: 5, Changes: []artifact.Change{ch(KeyMaxDeltaRatio, 0.2, 0.19), ch("unbounded", 1, 2)}},
		{Iteration: 6},
	}
	want := []BoundStay{
		{Key: KeyConcurrencyLimit, Side: "min", Value: 1, Iterations: []int{3, 4}},
		{Key: KeyImpactCapRatio, Side: "min", Value: 0.04, Iterations: []int{5, 6}},
		{Key: KeyMaxDeltaRatio, Side: "max", Value: 0.2, Iterations: []int{1, 2, 3, 4, 5}},
	}
	if diff := cmp.Diff(want, BoundStays(DefaultBounds(), ledger)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := BoundStays(DefaultBounds(), nil); got != nil {
		t.Errorf("empty ledger: %v", got)
	}
}
