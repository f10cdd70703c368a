package events

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
)

// A Batch collects the events of one chunk of a stream; see ScanBatches.
type Batch interface {
	// Add is called for each event of the chunk, in order. The *Event is
	// reused for the next line.
	Add(e *Event)
}

// BatchOptions tunes ScanBatches. The zero value is the default.
type BatchOptions struct {
	// Workers is the number of goroutines parsing chunks: 0 means
	// runtime.GOMAXPROCS(0); 1 parses on the calling goroutine.
	Workers int
	// ChunkSize is the number of bytes read before a chunk is cut at its
	// last newline (a chunk grows to hold a longer line); 0 means
	// DefaultChunkSize.
	ChunkSize int
}

// DefaultChunkSize is the chunk size ScanBatches uses by default.
const DefaultChunkSize = 512 << 10

// ScanBatches reads every event from r like Scan, but parses the stream in
// chunks of whole lines on several goroutines. It streams: memory is a few
// chunks and batches per worker, whatever the length of r.
//
// Each chunk's events go, in order, to the Add method of a batch. merge is
// then called with that batch on the calling goroutine, one chunk at a time
// and in stream order; it must take what it needs and leave the batch ready
// for another chunk. So a merge that appends or sums in the order it is
// called sees the events in the same order as Scan's callback would, and
// gets bit-identical results.
//
// newBatch(w) creates a batch that only worker w (0 <= w < workers) fills;
// it is called a few times per worker, on the calling goroutine, before
// parsing starts. Chunks go to the workers in turn, so the batches of one
// worker may share state that merge does not touch, such as a table that
// stays in that core's cache.
//
// Errors are Scan's, with the same line numbers: at the first bad line the
// batch holding the events before it is merged (for a t_ms going back
// across chunks, found when its chunk is merged, the whole chunk), later
// chunks are not, and a *LineError is returned; a read error is returned as "read after line N:
// <error>" once every line before it has been merged.
func ScanBatches[B Batch](r io.Reader, opt BatchOptions, newBatch func(worker int) B, merge func(B)) error {
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	size := opt.ChunkSize
	if size <= 0 {
		size = DefaultChunkSize
	}
	cr := &chunkReader{r: r, size: size}
	chunk, last := cr.next(nil)
	if workers == 1 || last {
		return scanInline(cr, chunk, last, newBatch(0), merge)
	}
	return scanParallel(cr, chunk, workers, newBatch, merge)
}

// scanInline parses chunk by chunk on the calling goroutine.
func scanInline[B Batch](cr *chunkReader, chunk []byte, last bool, b B, merge func(B)) error {
	var e Event
	var scratch []byte
	var base, maxT int64
	var ord chunkOrder
	for first := true; ; first = false {
		lines, err := parseChunk(chunk, first, b, &e, &scratch, &ord)
		lines, err = ord.join(&maxT, lines, err)
		merge(b)
		if err != nil {
			return &LineError{Line: base + lines, Err: err}
		}
		base += lines
		if last {
			return cr.finalErr(base)
		}
		chunk, last = cr.next(chunk)
	}
}

// job is one chunk on its way from the reader through a worker to merge.
type job[B Batch] struct {
	worker int
	chunk  []byte
	first  bool
	batch  B
	lines  int64 // lines parsed, up to and including a bad one
	err    error // the bad line's error
	ord    chunkOrder
	done   chan struct{}
}

// chunkOrder is what the t_ms order check needs of a chunk parsed on its
// own: the largest t_ms, and the lines where t_ms reached a new minimum
// (the first line whose t_ms is below any bound is one of them). In a
// stream in time order that is the chunk's first line only.
type chunkOrder struct {
	maxT int64
	mins []lineT
}

type lineT struct{ line, t int64 }

// reset readies o for a chunk.
func (o *chunkOrder) reset() {
	o.maxT = 0
	o.mins = o.mins[:0]
}

// add checks the t_ms of the chunk's line-th line against the lines before
// it in the chunk and records it. In order, it is two comparisons, inlined.
func (o *chunkOrder) add(line, t int64) error {
	if t >= o.maxT && len(o.mins) > 0 { // then t is no new minimum
		o.maxT = t
		return nil
	}
	return o.addSlow(line, t)
}

