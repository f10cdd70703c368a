// Package soakgen makes synthetic soaks of any size for benchmarks and
// tests: iteration summaries and a ledger in our format or the legacy
// (Python toolkit) format, in memory or on disk, and large events.jsonl
// streams from the simulator. It is the one generator: bench/gen (the
// inputs of make bench) and the benchmarks and tests of the stages and
// libraries call it.
//
// A soak's KPIs drift around the built-in policy's targets with noise and
// a bad stretch of 30 iterations every 1,000 (iterations 500-529, 1500-1529,
// ...), and the tuner proposes and applies deltas every 7th iteration (the
// velocity guard holds one back every 35th), so that the gate and the
// reports have real work to do: windows, trends, delta verification. The
// same arguments give the same bytes.
package soakgen

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/soakline/soakline/internal/events"
	"github.com/soakline/soakline/internal/sim"
	"github.com/soakline/soakline/pkg/artifact"
)

// kpis draws iteration i's KPIs: on target with noise, slightly off during
// a bad stretch of 30 iterations every 1000.
func kpis(rng *rand.Rand, i int) artifact.Summary {
	bad := i%1000 >= 500 && i%1000 < 530
	r4 := func(x float64) *float64 { return artifact.F(math.Round(x*1e4) / 1e4) }
	off := 0.0
	if bad {
		off = 1
	}
	net := 3.2 - 1.5*off + 0.6*rng.NormFloat64()
	gross := net + 2.1
	makerN := int64(400 + rng.IntN(200))
	takerN := int64(60 + rng.IntN(40) + int(200*off))
	return artifact.Summary{
		MakerTakerRatio:  r4(float64(makerN) / float64(makerN+takerN)),
		MakerTakerSource: "fills_volume",
		P95LatencyMs:     r4(260 + 40*off + 25*rng.NormFloat64()),
		RiskRatio:        r4(0.028 + 0.01*off + 0.004*rng.NormFloat64()), // risk-limit hits per attempted action
		NetBps:           r4(net),
		GrossBps:         r4(gross),
		FeesBps:          r4(-1),
		SlippageBps:      r4(-0.6),
		AdverseBps:       r4(-0.5),
		InventoryBps:     r4(net - gross + 2.1),
		AdverseBpsP95:    r4(4 + rng.Float64()),
		SlippageBpsP95:   r4(3 + rng.Float64()),
		CancelRatio:      r4(0.55 + 0.1*rng.Float64()),
		OrderAgeP95Ms:    r4(300 + 80*rng.Float64()),
		WSLagP95Ms:       r4(110 + 40*rng.Float64()),
		MakerSharePct:    r4(100 * float64(makerN) / float64(makerN+takerN)),
		Fills:            &artifact.Fills{MakerCount: makerN, TakerCount: takerN, MakerVolume: float64(makerN) * 52.5, TakerVolume: float64(takerN) * 50.25},
		Blocks:           &artifact.Blocks{MinInterval: 15, Concurrency: 10, Risk: 5, Throttle: 2, Total: 32},
		Events:           30000,
	}
}

// tuning draws the ledger entry after iteration i and applies it to
// params: every 7th iteration the tuner proposes two deltas; the velocity
// guard holds one back every 5th proposal. state is the state hash of
// params before the entry (the sha256 of runtime_overrides.json holding
// them, as soak-run records it); the entry chains from it, so that delta
// verification finds every change applied and the ledger ending in the
// overrides written beside it.
func tuning(rng *rand.Rand, i int, params map[string]float64, state string) artifact.Tuning {
	t := artifact.Tuning{Iteration: i, ProposedDeltas: map[string]float64{}, Changes: []artifact.Change{},
		ChangedKeys: []string{}, OldHash: state, StateHash: state, Verified: true}
	if i%7 != 0 {
		return t
	}
	d := math.Round((rng.Float64()-0.5)*50) / 1000
	if d == 0 { // a zero delta is no proposal: the gate would call the change unproposed
		d = 0.001
	}
	step := 5.0
	if i%14 == 0 {
		step = -5
	}
	t.ProposedDeltas = map[string]float64{sim.KeyBaseSpreadBpsDelta: d, sim.KeyMinIntervalMs: step}
	t.Rationale = []string{"maker/taker off target: move the spread", "latency in the soft band: change the pace"}
	t.Applied = true
	apply := func(key string, delta float64) {
		old := params[key]
		params[key] = math.Round((old+delta)*1e6) / 1e6
		t.Changes = append(t.Changes, artifact.Change{Key: key, Old: old, New: params[key], Delta: delta})
		t.ChangedKeys = append(t.ChangedKeys, key)
	}
	apply(sim.KeyBaseSpreadBpsDelta, d)
	if i%35 == 0 {
		t.Skipped = []artifact.Skip{{Key: sim.KeyMinIntervalMs, Guard: "velocity", Reason: "velocity cap exceeded"}}
		t.SkipReason = "velocity"
		t.Guards = []string{"velocity"}
	} else {
		apply(sim.KeyMinIntervalMs, step)
	}
	t.StateHash = stateHash(params)
	return t
}

