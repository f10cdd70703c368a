package artifact

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
)

// The ledger of a long soak is large (85 MB at 100,000 iterations) and
// decodes into much less; ReadTuningReport reads it through a window of a
// few entries, instead of holding the file and its decoding
// on the heap together.

// window is the streaming state of a fastDecoder: d.data is a window on
// src, refilled between values.
type window struct {
	src  io.Reader
	eof  bool
	rerr error // a read error other than io.EOF
}

const (
	windowSize = 256 << 10
	readSize   = 64 << 10
)

// ReadTuningReport decodes the ledger in r as DecodeTuningReport decodes
// its bytes, reading r in pieces; when the document is not in the form the
// fast path reads (see fastDecoder), r is read again from the start and
// decoded whole.
func (dec *Decoder) ReadTuningReport(file string, r io.ReadSeeker) (*TuningReport, error) {
	d := &dec.fast
	if cap(dec.window) == 0 {
		dec.window = make([]byte, 0, windowSize)
	}
	d.reset(dec.window[:0])
	d.w = &window{src: r}
	defer func() {
		if cap(d.data) <= windowSize { // a window grown for a huge entry is not kept
			dec.window = d.data[:0]
		}
		d.w = nil
		d.reset(nil)
	}()
	d.fill()
	if len(d.data) >= len(bom) && string(d.data[:len(bom)]) == string(bom) {
		d.i = len(bom)
	}
	rep := new(TuningReport)
	d.tuningReport(rep)
	d.drain()
	if d.w.rerr != nil {
		return nil, PathError(file, d.w.rerr)
	}
	if d.done() && rep.Kind == KindTuningReport && rep.SchemaVersion >= 1 && rep.SchemaVersion <= SchemaVersion {
		return rep, nil
	}
	// A legacy ledger (no envelope) is read on the window too: the
	// Python toolkit's at 100,000 iterations is 70 MB.
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, PathError(file, err)
	}
	d.reset(d.data[:0])
	d.w = &window{src: r}
	d.fill()
	if len(d.data) >= len(bom) && string(d.data[:len(bom)]) == string(bom) {
		d.i = len(bom)
	}
	d.ahead(1)
	if c := d.peek(); c == '[' || c == '{' {
		rep, ok := d.legacyReport(c == '[')
		if d.w.rerr != nil {
			return nil, PathError(file, d.w.rerr)
		}
		if ok {
			return rep, nil
		}
	}
	data, err := readAllFrom0(r)
	if err != nil {
		return nil, PathError(file, err)
	}
	return decodeTuningReport(file, data)
}

// readAllFrom0 reads r from its start into one buffer of the size r has:
// io.ReadAll's doubling cleared and copied 140 MB for a 70 MB legacy
// ledger, a second and a half at 100,000 iterations.
func readAllFrom0(r io.ReadSeeker) ([]byte, error) {
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	if size < 0 || size >= math.MaxInt32 && math.MaxInt == math.MaxInt32 {
		return nil, fmt.Errorf("%d bytes: too large to read here", size)
	}
	// One byte more than the size, so that a file that grew in between is
	// still read whole (by append's growth) and EOF is seen without a
	// second buffer.
	data := make([]byte, 0, size+1)
	for {
		n, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if errors.Is(err, io.EOF) {
			return data, nil
		}
		if err != nil {
			return nil, err
		}
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
	}
}

// PathError returns err, from reading or opening file, as an *Error that
// names file once: the *fs.PathError that os functions return names the
// path too.
func PathError(file string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &Error{File: file, Err: err}
}

// fill reads at least readSize more bytes into the window, or the rest of
// the input, whatever the reader's pace, so that the window is refilled a
// bounded number of times per megabyte. When the room after the window is
// short, the unread part moves to the front first, and the window grows
// when that does not make room.
func (d *fastDecoder) fill() {
	w := d.w
	if w == nil || w.eof || d.bad {
		return
	}
	if cap(d.data)-len(d.data) < readSize {
		n := copy(d.data[:cap(d.data)], d.data[d.i:])
		d.data, d.i = d.data[:n], 0
		if cap(d.data)-n < readSize {
			grown := make([]byte, n, 2*cap(d.data)+readSize)
			copy(grown, d.data)
			d.data = grown
		}
	}
	n := len(d.data)
	m, err := io.ReadAtLeast(w.src, d.data[n:cap(d.data)], readSize)
	d.data = d.data[:n+m]
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		w.eof = true
	case err != nil:
		w.rerr, w.eof = err, true
		d.fail()
	}
}

// ahead makes the window hold at least n bytes from the next one that is
// not white space, or the rest of the input.
func (d *fastDecoder) ahead(n int) {
	for d.w != nil && !d.w.eof && !d.bad && len(d.data)-skipSpace(d.data, d.i) < n {
		d.fill()
	}
}

// whole makes the window hold the whole value that starts after white
// space at d.i, and a byte after it, or the rest of the input.
func (d *fastDecoder) whole() {
	for d.w != nil && !d.w.eof && !d.bad {
		start := skipSpace(d.data, d.i)
		if end := skipValue(d.data, start); end >= 0 && end < len(d.data) {
			return
		}
		d.fill()
	}
}

// drain reads the rest of the input into the window, for done to judge.
func (d *fastDecoder) drain() {
	for d.w != nil && !d.w.eof && !d.bad {
		d.fill()
	}
}
