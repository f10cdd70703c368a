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
	BaseSpreadBps  = 10.8 // quoted spread before base_spread_bps_delta
	MakerRebateBps = 0.2  // fee of a maker fill (a rebate: positive)
	TakerFeeBps    = 2.0  // fee of a taker fill (a cost)
	TakerCrossBps  = 1.0  // half the market spread a taker fill pays
	InventoryDrift = 0.0  // mean inventory mark-to-market per maker fill at no inventory
	basePrice      = 100.0

	// Fill intensity λ(δ) = A·exp(−k·(δ − δ₀)) per ms of quoted time
	// (Avellaneda–Stoikov), δ the half spread, δ₀ the default's.
	FillIntensityA = 0.12 // maker fills per ms of quoted time at δ₀
	FillDecayK     = 0.9  // k, per bps of half spread
	// Informed (toxic) share of the flow that reaches a quote at δ:
	// π(δ) = InformedShare0·exp(−(δ − δ₀)/InformedScaleBps) (Glosten–Milgrom:
	// a wider quote is reached by less informed flow).
	InformedShare0   = 0.45
	InformedScaleBps = 0.35
	adverseMeanBps   = 1.0  // mean adverse-selection cost per maker fill at the defaults
	wsPerMs          = 0.02 // market-data samples per ms of quoted time
	cancelPerMs      = 2e-4 // quote pulls per ms of quoted time at the defaults
	queueMs          = 70.0 // mean own queueing delay at default load and concurrency
	latencySigma     = 0.3  // log-normal sigma of exchange latency
	slipK            = 1.0  // slippage scale, bps at 300 ms quote age and unit volatility
	stepPerQty       = 0.06 // inventory change per unit of fill quantity at impact_cap_ratio 0.10, in position limits
	informedAdverse  = 1.6  // adverse cost of an informed fill relative to the mean
	shedFrac         = 0.5  // share of the inventory a rescue sheds
	skewPull         = 0.25 // inventory skew of the quotes: the fill that reduces |q| is this much likelier per unit of |q|/R
)

// Config configures the simulator.
type Config struct {
	Seed       uint64   // the soak's seed; with the iteration number it seeds the iteration's generator
	Events     int      // events per iteration; 0 means DefaultEvents
	DurationMs int64    // simulated market time per iteration; 0 means DefaultDurationMs. With fewer Events than the rates need (below about 16,000 per minute at the defaults) an iteration covers less time
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
	HalfSpreadBps float64    // δ: maker gross capture per fill
	FillPerMs     float64    // λ(δ): maker fills per ms of quoted time
	InformedShare float64    // π(δ): share of maker fills that are informed
	Load          float64    // quote-update load relative to the defaults
	QueueMeanMs   float64    // mean own queueing delay added to exchange latency
	AgeMeanMs     float64    // mean age of a quote when it is filled, replaced or cancelled
	AdverseMean   float64    // mean adverse-selection cost per maker fill, bps
	Size          float64    // order size relative to the defaults' (impact_cap_ratio / 0.10)
	Step          float64    // inventory change per unit of fill quantity, in position limits
	RescueAt      float64    // |inventory| (in position limits) at which the bot sheds by crossing
	CancelPerMs   float64    // quote pulls (the book empties) per ms of quoted time
	GapMeanMs     float64    // mean time without a quote after a pull: re-place wait, concurrency wait, ack
	CCWaitMeanMs  float64    // mean wait for an in-flight slot before a re-place
	Uptime        float64    // expected share of time with a quote: 1/(1 + CancelPerMs·GapMeanMs)
	BlockAttempt  [4]float64 // probability that a quote update is blocked, by reason (risk: at the limit; see riskBlock)
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
	dd := (s - 0.05) / 2 // δ − δ₀
	m.FillPerMs = FillIntensityA * math.Exp(-FillDecayK*dd)
	m.InformedShare = math.Min(0.9, InformedShare0*math.Exp(-dd/InformedScaleBps)*vol*r.AdverseMult)
	m.Load = (rr / 300) * math.Sqrt(60/mi) * math.Pow(600/tail, 0.3)
	m.QueueMeanMs = queueMs * m.Load * math.Pow(cc/10, 0.7)
	m.AgeMeanMs = 0.5 * tail * math.Pow(mi/60, 0.3) * math.Pow(300/rr, 0.3)
	m.AdverseMean = adverseMeanBps * vol * math.Sqrt(ic/0.10) * r.AdverseMult * math.Exp(-dd/InformedScaleBps/2)
	m.Size = ic / 0.10
	m.Step = stepPerQty
	m.RescueAt = 0.55 + 2*md
	m.CancelPerMs = cancelPerMs * math.Sqrt(600/tail)
	m.CCWaitMeanMs = 40 * m.Load * math.Pow(10/cc, 1.5)
	latMean := r.ExchangeLatencyMs*math.Exp(latencySigma*latencySigma/2) + m.QueueMeanMs
	m.GapMeanMs = 1.5*mi + m.CCWaitMeanMs + latMean
	m.Uptime = 1 / (1 + m.CancelPerMs*m.GapMeanMs)
	m.BlockAttempt = [4]float64{
		0.035 * (mi / 60) * math.Sqrt(rr/300), // min interval
		0.025 * m.Load * (10 / cc),            // concurrency
		0,                                     // risk: riskBlock, from the inventory
		0.006 * math.Pow(rr/300, 3),           // throttle
	}
	return m
}

