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
// judging the rest. A document without "kind" (or with "kind": null)
// returns a zero Envelope: a legacy file. Keys match the way encoding/json
// matches them (case-insensitively; the last of duplicates wins), so that
// the envelope agrees with what a full decode sees.
//
// Only the top level is scanned, without building values, so peeking costs
// a fraction of a decode; a document whose top level is not a well-formed
// object is handed to encoding/json for a precise error.
func PeekEnvelope(file string, data []byte) (Envelope, error) {
	data = TrimBOM(data)
	kind, ver, err := scanHead(data)
	if err != nil {
		return Envelope{}, headError(file, data, err)
	}
	var env Envelope
	if len(kind) == 0 || string(kind) == "null" {
		return env, nil
	}
	if err := json.Unmarshal(kind, &env.Kind); err != nil {
		return Envelope{}, Errorf(file, lineOfKey(data, "kind"), "\"kind\" must be a string")
	}
	if len(ver) == 0 {
		return Envelope{}, Errorf(file, lineOfKey(data, "kind"), "%s: missing schema_version", env.Kind)
	}
	if err := json.Unmarshal(ver, &env.SchemaVersion); err != nil {
		return Envelope{}, Errorf(file, lineOfKey(data, "schema_version"), "schema_version must be an integer, got %s", ver)
	}
	return env, nil
}

// headError explains why data's top level is not a well-formed object.
func headError(file string, data []byte, err error) error {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] != '{' {
		var v any
		if json.Unmarshal(data, &v) == nil {
			return &Error{File: file, Line: 1, Err: fmt.Errorf("want a JSON object, got %s", jsonTypeName(v))}
		}
	}
	// Let encoding/json find the syntax error, on the legacy reading of
	// the document: NaN and Infinity literals are judged later, by the
	// strict or the lenient decoder.
	clean := sanitizeLegacy(data)
	var v any
	if jerr := json.Unmarshal(clean, &v); jerr != nil {
		return jsonError(file, clean, jerr)
	}
	return &Error{File: file, Line: LineOf(data, int64(len(data))), Err: err}
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
	return decodeStrict(file, data, env, want, v)
}

// decodeStrict is Decode once the envelope env of data (without a BOM) is
// known.
func decodeStrict(file string, data []byte, env Envelope, want Kind, v any) error {
	if err := env.check(want); err != nil {
		return &Error{File: file, Line: lineOfKey(data, "kind"), Err: err}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(file, data, err)
	}
	return trailing(file, data, dec)
}

// trailing reports data after the first JSON value, which dec has just
// decoded from data, at the line where it starts.
func trailing(file string, data []byte, dec *json.Decoder) error {
	i := skipSpace(data, int(dec.InputOffset()))
	if i >= len(data) {
		return nil
	}
	return &Error{File: file, Line: LineOf(data, int64(i)), Err: errors.New("trailing data after the JSON object")}
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
