package bot

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/soakline/soakline/internal/events"
	"github.com/soakline/soakline/internal/sim"
	"github.com/soakline/soakline/pkg/artifact"
)

// Live mode (--run-for): fakebot trades in real time as a long-running
// bot does, against the same simulated market as an iteration (package
// sim, one second of market time per chunk, --rate events a second), and
// serves its metrics on --metrics-addr for Prometheus
// (docs/metrics-contract.md) instead of writing events.jsonl. It re-reads
// its overrides file whenever the file changes (soak-run --kpi-source
// prometheus rewrites it at each window's end) and exports the values it
// runs with as bot_effective_param{key}.

// liveOpts are the flags of live mode.
type liveOpts struct {
	runFor, degradeAfter time.Duration
	metricsAddr, track   string
	overrides            string
	seed                 uint64
	seedSet              bool // --seed given (0 is a seed too)
	rate                 int
}

// liveFlagNames are the flags only live mode reads; flagsBoth the ones
// both modes read.
var (
	liveFlagNames = []string{"run-for", "metrics-addr", "track", "degrade-after", "rate", "overrides", "seed"}
	flagsBoth     = []string{"scenario", "deaf"}
)

func addLiveFlags(fs *flag.FlagSet) *liveOpts {
	o := &liveOpts{}
	fs.DurationVar(&o.runFor, "run-for", 0, "live mode: trade in real time for `D` (e.g. 10m), serving metrics")
	fs.StringVar(&o.metricsAddr, "metrics-addr", "", "live mode: serve /metrics on `HOST:PORT` (port 0: any free port, printed)")
	fs.StringVar(&o.track, "track", "baseline", "live mode: the value of the track label on every series")
	fs.DurationVar(&o.degradeAfter, "degrade-after", 0, "live mode: after `D`, p95 latency +50% and net edge -2 bps (a bad release)")
	fs.IntVar(&o.rate, "rate", sim.DefaultEvents*1000/sim.DefaultDurationMs, "live mode: simulated events per second (the simulator's density: an iteration of --events N is a minute at N/60)")
	fs.StringVar(&o.overrides, "overrides", "", "live mode: overrides `FILE` to run with and re-read when it changes (default $SOAK_OVERRIDES)")
	fs.Uint64Var(&o.seed, "seed", 0, "live mode: market seed (default $SOAK_SEED, else 1)")
	return o
}

// checkLive applies the rules between the flags: live flags only with
// --run-for, per-iteration flags only without.
func checkLive(fs *flag.FlagSet, o *liveOpts) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	o.seedSet = set["seed"]
	if !set["run-for"] {
		for _, n := range liveFlagNames {
			if set[n] {
				return fmt.Errorf("--%s goes with --run-for (live mode)", n)
			}
		}
		return nil
	}
	both := map[string]bool{}
	for _, n := range append(liveFlagNames, flagsBoth...) {
		both[n] = true
	}
	var bad error
	fs.Visit(func(f *flag.Flag) {
		if !both[f.Name] && bad == nil {
			bad = fmt.Errorf("--%s is for one iteration under soak-run --exec; it does not go with --run-for", f.Name)
		}
	})
	switch {
	case bad != nil:
		return bad
	case o.runFor <= 0:
		return fmt.Errorf("--run-for: want a positive duration, got %s", o.runFor)
	case o.metricsAddr == "":
		return fmt.Errorf("--run-for needs --metrics-addr HOST:PORT: live mode reports through Prometheus")
	case o.degradeAfter < 0:
		return fmt.Errorf("--degrade-after must not be negative")
	case o.rate < 10 || o.rate > 1_000_000:
		return fmt.Errorf("--rate: want 10 to 1000000 events a second, got %d", o.rate)
	case o.track == "":
		return fmt.Errorf("--track must not be empty")
	}
	return nil
}

// overridesFile watches the overrides file: it reports a change of
// identity, size or modification time (soak-run replaces the file
// atomically, so a change is a new file).
type overridesFile struct {
	path string
	last os.FileInfo
}

// changed reports whether the file differs from when it was last read.
func (f *overridesFile) changed() bool {
	fi, err := os.Stat(f.path)
	if err != nil {
		return false // gone for a moment: keep running with what we have
	}
	return f.last == nil || !os.SameFile(fi, f.last) || fi.Size() != f.last.Size() || !fi.ModTime().Equal(f.last.ModTime())
}

// read reads and decodes the file, remembering what it read.
func (f *overridesFile) read() (map[string]float64, error) {
	fi, err := os.Stat(f.path)
	if err != nil {
		return nil, err
	}
	f.last = fi
	data, err := os.ReadFile(f.path)
	if err != nil {
		return nil, err
	}
	ov, err := artifact.DecodeOverrides(f.path, data)
	if err != nil {
		return nil, err
	}
	return ov.Params, nil
}

