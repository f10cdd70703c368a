package kpi

import "github.com/soakline/soakline/internal/events"

// part accumulates one chunk of a stream on a parsing goroutine (see
// events.ScanBatches); merge folds it into the Accumulator in stream order.
// Counts add in any order; the fills' floating-point terms are kept in
// order, so the sums are bit-identical to calling Add for each event. The
// samples are a multiset, so where they are kept does not change a
// percentile: the parts of one worker count values in the worker's tables,
// which stay in its core's cache and are added to the Accumulator at the
// end (addTables); values that do not fit in a table are stored in the
// part and go to the Accumulator with its chunk.
type part struct {
	events                           int64
	orders, places, replaces, cancel int64
	makerN, takerN                   int64
	blocks                           [5]int64
	fills                            []fillTerm
	book                             []transition // place and cancel orders, in order
	maxT                             int64

	t                                    *tables // the worker's
	latency, age, adverse, slippage, lag samples // stored values only
}

// tables count the sample values of one worker: in a grid those of the
// form m/scale, the others in a table while it has room.
type tables struct {
	latency, age, adverse, slippage, lag      valueTable
	gLatency, gAge, gAdverse, gSlippage, gLag grid
}

// newTables returns a worker's tables, with each KPI's grid scale.
func newTables() *tables {
	t := new(tables)
	t.gLatency.scale, t.gAge.scale, t.gLag.scale = msScale, msScale, msScale
	t.gAdverse.scale, t.gSlippage.scale = bpsScale, bpsScale
	return t
}

// add counts x in g or t, or stores it in s if neither takes it. The
// grid's common case inlines here; the rest is addOther's.
func add(g *grid, t *valueTable, s *samples, x float64) {
	if !g.tryAdd(x) {
		addOther(g, t, s, x)
	}
}

// addOther is add past the grid's common case (a full table is checked
// here, where it inlines).
func addOther(g *grid, t *valueTable, s *samples, x float64) {
	if g.addSlow(x) {
		return
	}
	if t.full || !t.inc(x) {
		s.store(x)
	}
}

// Add adds an event read by the parser, which has validated it.
func (p *part) Add(e *events.Event) {
	if e.Kind == events.KindParams {
		return // not a KPI event (see Accumulator.Add)
	}
	p.events++
	p.maxT = max(p.maxT, e.TMs)
	switch e.Kind {
	case events.KindOrder:
		p.orders++
		add(&p.t.gLatency, &p.t.latency, &p.latency, e.LatencyMs)
		if tr, ok := transitionOf(e); ok {
			p.book = append(p.book, tr)
		}
		switch e.Action {
		case events.ActionPlace:
			p.places++
		case events.ActionReplace:
			p.replaces++
			add(&p.t.gAge, &p.t.age, &p.age, e.AgeMs)
		case events.ActionCancel:
			p.cancel++
			add(&p.t.gAge, &p.t.age, &p.age, e.AgeMs)
		}
	case events.KindFill:
		if e.Liquidity == events.Maker {
			p.makerN++
		} else {
			p.takerN++
		}
		p.fills = append(p.fills, fillTermOf(e))
		add(&p.t.gAdverse, &p.t.adverse, &p.adverse, max(0, -e.AdverseBps))
		add(&p.t.gSlippage, &p.t.slippage, &p.slippage, max(0, -e.SlippageBps))
		if e.Liquidity == events.Maker {
			add(&p.t.gAge, &p.t.age, &p.age, e.AgeMs) // a taker fill had no resting quote
		}
	case events.KindBlock:
		p.blocks[e.Reason]++
	case events.KindWS:
		add(&p.t.gLag, &p.t.lag, &p.lag, e.LagMs)
	}
}

// merge adds the counts, fills and stored samples of p's chunk to a, as if
// Add had been called for each of its events in order, and readies p for
// its next chunk.
func (a *Accumulator) merge(p *part) {
	a.events += p.events
	a.orders += p.orders
	a.places += p.places
	a.replaces += p.replaces
	a.cancel += p.cancel
	a.makerN += p.makerN
	a.takerN += p.takerN
	for i, n := range p.blocks {
		a.blocks[i] += n
	}
	for i := range p.fills {
		a.addFill(&p.fills[i])
	}
	for _, tr := range p.book {
		a.clock.apply(tr)
	}
	a.clock.seeT(p.maxT)
	a.latency.takeStored(&p.latency)
	a.age.takeStored(&p.age)
	a.adverse.takeStored(&p.adverse)
	a.slippage.takeStored(&p.slippage)
	a.lag.takeStored(&p.lag)
	p.events, p.orders, p.places, p.replaces, p.cancel, p.makerN, p.takerN = 0, 0, 0, 0, 0, 0, 0
	p.blocks = [5]int64{}
	p.fills = p.fills[:0]
	p.book = p.book[:0]
	p.maxT = 0
}

// addTables adds the values a worker counted to a, once its parts have
// merged their last chunk.
func (a *Accumulator) addTables(t *tables) {
	a.latency.addTable(&t.latency)
	a.age.addTable(&t.age)
	a.adverse.addTable(&t.adverse)
	a.slippage.addTable(&t.slippage)
	a.lag.addTable(&t.lag)
	a.latency.addGrid(&t.gLatency)
	a.age.addGrid(&t.gAge)
	a.adverse.addGrid(&t.gAdverse)
	a.slippage.addGrid(&t.gSlippage)
	a.lag.addGrid(&t.gLag)
}
