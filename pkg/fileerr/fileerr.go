// Package fileerr is the input error of every soakline stage: what is wrong
// with a file, and where — "ITER_SUMMARY_7.json: line 3: unknown field "x"".
// Artifacts (pkg/artifact), policies, event streams, refs and bundles all
// report their bad input as an *Error, which the stages print as one line
// and turn into exit code 2.
package fileerr

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// Error is an input error located in a file: the file and, where there is
// one, the line (1-based).
type Error struct {
	File string
	Line int
	Err  error
}

// Error formats e as "file: line N: what".
func (e *Error) Error() string {
	s := e.Err.Error()
	if e.Line > 0 {
		s = "line " + strconv.Itoa(e.Line) + ": " + s
	}
	if e.File != "" {
		s = e.File + ": " + s
	}
	return s
}

// Unwrap returns the error without its place.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error for file at line (0: no line).
func Errorf(file string, line int, format string, args ...any) error {
	return &Error{File: file, Line: line, Err: fmt.Errorf(format, args...)}
}

// PathError returns err, from opening or reading file, as an *Error that
// names file once (not again as the *fs.PathError of os functions does).
func PathError(file string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &Error{File: file, Err: err}
}

// LineOf returns the 1-based line of byte offset off in data.
func LineOf(data []byte, off int64) int {
	off = max(0, min(off, int64(len(data))))
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}

// KeyLine returns the line of the JSON document data where the member named
// dotted, or else the last segment of the dotted key ("summary.net_bps"),
// first appears; 0 when neither does: a check made after decoding can name
// the line.
func KeyLine(data []byte, dotted string) int {
	if line := keyLine(data, dotted); line > 0 || !strings.Contains(dotted, ".") {
		return line
	}
	return keyLine(data, dotted[strings.LastIndex(dotted, ".")+1:])
}

func keyLine(data []byte, key string) int {
	pat := []byte(`"` + key + `"`)
	for i := 0; ; {
		j := bytes.Index(data[i:], pat)
		if j < 0 {
			return 0
		}
		i += j + len(pat)
		if rest := bytes.TrimLeft(data[i:], " \t\r\n"); len(rest) > 0 && rest[0] == ':' {
			return LineOf(data, int64(i-len(pat)))
		}
	}
}
