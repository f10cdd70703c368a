package soakdir

import (
	"context"
	"math"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/soakline/soakline/pkg/artifact"
)

// TestSameTuningSeesEveryField changes one field of a record at a time,
// including nil against empty and 0 against -0, which encode differently:
// a field sameTuning forgot would let a summary share a ledger entry it
// does not equal.
func TestSameTuningSeesEveryField(t *testing.T) {
	base := func() *artifact.Tuning { return benchSummary(4).Tuning }
	if !sameTuning(base(), base()) {
		t.Fatal("equal records differ")
	}
	typ := reflect.TypeFor[artifact.Tuning]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		var variants []func(v reflect.Value)
		switch f.Type.Kind() {
		case reflect.Int:
			variants = append(variants, func(v reflect.Value) { v.SetInt(v.Int() + 1) })
		case reflect.Bool:
			variants = append(variants, func(v reflect.Value) { v.SetBool(!v.Bool()) })
		case reflect.String:
			variants = append(variants, func(v reflect.Value) { v.SetString(v.String() + "x") })
		case reflect.Map, reflect.Slice:
			variants = append(variants,
				func(v reflect.Value) { v.SetZero() },
				func(v reflect.Value) {
					if v.Kind() == reflect.Map {
						v.Set(reflect.MakeMap(v.Type()))
					} else {
						v.Set(reflect.MakeSlice(v.Type(), 0, 0))
					}
				})
		default:
			t.Fatalf("field %s: kind %s not covered by this test", f.Name, f.Type.Kind())
		}
		for j, change := range variants {
			a, b := base(), base()
			// Give every field a non-empty value first, so that setting it
			// nil or empty is a change.
			for _, tu := range []*artifact.Tuning{a, b} {
				tu.Skipped = []artifact.Skip{{Key: "k", Guard: "cooldown", Reason: "r"}}
				tu.Guards, tu.Frozen, tu.SkipReason = []string{"cooldown"}, []string{"engine"}, "cooldown"
			}
			change(reflect.ValueOf(b).Elem().Field(i))
			if sameTuning(a, b) {
				t.Errorf("field %s, change %d: records still the same", f.Name, j)
			}
		}
	}
	a, b := base(), base()
	b.Changes[0].Delta = math.Copysign(0, -1)
	a.Changes[0].Delta = 0
	if sameTuning(a, b) {
		t.Error("0 and -0 are the same")
	}
	b = base()
	b.ProposedDeltas["min_interval_ms"] = 6
	if sameTuning(base(), b) {
		t.Error("different delta values are the same")
	}
}

// TestLoadSharesLedgerEntries: summaries whose tuning equals its ledger
// entry point at the entry; one that disagrees keeps its own record, so
// that the gate can still report the divergence.
func TestLoadSharesLedgerEntries(t *testing.T) {
	dir := t.TempDir()
	ourSoak(t, dir, 6)
	it := benchSummary(5)
	it.Tuning.Applied = false
	writeJSON(t, filepath.Join(dir, artifact.IterationFileName(5)), it)
	s, err := Load(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, it := range s.Iterations {
		shared := it.Tuning == &s.Report.Iterations[i]
		if shared != (it.Iteration != 5) {
			t.Errorf("iteration %d: shared %v", it.Iteration, shared)
		}
	}
	if s.Iterations[4].Tuning.Applied || !s.Report.Iterations[4].Applied {
		t.Error("iteration 5: the summary's record was replaced by the ledger's")
	}
}

func TestLedgerIndexEntry(t *testing.T) {
	entries := func(ns ...int) []artifact.Tuning {
		out := make([]artifact.Tuning, len(ns))
		for i, n := range ns {
			out[i].Iteration = n
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		entries []artifact.Tuning
		n, want int // want: index, -1 for none
	}{
		{"dense", entries(1, 2, 3), 2, 1},
		{"gap", entries(1, 3, 4), 3, 1},
		{"absent", entries(1, 3, 4), 2, -1},
		{"beyond", entries(1, 2), 9, -1},
		{"zero", entries(1, 2), 0, -1},
		{"empty", nil, 1, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := &ledgerIndex{tc.entries}
			got := l.entry(tc.n)
			switch {
			case tc.want < 0 && got != nil:
				t.Errorf("entry(%d) = iteration %d, want none", tc.n, got.Iteration)
			case tc.want >= 0 && got != &tc.entries[tc.want]:
				t.Errorf("entry(%d) = %v, want index %d", tc.n, got, tc.want)
			}
		})
	}
}

// TestShareParts: a record that differs from its ledger entry (a legacy
// summary's carries old_hash) shares the map and lists it has equal, and
// keeps its own where they differ, nil and empty told apart.
func TestShareParts(t *testing.T) {
	entry := benchSummary(4).Tuning
	entry.OldHash = ""
	l := &ledgerIndex{entries: []artifact.Tuning{{Iteration: 1}, {Iteration: 2}, {Iteration: 3}, *entry}}
	e := &l.entries[3]
	it := benchSummary(4)
	it.Tuning.Rationale = []string{}
	it.Tuning.Guards = []string{} // the entry's are nil
	l.share(it)
	if it.Tuning == e {
		t.Fatal("a record with its own old_hash was replaced by the ledger entry")
	}
	if reflect.ValueOf(it.Tuning.ProposedDeltas).Pointer() != reflect.ValueOf(e.ProposedDeltas).Pointer() {
		t.Error("equal deltas not shared")
	}
	if &it.Tuning.ChangedKeys[0] != &e.ChangedKeys[0] || &it.Tuning.Changes[0] != &e.Changes[0] {
		t.Error("equal lists not shared")
	}
	if it.Tuning.Rationale == nil || len(it.Tuning.Rationale) != 0 || it.Tuning.Guards == nil {
		t.Errorf("lists that differ (empty against the entry's) changed: %#v %#v", it.Tuning.Rationale, it.Tuning.Guards)
	}
	if it.Tuning.OldHash == "" {
		t.Error("old_hash lost")
	}
}
