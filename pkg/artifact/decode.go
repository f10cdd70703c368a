package artifact

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Error is an input error located in a file: the file, and where there is
// one, the line (1-based) of the problem. Every decoding error of this
// package is an *Error.
type Error struct {
	File string
	Line int
	Err  error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error for file at line (0: no line).
func Errorf(file string, line int, format string, args ...any) error {
	return &Error{File: file, Line: line, Err: fmt.Errorf(format, args...)}
}

// DisplayName is how errors name an input: "-" is standard input.
func DisplayName(path string) string {
	if path == "-" || path == "" {
		return "<stdin>"
	}
	return path
}

var bom = []byte{0xEF, 0xBB, 0xBF}

// TrimBOM drops a leading UTF-8 byte order mark.
func TrimBOM(data []byte) []byte { return bytes.TrimPrefix(data, bom) }

// LineOf returns the 1-based line of byte offset off in data.
func LineOf(data []byte, off int64) int {
	if off < 0 {
		off = 0
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}

// PeekEnvelope reads the schema_version and kind of a JSON object without
// judging the rest. A document without "kind" returns a zero Envelope: a
// legacy file.
func PeekEnvelope(file string, data []byte) (Envelope, error) {
	data = TrimBOM(data)
	var head struct {
		SchemaVersion json.RawMessage `json:"schema_version"`
		Kind          json.RawMessage `json:"kind"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return Envelope{}, jsonError(file, data, err)
	}
	var env Envelope
	if len(head.Kind) > 0 && string(head.Kind) != "null" {
		if err := json.Unmarshal(head.Kind, &env.Kind); err != nil {
			return env, Errorf(file, lineOfKey(data, "kind"), "\"kind\" must be a string")
		}
		if len(head.SchemaVersion) == 0 {
			return env, Errorf(file, lineOfKey(data, "kind"), "%s: missing schema_version", env.Kind)
		}
		if err := json.Unmarshal(head.SchemaVersion, &env.SchemaVersion); err != nil {
			return env, Errorf(file, lineOfKey(data, "schema_version"), "schema_version must be an integer, got %s", head.SchemaVersion)
		}
	}
	return env, nil
}

// Decode decodes data, an artifact of kind want, into v strictly: the
// envelope must name want at a supported version, unknown fields and
// trailing data are errors. Errors are *Error values naming file and line.
func Decode(file string, data []byte, want Kind, v any) error {
	data = TrimBOM(data)
	env, err := PeekEnvelope(file, data)
	if err != nil {
		return err
	}
	if err := env.check(want); err != nil {
		return &Error{File: file, Line: lineOfKey(data, "kind"), Err: err}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(file, data, err)
	}
	if err := trailing(dec); err != nil {
		off := dec.InputOffset()
		return &Error{File: file, Line: LineOf(data, off), Err: err}
	}
	return nil
}

// trailing reports data after the first JSON value.
func trailing(dec *json.Decoder) error {
	var extra json.RawMessage
	switch err := dec.Decode(&extra); {
	case err == io.EOF:
		return nil
	case err != nil:
		return fmt.Errorf("trailing data after the JSON object")
	default:
		return fmt.Errorf("trailing data after the JSON object")
	}
}

// jsonError turns an encoding/json error into an *Error with a line.
func jsonError(file string, data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return &Error{File: file, Line: LineOf(data, se.Offset), Err: fmt.Errorf("invalid JSON: %s", strings.TrimPrefix(se.Error(), "json: "))}
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "value"
		}
		return &Error{File: file, Line: LineOf(data, te.Offset), Err: fmt.Errorf("%s: want %s, got JSON %s", field, te.Type, te.Value)}
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return &Error{File: file, Line: LineOf(data, int64(len(data))), Err: errors.New("invalid JSON: unexpected end of input")}
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	line := 0
	if name, ok := strings.CutPrefix(msg, "unknown field "); ok {
		line = lineOfKey(data, strings.Trim(name, `"`))
	}
	var ae *Error
	if errors.As(err, &ae) {
		if ae.File == "" {
			ae.File = file
		}
		return ae
	}
	return &Error{File: file, Line: line, Err: errors.New(msg)}
}

// lineOfKey finds the line where "key" first appears as an object key; 0
// when it does not.
func lineOfKey(data []byte, key string) int {
	pat := []byte(`"` + key + `"`)
	i := bytes.Index(data, pat)
	for i >= 0 {
		rest := bytes.TrimLeft(data[i+len(pat):], " \t\r\n")
		if len(rest) > 0 && rest[0] == ':' {
			return LineOf(data, int64(i))
		}
		j := bytes.Index(data[i+1:], pat)
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return 0
}
