package artifact

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/soakline/soakline/pkg/fileerr"
)

var bom = []byte{0xEF, 0xBB, 0xBF}

// TrimBOM drops a leading UTF-8 byte order mark.
func TrimBOM(data []byte) []byte { return bytes.TrimPrefix(data, bom) }

// PeekEnvelope reads the envelope of the JSON object in data, stopping
// there: the rest (duplicate names included) is Decode's to judge. A
// document without "kind" (or "kind": null) has a zero Envelope: a legacy
// file, for internal/legacy.
func PeekEnvelope(file string, data []byte) (Envelope, error) {
	data = TrimBOM(data)
	p := peekers.Get().(*peeker)
	defer peekers.Put(p)
	p.r.Reset(data)
	p.dec.Reset(&p.r, jsontext.AllowDuplicateNames(true))
	dec := &p.dec
	fail := func(err error) (Envelope, error) { return Envelope{}, JSONError(file, data, err) }
	if dec.PeekKind() != '{' {
		var v jsontext.Value
		if err := jsonv2.Unmarshal(data, &v); err != nil {
			return fail(err)
		}
		return Envelope{}, fileerr.Errorf(file, 1, "want a JSON object, got %s", kindName(v.Kind()))
	}
	if _, err := dec.ReadToken(); err != nil {
		return fail(err)
	}
	var kind, ver jsontext.Value
	for (kind == nil || ver == nil) && dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			return fail(err)
		}
		switch name.String() {
		case "kind":
			kind, err = dec.ReadValue()
			kind = kind.Clone()
		case "schema_version":
			ver, err = dec.ReadValue()
			ver = ver.Clone()
		default:
			err = dec.SkipValue()
		}
		if err != nil {
			return fail(err)
		}
	}
	if (kind == nil || ver == nil) && dec.PeekKind() == 0 { // a syntax error ended the object
		_, err := dec.ReadToken()
		return fail(err)
	}
	if kind == nil || kind.Kind() == 'n' {
		return Envelope{}, nil
	}
	if kind.Kind() != '"' {
		return Envelope{}, fileerr.Errorf(file, fileerr.KeyLine(data, "kind"), "\"kind\" must be a string")
	}
	var env Envelope
	jsonv2.Unmarshal(kind, &env.Kind)
	if ver == nil {
		return Envelope{}, fileerr.Errorf(file, fileerr.KeyLine(data, "kind"), "%s: missing schema_version", env.Kind)
	}
	if err := jsonv2.Unmarshal(ver, &env.SchemaVersion); err != nil {
		return Envelope{}, fileerr.Errorf(file, fileerr.KeyLine(data, "schema_version"), "schema_version must be an integer, got %s", ver)
	}
	return env, nil
}

// A peeker is PeekEnvelope's reusable state (a decoder was half its cost).
type peeker struct {
	r   bytes.Reader
	dec jsontext.Decoder
}

var peekers = sync.Pool{New: func() any { return new(peeker) }}

var strict = jsonv2.RejectUnknownMembers(true)

// Decode decodes data, an artifact of kind want, into v strictly (see the
// package documentation). Errors are *fileerr.Error values naming file
// and line.
func Decode(file string, data []byte, want Kind, v any) error {
	data = TrimBOM(data)
	env, err := PeekEnvelope(file, data)
	if err != nil {
		return err
	}
	if err := env.Check(want); err != nil {
		return &fileerr.Error{File: file, Line: fileerr.KeyLine(data, "kind"), Err: err}
	}
	if err := jsonv2.Unmarshal(data, v, strict); err != nil {
		return JSONError(file, data, err)
	}
	return nil
}

// JSONError turns an error of the JSON decoder into a *fileerr.Error with
// the line of the problem in data.
func JSONError(file string, data []byte, err error) error {
	var ae *fileerr.Error
	if errors.As(err, &ae) {
		if ae.File == "" {
			ae.File = file
		}
		return ae
	}
	line := 0
	var se *jsontext.SyntacticError
	var me *jsonv2.SemanticError
	switch {
	case errors.As(err, &se):
		line = fileerr.LineOf(data, se.ByteOffset)
	case errors.As(err, &me):
		line = fileerr.LineOf(data, me.ByteOffset)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		line = fileerr.LineOf(data, int64(len(data)))
	}
	return &fileerr.Error{File: file, Line: line, Err: errors.New(describe(err))}
}

// describe words a decoding error without its place.
func describe(err error) string {
	var se *jsontext.SyntacticError
	var me *jsonv2.SemanticError
	switch {
	case errors.As(err, &se):
		switch {
		case errors.Is(se.Err, jsontext.ErrDuplicateName):
			return fmt.Sprintf("duplicate field %q", se.JSONPointer.LastToken())
		case errors.Is(se.Err, io.ErrUnexpectedEOF):
			return "invalid JSON: unexpected end of JSON input"
		case strings.Contains(se.Err.Error(), "after top-level value"):
			return "trailing data after the JSON object"
		}
		return "invalid JSON: " + se.Err.Error()
	case errors.As(err, &me):
		if errors.Is(me.Err, jsonv2.ErrUnknownName) {
			return fmt.Sprintf("unknown field %q", me.JSONPointer.LastToken())
		}
		field := cmp.Or(strings.ReplaceAll(strings.TrimPrefix(string(me.JSONPointer), "/"), "/", "."), "value")
		got := "JSON " + strings.TrimPrefix(kindName(me.JSONKind), "a ")
		if me.JSONKind == '0' {
			got += " " + string(me.JSONValue)
		}
		if me.GoType != nil && me.JSONKind != 0 {
			return fmt.Sprintf("%s: want %s, got %s", field, me.GoType, got)
		}
		if me.Err != nil {
			return field + ": " + describe(me.Err)
		}
		return field + ": " + strings.TrimPrefix(me.Error(), "json: ")
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return "invalid JSON: unexpected end of JSON input"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// kindName names a JSON kind for people: "an array", "a number".
func kindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 'f', 't':
		return "a boolean"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	return "nothing"
}

// Marshal encodes v deterministically: two-space indent, no HTML escaping,
// a trailing newline, map keys sorted, struct fields in declaration order
// (schema_version and kind first).
func Marshal(v any) ([]byte, error) { return marshal(v, "  ") }

// MarshalLine encodes v as one compact JSON line, for JSON Lines streams.
func MarshalLine(v any) ([]byte, error) { return marshal(v, "") }

func marshal(v any, indent string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
