package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"

	"github.com/soakline/soakline/internal/legacy"
)

// MaxDepth bounds the nesting of a JSON document ParseJSON reads.
const MaxDepth = 512

// DuplicateKeyError is a JSON object that names a key twice: readers
// differ on which value wins, so a redactor must not pick one.
type DuplicateKeyError struct {
	Path string // dotted path of the key, arrays as [i]
	Line int    // 1-based
}

func (e *DuplicateKeyError) Error() string {
	return fmt.Sprintf("duplicate key %q: readers differ on which value wins; remove one", e.Path)
}

// SyntaxError is a document ParseJSON cannot read.
type SyntaxError struct {
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string { return e.Msg }

// ParseJSON parses one JSON value into map[string]any, []any, string,
// json.Number, bool and nil. The NaN, Infinity and -Infinity literals the
// Python toolkit writes are read (outside strings) as the strings "NaN",
// "Infinity" and "-Infinity". A duplicate key at any depth is a
// *DuplicateKeyError, anything after the value a *SyntaxError.
func ParseJSON(data []byte) (any, error) {
	data = sanitize(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	p := &parser{dec: dec, data: data}
	v, err := p.value("", 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &SyntaxError{Line: p.line(), Msg: "data after the JSON value"}
	}
	return v, nil
}

type parser struct {
	dec  *json.Decoder
	data []byte
}

func (p *parser) line() int {
	off := min(int(p.dec.InputOffset()), len(p.data))
	return bytes.Count(p.data[:off], []byte("\n")) + 1
}

func (p *parser) fail(err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off := min(int(se.Offset), len(p.data))
		return &SyntaxError{Line: bytes.Count(p.data[:off], []byte("\n")) + 1, Msg: se.Error()}
	}
	return &SyntaxError{Line: p.line(), Msg: err.Error()}
}

func (p *parser) value(path string, depth int) (any, error) {
	if depth > MaxDepth {
		return nil, &SyntaxError{Line: p.line(), Msg: fmt.Sprintf("nested deeper than %d levels", MaxDepth)}
	}
	tok, err := p.dec.Token()
	if err != nil {
		return nil, p.fail(err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			m := map[string]any{}
			for p.dec.More() {
				kt, err := p.dec.Token()
				if err != nil {
					return nil, p.fail(err)
				}
				k, ok := kt.(string)
				if !ok {
					return nil, &SyntaxError{Line: p.line(), Msg: "object key is not a string"}
				}
				kp := join(path, k)
				if _, dup := m[k]; dup {
					return nil, &DuplicateKeyError{Path: kp, Line: p.line()}
				}
				v, err := p.value(kp, depth+1)
				if err != nil {
					return nil, err
				}
				m[k] = v
			}
			if _, err := p.dec.Token(); err != nil {
				return nil, p.fail(err)
			}
			return m, nil
		case '[':
			a := []any{}
			for i := 0; p.dec.More(); i++ {
				v, err := p.value(path+"["+strconv.Itoa(i)+"]", depth+1)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			if _, err := p.dec.Token(); err != nil {
				return nil, p.fail(err)
			}
			return a, nil
		}
		return nil, &SyntaxError{Line: p.line(), Msg: "unexpected " + t.String()}
	}
	return tok, nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// sanitize rewrites NaN, Infinity and -Infinity outside strings into
// strings, so that encoding/json reads the document.
func sanitize(data []byte) []byte {
	return legacy.ReplaceNonFinite(data, `"NaN"`, `"Infinity"`, `"-Infinity"`)
}

// HasValue reports whether v holds something to hide: not null, not "",
// not an empty object or array.
func HasValue(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case map[string]any:
		return len(x) > 0
	case []any:
		return len(x) > 0
	}
	return true
}

// Tree removes the credentials from a document ParseJSON returned (maps
// are changed in place; arrays are replaced) and returns it with the
// removed paths, sorted: a member whose name is a credential name and that
// has a value (the whole value: an object, an array of secrets); a string
// member or array element that is a credential value or LooksRandom.
// Objects and arrays are walked at every depth, objects inside arrays
// included.
func Tree(v any) (any, []string) {
	var removed []string
	out := tree("", v, &removed)
	sort.Strings(removed)
	return out, removed
}

func tree(path string, v any, removed *[]string) any {
	switch x := v.(type) {
	case map[string]any:
		for k, sub := range x {
			kp := join(path, k)
			if IsCredentialName(k) && HasValue(sub) {
				delete(x, k)
				*removed = append(*removed, kp)
				continue
			}
			if s, ok := sub.(string); ok {
				if IsCredentialValue(s) || LooksRandom(s) {
					delete(x, k)
					*removed = append(*removed, kp)
				}
				continue
			}
			x[k] = tree(kp, sub, removed)
		}
		return x
	case []any:
		kept := make([]any, 0, len(x))
		for i, sub := range x {
			ip := path + "[" + strconv.Itoa(i) + "]"
			if s, ok := sub.(string); ok && (IsCredentialValue(s) || LooksRandom(s)) {
				*removed = append(*removed, ip)
				continue
			}
			kept = append(kept, tree(ip, sub, removed))
		}
		return kept
	}
	return v
}