// stateHash is the sha256 of the runtime_overrides.json holding params.
func stateHash(params map[string]float64) string {
	data, err := artifact.Marshal(artifact.Overrides{Params: params})
	if err != nil { // numbers in a map of float64: only NaN or ±Inf, never drawn
		panic(fmt.Sprintf("soakgen: overrides: %v", err))
	}
	return artifact.Hash(data)
}

// Soak returns the n iterations of the soak of the seed, each with its
// ledger entry, the ledger, and the tuned parameters after the last
// iteration, in memory.
func Soak(n int, seed uint64) (iterations []*artifact.IterationSummary, ledger *artifact.TuningReport, params map[string]float64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	params = sim.Defaults()
	ledger = &artifact.TuningReport{SchemaVersion: artifact.SchemaVersion, Kind: artifact.KindTuningReport,
		Iterations: make([]artifact.Tuning, 0, n)}
	iterations = make([]*artifact.IterationSummary, 0, n)
	state := stateHash(params)
	for i := 1; i <= n; i++ {
		s := kpis(rng, i)
		t := tuning(rng, i, params, state)
		state = t.StateHash
		iterations = append(iterations, iteration(i, seed, s, t))
		ledger.Iterations = append(ledger.Iterations, t)
	}
	ledger.Summarize()
	return iterations, ledger, params
}

var start = time.Date(2025, 10, 12, 12, 0, 0, 0, time.UTC)

// iteration is iteration i's summary in our format.
func iteration(i int, seed uint64, s artifact.Summary, t artifact.Tuning) *artifact.IterationSummary {
	return &artifact.IterationSummary{
		SchemaVersion: artifact.SchemaVersion, Kind: artifact.KindIterationSummary,
		Iteration: i, Mode: artifact.ModeMock, Seed: seed, DurationMs: 60000, Status: artifact.StatusOK,
		StartedAt: start.Add(time.Duration(i-1) * time.Minute).Format(time.RFC3339),
		Summary:   s, Tuning: &t,
	}
}

// WriteDir writes the soak of the seed, n iterations, into dir (created
// if missing): ITER_SUMMARY_<i>.json for each iteration, the ledger
// TUNING_REPORT.json and runtime_overrides.json, in our format or, with
// legacy, as the Python toolkit wrote them (no envelopes, a ledger of
// plain entries, skip reasons as objects). The same arguments write the
// same bytes.
func WriteDir(dir string, n int, seed uint64, legacy bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	iterations, ledger, params := Soak(n, seed)
	var legacyLedger []map[string]any
	for _, it := range iterations {
		var data []byte
		var err error
		if legacy {
			doc, entry := legacyIteration(it.Iteration, it.Summary, *it.Tuning)
			legacyLedger = append(legacyLedger, entry)
			data, err = json.MarshalIndent(doc, "", "  ") // sorted keys, indent 2: like jsonx.write_json
			data = append(data, '\n')
		} else {
			data, err = artifact.Marshal(it)
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, artifact.IterationFileName(it.Iteration)), data, 0o644); err != nil {
			return err
		}
	}
	if err := writeJSON(filepath.Join(dir, artifact.OverridesFile), artifact.Overrides{Params: params}); err != nil {
		return err
	}
	path := filepath.Join(dir, artifact.TuningReportFile)
	if !legacy {
		return writeJSON(path, ledger)
	}
	applied := 0
	for _, e := range legacyLedger {
		if e["applied"] == true {
			applied++
		}
	}
	rep := map[string]any{"iterations": legacyLedger, "summary": map[string]any{
		"count": n, "applied": applied, "blocked_oscillation": 0, "blocked_velocity": 0, "cooldown_skips": 0}}
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// writeJSON writes v as our artifact file at path. Plain writes: the
// generator's output is made before it is read, never beside a reader.
func writeJSON(path string, v any) error {
	data, err := artifact.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, data, 0o644)
}