// runLive is live mode; it returns the exit status.
func runLive(o *liveOpts, scenario string, deaf bool, getenv func(string) string, stdout, stderr io.Writer) int {
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "fakebot: "+format+"\n", a...)
		return 2
	}
	sc, err := sim.ParseScenario(scenario)
	if err != nil {
		return fail("--scenario: %v", err)
	}
	seed := o.seed
	if !o.seedSet {
		seed = 1
		if s := getenv("SOAK_SEED"); s != "" {
			if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
				return fail("SOAK_SEED: want a number, got %q", s)
			}
		}
	}
	path := o.overrides
	if path == "" {
		path = getenv("SOAK_OVERRIDES")
	}
	params := sim.Defaults()
	var ovf *overridesFile
	switch {
	case deaf:
		fmt.Fprintf(stdout, "fakebot: deaf: running with the defaults, not %s\n", path)
	case path == "":
		fmt.Fprintf(stdout, "fakebot: no --overrides or SOAK_OVERRIDES: running with the defaults\n")
	default:
		ovf = &overridesFile{path: path}
		if params, err = ovf.read(); err != nil {
			return fail("%v", err)
		}
	}

	m := newMetrics(o.track)
	m.setParams(sim.Effective(params))
	ln, err := net.Listen("tcp", o.metricsAddr)
	if err != nil {
		return fail("--metrics-addr: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", m.handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	fmt.Fprintf(stdout, "fakebot: serving http://%s/metrics (track %q) for %s\n", ln.Addr(), o.track, o.runFor)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(stop)

	start := time.Now()
	end := start.Add(o.runFor)
	var degradeAt time.Time
	if o.degradeAfter > 0 {
		degradeAt = start.Add(o.degradeAfter)
	}
	degraded := false
	chunks := int((o.runFor + chunkDuration - 1) / chunkDuration)
	cfg := sim.Config{Seed: seed, Events: int(int64(o.rate) * chunkDuration.Milliseconds() / 1000), DurationMs: chunkDuration.Milliseconds(),
		Scenario: sc, Iterations: max(chunks, 1)}
	nextEdge, nextCheck := start.Add(time.Second), start
	// housekeeping runs at most every tickEvery: the clock, the
	// degradation, the edge gauge, the overrides file.
	housekeeping := func(now time.Time) error {
		if now.Before(nextCheck) {
			return nil
		}
		nextCheck = now.Add(tickEvery)
		if !now.Before(end) {
			return errEnd
		}
		if !degraded && !degradeAt.IsZero() && !now.Before(degradeAt) {
			degraded = true
			fmt.Fprintf(stderr, "fakebot: degraded from now on (%s after the start): latency x%g, net edge -%g bps\n", o.degradeAfter, DegradeLatencyFactor, DegradeEdgeBps)
		}
		if !now.Before(nextEdge) {
			m.flushEdge()
			nextEdge = nextEdge.Add(time.Second)
		}
		if ovf != nil && ovf.changed() {
			p, err := ovf.read()
			switch {
			case err != nil:
				fmt.Fprintf(stderr, "fakebot: %v; keeping the parameters I run with\n", err)
			case !maps.Equal(p, params):
				params = p
				m.setParams(sim.Effective(params))
				fmt.Fprintf(stdout, "fakebot: re-read %s: %d overrides\n", ovf.path, len(p))
				return errReload
			}
		}
		return nil
	}
	for chunk := 1; ; chunk++ {
		// One simulator iteration (a minute of market time) with the
		// parameters in force, each event released at its time; a
		// change of parameters starts the next.
		cstart := time.Now()
		err := sim.Run(cfg, chunk, params, func(e *events.Event) error {
			if e.Kind == events.KindParams {
				return nil
			}
			due := cstart.Add(time.Duration(e.TMs) * time.Millisecond)
			for {
				now := time.Now()
				if err := housekeeping(now); err != nil {
					return err
				}
				if !now.Before(due) {
					break
				}
				t := time.NewTimer(min(due.Sub(now), tickEvery))
				select {
				case <-stop:
					t.Stop()
					return errSignal
				case <-t.C:
				}
			}
			m.observe(e, degraded)
			return nil
		})
		switch {
		case err == nil, errors.Is(err, errReload):
		case errors.Is(err, errEnd):
			m.flushEdge()
			fmt.Fprintf(stdout, "fakebot: ran for %s\n", o.runFor)
			return 0
		case errors.Is(err, errSignal):
			fmt.Fprintf(stdout, "fakebot: stopped by a signal after %s\n", time.Since(start).Round(time.Millisecond))
			return 0
		default:
			return fail("%v", err)
		}
	}
}

// Ends of a chunk.
var (
	errReload = errors.New("overrides changed")
	errEnd    = errors.New("--run-for reached")
	errSignal = errors.New("signal")
)

// Pacing of live mode.
const (
	chunkDuration = sim.DefaultDurationMs * time.Millisecond // market time of one chunk: a simulator iteration
	tickEvery     = 50 * time.Millisecond                    // how often events are released and the overrides file checked
)
