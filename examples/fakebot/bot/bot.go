// Package bot is examples/fakebot: a stand-in for a real bot under the
// soak-run --exec contract.
//
// Contract (what soak-run gives, what the bot leaves):
//
//	SOAK_ITERATION   the iteration number, 1-based
//	SOAK_ITERATIONS  the planned number of iterations
//	SOAK_OVERRIDES   path of runtime_overrides.json (read it at start-up)
//	SOAK_ITER_DIR    where to leave events.jsonl (docs/bot-contract.md),
//	                 written with pkg/botevents as a Go bot would
//	                 or a legacy EDGE_REPORT.json
//	SOAK_SEED        the soak's seed
//
// Like a real bot, fakebot reports the parameters it runs with: the first
// line of its events.jsonl is an effective_params record (written by the
// simulator it trades against), which soak-run compares with the
// overrides it wrote.
//
// Flags:
//
//	--events N         simulated events per iteration (default 5000)
//	--scenario NAME    simulated market (default steady)
//	--edge-report      write a legacy EDGE_REPORT.json instead of events.jsonl
//	--deaf             ignore SOAK_OVERRIDES: run with the built-in defaults
//	                   (and report those, honestly), as a bot that reads
//	                   another file does; soak-gate's overrides_adopted
//	                   check catches it
//	--no-report        leave the effective_params record out of events.jsonl,
//	                   as a bot that does not report its parameters
//	--fail-at LIST     exit with status 3 on these iterations (e.g. 2,5)
//	--hang-at LIST     never finish on these iterations
//	--flush-on-term-at LIST  on these iterations wait for SIGTERM, then write
//	                   the iteration's output and exit 0 (a bot whose
//	                   SIGTERM handler flushes)
//	--ignore-term-at LIST  on these iterations ignore SIGTERM and never finish
//	--garbage-at LIST  write a malformed events.jsonl on these iterations
//	--silent-at LIST   exit 0 without writing any output on these iterations
//
// Live mode (a long-running bot watched through Prometheus; see live.go and
// docs/metrics-contract.md):
//
//	--run-for D        trade in real time for D, then exit 0 (SIGTERM or
//	                   SIGINT: exit 0 at once); no SOAK_ITERATION needed
//	--metrics-addr HOST:PORT  serve /metrics there (required with --run-for)
//	--track NAME       the track label of every series (default baseline)
//	--degrade-after D  after D, latency x1.5 and net edge -2 bps
//	--rate N           simulated events per second (default 500: the
//	                   simulator's density, an iteration of --events N
//	                   being a minute at N/60)
//	--overrides FILE   run with FILE (default $SOAK_OVERRIDES; none: the
//	                   defaults) and read it again whenever it changes
//	--seed N           market seed (default $SOAK_SEED, else 1)
//	--scenario, --deaf as above
package bot

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/soakline/soakline/internal/events"
	"github.com/soakline/soakline/internal/kpi"
	"github.com/soakline/soakline/internal/sim"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/botevents"
)

// Main runs fakebot with the process's arguments and environment.
func Main() int { return Run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr) }

type iterList []int

func (l *iterList) String() string { return fmt.Sprint([]int(*l)) }

func (l *iterList) Set(s string) error {
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("want iteration numbers, got %q", f)
		}
		*l = append(*l, n)
	}
	return nil
}