// addSlow is add past its fast path; not inlined, so add is.
//
//go:noinline
func (o *chunkOrder) addSlow(line, t int64) error {
	if t < o.maxT-OrderToleranceMs {
		return errBackwards(t, o.maxT)
	}
	o.maxT = max(o.maxT, t)
	if n := len(o.mins); n == 0 || t < o.mins[n-1].t {
		o.mins = append(o.mins, lineT{line, t})
	}
	return nil
}

// join checks the chunk's lines against the largest t_ms of the stream
// before it (*maxT, then updated) and returns the chunk's first bad line:
// the first line going back too far, or the parse error at lines.
func (o *chunkOrder) join(maxT *int64, lines int64, err error) (int64, error) {
	for _, m := range o.mins {
		if m.t >= *maxT-OrderToleranceMs {
			continue
		}
		if err == nil || m.line < lines {
			return m.line, errBackwards(m.t, *maxT)
		}
		break
	}
	*maxT = max(*maxT, o.maxT)
	return lines, err
}

// jobsPerWorker is the number of chunks a worker can have in flight: one
// being parsed, one waiting, one being merged or read.
const jobsPerWorker = 3

// scanParallel runs a reader goroutine cutting chunks, workers parsing
// them into batches, and merges the batches on the calling goroutine in
// stream order. Chunk i goes to worker i mod workers. Each worker has a
// fixed set of jobs that circulates (its free list → reader → worker →
// merge → its free list), which bounds the memory and makes the reader
// wait when parsing falls behind.
func scanParallel[B Batch](cr *chunkReader, chunk []byte, workers int, newBatch func(int) B, merge func(B)) error {
	free := make([]chan *job[B], workers)
	work := make([]chan *job[B], workers)
	for w := range workers {
		free[w] = make(chan *job[B], jobsPerWorker)
		work[w] = make(chan *job[B], jobsPerWorker)
		for range jobsPerWorker {
			free[w] <- &job[B]{worker: w, batch: newBatch(w), done: make(chan struct{}, 1)}
		}
	}
	order := make(chan *job[B], workers*jobsPerWorker) // never blocks: it holds at most every job
	quit := make(chan struct{})
	var wg sync.WaitGroup

	// Workers: parse each chunk into its job's batch.
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var e Event
			var scratch []byte
			for j := range work[w] {
				j.lines, j.err = parseChunk(j.chunk, j.first, j.batch, &e, &scratch, &j.ord)
				j.done <- struct{}{}
			}
		}()
	}

	// Reader: cut the stream into chunks, in order, until the end or quit.
	j := <-free[0]
	j.chunk, j.first = chunk, true
	order <- j
	work[0] <- j
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(order)
		defer func() {
			for _, c := range work {
				close(c)
			}
		}()
		for i := 1; ; i++ {
			var j *job[B]
			select {
			case j = <-free[i%workers]:
			case <-quit:
				return
			}
			var last bool
			j.chunk, last = cr.next(j.chunk)
			j.first = false
			order <- j
			work[j.worker] <- j
			if last {
				return
			}
		}
	}()

	// Merge in stream order; after a bad line, drain without merging.
	var base, maxT int64
	var err error
	for j := range order {
		<-j.done
		if err == nil {
			j.lines, j.err = j.ord.join(&maxT, j.lines, j.err)
			merge(j.batch)
			if j.err != nil {
				err = &LineError{Line: base + j.lines, Err: j.err}
				close(quit)
			}
			base += j.lines
		}
		free[j.worker] <- j
	}
	wg.Wait()
	if err != nil {
		return err
	}
	return cr.finalErr(base)
}

