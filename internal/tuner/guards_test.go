package tuner

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
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
var healthy = k(0.90, 300, 0.37, 2.8, 3.0, 2.0)

// drive feeds the KPIs in order, applying each decision's params, with
// iterations of durMs on the soak clock and a long planned soak.
func drive(c Config, durMs int64, ks ...artifact.Summary) []Decision {
	var st State
	params := map[string]float64{}
	for key, b := range c.Bounds {
		params[key] = b.Default
	}
	var out []Decision
	for i, s := range ks {
		d := c.Decide(&st, Input{Iteration: i + 1, Total: 100, KPIs: s, Params: params, DurationMs: durMs})
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

func TestGuards(t *testing.T) {
	def := DefaultConfig()
	tightCooldown := DefaultConfig()
	tightCooldown.CooldownSpanFrac = 0.10
	noFreeze := DefaultConfig() // the healthy KPIs would freeze tuning on their third iteration
	noFreeze.FreezeAfterSteady = 0
	noVelocity := DefaultConfig()
	noVelocity.VelocityMaxSpanFrac = 1
	hard := k(0.90, 400, 0.37, 2.8, 3.0, 2.0)
	hardLowMaker := k(0.80, 400, 0.37, 2.8, 3.0, 2.0)
	lowMaker := k(0.80, 300, 0.37, 2.8, 3.0, 2.0)
	moderate := k(0.90, 300, 0.45, 2.8, 3.0, 2.0)
	normalize := k(0.90, 300, 0.30, 3.2, 3.0, 2.0)
	steadyBoost := k(0.84, 300, 0.37, 2.8, 3.0, 2.0) // targets met, MAKER_BOOST still fires
	tests := []struct {
		name  string
		cfg   Config
		durMs int64
		ks    []artifact.Summary
		at    int // 1-based iteration to check
		key   string
		want  brief
	}{
		{"velocity fires on the third hard-latency step of tail age", def, 60000,
			[]artifact.Summary{hard, hard, hard}, 3, KeyTailAgeMs, brief{false, GuardVelocity, 750, 750}},
		{"velocity allows two steps within the window", def, 60000,
			[]artifact.Summary{hard, hard}, 2, KeyTailAgeMs, brief{true, "", 675, 750}},
		{"velocity allows a step once the window has moved on", def, 60000,
			[]artifact.Summary{hard, hard, hard, hard}, 4, KeyTailAgeMs, brief{true, "", 750, 825}},
		{"oscillation holds a key whose direction reverses", def, 60000,
			[]artifact.Summary{moderate, normalize}, 2, KeyImpactCapRatio, brief{false, GuardOscillation, 0.09, 0.09}},
		{"oscillation keeps holding within the hold", noFreeze, 60000,
			[]artifact.Summary{moderate, normalize, normalize, normalize}, 4, KeyImpactCapRatio, brief{false, GuardOscillation, 0.09, 0.09}},
		{"oscillation does not fire on the same direction", def, 60000,
			[]artifact.Summary{moderate, moderate}, 2, KeyImpactCapRatio, brief{true, "", 0.09, 0.08}},
		{"oscillation does not fire outside the window", noFreeze, 60000,
			[]artifact.Summary{moderate, healthy, healthy, healthy, normalize}, 5, KeyImpactCapRatio, brief{true, "", 0.09, 0.095}},
		{"cooldown holds a key after a large step", tightCooldown, 60000,
			[]artifact.Summary{moderate, moderate}, 2, KeyImpactCapRatio, brief{false, GuardCooldown, 0.09, 0.09}},
		{"cooldown ends after its iterations", tightCooldown, 60000,
			[]artifact.Summary{moderate, moderate, moderate, moderate}, 4, KeyImpactCapRatio, brief{true, "", 0.09, 0.08}},
		{"cooldown does not follow a small step", def, 60000,
			[]artifact.Summary{moderate, moderate}, 2, KeyImpactCapRatio, brief{true, "", 0.09, 0.08}},
		{"freeze after three steady iterations", def, 60000,
			[]artifact.Summary{steadyBoost, steadyBoost, steadyBoost}, 3, KeyBaseSpreadBpsDelta, brief{false, GuardFreeze, 0.11, 0.11}},
		{"freeze lasts its iterations", def, 60000,
			[]artifact.Summary{steadyBoost, steadyBoost, steadyBoost, lowMaker, lowMaker, lowMaker, lowMaker}, 7, KeyBaseSpreadBpsDelta, brief{true, "", 0.11, 0.14}},
		{"no freeze when the streak breaks", def, 60000,
			[]artifact.Summary{steadyBoost, lowMaker, steadyBoost, steadyBoost}, 4, KeyBaseSpreadBpsDelta, brief{true, "", 0.14, 0.17}},
		{"partial freeze holds rebid keys once hard latency held 2.5 s", def, 1000,
			[]artifact.Summary{hardLowMaker, hardLowMaker, hardLowMaker, hardLowMaker}, 4, KeyBaseSpreadBpsDelta, brief{false, GuardPartialFreeze, 0.14, 0.14}},
		{"partial freeze never holds edge keys", def, 1000,
			[]artifact.Summary{hardLowMaker, hardLowMaker, hardLowMaker, hardLowMaker}, 4, KeyConcurrencyLimit, brief{true, "", 6, 5}},
		{"debounce keeps rebid tunable before 2.5 s", def, 1000,
			[]artifact.Summary{hardLowMaker, hardLowMaker, hardLowMaker}, 3, KeyBaseSpreadBpsDelta, brief{true, "", 0.11, 0.14}},
		{"debounce keeps the freeze until the signal is absent 4 s", def, 1000,
			[]artifact.Summary{hardLowMaker, hardLowMaker, hardLowMaker, hardLowMaker, lowMaker, lowMaker, lowMaker, lowMaker}, 8, KeyBaseSpreadBpsDelta, brief{false, GuardPartialFreeze, 0.14, 0.14}},
		{"debounce closes the freeze after 4 s", def, 1000,
			[]artifact.Summary{hardLowMaker, hardLowMaker, hardLowMaker, hardLowMaker, lowMaker, lowMaker, lowMaker, lowMaker, lowMaker}, 9, KeyBaseSpreadBpsDelta, brief{true, "", 0.14, 0.17}},
		{"one hard iteration never opens the partial freeze", def, 60000,
			[]artifact.Summary{hardLowMaker, lowMaker}, 2, KeyBaseSpreadBpsDelta, brief{true, "", 0.08, 0.11}},
		{"bounds: a key at its bound is skipped", noVelocity, 60000,
			[]artifact.Summary{k(0.9, 300, 0.7, 2.8, 3, 2), k(0.9, 300, 0.7, 2.8, 3, 2), k(0.9, 300, 0.7, 2.8, 3, 2), k(0.9, 300, 0.7, 2.8, 3, 2), k(0.9, 300, 0.7, 2.8, 3, 2), k(0.9, 300, 0.7, 2.8, 3, 2)}, 6, KeyMaxDeltaRatio, brief{false, GuardBounds, 0.1, 0.1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ds := drive(tc.cfg, tc.durMs, tc.ks...)
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

func TestBoundsClamp(t *testing.T) {
	var st State
	d := Decide(&st, Input{Iteration: 1, Total: 24, KPIs: k(0.9, 300, 0.7, 2.8, 3, 2), Params: map[string]float64{KeyMaxDeltaRatio: 0.105}})
	want := Outcome{Key: KeyMaxDeltaRatio, Delta: -0.01, Applied: true, Old: 0.105, New: 0.1, Guard: GuardBounds, Reason: "clamped to [0.1, 0.2]", Rules: []string{"RISK_AGGRESSIVE"}}
	if diff := cmp.Diff(want, outcome(d, KeyMaxDeltaRatio)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestPartialFreezeOnOscillationAddsRescueTaker(t *testing.T) {
	moderate := k(0.90, 300, 0.45, 2.8, 3.0, 2.0)
	normalize := k(0.90, 300, 0.30, 3.2, 3.0, 2.0)
	ds := drive(DefaultConfig(), 60000, moderate, normalize, normalize)
	want := PartialFreeze{Active: true, Subsystems: []string{"rebid", "rescue_taker"}, Reason: "oscillation", SinceMs: 180000}
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
		{"soft band adds the buffer", 345, map[string]float64{KeyBaseSpreadBpsDelta: 0.01, KeyConcurrencyLimit: -1, KeyTailAgeMs: 50}},
		{"below the band nothing", 320, map[string]float64{}},
		{"above the band the hard rule instead", 361, map[string]float64{KeyConcurrencyLimit: -2, KeyTailAgeMs: 75}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := drive(DefaultConfig(), 60000, k(0.9, tc.p95, 0.37, 2.8, 3, 2))[0]
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
	params := map[string]float64{KeyBaseSpreadBpsDelta: 0.05}
	d := Decide(&st, Input{Iteration: 24, Total: 24, KPIs: k(0.8, 300, 0.37, 2.8, 3, 2), Params: params})
	if diff := cmp.Diff(map[string]float64{KeyBaseSpreadBpsDelta: 0.03, KeyReplaceRatePerMin: -15}, d.Proposed); diff != "" {
		t.Errorf("proposed (-want +got):\n%s", diff)
	}
	for _, o := range d.Outcomes {
		if o.Applied || o.Guard != GuardFinalIteration {
			t.Errorf("%s: applied=%v guard=%q, want final_iteration", o.Key, o.Applied, o.Guard)
		}
	}
	if d.Params[KeyBaseSpreadBpsDelta] != 0.05 || len(d.ChangedKeys) != 0 {
		t.Errorf("final iteration changed params: %v", d.ChangedKeys)
	}
	if params[KeyBaseSpreadBpsDelta] != 0.05 || len(params) != 1 {
		t.Errorf("Decide modified its input params: %v", params)
	}
}

func TestMissingKPIsTriggerNothing(t *testing.T) {
	var st State
	d := Decide(&st, Input{Iteration: 1, Total: 24, KPIs: artifact.Summary{RiskRatio: artifact.F(0.45)}})
	want := map[string]float64{KeyImpactCapRatio: -0.01, KeyMinIntervalMs: 5}
	if diff := cmp.Diff(want, d.Proposed); diff != "" {
		t.Errorf("proposed (-want +got):\n%s", diff)
	}
	wantMissing := []string{
		"ADVERSE: adverse_bps_p95", "LATENCY_HARD: p95_latency_ms", "LATENCY_SOFT: p95_latency_ms",
		"MAKER_BOOST: maker_taker_ratio", "NET_LOW: net_bps", "RISK_NORMALIZE: net_bps", "SLIPPAGE: slippage_bps_p95",
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
	d := drive(DefaultConfig(), 60000, k(0.9, 345, 0.37, 2.8, 3, 3.0))[0]
	want := []Outcome{
		{Key: KeyBaseSpreadBpsDelta, Delta: 0.02, Applied: true, Old: 0.05, New: 0.07, Rules: []string{"LATENCY_SOFT", "SLIPPAGE"}},
		{Key: KeyConcurrencyLimit, Delta: -1, Applied: true, Old: 10, New: 9, Rules: []string{"LATENCY_SOFT"}},
		{Key: KeyTailAgeMs, Delta: 50, Applied: true, Old: 600, New: 650, Rules: []string{"LATENCY_SOFT"}},
	}
	if diff := cmp.Diff(want, d.Outcomes); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if !slices.ContainsFunc(d.Rationale, func(s string) bool { return strings.HasPrefix(s, "CONFLICT: tail_age_ms -30 from SLIPPAGE dropped") }) {
		t.Errorf("no conflict line in %q", d.Rationale)
	}
	// 0.07 + 0.03 is 0.09999999999999999 in float64.
	d = drive(DefaultConfig(), 60000, k(0.9, 345, 0.37, 2.8, 3, 3.0), k(0.8, 300, 0.37, 2.8, 3, 2))[1]
	if got := d.Params[KeyBaseSpreadBpsDelta]; got != 0.1 {
		t.Errorf("spread = %v, want 0.1", got)
	}
}

func TestStateResumesExactly(t *testing.T) {
	ks := []artifact.Summary{
		k(0.76, 349, 0.46, 1.7, 3.6, 2.0), k(0.80, 365, 0.42, 2.0, 3.2, 2.6), k(0.84, 370, 0.30, 3.2, 3.0, 2.0),
		k(0.86, 300, 0.45, 2.6, 3.0, 2.0), k(0.90, 300, 0.37, 2.8, 3.0, 2.0), k(0.90, 300, 0.30, 3.2, 3.0, 2.0),
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
		d := c.Decide(&st, Input{Iteration: i + 1, Total: 10, KPIs: s, Params: params, DurationMs: 1000})
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
		d := c.Decide(&resumed, Input{Iteration: i + 1, Total: 10, KPIs: ks[i], Params: params, DurationMs: 1000})
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
	for _, key := range []string{KeyBaseSpreadBpsDelta, KeyReplaceRatePerMin, KeyMinIntervalMs, KeyImpactCapRatio, KeyTailAgeMs, KeyConcurrencyLimit, KeyMaxDeltaRatio, "rescue_max_ratio", "foo"} {
		got[key] = Subsystem(key)
	}
	want := map[string]string{
		KeyBaseSpreadBpsDelta: "rebid", KeyReplaceRatePerMin: "rebid", KeyMinIntervalMs: "rebid",
		KeyImpactCapRatio: "edge", KeyTailAgeMs: "edge", KeyConcurrencyLimit: "edge", KeyMaxDeltaRatio: "edge",
		"rescue_max_ratio": "rescue_taker", "foo": "unknown",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
