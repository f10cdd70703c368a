package events

import (
	"errors"
	"math"
	"strconv"

	"github.com/soakline/soakline/pkg/botevents"
)

// MaxLineBytes is the longest line a Reader accepts, counting a "\r" but not the "\n".
const MaxLineBytes = 1 << 20

// Bounds of the values a line may carry (see the package doc and
// docs/bot-contract.md). A value beyond them is certainly a mistake — a
// unit or an origin the contract does not use — and the line is rejected.
const (
	// MaxTMs is the largest t_ms: seven days after the iteration started.
	MaxTMs = 7 * 24 * 3600 * 1000
	// EpochTMs is the smallest t_ms read as epoch milliseconds in an error
	// message (2000-01-01T00:00:00Z).
	EpochTMs = 946_684_800_000
	// OrderToleranceMs is how far t_ms may go back below the largest t_ms
	// of the lines before it (events written by several threads).
	OrderToleranceMs = 1000
	// MaxDurationMs bounds latency_ms and lag_ms: one day.
	MaxDurationMs = 24 * 3600 * 1000
	// MaxAgeMs bounds age_ms: seven days.
	MaxAgeMs = MaxTMs
	// MaxBps bounds the magnitude of a fill's PnL components: 10,000 bps is
	// 100% of the fill's notional.
	MaxBps = 10000
	// MaxMakerRebateBps is the largest positive fees_bps (a rebate) of a
	// maker fill. A taker fill's fees_bps is a cost: at most 0.
	MaxMakerRebateBps = 3
)

var kindNames = [...]string{KindOrder: "order", KindFill: "fill", KindBlock: "block", KindWS: "ws", KindParams: "effective_params"}
var actionNames = [...]string{ActionPlace: "place", ActionReplace: "replace", ActionCancel: "cancel"}
var liquidityNames = [...]string{Maker: "maker", Taker: "taker"}
var reasonNames = [...]string{ReasonMinInterval: "min_interval", ReasonConcurrency: "concurrency", ReasonRisk: "risk", ReasonThrottle: "throttle"}

func name(names []string, i uint8) string {
	if int(i) < len(names) && names[i] != "" {
		return names[i]
	}
	return ""
}

// String returns the kind's name in the file format, or "" if it is not valid.
func (k Kind) String() string { return name(kindNames[:], uint8(k)) }

// String returns the action's name in the file format, or "" if it is not valid.
func (a Action) String() string { return name(actionNames[:], uint8(a)) }

// String returns the liquidity's name in the file format, or "" if it is not valid.
func (l Liquidity) String() string { return name(liquidityNames[:], uint8(l)) }

// String returns the reason's name in the file format, or "" if it is not valid.
func (r Reason) String() string { return name(reasonNames[:], uint8(r)) }

// field bits: which fields a line carried.
const (
	fKind uint32 = 1 << iota
	fT
	fAction
	fLatency
	fAge
	fLiquidity
	fQty
	fPrice
	fGross
	fFees
	fSlippage
	fAdverse
	fInventory
	fReason
	fLag
	fParams
	fSymbol // optional annotations: checked, not kept
	fSide
	fOrderID
	nFields = iota
)

// fAnnot are the annotation fields; an extension key (x_...) has no bit.
const fAnnot = fSymbol | fSide | fOrderID

var fieldNames = [nFields]string{"kind", "t_ms", "action", "latency_ms", "age_ms", "liquidity", "qty", "price",
	"gross_bps", "fees_bps", "slippage_bps", "adverse_bps", "inventory_bps", "reason", "lag_ms", "params",
	"symbol", "side", "order_id"}

func fieldName(bit uint32) string {
	for i := 0; i < nFields; i++ {
		if bit == 1<<i {
			return fieldNames[i]
		}
	}
	return "?"
}

// allowed and required fields per kind (index Kind).
var allowed = [...]uint32{
	KindOrder:  fKind | fT | fAction | fLatency | fAge | fAnnot,
	KindFill:   fKind | fT | fLiquidity | fQty | fPrice | fGross | fFees | fSlippage | fAdverse | fInventory | fAge | fAnnot,
	KindBlock:  fKind | fT | fReason | fAnnot,
	KindWS:     fKind | fT | fLag | fSymbol,
	KindParams: fKind | fT | fParams,
}

var required = [...]uint32{
	KindOrder:  fKind | fT | fAction | fLatency,         // + fAge for replace and cancel
	KindFill:   fKind | fT | fLiquidity | fQty | fPrice, // + fAge for maker fills
	KindBlock:  fKind | fT | fReason,
	KindWS:     fKind | fT | fLag,
	KindParams: fKind | fT | fParams,
}

func requiredFor(e *Event) uint32 {
	r := required[e.Kind]
	if e.Kind == KindOrder && (e.Action == ActionReplace || e.Action == ActionCancel) {
		r |= fAge
	}
	if e.Kind == KindFill && e.Liquidity == Maker {
		r |= fAge // a taker fill had no resting quote: its age_ms is optional and not used
	}
	return r
}

// present returns the bits of the fields of e that are non-zero.
func present(e *Event) uint32 {
	var m uint32
	if e.Kind != 0 {
		m |= fKind
	}
	if e.TMs != 0 {
		m |= fT
	}
	if e.Action != 0 {
		m |= fAction
	}
	if e.LatencyMs != 0 {
		m |= fLatency
	}
	if e.AgeMs != 0 {
		m |= fAge
	}
	if e.Liquidity != 0 {
		m |= fLiquidity
	}
	if e.Qty != 0 {
		m |= fQty
	}
	if e.Price != 0 {
		m |= fPrice
	}
	if e.GrossBps != 0 {
		m |= fGross
	}
	if e.FeesBps != 0 {
		m |= fFees
	}
	if e.SlippageBps != 0 {
		m |= fSlippage
	}
	if e.AdverseBps != 0 {
		m |= fAdverse
	}
	if e.InventoryBps != 0 {
		m |= fInventory
	}
	if e.Reason != 0 {
		m |= fReason
	}
	if e.LagMs != 0 {
		m |= fLag
	}
	if len(e.Params) != 0 {
		m |= fParams
	}
	return m
}

