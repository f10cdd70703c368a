package events

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// collect is a Batch that keeps its events.
type collect struct{ evs []Event }

func (c *collect) Add(e *Event) { c.evs = append(c.evs, *e) }

// scanResult is what a reader delivered: the events, in order, and the
// final error's text.
type scanResult struct {
	Events []Event
	Err    string
}

func viaScan(r io.Reader) scanResult {
	var res scanResult
	err := Scan(r, func(e *Event) error { res.Events = append(res.Events, *e); return nil })
	if err != nil {
		res.Err = err.Error()
	}
	return res
}

func viaBatches(r io.Reader, opt BatchOptions) scanResult {
	var res scanResult
	err := ScanBatches(r, opt, func(int) *collect { return new(collect) }, func(c *collect) {
		res.Events = append(res.Events, c.evs...)
		c.evs = c.evs[:0]
	})
	if err != nil {
		res.Err = err.Error()
	}
	return res
}

var batchOptions = []BatchOptions{
	{Workers: 1, ChunkSize: 1},
	{Workers: 2, ChunkSize: 1},
	{Workers: 2, ChunkSize: 7},
	{Workers: 3, ChunkSize: 64},
	{Workers: 2, ChunkSize: 4096},
	{Workers: 1},
	{Workers: 2},
	{},
}

// sameAsScan checks that ScanBatches delivers what Scan delivers, with the
// same error, for every option set.
func sameAsScan(t *testing.T, data []byte) {
	t.Helper()
	want := viaScan(bytes.NewReader(data))
	for _, opt := range batchOptions {
		if opt.ChunkSize > 0 && opt.ChunkSize <= 64 && len(data) > 64<<10 {
			continue // a chunk per line: slow, and the small inputs cover it
		}
		got := viaBatches(bytes.NewReader(data), opt)
		if want.Err == got.Err && slices.EqualFunc(want.Events, got.Events, sameEvent) {
			continue
		}
		// A t_ms going back across chunks is found when the chunk is
		// merged: the events of the whole chunk have been delivered.
		if want.Err == got.Err && strings.Contains(want.Err, " goes back more than ") &&
			len(got.Events) >= len(want.Events) && slices.EqualFunc(want.Events, got.Events[:len(want.Events)], sameEvent) {
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("%+v on %.200q: (-Scan +ScanBatches):\n%s", opt, data, diff)
		}
	}
}

// sameEvent reports whether a and b are the same event, parameters
// included (Event is not comparable with ==).
func sameEvent(a, b Event) bool { return cmp.Equal(a, b) }

func TestScanBatchesSameAsScan(t *testing.T) {
	long := strings.Repeat(" ", MaxLineBytes-len(`{"kind":"ws","t_ms":1,"lag_ms":2}`))
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"sample", sampleText},
		{"no final newline", strings.TrimSuffix(sampleText, "\n")},
		{"bom crlf blank lines", "\xef\xbb\xbf" + strings.ReplaceAll(sampleText, "\n", "\r\n\n")},
		{"bom on line 2 is an error", "\n\xef\xbb\xbf" + sampleText},
		{"bad line in the middle", sampleText + "{\"kind\":\"ws\"}\n" + sampleText},
		{"bad last line", sampleText + "{"},
		{"only blank lines", "\n\n \n\t\r\n"},
		{"longest line", `{"kind":"ws","t_ms":1,"lag_ms":2}` + long + "\n" + sampleText},
		{"longest line with CR", `{"kind":"ws","t_ms":1,"lag_ms":2}` + long[1:] + "\r\n" + sampleText},
		{"line too long", sampleText + `{"kind":"ws","t_ms":1,"lag_ms":2}` + long + " \n" + sampleText},
		{"line too long at the end", sampleText + `{"kind":"ws","t_ms":1,"lag_ms":2}` + long + " "},
		{"many lines", strings.Repeat(sampleText, 300)},
		{"many lines then an error", strings.Repeat(sampleText, 300) + "x\n" + strings.Repeat(sampleText, 300)},
		{"t_ms back within the tolerance", `{"kind":"ws","t_ms":5000,"lag_ms":1}` + "\n" + sampleText + `{"kind":"ws","t_ms":4000,"lag_ms":1}` + "\n"},
		{"t_ms back beyond the tolerance", strings.Repeat(`{"kind":"ws","t_ms":5000,"lag_ms":1}`+"\n", 20) + sampleText},
		{"t_ms back late in a chunk", `{"kind":"ws","t_ms":5000,"lag_ms":1}` + "\n" + strings.Repeat(`{"kind":"ws","t_ms":4500,"lag_ms":1}`+"\n", 30) + `{"kind":"ws","t_ms":3999,"lag_ms":1}` + "\n" + sampleText},
		{"t_ms back then a bad line", `{"kind":"ws","t_ms":9000,"lag_ms":1}` + "\n" + strings.Repeat(`{"kind":"ws","t_ms":9000,"lag_ms":1}`+"\n", 5) + `{"kind":"ws","t_ms":10,"lag_ms":1}` + "\nx\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { sameAsScan(t, []byte(tc.in)) })
	}
}

