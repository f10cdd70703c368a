package tuner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/soakline/soakline/internal/numfmt"
	"github.com/soakline/soakline/internal/sim"
	"github.com/soakline/soakline/pkg/artifact"
)

// k builds a Summary with the six KPIs the rules read.
func k(mt, p95, risk, net, adv, slip float64) artifact.Summary {
	return artifact.Summary{
		MakerTakerRatio: artifact.F(mt), P95LatencyMs: artifact.F(p95), RiskRatio: artifact.F(risk),
		NetBps: artifact.F(net), AdverseBpsP95: artifact.F(adv), SlippageBpsP95: artifact.F(slip),
	}
}

// healthy meets every target and fires no rule.
var healthy = k(0.90, 300, 0.0463, 2.8, 3.0, 2.0)

// drive feeds the KPIs in order, applying each decision's params, in a
// long planned soak.
func drive(c Config, ks ...artifact.Summary) []Decision {
	var st State
	params := map[string]float64{}
	for key, b := range c.Bounds {
		params[key] = b.Default
	}
	var out []Decision
	for i, s := range ks {
		d := c.Decide(&st, Input{Iteration: i + 1, Total: 100, KPIs: s, Params: params})
		params = d.Params
		out = append(out, d)
	}
	return out
}

// outcome returns the outcome of key in d, or a zero Outcome.
func outcome(d Decision, key string) Outcome {
	for _, o := range d.Outcomes {
		if o.Key == key {
			return o
		}
	}
	return Outcome{}
}

// brief is the part of an outcome the guard tests compare.
type brief struct {
	Applied  bool
	Guard    string
	Old, New float64
}

func short(d Decision, key string) brief {
	o := outcome(d, key)
	return brief{o.Applied, o.Guard, o.Old, o.New}
}

func rep(s artifact.Summary, n int) []artifact.Summary {
	return slices.Repeat([]artifact.Summary{s}, n)
}

func seq(parts ...[]artifact.Summary) []artifact.Summary { return slices.Concat(parts...) }

func one(s artifact.Summary) []artifact.Summary { return []artifact.Summary{s} }

// The KPI vectors of the guard tests: maker, p95, risk, net, adverse p95,
// slippage p95.
var (
	hard         = k(0.90, 400, 0.0463, 2.8, 3.0, 2.0) // LATENCY_HARD
	hardLowMaker = k(0.80, 400, 0.0463, 2.8, 3.0, 2.0) // LATENCY_HARD and MAKER_BOOST
	lowMaker     = k(0.80, 300, 0.0463, 2.8, 3.0, 2.0) // MAKER_BOOST
	moderate     = k(0.90, 300, 0.0563, 2.8, 3.0, 2.0) // RISK_MODERATE: impact cap -0.01
	riskRoom     = k(0.90, 300, 0.0375, 3.2, 3.0, 2.0) // risk has room: GIVE_BACK_SIZE
	steadyBoost  = k(0.84, 300, 0.0463, 2.8, 3.0, 2.0) // targets met, below the aim: MAKER_BOOST
	softLatency  = k(0.90, 345, 0.0463, 2.8, 3.0, 2.0) // LATENCY_SOFT: tail age +50
	slippy       = k(0.90, 300, 0.0463, 2.8, 3.0, 3.0) // SLIPPAGE: tail age -30
	netBreach    = k(0.90, 300, 0.0463, 0.6, 3.0, 2.0) // net below the fail level 2.5
)

