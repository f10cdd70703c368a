package botevents

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
)

// OverridesKind is the kind in the envelope of runtime_overrides.json.
const OverridesKind = "runtime_overrides"

// maxOverridesDepth bounds the nesting of sections, so a hostile file
// cannot exhaust the stack.
const maxOverridesDepth = 32

// ReadOverrides reads the runtime_overrides.json at path (SOAK_OVERRIDES)
// and returns its parameters under their flat keys; see DecodeOverrides.
// An error names the file and, for bad content, the line.
func ReadOverrides(path string) (map[string]float64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p, err := DecodeOverrides(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// DecodeOverrides decodes runtime_overrides.json: a JSON object of
// numbers, where an object is a section whose keys are flattened with its
// name and a dot ({"engine": {"concurrency_limit": 10}} is
// "engine.concurrency_limit"), the names soak-run uses everywhere else.
// The envelope, "schema_version" 1 and "kind" "runtime_overrides", is
// checked when present and is not a parameter; a file without it (a
// preset written by hand) is read the same way. A value that is not a
// number, a parameter given twice, another kind or schema version, or
// anything after the object is an error naming the line ("line 3: ...");
// a UTF-8 byte order mark and CRLF line ends are accepted. On error the
// map is nil.
func DecodeOverrides(data []byte) (map[string]float64, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	r := overridesReader{d: json.NewDecoder(bytes.NewReader(data)), data: data, out: map[string]float64{}}
	r.d.UseNumber()
	err := r.value("", 0)
	if err == nil {
		if _, terr := r.d.Token(); terr != io.EOF {
			err = r.fail(errors.New("data after the object"))
		}
	}
	if err != nil {
		return nil, err
	}
	return r.out, nil
}

// overridesReader walks the file token by token, which keeps the line of
// each error and sees a key given twice (encoding/json would keep the last).
type overridesReader struct {
	d    *json.Decoder
	data []byte
	out  map[string]float64
}

// fail returns err with the line the decoder has reached, or the line of
// a syntax error.
func (r *overridesReader) fail(err error) error {
	off := r.d.InputOffset()
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		off = syn.Offset
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err, off = errors.New("unexpected end of the file"), int64(len(r.data))
	}
	off = min(max(off, 0), int64(len(r.data)))
	return fmt.Errorf("line %d: %w", 1+bytes.Count(r.data[:off], []byte("\n")), err)
}

// value reads the value of key (the whole file when key is "").
func (r *overridesReader) value(key string, depth int) error {
	tok, err := r.d.Token()
	if err != nil {
		return r.fail(err)
	}
	switch v := tok.(type) {
	case json.Number:
		if key == "" {
			break
		}
		f, err := strconv.ParseFloat(v.String(), 64)
		if err != nil {
			return r.fail(fmt.Errorf("%s: %s is out of range", key, v))
		}
		if _, dup := r.out[key]; dup {
			return r.fail(fmt.Errorf("%s: given twice", key))
		}
		r.out[key] = f
		return nil
	case json.Delim:
		if v != '{' {
			break
		}
		if depth >= maxOverridesDepth {
			return r.fail(fmt.Errorf("%s: sections nested deeper than %d", key, maxOverridesDepth))
		}
		return r.section(key, depth+1)
	}
	if key == "" {
		return r.fail(errors.New("want a JSON object"))
	}
	return r.fail(fmt.Errorf("%s: want a number or a section, got %s", key, describe(tok)))
}

// section reads the members of an object whose '{' has been read.
func (r *overridesReader) section(key string, depth int) error {
	seen := map[string]bool{}
	for r.d.More() {
		tok, err := r.d.Token()
		if err != nil {
			return r.fail(err)
		}
		name := tok.(string) // a member's name is always a string
		if name == "" {
			return r.fail(errors.New("an empty key"))
		}
		if key == "" && (name == "schema_version" || name == "kind") {
			if seen[name] {
				return r.fail(fmt.Errorf("%s: given twice", name))
			}
			seen[name] = true
			if err := r.envelope(name); err != nil {
				return err
			}
			continue
		}
		full := name
		if key != "" {
			full = key + "." + name
		}
		if err := r.value(full, depth); err != nil {
			return err
		}
	}
	if _, err := r.d.Token(); err != nil { // the closing '}'
		return r.fail(err)
	}
	return nil
}

// envelope checks schema_version or kind.
func (r *overridesReader) envelope(name string) error {
	tok, err := r.d.Token()
	if err != nil {
		return r.fail(err)
	}
	switch {
	case name == "kind" && tok == OverridesKind:
		return nil
	case name == "kind":
		return r.fail(fmt.Errorf("kind %s: want %q (is this runtime_overrides.json?)", describe(tok), OverridesKind))
	case tok == json.Number("1"):
		return nil
	}
	return r.fail(fmt.Errorf("schema_version %s: want 1", describe(tok)))
}

// describe names a token for an error.
func describe(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		if v == '[' {
			return "an array"
		}
		return "an object"
	case string:
		return strconv.Quote(v)
	case nil:
		return "null"
	}
	return fmt.Sprint(tok)
}
