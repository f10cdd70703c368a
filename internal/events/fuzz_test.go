package events

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzScan checks that reading never panics, that an error delivers no
// event from the error line or later, and that decode → encode → decode
// gives the same events.
func FuzzScan(f *testing.F) {
	f.Add([]byte(sampleText))
	f.Add([]byte(paramsText + `{"kind":"effective_params","t_ms":9,"params":{"b":1,"\u0061":-0,"a\"":2}}`))
	f.Add([]byte("\xef\xbb\xbf{\"k\\u0069nd\":\"ws\",\"t_ms\":1,\"lag_ms\":2e-3}\r\n\n{\"kind\":\"ws\",\"t_ms\":1,\"lag_ms\":2"))
	f.Add([]byte(`{"kind":"fill","t_ms":1,"liquidity":"maker","qty":1,"price":2,"age_ms":3,"qty":4}`))
	// What real bots write (issue 17): float t_ms, taker fills without
	// age, annotations, extension keys; and t_ms going back.
	f.Add([]byte(`{"kind":"fill","t_ms":5.0,"liquidity":"taker","qty":1,"price":2,"fees_bps":-2,"symbol":"B","side":"buy","order_id":7,"x_d":{"a":[1,"x",null,true]}}` + "\n" +
		`{"kind":"ws","t_ms":9000,"lag_ms":1}` + "\n" + `{"kind":"ws","t_ms":7999,"lag_ms":1}`))
	f.Add([]byte(`{"kind":"fill","t_ms":1,"liquidity":"maker","qty":1,"price":2,"fees_bps":3.5,"age_ms":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var got []Event
		var lines []int64
		rd := NewReader(bytes.NewReader(data))
		var e Event
		var err error
		for {
			if err = rd.Next(&e); err != nil {
				break
			}
			got = append(got, e)
			lines = append(lines, rd.Line())
		}
		var le *LineError
		if errors.As(err, &le) {
			for _, l := range lines {
				if l >= le.Line {
					t.Fatalf("event from line %d delivered before error %v", l, err)
				}
			}
		}
		var buf bytes.Buffer
		w := NewWriter(&buf)
		for i := range got {
			if werr := w.Write(&got[i]); werr != nil {
				t.Fatalf("re-encoding %+v: %v", got[i], werr)
			}
		}
		w.Flush()
		var again []Event
		if err := Scan(strings.NewReader(buf.String()), func(e *Event) error { again = append(again, *e); return nil }); err != nil {
			t.Fatalf("re-reading %q: %v", buf.String(), err)
		}
		if diff := cmp.Diff(got, again); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}
