package judge

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/pkg/artifact"
)

// TestPartialFreezeActive pins issue 13 item 4: a full freeze (frozen
// ["all"]) in the last decision is not a partial freeze; it used to set
// partial_freeze_active=true.
func TestPartialFreezeActive(t *testing.T) {
	type got struct {
		Partial bool
		Frozen  []string
	}
	tests := []struct {
		name   string
		frozen []string
		guards []string
		want   got
	}{
		{"full freeze only", []string{"all"}, nil, got{false, []string{"all"}}},
		{"full freeze holding a proposal", []string{"all"}, []string{"freeze"}, got{false, []string{"all"}}},
		{"partial freeze of rebid", []string{"rebid"}, []string{"partial_freeze"}, got{true, []string{"rebid"}}},
		{"both", []string{"rebid", "all"}, []string{"partial_freeze"}, got{true, []string{"rebid", "all"}}},
		{"legacy partial_freeze guard without subsystems", nil, []string{"partial_freeze"}, got{true, nil}},
		{"nothing frozen", nil, nil, got{false, nil}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := soakOf(8, func(i int, it *artifact.IterationSummary) {
				it.Tuning = &artifact.Tuning{Iteration: i, ProposedDeltas: map[string]float64{}, Changes: []artifact.Change{}, ChangedKeys: []string{}}
				if i == 8 {
					it.Tuning.Frozen, it.Tuning.Guards = tc.frozen, tc.guards
				}
			})
			v, err := Evaluate(s, policy.Default(false), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got{v.PartialFreezeActive, v.FrozenSubsystems}); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
