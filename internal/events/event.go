package events

// Kind is the type of one event; it is the "kind" field of each line.
type Kind uint8

// The event kinds.
const (
	KindOrder  Kind = iota + 1 // an order action: place, replace or cancel
	KindFill                   // a fill of one of our orders, maker or taker
	KindBlock                  // an order action the bot decided not to send, and why
	KindWS                     // a market-data (websocket) lag sample
	KindParams                 // the parameters the system under test ran with (effective_params)
)

// Action is what an order event did.
type Action uint8

// The order actions.
const (
	ActionPlace Action = iota + 1
	ActionReplace
	ActionCancel
)

// Liquidity says whether a fill added (maker) or took (taker) liquidity.
type Liquidity uint8

// The two sides of liquidity.
const (
	Maker Liquidity = iota + 1
	Taker
)

// Reason is why an order action was blocked; the legacy toolkit's four.
type Reason uint8

// The block reasons.
const (
	ReasonMinInterval Reason = iota + 1
	ReasonConcurrency
	ReasonRisk
	ReasonThrottle
)

// Event is one line of an events.jsonl file. Which fields mean something
// depends on Kind; the others are zero and are not written.
//
// PnL components of a fill are signed contributions in basis points of that
// fill's notional (Qty*Price): a cost is negative. For every fill
// net = GrossBps + FeesBps + SlippageBps + AdverseBps + InventoryBps.
type Event struct {
	Kind Kind
	TMs  int64 // milliseconds since the iteration started

	// order
	Action    Action
	LatencyMs float64 // time from decision to exchange acknowledgement
	AgeMs     float64 // order and fill: age of the quote when it was replaced, cancelled or filled

	// fill
	Liquidity    Liquidity
	Qty          float64
	Price        float64
	GrossBps     float64
	FeesBps      float64
	SlippageBps  float64
	AdverseBps   float64
	InventoryBps float64

	// block
	Reason Reason

	// ws
	LagMs float64

	// effective_params: sorted by key, keys unique. A Reader allocates a
	// new slice for each such line and never reuses it, so a copy of the
	// Event keeps its parameters.
	Params []Param
}
