package artifact

import (
	"errors"
	"io"
	"io/fs"
)

// The ledger of a long soak is large (85 MB at 100,000 iterations) and
// decodes into much less; ReadTuningReport reads it through a window that
// holds one entry at a time, instead of holding the file and its decoding
// on the heap together.

// window is the streaming state of a fastDecoder: d.data is a window on
// src, refilled between values.
type window struct {
	src  io.Reader
	eof  bool
	rerr error // a read error other than io.EOF
}

const windowSize = 1 << 20

// ReadTuningReport decodes the ledger in r as DecodeTuningReport decodes
// its bytes, reading r in pieces; when the document is not in the form the
// fast path reads (see fastDecoder), r is read again from the start and
// decoded whole.
func (dec *Decoder) ReadTuningReport(file string, r io.ReadSeeker) (*TuningReport, error) {
	d := &dec.fast
	d.reset(make([]byte, 0, windowSize))
	d.w = &window{src: r}
	defer func() { d.w = nil }()
	d.fill()
	if len(d.data) >= len(bom) && string(d.data[:len(bom)]) == string(bom) {
		d.i = len(bom)
	}
	rep := new(TuningReport)
	d.tuningReport(rep)
	d.drain()
	if d.w.rerr != nil {
		return nil, readError(file, d.w.rerr)
	}
	if d.done() && rep.Kind == KindTuningReport && rep.SchemaVersion >= 1 && rep.SchemaVersion <= SchemaVersion {
		return rep, nil
	}
	d.reset(nil)
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, readError(file, err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, readError(file, err)
	}
	return decodeTuningReport(file, data)
}

// readError names file once: an *fs.PathError names it too.
func readError(file string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &Error{File: file, Err: err}
}

// fill moves the unread part of the window to its start and reads more
// after it, growing the window when it is full.
func (d *fastDecoder) fill() {
	w := d.w
	if w == nil || w.eof || d.bad {
		return
	}
	n := copy(d.data[:cap(d.data)], d.data[d.i:])
	d.data, d.i = d.data[:n], 0
	if n == cap(d.data) {
		d.data = append(d.data, 0)[:n]
	}
	m, err := w.src.Read(d.data[n:cap(d.data)])
	d.data = d.data[:n+m]
	switch {
	case errors.Is(err, io.EOF):
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