// riskBlock is the probability that a quote update is refused by the risk
// check at inventory q: none below 40 % of the rescue level, rising
// quadratically to riskBlockMax at it, scaled by the order size.
func (m *Model) riskBlock(q float64) float64 {
	x := (math.Abs(q) - riskFrom) / (1 - riskFrom)
	if x <= 0 {
		return 0
	}
	return math.Min(0.9, riskBlockMax*x*x*math.Pow(m.Size, 1.5))
}

// maxEventShare is the largest share of an up-state slot's probability that
// goes to ws samples, fills and pulls; the rest are quote updates.
const maxEventShare = 0.5

const (
	riskBlockMax = 0.42
	riskFrom     = 0.3
)

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

// state is the simulated bot's book and inventory during one iteration.
type state struct {
	t    float64 // ms
	mid  float64
	q    float64 // inventory, in position limits (signed)
	left int     // events still to emit
}

func (m *Model) run(rng *rand.Rand, n int, durationMs float64, emit func(*events.Event) error) error {
	// Up-state slots: each is one event; their mean length is chosen so
	// that the quoted time plus the gaps fill the iteration.
	slot := m.Uptime * durationMs / float64(n)
	// Too few events for the rates: the iteration covers less market
	// time (as much as n events at these rates take), not the rates
	// distorted. At most maxEventShare of the slots are rate-driven.
	if busy := (wsPerMs + m.FillPerMs + m.CancelPerMs) * slot; busy > maxEventShare {
		slot *= maxEventShare / busy
	}
	pWS := wsPerMs * slot
	pFill := pWS + m.FillPerMs*slot
	pCancel := pFill + m.CancelPerMs*slot
	vol := m.Regime.VolBps
	st := state{mid: basePrice, left: n}
	var ev events.Event
	out := func() error {
		st.left--
		return emit(&ev)
	}
	advance := func(dt float64) {
		st.t += dt
		st.mid *= 1 + vol*1e-4*math.Sqrt(dt/1000)*rng.NormFloat64()
	}
	// The book starts empty: the first quote goes out after its ack.
	if err := m.replace(rng, &st, &ev, out, advance, 0); err != nil {
		return err
	}
	for st.left > 0 {
		advance(rng.ExpFloat64() * slot)
		ev = events.Event{TMs: int64(st.t)}
		u := rng.Float64()
		switch {
		case u < pWS:
			ev.Kind = events.KindWS
			ev.LagMs = round(20+rng.ExpFloat64()*12*vol, 100)
		case u < pFill:
			m.fill(rng, &ev, &st)
			if err := out(); err != nil {
				return err
			}
			if math.Abs(st.q) >= m.RescueAt && st.left > 0 {
				ev = events.Event{TMs: int64(st.t)}
				m.rescue(rng, &ev, &st)
			} else {
				continue
			}
		case u < pCancel:
			// The bot pulls its quote (a refresh past the tail age or
			// a risk pull); the book is empty until the re-place is
			// acknowledged.
			ev.Kind = events.KindOrder
			ev.Action = events.ActionCancel
			ev.LatencyMs = round(m.latency(rng), 100)
			ev.AgeMs = round(m.age(rng), 100)
			if err := out(); err != nil {
				return err
			}
			if err := m.replace(rng, &st, &ev, out, advance, m.GapMeanMs-m.CCWaitMeanMs-m.latMean()); err != nil {
				return err
			}
			continue
		default:
			// A quote update: refused by a check, or sent.
			ev.Kind = events.KindOrder
			r := rng.Float64()
			b := m.BlockAttempt
			b[events.ReasonRisk-1] = m.riskBlock(st.q)
			if i := blocked(r, b); i > 0 {
				ev = events.Event{TMs: ev.TMs, Kind: events.KindBlock, Reason: events.Reason(i)}
				break
			}
			ev.Action = events.ActionReplace
			ev.LatencyMs = round(m.latency(rng), 100)
			ev.AgeMs = round(m.age(rng), 100)
		}
		if err := out(); err != nil {
			return err
		}
	}
	return nil
}

// latMean is the mean decision-to-ack latency.
func (m *Model) latMean() float64 {
	return m.Regime.ExchangeLatencyMs*math.Exp(latencySigma*latencySigma/2) + m.QueueMeanMs
}

