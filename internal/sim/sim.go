package sim

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/soakline/soakline/internal/events"
)

// Defaults of Config.
const (
	DefaultEvents     = 30000
	DefaultDurationMs = 60000
	DefaultSeed       = 1
	DefaultIterations = 24
)

// Market constants of the model, in basis points unless stated.
const (
	BaseSpreadBps   = 10.8 // quoted spread before base_spread_bps_delta
	MakerRebateBps  = 0.2  // fee of a maker fill (a rebate: positive)
	TakerFeeBps     = 2.0  // fee of a taker fill (a cost)
	TakerCrossBps   = 1.0  // half the market spread a taker fill pays
	InventoryDrift  = -0.1 // mean inventory mark-to-market per maker fill
	basePrice       = 100.0
	shareWS         = 0.04 // share of events that are ws lag samples
	shareBlock      = 0.05 // share of events that are blocked actions
	baseFillShare   = 0.12 // share of events that are fills at the default spread
	baseTakerShare  = 0.24 // taker share of fills at the default spread
	spreadScaleTake = 0.25 // bps of spread delta that cut the taker share by e
	spreadScaleFill = 1.0  // bps of spread delta that cut the fill share by e
	queueMs         = 70.0 // mean own queueing delay at default load and concurrency
	latencySigma    = 0.3  // log-normal sigma of exchange latency
	adverseMeanBps  = 1.3  // mean adverse-selection cost per maker fill at defaults
	slipK           = 1.0  // slippage scale, bps at 300 ms quote age and unit volatility
)

// Config configures the simulator.
type Config struct {
	Seed       uint64   // the soak's seed; with the iteration number it seeds the iteration's generator
	Events     int      // events per iteration; 0 means DefaultEvents
	DurationMs int64    // simulated market time per iteration; 0 means DefaultDurationMs
	Scenario   Scenario // market regime over the soak; "" means Steady
	Iterations int      // planned iterations of the soak, for the scenario's timing; 0 means DefaultIterations
}

func (c Config) withDefaults() Config {
	if c.Events == 0 {
		c.Events = DefaultEvents
	}
	if c.DurationMs == 0 {
		c.DurationMs = DefaultDurationMs
	}
	if c.Scenario == "" {
		c.Scenario = Steady
	}
	if c.Iterations == 0 {
		c.Iterations = DefaultIterations
	}
	return c
}

// Validate reports a configuration the simulator cannot run.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Events < 1:
		return fmt.Errorf("events per iteration must be positive, got %d", c.Events)
	case c.DurationMs < 1:
		return fmt.Errorf("iteration duration must be positive, got %d ms", c.DurationMs)
	case c.Iterations < 1:
		return fmt.Errorf("planned iterations must be positive, got %d", c.Iterations)
	}
	_, err := ParseScenario(string(c.Scenario))
	return err
}

// Model holds the per-iteration rates and scales the parameters and the
// regime imply; Run draws events from it. It is exported so that tests and
// reports can show why a parameter moves a KPI.
type Model struct {
	HalfSpreadBps float64 // maker gross capture per fill
	FillShare     float64 // share of events that are fills
	TakerShare    float64 // share of fills that are taker (rescue) fills
	Load          float64 // quote-update load relative to the defaults
	QueueMeanMs   float64 // mean own queueing delay added to exchange latency
	AgeMeanMs     float64 // mean age of a quote when it is filled, replaced or cancelled
	AdverseMean   float64 // mean adverse-selection cost per maker fill, bps
	BlockWeights  [4]float64
	ActionWeights [3]float64 // place, replace, cancel
	Regime        Regime
}

// NewModel derives the model of one iteration from resolved parameters (see
// Resolve) and a regime. The formulas are the package documentation's.
func NewModel(p map[string]float64, r Regime) Model {
	// The values as the model uses them: Effective's, which Run reports.
	v := func(k string) float64 { return effective(k, p[k]) }
	s := v(KeyBaseSpreadBpsDelta)
	mi := v(KeyMinIntervalMs)
	rr := v(KeyReplaceRatePerMin)
	tail := v(KeyTailAgeMs)
	ic := v(KeyImpactCapRatio)
	md := v(KeyMaxDeltaRatio)
	cc := v(KeyConcurrencyLimit)
	vol := r.VolBps

	var m Model
	m.Regime = r
	m.HalfSpreadBps = (BaseSpreadBps + s) / 2
	m.FillShare = baseFillShare * math.Exp(-(s-0.05)/spreadScaleFill)
	m.TakerShare = math.Min(0.9, baseTakerShare*math.Exp(-(s-0.05)/spreadScaleTake)*vol)
	m.Load = (rr / 300) * math.Sqrt(60/mi) * math.Pow(600/tail, 0.3)
	m.QueueMeanMs = queueMs * m.Load * math.Pow(cc/10, 0.7)
	m.AgeMeanMs = 0.5 * tail * math.Pow(mi/60, 0.3) * math.Pow(300/rr, 0.3)
	m.AdverseMean = adverseMeanBps * vol * math.Sqrt(ic/0.10) * math.Sqrt(md/0.15) * r.AdverseMult
	m.BlockWeights = [4]float64{
		(mi / 60) * math.Sqrt(rr/300),                             // min interval
		0.8 * m.Load * (10 / cc),                                  // concurrency
		1.7 * (ic / 0.10) * (ic / 0.10) * (md / 0.15) * vol * vol, // risk
		0.2 * math.Pow(rr/300, 3),                                 // throttle
	}
	m.ActionWeights = [3]float64{
		0.3,
		0.5 * rr / 300,
		0.2 * math.Sqrt(60/mi) * math.Sqrt(600/tail),
	}
	return m
}

// ErrStop may be returned by emit to end an iteration early without error.
var ErrStop = errors.New("sim: stop")