func TestScanBatchesGenerated(t *testing.T) {
	data := genStream(50_000)
	sameAsScan(t, data)
	// A bad line deep in the stream: its line number must be exact.
	i := bytes.IndexByte(data[len(data)/2:], '\n') + len(data)/2 + 1
	bad := append(append(append([]byte{}, data[:i]...), "{\"kind\":\"order\"}\n"...), data[i:]...)
	want := fmt.Sprintf("line %d: order: missing t_ms", bytes.Count(data[:i], []byte("\n"))+1)
	for _, opt := range batchOptions[4:] {
		if got := viaBatches(bytes.NewReader(bad), opt); got.Err != want {
			t.Fatalf("%+v: error %q, want %q", opt, got.Err, want)
		}
	}
}

func TestScanBatchesReadErrors(t *testing.T) {
	for _, opt := range batchOptions {
		want := viaScan(errReader{strings.NewReader(sampleText + "{\"kind\":\"ws\"")})
		got := viaBatches(errReader{strings.NewReader(sampleText + "{\"kind\":\"ws\"")}, opt)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("%+v: (-Scan +ScanBatches):\n%s", opt, diff)
		}
		want = viaScan(oneByteReader{strings.NewReader(sampleText)})
		got = viaBatches(oneByteReader{strings.NewReader(sampleText)}, opt)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("%+v one byte reads: (-Scan +ScanBatches):\n%s", opt, diff)
		}
		got = viaBatches(zeroReader{}, opt)
		if !strings.Contains(got.Err, io.ErrNoProgress.Error()) {
			t.Fatalf("%+v: zero reads: %q", opt, got.Err)
		}
	}
}

type zeroReader struct{}

func (zeroReader) Read([]byte) (int, error) { return 0, nil }

// TestScanBatchesStopsAtError checks that nothing after a bad line is
// merged, and that a read error is wrapped.
func TestScanBatchesStopsAtError(t *testing.T) {
	data := strings.Repeat(sampleText, 1000) + "bad\n" + strings.Repeat(sampleText, 1000)
	got := viaBatches(strings.NewReader(data), BatchOptions{Workers: 2, ChunkSize: 100})
	if len(got.Events) != 10000 || got.Err != "line 10001: not a JSON object" {
		t.Fatalf("%d events, error %q", len(got.Events), got.Err)
	}
	fire := errors.New("disk on fire")
	err := ScanBatches(errReader{strings.NewReader(sampleText)}, BatchOptions{Workers: 2, ChunkSize: 16},
		func(int) *collect { return new(collect) }, func(c *collect) { c.evs = c.evs[:0] })
	if err == nil || err.Error() != "read after line 10: disk on fire" || errors.Is(err, fire) {
		// errReader makes a new error each time: check the text only.
		if err == nil || err.Error() != "read after line 10: disk on fire" {
			t.Fatalf("err = %v", err)
		}
	}
}

// FuzzScanBatches is the differential test of ScanBatches against Scan.
func FuzzScanBatches(f *testing.F) {
	f.Add([]byte(sampleText))
	f.Add([]byte("\xef\xbb\xbf{\"kind\":\"ws\",\"t_ms\":1,\"lag_ms\":2}\r\n\n{\"kind\":\"ws\",\"t_ms\":1,\"lag_ms\":2"))
	f.Add([]byte(sampleText + "{\"kind\":\"ws\"}\n" + sampleText))
	f.Add([]byte(strings.Repeat(`{"kind":"ws","t_ms":5000,"lag_ms":1}`+"\n", 9) + `{"kind":"ws","t_ms":3999.0,"lag_ms":1}` + "\n" + sampleText))
	f.Add([]byte(paramsText + sampleText + paramsText))
	f.Fuzz(func(t *testing.T, data []byte) { sameAsScan(t, data) })
}
