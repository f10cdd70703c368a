package soakrun

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/soakline/soakline/internal/events"
	"github.com/soakline/soakline/internal/legacy"
	"github.com/soakline/soakline/pkg/artifact"
)

// TestAdoptionOf pins the comparison of what the system under test
// reported with what soak-run wrote.
func TestAdoptionOf(t *testing.T) {
	wrote := map[string]float64{"engine.concurrency_limit": 12, "impact_cap_ratio": 0.1, "min_interval_ms": 65}
	rec := func(m map[string]float64) []events.Param { return events.ParamsOf(m) }
	f32 := float64(float32(0.1))
	tests := []struct {
		name string
		res  Result
		want *artifact.Adoption
	}{
		{"failed iteration", Result{Failure: &artifact.Failure{Reason: "x"}, Reported: [][]events.Param{rec(wrote)}}, nil},
		{"no record", Result{}, &artifact.Adoption{Status: artifact.AdoptionUnreported, Keys: 3}},
		{"as written", Result{Reported: [][]events.Param{rec(wrote)}}, &artifact.Adoption{Status: artifact.AdoptionAdopted, Keys: 3, Records: 1}},
		{"float32 copy and extra keys", Result{Reported: [][]events.Param{rec(map[string]float64{
			"engine.concurrency_limit": 12, "impact_cap_ratio": f32, "min_interval_ms": 65, "own_knob": 3})}},
			&artifact.Adoption{Status: artifact.AdoptionAdopted, Keys: 3, Records: 1}},
		{"keys spread over two records", Result{Reported: [][]events.Param{
			rec(map[string]float64{"engine.concurrency_limit": 12}), rec(map[string]float64{"impact_cap_ratio": 0.1, "min_interval_ms": 65})}},
			&artifact.Adoption{Status: artifact.AdoptionAdopted, Keys: 3, Records: 2}},
		{"defaults, one key missing", Result{Reported: [][]events.Param{rec(map[string]float64{"engine.concurrency_limit": 10, "impact_cap_ratio": 0.1})}},
			&artifact.Adoption{Status: artifact.AdoptionMismatch, Keys: 3, Records: 1, Mismatches: []artifact.Mismatch{
				{Key: "engine.concurrency_limit", Wrote: 12, Reported: artifact.F(10)},
				{Key: "min_interval_ms", Wrote: 65},
			}}},
		{"a whole number is exact", Result{Reported: [][]events.Param{rec(map[string]float64{
			"engine.concurrency_limit": 12.000001, "impact_cap_ratio": 0.1, "min_interval_ms": 65})}},
			&artifact.Adoption{Status: artifact.AdoptionMismatch, Keys: 3, Records: 1, Mismatches: []artifact.Mismatch{
				{Key: "engine.concurrency_limit", Wrote: 12, Reported: artifact.F(12.000001)},
			}}},
		{"a later record differs", Result{Reported: [][]events.Param{rec(wrote), rec(map[string]float64{"impact_cap_ratio": 0.12})}},
			&artifact.Adoption{Status: artifact.AdoptionMismatch, Keys: 3, Records: 2, Mismatches: []artifact.Mismatch{
				{Key: "impact_cap_ratio", Wrote: 0.1, Reported: artifact.F(0.12)},
			}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := adoptionOf(wrote, tt.res)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if got != nil {
				// The record reads back: internal/legacy validates it.
				it := &artifact.IterationSummary{SchemaVersion: artifact.SchemaVersion, Kind: artifact.KindIterationSummary, Iteration: 1, Mode: artifact.ModeExec, Status: artifact.StatusOK, Adoption: got}
				data, err := artifact.Marshal(it)
				if err == nil {
					_, err = legacy.IterationSummary("f", data)
				}
				if err != nil {
					t.Errorf("invalid record: %v", err)
				}
			}
		})
	}
}

func TestAdopted(t *testing.T) {
	f32 := func(x float64) float64 { return float64(float32(x)) }
	tests := []struct {
		wrote, reported float64
		want            bool
	}{
		{10, 10, true},
		{10, 10.000001, false}, // a whole number is exact
		{0, 1e-300, false},
		{0, -0, true},
		{0.1, 0.1, true},
		{0.1, f32(0.1), true}, // a float32 copy
		{0.105, f32(0.105), true},
		{123.456, f32(123.456), true},
		{0.1, 0.1000002, false}, // 2e-6 relative
		{0.1, 0.10000005, true}, // 5e-7 relative
		{0.12, 0.11, false},     // a tuner step
		{-0.25, 0.25, false},
		{0.5, math.NaN(), false},
		{0.5, math.Inf(1), false},
	}
	for _, tt := range tests {
		if got := adopted(tt.wrote, tt.reported); got != tt.want {
			t.Errorf("adopted(%v, %v) = %v, want %v", tt.wrote, tt.reported, got, tt.want)
		}
	}
}

// TestDescribeMismatchesNote: soak-run's note words a mismatch as
// soak-gate's reason does (it used strconv's 'g': "wrote 1e-07").
func TestDescribeMismatchesNote(t *testing.T) {
	got := 0.5
	ms := []artifact.Mismatch{{Key: "base_spread_bps_delta", Wrote: 1e-7, Reported: &got}, {Key: "tail_age_ms", Wrote: 2.5e21}}
	want := "base_spread_bps_delta wrote 0.0000001, reported 0.5; tail_age_ms wrote 2500000000000000000000, not reported"
	if s := describeMismatches(ms); s != want {
		t.Errorf("got  %q\nwant %q", s, want)
	}
}
