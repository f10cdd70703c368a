package kpi

import "github.com/soakline/soakline/internal/events"

// part accumulates one chunk of a stream on a parsing goroutine (see
// events.ScanBatches); merge folds it into the Accumulator in stream order.
// Counts add in any order; the samples and the fills' floating-point terms
// are kept in order, so the result is bit-identical to calling Add for
// each event.
type part struct {
	events                           int64
	orders, places, replaces, cancel int64
	makerN, takerN                   int64
	blocks                           [5]int64
	fills                            []fillTerm

	latency, age, adverse, slippage, lag []float64
}

// Add adds an event read by the parser, which has validated it.
func (p *part) Add(e *events.Event) {
	p.events++
	switch e.Kind {
	case events.KindOrder:
		p.orders++
		p.latency = append(p.latency, e.LatencyMs)
		switch e.Action {
		case events.ActionPlace:
			p.places++
		case events.ActionReplace:
			p.replaces++
			p.age = append(p.age, e.AgeMs)
		case events.ActionCancel:
			p.cancel++
			p.age = append(p.age, e.AgeMs)
		}
	case events.KindFill:
		if e.Liquidity == events.Maker {
			p.makerN++
		} else {
			p.takerN++
		}
		p.fills = append(p.fills, fillTermOf(e))
		p.adverse = append(p.adverse, max(0, -e.AdverseBps))
		p.slippage = append(p.slippage, max(0, -e.SlippageBps))
		p.age = append(p.age, e.AgeMs)
	case events.KindBlock:
		p.blocks[e.Reason]++
	case events.KindWS:
		p.lag = append(p.lag, e.LagMs)
	}
}

// merge adds p to a, as if Add had been called for each of p's events in
// order, and empties p for reuse.
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
	// The samples change hands instead of being copied; the part starts
	// its next chunk with new slices a little larger than these.
	next := part{fills: p.fills[:0]}
	for _, x := range [...]struct {
		to   *samples
		from []float64
		next *[]float64
	}{
		{&a.latency, p.latency, &next.latency},
		{&a.age, p.age, &next.age},
		{&a.adverse, p.adverse, &next.adverse},
		{&a.slippage, p.slippage, &next.slippage},
		{&a.lag, p.lag, &next.lag},
	} {
		if len(x.from) < 64 { // not worth a block of its own
			x.to.addAll(x.from)
			*x.next = x.from[:0]
			continue
		}
		x.to.adopt(x.from)
		*x.next = make([]float64, 0, len(x.from)+len(x.from)/8)
	}
	*p = next
}
