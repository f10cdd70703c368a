// Command gen writes the inputs of the benchmarks in bench/: soak
// directories of any number of iterations, in our format or the legacy
// (Python toolkit) format, and large events.jsonl files from the simulator.
//
// Usage:
//
//	go run ./bench/gen soak -n 100000 -out bench/data/soak-100000 [-legacy] [-seed 1]
//	go run ./bench/gen events -n 10000000 -out bench/data/events.jsonl [-seed 1]
//
// The same arguments write the same bytes. A soak's KPIs drift around the
// built-in policy's targets with noise and a few bad stretches, and the
// tuner proposes and applies deltas now and then, so that the gate and the
// reports have real work to do (windows, trends, delta verification).
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/soakline/soakline/internal/events"
	"github.com/soakline/soakline/internal/sim"
	"github.com/soakline/soakline/pkg/artifact"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gen: error:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: gen soak|events -n N -out PATH [-legacy] [-seed S]")
	}
	fs := flag.NewFlagSet("gen "+args[0], flag.ContinueOnError)
	n := fs.Int("n", 1000, "iterations (soak) or events (events)")
	out := fs.String("out", "", "output directory (soak) or file (events)")
	legacy := fs.Bool("legacy", false, "soak: write the Python toolkit's format")
	seed := fs.Uint64("seed", 1, "random seed")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *out == "" || *n < 1 {
		return errors.New("-out and a positive -n are required")
	}
	switch args[0] {
	case "soak":
		return writeSoak(*out, *n, *seed, *legacy)
	case "events":
		return writeEvents(*out, *n, *seed)
	}
	return fmt.Errorf("unknown command %q", args[0])
}

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
		RiskRatio:        r4(0.28 + 0.1*off + 0.04*rng.NormFloat64()),
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
// guard holds one back every 5th proposal.
func tuning(rng *rand.Rand, i int, params map[string]float64) artifact.Tuning {
	hash := func(n int) string { return fmt.Sprintf("%064x", n) }
	t := artifact.Tuning{Iteration: i, ProposedDeltas: map[string]float64{}, Changes: []artifact.Change{},
		ChangedKeys: []string{}, OldHash: hash(i / 7), StateHash: hash(i / 7), Verified: true}
	if i%7 != 0 {
		return t
	}
	d := math.Round((rng.Float64()-0.5)*50) / 1000
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
		t.Skipped = []artifact.Skip{{Key: sim.KeyMinIntervalMs, Reason: "velocity"}}
		t.SkipReason = "velocity"
		t.Guards = []string{"velocity"}
	} else {
		apply(sim.KeyMinIntervalMs, step)
	}
	t.StateHash = hash(i/7 + 1)
	return t
}

func writeSoak(dir string, n int, seed uint64, legacy bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	start := time.Date(2025, 10, 12, 12, 0, 0, 0, time.UTC)
	ledger := make([]artifact.Tuning, 0, n)
	params := sim.Defaults()
	var legacyLedger []map[string]any
	for i := 1; i <= n; i++ {
		s := kpis(rng, i)
		t := tuning(rng, i, params)
		var data []byte
		var err error
		if legacy {
			it, entry := legacyIteration(i, s, t)
			legacyLedger = append(legacyLedger, entry)
			data, err = json.MarshalIndent(it, "", "  ") // sorted keys, indent 2: like jsonx.write_json
			data = append(data, '\n')
		} else {
			it := artifact.IterationSummary{
				SchemaVersion: artifact.SchemaVersion, Kind: artifact.KindIterationSummary,
				Iteration: i, Mode: artifact.ModeMock, Seed: seed, DurationMs: 60000, Status: artifact.StatusOK,
				StartedAt: start.Add(time.Duration(i-1) * time.Minute).Format(time.RFC3339),
				Summary:   s, Tuning: &t,
			}
			ledger = append(ledger, t)
			data, err = artifact.Marshal(it)
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, artifact.IterationFileName(i)), data, 0o644); err != nil {
			return err
		}
	}
	path := filepath.Join(dir, artifact.TuningReportFile)
	if err := artifact.WriteJSON(filepath.Join(dir, artifact.OverridesFile), artifact.Overrides{Params: params}); err != nil {
		return err
	}
	if legacy {
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
	rep := artifact.TuningReport{SchemaVersion: artifact.SchemaVersion, Kind: artifact.KindTuningReport, Iterations: ledger}
	rep.Summarize()
	return artifact.WriteJSON(path, rep)
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

// writeEvents writes n events of the simulator's soak (30,000 events per
// iteration, default parameters) to path.
func writeEvents(path string, n int, seed uint64) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	w := events.NewWriter(bw)
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
			return w.Write(e)
		})
		if err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}