// Run is fakebot's main; it returns the exit status.
func Run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fakebot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, "usage: fakebot [flags] (the flags are in package bot's doc)") }
	nEvents := fs.Int("events", 5000, "simulated events per iteration")
	scenario := fs.String("scenario", string(sim.Steady), "simulated market")
	edge := fs.Bool("edge-report", false, "write a legacy EDGE_REPORT.json instead of events.jsonl")
	deaf := fs.Bool("deaf", false, "ignore SOAK_OVERRIDES and run with the defaults (reported as such)")
	noReport := fs.Bool("no-report", false, "leave the effective_params record out of events.jsonl")
	var failAt, hangAt, garbageAt, silentAt, flushAt, stubbornAt iterList
	fs.Var(&flushAt, "flush-on-term-at", "wait for SIGTERM on these iterations, then write the output")
	fs.Var(&stubbornAt, "ignore-term-at", "ignore SIGTERM and hang on these iterations")
	fs.Var(&failAt, "fail-at", "exit 3 on these iterations")
	fs.Var(&hangAt, "hang-at", "hang on these iterations")
	fs.Var(&garbageAt, "garbage-at", "write a malformed events.jsonl on these iterations")
	fs.Var(&silentAt, "silent-at", "write no output on these iterations")
	live := addLiveFlags(fs) // live.go
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := checkLive(fs, live); err != nil {
		fmt.Fprintf(stderr, "fakebot: %v\n", err)
		return 2
	}
	if live.runFor > 0 {
		return runLive(live, *scenario, *deaf, getenv, stdout, stderr)
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "fakebot: "+format+"\n", a...)
		return 2
	}
	it, err := strconv.Atoi(getenv("SOAK_ITERATION"))
	if err != nil || it < 1 {
		return fail("SOAK_ITERATION: want an iteration number, got %q (run me under soak-run --exec)", getenv("SOAK_ITERATION"))
	}
	total, _ := strconv.Atoi(getenv("SOAK_ITERATIONS"))
	seed, _ := strconv.ParseUint(getenv("SOAK_SEED"), 10, 64)
	dir := getenv("SOAK_ITER_DIR")
	if dir == "" {
		return fail("SOAK_ITER_DIR is not set")
	}
	var params map[string]float64
	if *deaf {
		params = sim.Defaults()
		fmt.Fprintf(stdout, "fakebot: iteration %d/%d, deaf: running with the defaults, not %s\n", it, total, getenv("SOAK_OVERRIDES"))
	} else {
		data, err := os.ReadFile(getenv("SOAK_OVERRIDES"))
		if err != nil {
			return fail("SOAK_OVERRIDES: %v", err)
		}
		ov, err := artifact.DecodeOverrides(getenv("SOAK_OVERRIDES"), data)
		if err != nil {
			return fail("%v", err)
		}
		params = ov.Params
		fmt.Fprintf(stdout, "fakebot: iteration %d/%d with %d overrides\n", it, total, len(ov.Params))
	}

	switch {
	case slices.Contains(failAt, it):
		fmt.Fprintf(stderr, "fakebot: connecting to the exchange\nfakebot: simulated crash in iteration %d\n", it)
		return 3
	case slices.Contains(flushAt, it):
		term := make(chan os.Signal, 1)
		signal.Notify(term, syscall.SIGTERM)
		fmt.Fprintf(stderr, "fakebot: waiting for SIGTERM in iteration %d\n", it)
		<-term
		fmt.Fprintf(stderr, "fakebot: SIGTERM: flushing\n")
	case slices.Contains(stubbornAt, it):
		signal.Ignore(syscall.SIGTERM)
		fmt.Fprintf(stderr, "fakebot: ignoring SIGTERM in iteration %d\n", it)
		for {
			time.Sleep(time.Hour)
		}
	case slices.Contains(hangAt, it):
		fmt.Fprintf(stderr, "fakebot: hanging in iteration %d\n", it)
		for {
			time.Sleep(time.Hour)
		}
	case slices.Contains(silentAt, it):
		fmt.Fprintf(stderr, "fakebot: iteration %d: writing nothing\n", it)
		return 0
	case slices.Contains(garbageAt, it):
		garbage := "{\"kind\":\"order\",\"t_ms\":1,\"action\":\"place\",\"latency_ms\":3}\nthis is not json\n"
		if err := os.WriteFile(filepath.Join(dir, "events.jsonl"), []byte(garbage), 0o644); err != nil {
			return fail("%v", err)
		}
		return 0
	}

	cfg := sim.Config{Seed: seed, Events: *nEvents, Scenario: sim.Scenario(*scenario), Iterations: max(total, 1)}
	if *edge {
		err = writeEdgeReport(filepath.Join(dir, "EDGE_REPORT.json"), cfg, it, params)
	} else {
		err = writeEvents(filepath.Join(dir, "events.jsonl"), cfg, it, params, !*noReport)
	}
	if err != nil {
		return fail("%v", err)
	}
	return 0
}