// parseChunk parses the lines of chunk (the stream's first chunk if first)
// into b. It returns the number of lines seen, up to and including a bad
// one, and that line's error. Line handling is Reader's: the limit counts a
// "\r" and a byte order mark, which are then removed; empty lines count.
//
// It also checks the order of t_ms within the chunk and records in ord
// what ord.join needs to check it against the chunks before.
func parseChunk[B Batch](chunk []byte, first bool, b B, e *Event, scratch *[]byte, ord *chunkOrder) (int64, error) {
	var lines int64
	ord.reset()
	for len(chunk) > 0 {
		// A line in the Writer's form is parsed where it starts, without
		// looking for its end first: the form holds no newline, so what
		// canonicalPrefix reads is the line's (see parseLine). The first
		// line (a byte order mark) and anything else take the general way.
		if !first {
			*e = Event{}
			if seen, i, ok := canonicalPrefix(chunk, e); ok {
				if chunk[i] == '}' && i+1 < len(chunk) && chunk[i+1] == '\n' && i < MaxLineBytes {
					lines++
					chunk = chunk[i+2:]
					if err := check(e, seen); err != nil {
						return lines, err
					}
					if err := ord.add(lines, e.TMs); err != nil {
						return lines, err
					}
					b.Add(e)
					continue
				}
				if chunk[i] == ',' { // members after the form: parseLine's tail
					line := chunk
					if n := bytes.IndexByte(chunk[i:], '\n'); n >= 0 {
						line, chunk = chunk[:i+n], chunk[i+n+1:]
					} else {
						chunk = nil
					}
					lines++
					if len(line) > MaxLineBytes {
						return lines, errTooLong
					}
					line = trimLine(line, false)
					if err := parseMembers(line, skipSpace(line, i+1), e, seen, scratch); err != nil {
						return lines, err
					}
					if err := ord.add(lines, e.TMs); err != nil {
						return lines, err
					}
					b.Add(e)
					continue
				}
			}
		}
		var line []byte
		if i := bytes.IndexByte(chunk, '\n'); i >= 0 {
			line, chunk = chunk[:i], chunk[i+1:]
		} else {
			line, chunk = chunk, nil
		}
		lines++
		if len(line) > MaxLineBytes {
			return lines, errTooLong
		}
		line, first = trimLine(line, first), false
		if err := parseLine(line, e, scratch); err != nil {
			if err == errEmpty {
				continue
			}
			return lines, err
		}
		if err := ord.add(lines, e.TMs); err != nil {
			return lines, err
		}
		b.Add(e)
	}
	return lines, nil
}

// trimLine drops the "\r" of a line and, from the stream's first line, a
// byte order mark: Reader's line handling.
func trimLine(line []byte, first bool) []byte {
	if first {
		line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line
}

// chunkReader cuts a stream into chunks of whole lines.
type chunkReader struct {
	r     io.Reader
	size  int
	carry []byte // the bytes after the last newline of the previous chunk
	err   error  // sticky: io.EOF or the read error
}

// next returns the next chunk, reusing buf's memory: the bytes up to and
// including the last newline of a full buffer, or, at the end of the stream
// or after a read error, everything left (possibly nothing), with last set.
// A line longer than MaxLineBytes is returned as it is, also with last set:
// parsing it reports the error.
func (c *chunkReader) next(buf []byte) (chunk []byte, last bool) {
	if cap(buf) < c.size {
		buf = make([]byte, 0, c.size)
	}
	buf = append(buf[:0], c.carry...)
	c.carry = c.carry[:0]
	zeros := 0
	for c.err == nil {
		if len(buf) == cap(buf) {
			if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
				c.carry = append(c.carry, buf[i+1:]...)
				return buf[:i+1], false
			}
			if len(buf) > MaxLineBytes {
				return buf, true
			}
			nb := make([]byte, len(buf), min(2*cap(buf), MaxLineBytes+1))
			copy(nb, buf)
			buf = nb
		}
		n, err := c.r.Read(buf[len(buf):cap(buf)])
		if n < 0 || n > cap(buf)-len(buf) {
			c.err = errors.New("invalid read count")
			break
		}
		buf = buf[:len(buf)+n]
		if err != nil {
			c.err = err
			break
		}
		if zeros++; n > 0 {
			zeros = 0
		} else if zeros == 100 {
			c.err = io.ErrNoProgress
		}
	}
	return buf, true
}

// finalErr is the error at the end of a stream of lines lines: nil at EOF.
func (c *chunkReader) finalErr(lines int64) error {
	if c.err == nil || c.err == io.EOF {
		return nil
	}
	return fmt.Errorf("read after line %d: %w", lines, c.err)
}
