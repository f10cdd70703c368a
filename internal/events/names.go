package events

import (
	"errors"
	"math"
)

// MaxLineBytes is the longest line a Reader accepts, counting a "\r" but not the "\n".
const MaxLineBytes = 1 << 20

var kindNames = [...]string{KindOrder: "order", KindFill: "fill", KindBlock: "block", KindWS: "ws"}
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
	nFields = iota
)

var fieldNames = [nFields]string{"kind", "t_ms", "action", "latency_ms", "age_ms", "liquidity", "qty", "price",
	"gross_bps", "fees_bps", "slippage_bps", "adverse_bps", "inventory_bps", "reason", "lag_ms"}

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
	KindOrder: fKind | fT | fAction | fLatency | fAge,
	KindFill:  fKind | fT | fLiquidity | fQty | fPrice | fGross | fFees | fSlippage | fAdverse | fInventory | fAge,
	KindBlock: fKind | fT | fReason,
	KindWS:    fKind | fT | fLag,
}

var required = [...]uint32{
	KindOrder: fKind | fT | fAction | fLatency, // + fAge for replace and cancel
	KindFill:  fKind | fT | fLiquidity | fQty | fPrice | fAge,
	KindBlock: fKind | fT | fReason,
	KindWS:    fKind | fT | fLag,
}

func requiredFor(e *Event) uint32 {
	r := required[e.Kind]
	if e.Kind == KindOrder && (e.Action == ActionReplace || e.Action == ActionCancel) {
		r |= fAge
	}
	return r
}

// present returns the bits of the fields of e that are non-zero.
func present(e *Event) uint32 {
	var m uint32
	set := func(b uint32, ok bool) {
		if ok {
			m |= b
		}
	}
	set(fKind, e.Kind != 0)
	set(fT, e.TMs != 0)
	set(fAction, e.Action != 0)
	set(fLatency, e.LatencyMs != 0)
	set(fAge, e.AgeMs != 0)
	set(fLiquidity, e.Liquidity != 0)
	set(fQty, e.Qty != 0)
	set(fPrice, e.Price != 0)
	set(fGross, e.GrossBps != 0)
	set(fFees, e.FeesBps != 0)
	set(fSlippage, e.SlippageBps != 0)
	set(fAdverse, e.AdverseBps != 0)
	set(fInventory, e.InventoryBps != 0)
	set(fReason, e.Reason != 0)
	set(fLag, e.LagMs != 0)
	return m
}

// Validate reports whether e can be written and read back: a valid kind,
// valid enumerations for its kind, finite numbers within their ranges, and no
// non-zero field that does not belong to the kind. Required fields may be
// zero where zero is in range (they are always written).
func (e *Event) Validate() error {
	if e.Kind < KindOrder || e.Kind > KindWS {
		return errors.New("invalid kind")
	}
	k := kindNames[e.Kind]
	if extra := present(e) &^ allowed[e.Kind]; extra != 0 {
		return errors.New(k + ": field " + fieldName(extra&-extra) + " does not belong to kind " + k)
	}
	if e.TMs < 0 {
		return errors.New(k + ": negative t_ms")
	}
	switch e.Kind {
	case KindOrder:
		if e.Action < ActionPlace || e.Action > ActionCancel {
			return errors.New("order: invalid action")
		}
		if err := nonNeg(k, "latency_ms", e.LatencyMs); err != nil {
			return err
		}
		return nonNeg(k, "age_ms", e.AgeMs)
	case KindFill:
		if e.Liquidity != Maker && e.Liquidity != Taker {
			return errors.New("fill: invalid liquidity")
		}
		if !(e.Qty > 0) || math.IsInf(e.Qty, 0) {
			return errors.New("fill: qty must be positive and finite")
		}
		if !(e.Price > 0) || math.IsInf(e.Price, 0) {
			return errors.New("fill: price must be positive and finite")
		}
		for i, v := range [...]float64{e.GrossBps, e.FeesBps, e.SlippageBps, e.AdverseBps, e.InventoryBps} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return errors.New("fill: " + fieldNames[8+i] + " is not finite")
			}
		}
		return nonNeg(k, "age_ms", e.AgeMs)
	case KindBlock:
		if e.Reason < ReasonMinInterval || e.Reason > ReasonThrottle {
			return errors.New("block: invalid reason")
		}
	case KindWS:
		return nonNeg(k, "lag_ms", e.LagMs)
	}
	return nil
}

func nonNeg(kind, field string, v float64) error {
	if !(v >= 0) || math.IsInf(v, 0) {
		return errors.New(kind + ": " + field + " must be finite and >= 0")
	}
	return nil
}