// writeEvents writes the iteration's events with pkg/botevents, the writer
// a Go bot would use, complete or not at all; the effective_params record
// only with report.
func writeEvents(path string, cfg sim.Config, it int, params map[string]float64, report bool) error {
	w, err := botevents.Create(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer w.Abort()
	err = sim.Run(cfg, it, params, func(e *events.Event) error {
		if e.Kind == events.KindParams && !report {
			return nil
		}
		return write(w, e)
	})
	if err != nil {
		return err
	}
	return w.Close()
}

// write writes one simulator event through the bot authors' writer.
func write(w *botevents.Writer, e *events.Event) error {
	switch e.Kind {
	case events.KindOrder:
		return w.Order(botevents.Order{TMs: e.TMs, Action: botevents.Action(e.Action.String()), LatencyMs: e.LatencyMs, AgeMs: e.AgeMs})
	case events.KindFill:
		return w.Fill(botevents.Fill{TMs: e.TMs, Liquidity: botevents.Liquidity(e.Liquidity.String()), Qty: e.Qty, Price: e.Price,
			GrossBps: e.GrossBps, FeesBps: e.FeesBps, SlippageBps: e.SlippageBps, AdverseBps: e.AdverseBps,
			InventoryBps: e.InventoryBps, AgeMs: e.AgeMs})
	case events.KindBlock:
		return w.Block(botevents.Block{TMs: e.TMs, Reason: botevents.Reason(e.Reason.String())})
	case events.KindWS:
		return w.WS(botevents.WS{TMs: e.TMs, LagMs: e.LagMs})
	case events.KindParams:
		ps := make(map[string]float64, len(e.Params))
		for _, p := range e.Params {
			ps[p.Key] = p.Value
		}
		return w.EffectiveParams(e.TMs, ps)
	}
	return fmt.Errorf("unknown event kind %d", e.Kind)
}

// writeEdgeReport writes the legacy toolkit's extended EDGE_REPORT.json
// (spec §2.1) from the iteration's KPIs; costs are positive numbers in
// component_breakdown, as the legacy producer wrote them.
func writeEdgeReport(path string, cfg sim.Config, it int, params map[string]float64) error {
	var acc kpi.Accumulator
	if err := sim.Run(cfg, it, params, func(e *events.Event) error { acc.Add(e); return nil }); err != nil {
		return err
	}
	s := acc.Summary()
	v := func(p *float64) float64 {
		if p == nil {
			return 0
		}
		return *p
	}
	totals := map[string]any{
		"net_bps":          v(s.NetBps),
		"adverse_bps_p95":  v(s.AdverseBpsP95),
		"slippage_bps_p95": v(s.SlippageBpsP95),
		"cancel_ratio":     v(s.CancelRatio),
		"order_age_p95_ms": v(s.OrderAgeP95Ms),
		"ws_lag_p95_ms":    v(s.WSLagP95Ms),
		"maker_share_pct":  v(s.MakerSharePct),
		"p95_latency_ms":   v(s.P95LatencyMs),
		"component_breakdown": map[string]float64{
			"gross_bps": v(s.GrossBps), "fees_eff_bps": -v(s.FeesBps), "slippage_bps": -v(s.SlippageBps),
			"adverse_bps": -v(s.AdverseBps), "inventory_bps": v(s.InventoryBps), "net_bps": v(s.NetBps),
		},
	}
	if s.Fills != nil {
		totals["fills"] = s.Fills
	}
	if b := s.Blocks; b != nil && b.Total > 0 {
		reasons := map[string]any{}
		for name, n := range map[string]int64{"min_interval": b.MinInterval, "concurrency": b.Concurrency, "risk": b.Risk, "throttle": b.Throttle} {
			reasons[name] = map[string]any{"count": n, "ratio": float64(n) / float64(b.Total)}
		}
		totals["block_reasons"] = reasons
	}
	data, err := json.MarshalIndent(map[string]any{
		"totals": totals, "symbols": map[string]any{},
		"runtime": map[string]string{"utc": "2026-01-01T00:00:00Z", "version": "fakebot"},
	}, "", "  ")
	if err != nil {
		return err
	}
	return artifact.WriteFile(path, append(data, '\n'), 0o644)
}
