package soakdir

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/soakline/soakline/internal/legacy"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// MaxLineBytes bounds one line of a JSON Lines stream.
const MaxLineBytes = 64 << 20

// ScanLines reads a JSON Lines stream from r, calling fn with each
// non-blank line's number, envelope and bytes (without the newline and a
// leading BOM); raw is reused for the next line, so fn must copy what it
// keeps. A line without "kind" (NaN literals allowed) gets a zero envelope:
// fn decides whether it is a legacy iteration summary or an error. file names the stream in
// errors; an error of fn without a file is given file and line.
func ScanLines(file string, r io.Reader, fn func(line int, env artifact.Envelope, raw []byte) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var buf []byte
	for line := 1; ; line++ {
		buf = buf[:0]
		var err error
		for {
			var chunk []byte
			chunk, err = br.ReadSlice('\n')
			buf = append(buf, chunk...)
			if len(buf) > MaxLineBytes {
				return fileerr.Errorf(file, line, "line longer than %d bytes", MaxLineBytes)
			}
			if !errors.Is(err, bufio.ErrBufferFull) {
				break
			}
		}
		if err != nil && err != io.EOF {
			return &fileerr.Error{File: file, Line: line, Err: err}
		}
		raw := bytes.TrimRight(buf, "\r\n")
		if line == 1 {
			raw = artifact.TrimBOM(raw)
		}
		if len(bytes.TrimSpace(raw)) > 0 {
			env, perr := legacy.PeekEnvelope("", raw)
			if perr != nil {
				var ae *fileerr.Error
				if errors.As(perr, &ae) {
					return &fileerr.Error{File: file, Line: line, Err: ae.Err}
				}
				return &fileerr.Error{File: file, Line: line, Err: perr}
			}
			if ferr := fn(line, env, raw); ferr != nil {
				var ae *fileerr.Error
				if errors.As(ferr, &ae) && ae.File == "" {
					return &fileerr.Error{File: file, Line: line, Err: ae.Err}
				}
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
	}
}

// LineError wraps err as an error of line line of file, dropping any line
// information err had relative to the line itself.
func LineError(file string, line int, err error) error {
	var ae *fileerr.Error
	if errors.As(err, &ae) {
		return &fileerr.Error{File: file, Line: line, Err: ae.Err}
	}
	return &fileerr.Error{File: file, Line: line, Err: fmt.Errorf("%w", err)}
}