// blocked returns the 1-based reason whose probability r falls in, or 0.
func blocked(r float64, p [4]float64) int {
	for i, x := range p {
		if r < x {
			return i + 1
		}
		r -= x
	}
	return 0
}

// replace puts a quote back on an empty book: it waits about waitMs for the
// minimum interval (attempts meanwhile are min_interval blocks), then for a
// free in-flight slot (concurrency blocks), and is live once acknowledged;
// the place event carries its latency and the time it is sent.
func (m *Model) replace(rng *rand.Rand, st *state, ev *events.Event, out func() error, advance func(float64), waitMs float64) error {
	block := func(reason events.Reason, ms float64) error {
		// One refused attempt per 15 ms of waiting.
		for k := int(ms / 15); k > 0 && st.left > 0; k-- {
			advance(15)
			*ev = events.Event{TMs: int64(st.t), Kind: events.KindBlock, Reason: reason}
			if err := out(); err != nil {
				return err
			}
		}
		advance(math.Mod(ms, 15))
		return nil
	}
	if waitMs > 0 {
		if err := block(events.ReasonMinInterval, waitMs*rng.ExpFloat64()/1.5+waitMs/3); err != nil {
			return err
		}
	}
	if err := block(events.ReasonConcurrency, m.CCWaitMeanMs*rng.ExpFloat64()); err != nil {
		return err
	}
	if st.left == 0 {
		return nil
	}
	// Live once acknowledged: the place event is stamped with its ack.
	lat := m.latency(rng)
	advance(lat)
	*ev = events.Event{TMs: int64(st.t), Kind: events.KindOrder, Action: events.ActionPlace, LatencyMs: round(lat, 100)}
	return out()
}

// fill draws one maker fill and its signed PnL components (costs negative),
// and moves the inventory.
func (m *Model) fill(rng *rand.Rand, ev *events.Event, st *state) {
	vol := m.Regime.VolBps
	qty := max((0.5+rng.ExpFloat64())*m.Size, 1e-4) // impact_cap_ratio 0 still fills the smallest lot
	ev.Kind = events.KindFill
	ev.Qty = round(qty, 1e4)
	ev.Price = round(st.mid, 1e4)
	age := m.age(rng)
	informed := rng.Float64() < m.InformedShare
	// Which side fills: informed flow builds our inventory; the rest is
	// skewed toward reducing it (the quotes lean against the inventory).
	up := 0.5 - skewPull*st.q/m.RescueAt
	if informed {
		up = 0.5 + 0.5*math.Copysign(1, st.q+1e-12)
	}
	d := m.Step * qty
	if rng.Float64() < up {
		st.q += d
	} else {
		st.q -= d
	}
	adverse := m.AdverseMean * rng.ExpFloat64()
	if informed {
		adverse *= informedAdverse
	}
	ev.Liquidity = events.Maker
	ev.AgeMs = round(age, 100)
	ev.GrossBps = bps(m.HalfSpreadBps + 0.3*rng.NormFloat64())
	ev.FeesBps = MakerRebateBps
	ev.SlippageBps = bps(-slipK * vol * math.Sqrt(age/300) * math.Abs(rng.NormFloat64()))
	ev.AdverseBps = bps(-adverse)
	ev.InventoryBps = bps(InventoryDrift - 0.3*vol*math.Abs(st.q)/m.RescueAt + 0.4*vol*rng.NormFloat64())
}

// rescue is a taker fill that sheds three quarters of the inventory by
// crossing the market: it pays the market's half spread, the taker fee and
// the move during its own latency.
func (m *Model) rescue(rng *rand.Rand, ev *events.Event, st *state) {
	vol := m.Regime.VolBps
	shed := shedFrac * st.q
	st.q -= shed
	lat := m.latency(rng)
	ev.Kind = events.KindFill
	ev.Liquidity = events.Taker
	ev.Qty = round(math.Max(math.Abs(shed)/m.Step, 1e-4), 1e4)
	ev.Price = round(st.mid, 1e4)
	ev.GrossBps = bps(-TakerCrossBps + 0.1*rng.NormFloat64())
	ev.FeesBps = -TakerFeeBps
	ev.SlippageBps = bps(-slipK * vol * math.Sqrt(lat/300) * math.Abs(rng.NormFloat64()))
	ev.AdverseBps = bps(-0.2 * m.AdverseMean * rng.ExpFloat64())
	ev.InventoryBps = bps(0.2 * vol * rng.NormFloat64())
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

// bps rounds a PnL component to 1e-4 and keeps it within the contract's
// ±events.MaxBps (parameters far outside any sane range could draw more).
func bps(x float64) float64 { return round(math.Max(-events.MaxBps, math.Min(events.MaxBps, x)), 1e4) }

// round rounds x to 1/scale so that events serialize compactly and
// identically across platforms whose last float bit may differ.
func round(x, scale float64) float64 { return math.Round(x*scale) / scale }
