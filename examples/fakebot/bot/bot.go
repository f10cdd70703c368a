// Package bot is examples/fakebot: a stand-in for a real bot under the
// soak-run --exec contract.
//
// Contract (what soak-run gives, what the bot leaves):
//
//	SOAK_ITERATION   the iteration number, 1-based
//	SOAK_ITERATIONS  the planned number of iterations
//	SOAK_OVERRIDES   path of runtime_overrides.json (read it at start-up)
//	SOAK_ITER_DIR    where to leave events.jsonl (docs/bot-contract.md)
//	                 or a legacy EDGE_REPORT.json
//	SOAK_SEED, SOAK_ITER_SEED  the soak's seed and the iteration's own
//
// It is written as a Go bot would be, against the standard library and
// pkg/botevents only (and the Prometheus client library for live mode), so
// it can be copied: main reads the environment and the overrides with
// pkg/botevents, trades, and writes events.jsonl with it. The exchange is
// a small seeded market model (market.go), the one part a bot author
// replaces with their own. Like a real bot, fakebot reports the parameters
// it runs with: the first line of its events.jsonl is an effective_params
// record, which soak-run compares with the overrides it wrote.
//
// Flags:
//
//	--events N         simulated events per iteration (default 5000), over
//	                   a minute of market time
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
//	--rate N           simulated events per second (default 500; an
//	                   iteration of --events N is a minute at N/60)
//	--overrides FILE   run with FILE (default $SOAK_OVERRIDES; none: the
//	                   defaults) and read it again whenever it changes
//	--seed N           market seed (default $SOAK_SEED, else 1)
//	--deaf             as above
package bot

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

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

// iterationMs is the market time of one iteration.
const iterationMs = 60_000

// Run is fakebot's main; it returns the exit status.
func Run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fakebot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, "usage: fakebot [flags] (the flags are in package bot's doc)") }
	nEvents := fs.Int("events", 5000, "simulated events per iteration (a minute of market time)")
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
		return runLive(live, *deaf, getenv, stdout, stderr)
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "fakebot: "+format+"\n", a...)
		return 2
	}
	if *nEvents < 1 {
		return fail("--events: want at least 1, got %d", *nEvents)
	}
	// 1. What soak-run gives: the iteration and the overrides to run with.
	env, err := botevents.ReadEnv(getenv)
	if err != nil {
		return fail("%v", err)
	}
	var params map[string]float64
	if *deaf {
		params = configure(nil)
		fmt.Fprintf(stdout, "fakebot: iteration %d/%d, deaf: running with the defaults, not %s\n", env.Iteration, env.Iterations, env.Overrides)
	} else {
		if env.Overrides == "" {
			return fail("SOAK_OVERRIDES is not set")
		}
		ov, err := botevents.ReadOverrides(env.Overrides)
		if err != nil {
			return fail("SOAK_OVERRIDES: %v", err)
		}
		params = configure(ov)
		fmt.Fprintf(stdout, "fakebot: iteration %d/%d with %d overrides\n", env.Iteration, env.Iterations, len(ov))
	}

	// 2. The misbehaviours the flags ask for.
	it := env.Iteration
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
		if err := os.WriteFile(filepath.Join(env.Dir, botevents.FileName), []byte(garbage), 0o644); err != nil {
			return fail("%v", err)
		}
		return 0
	}

	// 3. Trade one iteration and leave what it did in SOAK_ITER_DIR. The
	// market's randomness is the iteration's own seed.
	rng := rand.New(rand.NewPCG(env.IterSeed, uint64(it)))
	if *edge {
		var r legacyReport
		err = newMarket(params).trade(rng, *nEvents, iterationMs, &r)
		if err == nil {
			err = r.write(env.Dir)
		}
	} else {
		err = writeEvents(env.Dir, rng, *nEvents, params, !*noReport)
	}
	if err != nil {
		return fail("%v", err)
	}
	return 0
}

// writeEvents trades one iteration and writes its events with
// pkg/botevents, complete or not at all: first, with report, the
// parameters the bot runs with (effective_params), then what it did.
func writeEvents(dir string, rng *rand.Rand, n int, params map[string]float64, report bool) error {
	w, err := botevents.Create(dir)
	if err != nil {
		return err
	}
	defer w.Abort()
	if report {
		if err := w.EffectiveParams(0, params); err != nil {
			return err
		}
	}
	if err := newMarket(params).trade(rng, n, iterationMs, w); err != nil {
		return err
	}
	return w.Close()
}
