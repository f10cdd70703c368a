package bot

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/soakline/soakline/pkg/botevents"
)

// Live mode (--run-for): fakebot trades in real time as a long-running
// bot does, against the same market as an iteration (market.go, a minute
// of market time per chunk, --rate events a second), and
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
	flagsBoth     = []string{"deaf"}
)

func addLiveFlags(fs *flag.FlagSet) *liveOpts {
	o := &liveOpts{}
	fs.DurationVar(&o.runFor, "run-for", 0, "live mode: trade in real time for `D` (e.g. 10m), serving metrics")
	fs.StringVar(&o.metricsAddr, "metrics-addr", "", "live mode: serve /metrics on `HOST:PORT` (port 0: any free port, printed)")
	fs.StringVar(&o.track, "track", "baseline", "live mode: the value of the track label on every series")
	fs.DurationVar(&o.degradeAfter, "degrade-after", 0, "live mode: after `D`, p95 latency +50% and net edge -2 bps (a bad release)")
	fs.IntVar(&o.rate, "rate", defaultRate, "live mode: simulated events per second (an iteration of --events N is a minute at N/60)")
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
	return botevents.ReadOverrides(f.path)
}

// runLive is live mode; it returns the exit status.
func runLive(o *liveOpts, deaf bool, getenv func(string) string, stdout, stderr io.Writer) int {
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "fakebot: "+format+"\n", a...)
		return 2
	}
	var err error
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
	params := configure(nil)
	var ovf *overridesFile
	switch {
	case deaf:
		fmt.Fprintf(stdout, "fakebot: deaf: running with the defaults, not %s\n", path)
	case path == "":
		fmt.Fprintf(stdout, "fakebot: no --overrides or SOAK_OVERRIDES: running with the defaults\n")
	default:
		ovf = &overridesFile{path: path}
		ov, err := ovf.read()
		if err != nil {
			return fail("%v", err)
		}
		params = configure(ov)
	}

	m := newMetrics(o.track)
	m.setParams(params)
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
	perChunk := int(int64(o.rate) * chunkDuration.Milliseconds() / 1000)
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
			case !maps.Equal(configure(p), params):
				params = configure(p)
				m.setParams(params)
				fmt.Fprintf(stdout, "fakebot: re-read %s: %d overrides\n", ovf.path, len(p))
				return errReload
			}
		}
		return nil
	}
	for chunk := 1; ; chunk++ {
		// A minute of market time with the parameters in force, each
		// event released at its time; a change of parameters starts the
		// next.
		p := &pacer{start: time.Now(), m: m, degraded: &degraded, stop: stop, housekeeping: housekeeping}
		rng := rand.New(rand.NewPCG(seed, uint64(chunk)))
		err := newMarket(params).trade(rng, perChunk, float64(chunkDuration.Milliseconds()), p)
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
	chunkDuration = iterationMs * time.Millisecond // market time of one chunk: an iteration's
	tickEvery     = 50 * time.Millisecond          // how often events are released and the overrides file checked
	defaultRate   = 500                            // --rate: an iteration of --events 30000
)

// pacer releases each event of a chunk at its time in real time, doing the
// housekeeping while it waits, and adds it to the metrics.
type pacer struct {
	start        time.Time
	m            *metrics
	degraded     *bool
	stop         <-chan os.Signal
	housekeeping func(time.Time) error
}

// at waits until t_ms of the chunk.
func (p *pacer) at(tMs int64) error {
	due := p.start.Add(time.Duration(tMs) * time.Millisecond)
	for {
		now := time.Now()
		if err := p.housekeeping(now); err != nil {
			return err
		}
		if !now.Before(due) {
			return nil
		}
		t := time.NewTimer(min(due.Sub(now), tickEvery))
		select {
		case <-p.stop:
			t.Stop()
			return errSignal
		case <-t.C:
		}
	}
}

func (p *pacer) Order(o botevents.Order) error {
	err := p.at(o.TMs)
	if err == nil {
		p.m.order(o.LatencyMs, *p.degraded)
	}
	return err
}

func (p *pacer) Fill(f botevents.Fill) error {
	err := p.at(f.TMs)
	if err == nil {
		p.m.fill(f, *p.degraded)
	}
	return err
}

func (p *pacer) Block(b botevents.Block) error {
	err := p.at(b.TMs)
	if err == nil {
		p.m.block(b.Reason)
	}
	return err
}

func (p *pacer) WS(w botevents.WS) error { return p.at(w.TMs) }