func TestGuards(t *testing.T) {
	def := DefaultConfig()
	noVelocity := DefaultConfig()
	noVelocity.VelocityMaxSpanFrac = 1
	tests := []struct {
		name string
		cfg  Config
		ks   []artifact.Summary
		at   int // 1-based iteration to check
		key  string
		want brief
	}{
		{"velocity fires on the third hard-latency step of tail age", def,
			rep(hard, 3), 3, sim.KeyTailAgeMs, brief{false, GuardVelocity, 750, 750}},
		{"velocity allows two steps within the window", def,
			rep(hard, 2), 2, sim.KeyTailAgeMs, brief{true, "", 675, 750}},
		{"velocity allows a step once the window has moved on", def,
			rep(hard, 4), 4, sim.KeyTailAgeMs, brief{true, "", 750, 825}},
		// The legacy oscillation guard held this give-back (A->B->A).
		{"a give-back right after a protective step is no oscillation: the cooldown times it", def,
			seq(one(moderate), one(riskRoom)), 2, sim.KeyImpactCapRatio, brief{false, GuardCooldown, 0.09, 0.09}},
		{"cooldown holds give-backs for 3 iterations after a protective step", def,
			seq(one(moderate), rep(riskRoom, 3)), 4, sim.KeyImpactCapRatio, brief{false, GuardCooldown, 0.09, 0.09}},
		{"the give-back applies once the cooldown is over", def,
			seq(one(moderate), rep(riskRoom, 4)), 5, sim.KeyImpactCapRatio, brief{true, "", 0.09, 0.095}},
		{"a protective step that undoes a give-back applies", def,
			seq(one(moderate), rep(riskRoom, 4), one(moderate)), 6, sim.KeyImpactCapRatio, brief{true, "", 0.095, 0.085}},
		{"oscillation then holds the key's give-backs", def,
			seq(one(moderate), rep(riskRoom, 4), one(moderate), rep(riskRoom, 4)), 10, sim.KeyImpactCapRatio, brief{false, GuardOscillation, 0.085, 0.085}},
		{"give-backs resume after the oscillation hold", def,
			seq(one(moderate), rep(riskRoom, 4), one(moderate), rep(riskRoom, 5)), 11, sim.KeyImpactCapRatio, brief{true, "", 0.085, 0.09}},
		{"oscillation holds a key two protective rules pull back and forth", def,
			seq(one(softLatency), one(slippy)), 2, sim.KeyTailAgeMs, brief{false, GuardOscillation, 650, 650}},
		{"oscillation does not fire on the same direction", def,
			rep(moderate, 2), 2, sim.KeyImpactCapRatio, brief{true, "", 0.09, 0.08}},
		{"freeze after three steady iterations holds a proposal", def,
			seq(rep(healthy, 3), one(steadyBoost)), 4, sim.KeyBaseSpreadBpsDelta, brief{false, GuardFreeze, 0.05, 0.05}},
		{"freeze lasts its iterations", def,
			seq(rep(healthy, 3), rep(steadyBoost, 4)), 7, sim.KeyBaseSpreadBpsDelta, brief{true, "", 0.05, 0.08}},
		{"a fail-level breach breaks the freeze", def,
			seq(rep(healthy, 3), one(netBreach)), 4, sim.KeyBaseSpreadBpsDelta, brief{true, "", 0.05, 0.07}},
		{"no freeze when the streak breaks", def,
			seq(one(healthy), one(steadyBoost), rep(healthy, 2), one(steadyBoost)), 5, sim.KeyBaseSpreadBpsDelta, brief{true, "", 0.08, 0.11}},
		{"debounce holds back a one-iteration signal", def,
			seq(one(hardLowMaker), one(lowMaker)), 2, sim.KeyBaseSpreadBpsDelta, brief{true, "", 0.08, 0.11}},
		{"partial freeze holds rebid keys once hard latency held 2 iterations", def,
			rep(hardLowMaker, 2), 2, sim.KeyBaseSpreadBpsDelta, brief{false, GuardPartialFreeze, 0.08, 0.08}},
		{"partial freeze never holds edge keys", def,
			rep(hardLowMaker, 2), 2, sim.KeyConcurrencyLimit, brief{true, "", 8, 7}},
		{"debounce keeps the partial freeze until the signal is absent 2 iterations", def,
			seq(rep(hardLowMaker, 2), one(lowMaker)), 3, sim.KeyBaseSpreadBpsDelta, brief{false, GuardPartialFreeze, 0.08, 0.08}},
		{"the partial freeze lasts at least 3 iterations", def,
			seq(rep(hardLowMaker, 2), rep(lowMaker, 2)), 4, sim.KeyBaseSpreadBpsDelta, brief{false, GuardPartialFreeze, 0.08, 0.08}},
		{"the partial freeze clears after its minimum", def,
			seq(rep(hardLowMaker, 2), rep(lowMaker, 3)), 5, sim.KeyBaseSpreadBpsDelta, brief{true, "", 0.08, 0.11}},
		{"bounds: a key at its bound is skipped", noVelocity,
			rep(k(0.9, 300, 0.0875, 2.8, 3, 2), 6), 6, sim.KeyMaxDeltaRatio, brief{false, GuardBounds, 0.1, 0.1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ds := drive(tc.cfg, tc.ks...)
			d := ds[tc.at-1]
			if diff := cmp.Diff(tc.want, short(d, tc.key)); diff != "" {
				t.Errorf("%s at iteration %d (-want +got):\n%s\nrationale: %s", tc.key, tc.at, diff, strings.Join(d.Rationale, "\n  "))
			}
			if tc.want.Guard != "" && !slices.Contains(d.Guards, tc.want.Guard) {
				t.Errorf("guard %s not in Guards %v", tc.want.Guard, d.Guards)
			}
		})
	}
}