// Run simulates iteration (1-based) of a soak with the given parameter
// overrides and passes each event to emit, in time order: first, as a bot
// under soak-run --exec does, an effective_params record (t_ms 0) with the
// parameters it runs with (Effective), then cfg.Events market events.
// Unknown keys in params are ignored (see Resolve) and so are not in the
// record. The same cfg, iteration and params give the same events. emit
// must not keep the pointer; an error from emit ends the run and is
// returned, except ErrStop, which ends it with nil.
func Run(cfg Config, iteration int, params map[string]float64, emit func(*events.Event) error) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	cfg = cfg.withDefaults()
	if iteration < 1 {
		return fmt.Errorf("iteration must be 1 or more, got %d", iteration)
	}
	p, _ := Resolve(params)
	m := NewModel(p, RegimeAt(cfg.Scenario, iteration, cfg.Iterations))
	rng := rand.New(rand.NewPCG(cfg.Seed, uint64(iteration)))
	report := events.Event{Kind: events.KindParams, Params: events.ParamsOf(Effective(p))}
	err := emit(&report)
	if err == nil {
		err = m.run(rng, cfg.Events, float64(cfg.DurationMs), emit)
	}
	if errors.Is(err, ErrStop) {
		return nil
	}
	return err
}

func (m *Model) run(rng *rand.Rand, n int, durationMs float64, emit func(*events.Event) error) error {
	var blockTotal, actionTotal float64
	for _, w := range m.BlockWeights {
		blockTotal += w
	}
	for _, w := range m.ActionWeights {
		actionTotal += w
	}
	pWS := shareWS
	pFill := pWS + m.FillShare
	pBlock := pFill + shareBlock
	dtMean := durationMs / float64(n)
	vol := m.Regime.VolBps
	t := 0.0
	mid := basePrice
	var ev events.Event
	for range n {
		dt := rng.ExpFloat64() * dtMean
		t += dt
		mid *= 1 + vol*1e-4*math.Sqrt(dt/1000)*rng.NormFloat64()
		ev = events.Event{TMs: int64(t)}
		u := rng.Float64()
		switch {
		case u < pWS:
			ev.Kind = events.KindWS
			ev.LagMs = round(20+rng.ExpFloat64()*12*vol, 100)
		case u < pFill:
			m.fill(rng, &ev, mid)
		case u < pBlock:
			ev.Kind = events.KindBlock
			ev.Reason = events.Reason(pick(rng, m.BlockWeights[:], blockTotal) + 1)
		default:
			ev.Kind = events.KindOrder
			ev.Action = events.Action(pick(rng, m.ActionWeights[:], actionTotal) + 1)
			ev.LatencyMs = round(m.latency(rng), 100)
			if ev.Action != events.ActionPlace {
				ev.AgeMs = round(m.age(rng), 100)
			}
		}
		if err := emit(&ev); err != nil {
			return err
		}
	}
	return nil
}

// fill draws one fill and its signed PnL components (costs negative).
func (m *Model) fill(rng *rand.Rand, ev *events.Event, mid float64) {
	vol := m.Regime.VolBps
	ev.Kind = events.KindFill
	ev.Qty = round(0.5+rng.ExpFloat64(), 1e4)
	ev.Price = round(mid, 1e4)
	if rng.Float64() < m.TakerShare {
		// A rescue: we cross the market to shed inventory, paying the
		// market's half spread, the taker fee and the move during our
		// own latency; the inventory we shed is marked flat.
		lat := m.latency(rng)
		ev.Liquidity = events.Taker
		ev.GrossBps = round(-TakerCrossBps+0.1*rng.NormFloat64(), 1e4)
		ev.FeesBps = -TakerFeeBps
		ev.SlippageBps = round(-slipK*vol*math.Sqrt(lat/300)*math.Abs(rng.NormFloat64()), 1e4)
		ev.AdverseBps = round(-0.2*m.AdverseMean*rng.ExpFloat64(), 1e4)
		ev.InventoryBps = round(0.2*vol*rng.NormFloat64(), 1e4)
		return
	}
	age := m.age(rng)
	ev.Liquidity = events.Maker
	ev.AgeMs = round(age, 100)
	ev.GrossBps = round(m.HalfSpreadBps+0.3*rng.NormFloat64(), 1e4)
	ev.FeesBps = MakerRebateBps
	ev.SlippageBps = round(-slipK*vol*math.Sqrt(age/300)*math.Abs(rng.NormFloat64()), 1e4)
	ev.AdverseBps = round(-m.AdverseMean*rng.ExpFloat64(), 1e4)
	ev.InventoryBps = round(InventoryDrift+0.4*vol*rng.NormFloat64(), 1e4)
}

// latency draws an order's decision-to-ack latency: log-normal exchange
// latency plus exponential own queueing.
func (m *Model) latency(rng *rand.Rand) float64 {
	return m.Regime.ExchangeLatencyMs*math.Exp(latencySigma*rng.NormFloat64()) + m.QueueMeanMs*rng.ExpFloat64()
}

// age draws a quote's age: exponential around the mean, cut at four means
// (about twice the tail age at the defaults: the bot refreshes older quotes).
func (m *Model) age(rng *rand.Rand) float64 {
	return math.Min(m.AgeMeanMs*rng.ExpFloat64(), 4*m.AgeMeanMs)
}

// pick returns an index drawn with probability proportional to w.
func pick(rng *rand.Rand, w []float64, total float64) int {
	u := rng.Float64() * total
	for i, x := range w {
		if u < x {
			return i
		}
		u -= x
	}
	return len(w) - 1
}

// round rounds x to 1/scale so that events serialize compactly and
// identically across platforms whose last float bit may differ.
func round(x, scale float64) float64 { return math.Round(x*scale) / scale }