// legacyIteration renders an iteration as the Python toolkit wrote it
// (spec/legacy-toolkit.md §2.4, §2.5).
func legacyIteration(i int, s artifact.Summary, t artifact.Tuning) (it, entry map[string]any) {
	skip := any("")
	if t.SkipReason != "" {
		skip = map[string]any{"cooldown": false, "velocity": true, "oscillation": false, "freeze": false, "no_op": false, "note": "velocity cap exceeded"}
	}
	var oldHash, stateHash any = t.OldHash, t.StateHash
	rationale := ""
	for j, r := range t.Rationale {
		if j > 0 {
			rationale += " | "
		}
		rationale += r
	}
	summary := map[string]any{
		"runtime_utc": "2025-10-12T12:00:00Z", "version": "mock",
		"net_bps": *s.NetBps, "gross_bps": nil, "fees_eff_bps": nil, "slippage_bps": nil, "adverse_bps": nil, "inventory_bps": nil,
		"fills":           map[string]any{"maker_count": s.Fills.MakerCount, "taker_count": s.Fills.TakerCount, "maker_volume": s.Fills.MakerVolume, "taker_volume": s.Fills.TakerVolume},
		"adverse_bps_p95": *s.AdverseBpsP95, "slippage_bps_p95": *s.SlippageBpsP95,
		"order_age_p95_ms": *s.OrderAgeP95Ms, "p95_latency_ms": *s.P95LatencyMs,
		"risk_ratio": *s.RiskRatio, "min_interval_ratio": 0.47, "concurrency_ratio": 0.31,
		"neg_edge_drivers": []string{"slippage_bps", "adverse_bps"},
		"blocks": map[string]any{"counts": map[string]int{"min_interval": 0, "concurrency": 0, "risk": 0, "throttle": 0, "allowed": 0, "other": 0},
			"total": 0, "ratios": map[string]float64{}},
		"kpi_verdict": "OK", "kpi_reasons": []string{}, "sentinel_advice": []string{},
		"maker_taker_ratio": *s.MakerTakerRatio, "maker_taker_source": s.MakerTakerSource,
	}
	tun := map[string]any{
		"deltas": t.ProposedDeltas, "proposed_deltas": t.ProposedDeltas, "rationale": rationale,
		"conditions": map[string]any{"net_bps": *s.NetBps, "risk_ratio": *s.RiskRatio, "adverse_p95": *s.AdverseBpsP95,
			"slippage_p95": *s.SlippageBpsP95, "order_age_p95_ms": *s.OrderAgeP95Ms, "min_interval_ratio": 0.47, "concurrency_ratio": 0.31},
		"applied": t.Applied, "skip_reason": skip, "changed_keys": t.ChangedKeys, "state_hash": stateHash, "old_hash": oldHash,
	}
	it = map[string]any{"iteration": i, "summary": summary, "tuning": tun}
	entry = map[string]any{"iteration": i, "runtime_utc": "2025-10-12T12:00:00Z", "net_bps": *s.NetBps, "kpi_verdict": "OK",
		"neg_edge_drivers": []string{"slippage_bps", "adverse_bps"}, "proposed_deltas": t.ProposedDeltas, "suggested_deltas": t.ProposedDeltas,
		"rationale": rationale, "applied": t.Applied, "signature": stateHash, "state_hash": stateHash, "skip_reason": skip,
		"changed_keys": t.ChangedKeys, "oscillation_detected": false, "velocity_violation": false, "cooldown_active": false}
	return it, entry
}

// WriteEvents writes n events of the simulator's soak of the seed (30,000
// events per iteration, default parameters) to w as one events.jsonl
// stream whose t_ms never goes back. The same arguments write the same
// bytes.
func WriteEvents(w io.Writer, n int, seed uint64) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	ew := events.NewWriter(bw)
	cfg := sim.Config{Seed: seed, Iterations: 1 + n/30000}
	left := n
	var last int64 // the latest t_ms written
	for it := 1; left > 0; it++ {
		// One continuous stream: an iteration starts where the previous
		// one's last event was if that ran past its nominal end, so that
		// t_ms never goes back (the events contract refuses that).
		tBase := max(int64(it-1)*sim.DefaultDurationMs, last)
		err := sim.Run(cfg, it, nil, func(e *events.Event) error {
			if left == 0 {
				return sim.ErrStop
			}
			left--
			e.TMs += tBase
			last = max(last, e.TMs)
			return ew.Write(e)
		})
		if err != nil {
			return err
		}
	}
	if err := ew.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}