// TestGuardsFireInSequences pins that every guard fires, with the default
// configuration, in a constructed sequence of iterations: the legacy
// cooldown could not fire with the default rules and bounds.
func TestGuardsFireInSequences(t *testing.T) {
	tests := []struct {
		guard string
		ks    []artifact.Summary
		at    int
	}{
		{GuardCooldown, seq(one(moderate), one(riskRoom)), 2},
		{GuardOscillation, seq(one(softLatency), one(slippy)), 2},
		{GuardOscillation, seq(one(moderate), rep(riskRoom, 4), one(moderate), one(riskRoom)), 7},
		{GuardDebounce, one(hard), 1},
		{GuardPartialFreeze, rep(hard, 2), 2},
		{GuardFreeze, seq(rep(healthy, 3), one(steadyBoost)), 4},
		{GuardVelocity, rep(hard, 3), 3},
		{GuardLatencyBuffer, one(softLatency), 1},
	}
	for _, tc := range tests {
		t.Run(tc.guard, func(t *testing.T) {
			d := drive(DefaultConfig(), tc.ks...)[tc.at-1]
			if !slices.Contains(d.Guards, tc.guard) {
				t.Errorf("iteration %d: guards %v, want %s\nrationale: %s", tc.at, d.Guards, tc.guard, strings.Join(d.Rationale, "\n  "))
			}
		})
	}
}

func TestFreezeBrokenByFailLevelBreach(t *testing.T) {
	ds := drive(DefaultConfig(), seq(rep(healthy, 3), one(netBreach), one(healthy))...)
	if !ds[2].FreezeReady || !slices.ContainsFunc(ds[2].Rationale, func(s string) bool { return strings.HasPrefix(s, "FREEZE: ") }) {
		t.Fatalf("iteration 3 did not freeze: %q", ds[2].Rationale)
	}
	d := ds[3]
	want := []string{"net_bps=0.6 breaches the fail level net_bps >= 2.5"}
	if diff := cmp.Diff(want, d.FreezeBroken); diff != "" {
		t.Errorf("freeze_broken (-want +got):\n%s", diff)
	}
	if !slices.ContainsFunc(d.Rationale, func(s string) bool {
		return strings.HasPrefix(s, "FREEZE_BROKEN: net_bps=0.6 breaches the fail level net_bps >= 2.5 -> the freeze through iteration 6 is lifted")
	}) {
		t.Errorf("no FREEZE_BROKEN line in %q", d.Rationale)
	}
	if d.FreezeReady || slices.Contains(d.Guards, GuardFreeze) {
		t.Errorf("after the break: freeze_ready=%v guards %v", d.FreezeReady, d.Guards)
	}
	// A miss of the aim that breaches no fail level keeps the freeze.
	d = drive(DefaultConfig(), seq(rep(healthy, 3), one(steadyBoost))...)[3]
	if len(d.FreezeBroken) > 0 || !slices.Contains(d.Guards, GuardFreeze) {
		t.Errorf("maker 0.84 (fail level 0.83) broke the freeze: %q", d.Rationale)
	}
}

