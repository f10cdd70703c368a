package render

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/soakline/soakline/pkg/artifact"
)

func TestBoundStays(t *testing.T) {
	bounds := map[string]Bound{
		"impact_cap_ratio":         {Min: 0.04, Max: 0.12, Default: 0.10},
		"tail_age_ms":              {Min: 400, Max: 1000, Default: 600},
		"max_delta_ratio":          {Min: 0.10, Max: 0.20, Default: 0.15},
		"engine.concurrency_limit": {Min: 1, Max: 64, Default: 10, Integer: true},
	}
	ch := func(key string, old, new float64) artifact.Change {
		return artifact.Change{Key: key, Old: old, New: new, Delta: new - old}
	}
	ledger := []artifact.Tuning{
		{Iteration: 1, Changes: []artifact.Change{ch("engine.concurrency_limit", 3, 2), ch("tail_age_ms", 600, 650)}},
		{Iteration: 2, Changes: []artifact.Change{ch("engine.concurrency_limit", 2, 1)}},
		{Iteration: 3},
		{Iteration: 4, Changes: []artifact.Change{ch("engine.concurrency_limit", 1, 2), ch("impact_cap_ratio", 0.05, 0.04)}},
		{Iteration: 5, Changes: []artifact.Change{ch("max_delta_ratio", 0.2, 0.19), ch("unbounded", 1, 2)}},
		{Iteration: 6},
	}
	want := []boundStay{
		{Key: "engine.concurrency_limit", Side: "min", Value: 1, Iterations: []int{3, 4}},
		{Key: "impact_cap_ratio", Side: "min", Value: 0.04, Iterations: []int{5, 6}},
		{Key: "max_delta_ratio", Side: "max", Value: 0.2, Iterations: []int{1, 2, 3, 4, 5}},
	}
	if diff := cmp.Diff(want, boundStays(bounds, ledger)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := boundStays(bounds, nil); got != nil {
		t.Errorf("empty ledger: %v", got)
	}
}