// Validate reports whether e can be written and read back: a valid kind,
// valid enumerations for its kind, finite numbers within their ranges, and no
// non-zero field that does not belong to the kind. Required fields may be
// zero where zero is in range (they are always written).
func (e *Event) Validate() error {
	if e.Kind < KindOrder || e.Kind > KindParams {
		return errors.New("invalid kind")
	}
	if extra := present(e) &^ allowed[e.Kind]; extra != 0 {
		k := kindNames[e.Kind]
		return errors.New(k + ": field " + fieldName(extra&-extra) + " does not belong to kind " + k)
	}
	return validateValues(e)
}

// validateValues is Validate for an event whose kind is valid and whose
// non-zero fields all belong to that kind; the parser knows both already.
func validateValues(e *Event) error {
	if e.TMs < 0 {
		return errors.New(kindNames[e.Kind] + ": negative t_ms")
	}
	if e.TMs > MaxTMs {
		return errTMs(e)
	}
	switch e.Kind {
	case KindOrder:
		if e.Action < ActionPlace || e.Action > ActionCancel {
			return errors.New("order: invalid action")
		}
		if !nonNegOK(e.LatencyMs) {
			return errNonNeg("order", "latency_ms")
		}
		if e.LatencyMs > MaxDurationMs {
			return errAbove("order", "latency_ms", e.LatencyMs, MaxDurationMs, "one day")
		}
		if !nonNegOK(e.AgeMs) {
			return errNonNeg("order", "age_ms")
		}
		if e.AgeMs > MaxAgeMs {
			return errAbove("order", "age_ms", e.AgeMs, MaxAgeMs, "seven days")
		}
	case KindFill:
		if e.Liquidity != Maker && e.Liquidity != Taker {
			return errors.New("fill: invalid liquidity")
		}
		if !(e.Qty > 0) || e.Qty > math.MaxFloat64 {
			return errors.New("fill: qty must be positive and finite")
		}
		if !(e.Price > 0) || e.Price > math.MaxFloat64 {
			return errors.New("fill: price must be positive and finite")
		}
		for i, v := range [...]float64{e.GrossBps, e.FeesBps, e.SlippageBps, e.AdverseBps, e.InventoryBps} {
			if math.Abs(v) <= MaxBps {
				continue // one comparison for the usual case
			}
			if !(math.Abs(v) <= math.MaxFloat64) { // NaN or ±Inf
				return errors.New("fill: " + fieldNames[8+i] + " is not finite")
			}
			return errors.New("fill: " + fieldNames[8+i] + " " + fmtNum(v) + " is beyond ±10000 bps (100% of the fill's notional): basis points, not a price or a fraction?")
		}
		if e.Liquidity == Taker && e.FeesBps > 0 {
			return errors.New("fill: fees_bps " + fmtNum(e.FeesBps) + " is positive on a taker fill: a fee is a cost and is negative (write -" + fmtNum(e.FeesBps) + ")")
		}
		if e.FeesBps > MaxMakerRebateBps {
			return errors.New("fill: fees_bps " + fmtNum(e.FeesBps) + " is above the largest maker rebate (+3 bps): a fee is a cost and is negative (write -" + fmtNum(e.FeesBps) + ")")
		}
		if !nonNegOK(e.AgeMs) {
			return errNonNeg("fill", "age_ms")
		}
		if e.AgeMs > MaxAgeMs {
			return errAbove("fill", "age_ms", e.AgeMs, MaxAgeMs, "seven days")
		}
	case KindBlock:
		if e.Reason < ReasonMinInterval || e.Reason > ReasonThrottle {
			return errors.New("block: invalid reason")
		}
	case KindWS:
		if !nonNegOK(e.LagMs) {
			return errNonNeg("ws", "lag_ms")
		}
		if e.LagMs > MaxDurationMs {
			return errAbove("ws", "lag_ms", e.LagMs, MaxDurationMs, "one day")
		}
	case KindParams:
		return validateParams(e.Params)
	}
	return nil
}

// nonNegOK reports whether v is finite and >= 0 (false for NaN).
func nonNegOK(v float64) bool { return v >= 0 && v <= math.MaxFloat64 }

func errNonNeg(kind, field string) error {
	return errors.New(kind + ": " + field + " must be finite and >= 0")
}

func fmtNum(v float64) string { return string(botevents.AppendFloat(nil, v)) }

func errAbove(kind, field string, v, limit float64, what string) error {
	return errors.New(kind + ": " + field + " " + fmtNum(v) + " is above " + fmtNum(limit) + " (" + what + "): milliseconds, not microseconds?")
}

// errTMs is the error for a t_ms above MaxTMs.
func errTMs(e *Event) error {
	k := kindNames[e.Kind]
	t := strconv.FormatInt(e.TMs, 10)
	if e.TMs >= EpochTMs {
		return errors.New(k + ": t_ms " + t + " looks like epoch milliseconds: t_ms counts milliseconds from the start of the iteration (at most 604800000)")
	}
	return errors.New(k + ": t_ms " + t + " is more than seven days after the start of the iteration (at most 604800000)")
}