// TestGiveBack pins the two-way rules: when the KPIs a parameter protects
// have room, it moves back toward its default by its give-back step and
// never past it; the legacy rules never gave anything back (RISK_NORMALIZE
// even pushed the impact cap past its default).
func TestGiveBack(t *testing.T) {
	roomy := k(0.90, 280, 0.0375, 3.2, 3.0, 2.0) // every KPI has room
	tests := []struct {
		key       string
		from, to  float64
		wantRules []string
	}{
		{sim.KeyConcurrencyLimit, 4, 5, []string{"GIVE_BACK_CONCURRENCY"}},
		{sim.KeyTailAgeMs, 800, 775, []string{"GIVE_BACK_TAIL_AGE"}},
		{sim.KeyTailAgeMs, 500, 525, []string{"GIVE_BACK_TAIL_AGE"}},
		{sim.KeyImpactCapRatio, 0.06, 0.065, []string{"GIVE_BACK_SIZE"}},
		{sim.KeyImpactCapRatio, 0.098, 0.1, []string{"GIVE_BACK_SIZE"}}, // stops at the default
		{sim.KeyMaxDeltaRatio, 0.1, 0.105, []string{"GIVE_BACK_SIZE"}},
		{sim.KeyMinIntervalMs, 90, 87, []string{"GIVE_BACK_MIN_INTERVAL"}},
		{sim.KeyBaseSpreadBpsDelta, 0.4, 0.39, []string{"GIVE_BACK_SPREAD"}},
		{sim.KeyReplaceRatePerMin, 200, 205, []string{"GIVE_BACK_REPLACE_RATE"}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s from %g", tc.key, tc.from), func(t *testing.T) {
			var st State
			params := sim.Defaults()
			params[tc.key] = tc.from
			d := Decide(&st, Input{Iteration: 5, Total: 24, KPIs: roomy, Params: params})
			want := Outcome{Key: tc.key, Delta: numfmt.Round(tc.to - tc.from), Applied: true, Old: tc.from, New: tc.to, Rules: tc.wantRules, GiveBack: true}
			if diff := cmp.Diff(want, outcome(d, tc.key)); diff != "" {
				t.Errorf("(-want +got):\n%s\nrationale: %q", diff, d.Rationale)
			}
			if len(d.Outcomes) != 1 {
				t.Errorf("keys at their defaults moved: %+v", d.Outcomes)
			}
		})
	}
}

