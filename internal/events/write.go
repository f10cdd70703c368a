package events

import (
	"io"
	"strconv"

	"github.com/soakline/soakline/pkg/botevents"
)

// Writer writes events as JSON Lines through an internal buffer. Call Flush
// when done. A Writer is not safe for concurrent use.
type Writer struct {
	w   io.Writer
	buf []byte
	err error
}

const writerFlushAt = 64 << 10

// NewWriter returns a Writer that writes to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w, buf: make([]byte, 0, writerFlushAt+1024)}
}

// Write validates e and appends it as one line. Nothing is written for an
// invalid event. After an error from the underlying writer every call fails.
func (w *Writer) Write(e *Event) error {
	if w.err != nil {
		return w.err
	}
	b, err := AppendEvent(w.buf, e)
	if err != nil {
		return err
	}
	w.buf = b
	if len(w.buf) >= writerFlushAt {
		return w.Flush()
	}
	return nil
}

// Flush writes the buffered lines to the underlying writer.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if len(w.buf) == 0 {
		return nil
	}
	_, err := w.w.Write(w.buf)
	w.buf = w.buf[:0]
	if err != nil {
		w.err = err
	}
	return err
}

// AppendEvent validates e and appends its line, with the trailing "\n", to
// dst. On error dst is returned unchanged.
func AppendEvent(dst []byte, e *Event) ([]byte, error) {
	if err := e.Validate(); err != nil {
		return dst, err
	}
	b := append(dst, `{"kind":"`...)
	b = append(b, kindNames[e.Kind]...)
	b = append(b, `","t_ms":`...)
	b = strconv.AppendInt(b, e.TMs, 10)
	switch e.Kind {
	case KindOrder:
		b = append(b, `,"action":"`...)
		b = append(b, actionNames[e.Action]...)
		b = append(b, '"')
		b = appendNum(b, `,"latency_ms":`, e.LatencyMs)
		if e.AgeMs != 0 || e.Action != ActionPlace {
			b = appendNum(b, `,"age_ms":`, e.AgeMs)
		}
	case KindFill:
		b = append(b, `,"liquidity":"`...)
		b = append(b, liquidityNames[e.Liquidity]...)
		b = append(b, '"')
		b = appendNum(b, `,"qty":`, e.Qty)
		b = appendNum(b, `,"price":`, e.Price)
		b = appendOpt(b, `,"gross_bps":`, e.GrossBps)
		b = appendOpt(b, `,"fees_bps":`, e.FeesBps)
		b = appendOpt(b, `,"slippage_bps":`, e.SlippageBps)
		b = appendOpt(b, `,"adverse_bps":`, e.AdverseBps)
		b = appendOpt(b, `,"inventory_bps":`, e.InventoryBps)
		b = appendNum(b, `,"age_ms":`, e.AgeMs)
	case KindBlock:
		b = append(b, `,"reason":"`...)
		b = append(b, reasonNames[e.Reason]...)
		b = append(b, '"')
	case KindWS:
		b = appendNum(b, `,"lag_ms":`, e.LagMs)
	case KindParams:
		b = append(b, `,"params":`...)
		b = appendParams(b, e.Params)
	}
	return append(b, "}\n"...), nil
}

func appendOpt(b []byte, key string, v float64) []byte {
	if v == 0 {
		return b
	}
	return appendNum(b, key, v)
}

func appendNum(b []byte, key string, v float64) []byte {
	b = append(b, key...)
	return botevents.AppendFloat(b, v)
}