// TestGiveBackHysteresis: between a protective rule's aim and the room a
// give-back needs nothing fires, and a give-back never takes a key a
// protective rule proposed in the same iteration.
func TestGiveBackHysteresis(t *testing.T) {
	params := sim.Defaults()
	params[sim.KeyConcurrencyLimit] = 5
	params[sim.KeyImpactCapRatio] = 0.06
	params[sim.KeyBaseSpreadBpsDelta] = 0.3
	tests := []struct {
		name string
		kpis artifact.Summary
		want map[string]float64
	}{
		{"dead band: targets met, no room", healthy, map[string]float64{}},
		{"latency room alone gives back concurrency only", k(0.86, 280, 0.0463, 2.8, 3.0, 2.0), map[string]float64{sim.KeyConcurrencyLimit: 1}},
		{"a protective rule keeps its key", k(0.84, 280, 0.0375, 3.2, 3.0, 2.0), map[string]float64{
			sim.KeyBaseSpreadBpsDelta: 0.03, sim.KeyReplaceRatePerMin: -15, sim.KeyConcurrencyLimit: 1, sim.KeyImpactCapRatio: 0.005}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var st State
			d := Decide(&st, Input{Iteration: 5, Total: 24, KPIs: tc.kpis, Params: params})
			if diff := cmp.Diff(tc.want, d.Proposed); diff != "" {
				t.Errorf("proposed (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBoundsClamp(t *testing.T) {
	var st State
	d := Decide(&st, Input{Iteration: 1, Total: 24, KPIs: k(0.9, 300, 0.0875, 2.8, 3, 2), Params: map[string]float64{sim.KeyMaxDeltaRatio: 0.105}})
	want := Outcome{Key: sim.KeyMaxDeltaRatio, Delta: -0.01, Applied: true, Old: 0.105, New: 0.1, Guard: GuardBounds, Reason: "clamped to [0.1, 0.2]", Rules: []string{"RISK_AGGRESSIVE"}}
	if diff := cmp.Diff(want, outcome(d, sim.KeyMaxDeltaRatio)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestPartialFreezeOnOscillationAddsRescueTaker(t *testing.T) {
	ds := drive(DefaultConfig(), softLatency, slippy, slippy)
	want := PartialFreeze{Active: true, Subsystems: []string{"rebid", "rescue_taker"}, Reason: "oscillation", Since: 3}
	if diff := cmp.Diff(want, ds[2].PartialFreeze); diff != "" {
		t.Errorf("partial freeze (-want +got):\n%s", diff)
	}
	if ds[1].PartialFreeze.Active || !slices.Contains(ds[1].Guards, GuardDebounce) {
		t.Errorf("iteration 2: want the oscillation debounced, got %+v guards %v", ds[1].PartialFreeze, ds[1].Guards)
	}
}

func TestLatencyBuffer(t *testing.T) {
	tests := []struct {
		name string
		p95  float64
		want map[string]float64
	}{
		{"soft band adds the buffer", 345, map[string]float64{sim.KeyBaseSpreadBpsDelta: 0.01, sim.KeyConcurrencyLimit: -1, sim.KeyTailAgeMs: 50}},
		{"below the band nothing", 320, map[string]float64{}},
		{"above the band the hard rule instead", 361, map[string]float64{sim.KeyConcurrencyLimit: -2, sim.KeyTailAgeMs: 75}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := drive(DefaultConfig(), k(0.9, tc.p95, 0.0463, 2.8, 3, 2))[0]
			if diff := cmp.Diff(tc.want, d.Proposed); diff != "" {
				t.Errorf("proposed (-want +got):\n%s", diff)
			}
			if got := slices.Contains(d.Guards, GuardLatencyBuffer); got != (tc.p95 >= 330 && tc.p95 <= 360) {
				t.Errorf("latency_buffer in guards = %v, guards %v", got, d.Guards)
			}
		})
	}
}

func TestFinalIterationProposesOnly(t *testing.T) {
	var st State
	params := map[string]float64{sim.KeyBaseSpreadBpsDelta: 0.05}
	d := Decide(&st, Input{Iteration: 24, Total: 24, KPIs: k(0.8, 300, 0.0463, 2.8, 3, 2), Params: params})
	if diff := cmp.Diff(map[string]float64{sim.KeyBaseSpreadBpsDelta: 0.03, sim.KeyReplaceRatePerMin: -15}, d.Proposed); diff != "" {
		t.Errorf("proposed (-want +got):\n%s", diff)
	}
	for _, o := range d.Outcomes {
		if o.Applied || o.Guard != GuardFinalIteration {
			t.Errorf("%s: applied=%v guard=%q, want final_iteration", o.Key, o.Applied, o.Guard)
		}
	}
	if d.Params[sim.KeyBaseSpreadBpsDelta] != 0.05 || len(d.ChangedKeys) != 0 {
		t.Errorf("final iteration changed params: %v", d.ChangedKeys)
	}
	if params[sim.KeyBaseSpreadBpsDelta] != 0.05 || len(params) != 1 {
		t.Errorf("Decide modified its input params: %v", params)
	}
}

func TestMissingKPIsTriggerNothing(t *testing.T) {
	var st State
	d := Decide(&st, Input{Iteration: 1, Total: 24, KPIs: artifact.Summary{RiskRatio: artifact.F(0.0563)}})
	want := map[string]float64{sim.KeyImpactCapRatio: -0.01}
	if diff := cmp.Diff(want, d.Proposed); diff != "" {
		t.Errorf("proposed (-want +got):\n%s", diff)
	}
	wantMissing := []string{
		"ADVERSE: adverse_bps_p95",
		"GIVE_BACK_CONCURRENCY: p95_latency_ms", "GIVE_BACK_MIN_INTERVAL: p95_latency_ms",
		"GIVE_BACK_REPLACE_RATE: maker_taker_ratio", "GIVE_BACK_REPLACE_RATE: p95_latency_ms",
		"GIVE_BACK_SIZE: adverse_bps_p95", "GIVE_BACK_SPREAD: maker_taker_ratio", "GIVE_BACK_SPREAD: net_bps",
		"GIVE_BACK_TAIL_AGE: p95_latency_ms", "GIVE_BACK_TAIL_AGE: slippage_bps_p95",
		"LATENCY_HARD: p95_latency_ms", "LATENCY_SOFT: p95_latency_ms",
		"MAKER_BOOST: maker_taker_ratio", "NET_LOW: net_bps", "SLIPPAGE: slippage_bps_p95",
	}
	if diff := cmp.Diff(wantMissing, d.Missing); diff != "" {
		t.Errorf("missing (-want +got):\n%s", diff)
	}
	if d.Steady {
		t.Error("steady with missing KPIs")
	}
}

func TestConflictsAndRounding(t *testing.T) {
	// Soft latency lengthens tail age, slippage shortens it: latency has the
	// higher priority. Both widen the spread: the larger step wins, not the
	// sum.
	d := drive(DefaultConfig(), k(0.9, 345, 0.0463, 2.8, 3, 3.0))[0]
	want := []Outcome{
		{Key: sim.KeyBaseSpreadBpsDelta, Delta: 0.02, Applied: true, Old: 0.05, New: 0.07, Rules: []string{"LATENCY_SOFT", "SLIPPAGE"}},
		{Key: sim.KeyConcurrencyLimit, Delta: -1, Applied: true, Old: 10, New: 9, Rules: []string{"LATENCY_SOFT"}},
		{Key: sim.KeyTailAgeMs, Delta: 50, Applied: true, Old: 600, New: 650, Rules: []string{"LATENCY_SOFT"}},
	}
	if diff := cmp.Diff(want, d.Outcomes); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if !slices.ContainsFunc(d.Rationale, func(s string) bool { return strings.HasPrefix(s, "CONFLICT: tail_age_ms -30 from SLIPPAGE dropped") }) {
		t.Errorf("no conflict line in %q", d.Rationale)
	}
	// 0.07 + 0.03 is 0.09999999999999999 in float64.
	d = drive(DefaultConfig(), k(0.9, 345, 0.0463, 2.8, 3, 3.0), k(0.8, 300, 0.0463, 2.8, 3, 2))[1]
	if got := d.Params[sim.KeyBaseSpreadBpsDelta]; got != 0.1 {
		t.Errorf("spread = %v, want 0.1", got)
	}
}

func TestStateResumesExactly(t *testing.T) {
	ks := []artifact.Summary{
		k(0.76, 349, 0.0575, 1.7, 3.6, 2.0), k(0.80, 365, 0.0525, 2.0, 3.2, 2.6), k(0.84, 370, 0.0375, 3.2, 3.0, 2.0),
		k(0.86, 300, 0.0563, 2.6, 3.0, 2.0), k(0.90, 300, 0.0463, 2.8, 3.0, 2.0), k(0.90, 300, 0.0375, 3.2, 3.0, 2.0),
	}
	c := DefaultConfig()
	var st State
	params := map[string]float64{}
	var straight []Decision
	var snap []byte
	for i, s := range ks {
		if i == 3 {
			var err error
			if snap, err = json.Marshal(&st); err != nil {
				t.Fatal(err)
			}
		}
		d := c.Decide(&st, Input{Iteration: i + 1, Total: 10, KPIs: s, Params: params})
		params = d.Params
		straight = append(straight, d)
	}
	var resumed State
	dec := json.NewDecoder(bytes.NewReader(snap))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&resumed); err != nil {
		t.Fatal(err)
	}
	params = straight[2].Params
	for i := 3; i < len(ks); i++ {
		d := c.Decide(&resumed, Input{Iteration: i + 1, Total: 10, KPIs: ks[i], Params: params})
		params = d.Params
		if diff := cmp.Diff(straight[i], d); diff != "" {
			t.Errorf("iteration %d differs after resume (-want +got):\n%s", i+1, diff)
		}
	}
	a, _ := json.Marshal(&st)
	b, _ := json.Marshal(&resumed)
	if !bytes.Equal(a, b) {
		t.Errorf("state differs after resume:\n%s\n%s", a, b)
	}
}

func TestWriteRules(t *testing.T) {
	var b strings.Builder
	if err := DefaultConfig().WriteRules(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"1         LATENCY_HARD     p95_latency_ms > 360",
		"MAKER_BOOST      maker_taker_ratio < 0.85                 base_spread_bps_delta +0.03, replace_rate_per_min -5%",
		"engine.concurrency_limit   1        64       10",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("rule table lacks %q:\n%s", want, out)
		}
	}
}

func TestSubsystem(t *testing.T) {
	got := map[string]string{}
	for _, key := range []string{sim.KeyBaseSpreadBpsDelta, sim.KeyReplaceRatePerMin, sim.KeyMinIntervalMs, sim.KeyImpactCapRatio, sim.KeyTailAgeMs, sim.KeyConcurrencyLimit, sim.KeyMaxDeltaRatio, "rescue_max_ratio", "foo"} {
		got[key] = Subsystem(key)
	}
	want := map[string]string{
		sim.KeyBaseSpreadBpsDelta: "rebid", sim.KeyReplaceRatePerMin: "rebid", sim.KeyMinIntervalMs: "rebid",
		sim.KeyImpactCapRatio: "edge", sim.KeyTailAgeMs: "edge", sim.KeyConcurrencyLimit: "edge", sim.KeyMaxDeltaRatio: "edge",
		"rescue_max_ratio": "rescue_taker", "foo": "unknown",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
