// Package legacy reads the files of the earlier Python toolkit and converts
// them to soakline's artifacts at load (see spec/legacy-toolkit.md): the
// iteration summaries, the ledger (an object or a bare list), the runtime
// overrides, POST_SOAK_SNAPSHOT.json (schema 1.1 and 1.2),
// DELTA_VERIFY_REPORT.json and the directory layouts the toolkit used
// (path/soak/latest, path/latest). Nothing else in soakline knows these
// shapes.
//
// Each reader takes a file of either format: one with an envelope is ours,
// decoded strictly by artifact.Decode and then checked for what JSON types
// cannot say (strict.go: statuses, adoption records, override values); one
// without is the toolkit's and read leniently, as the toolkit wrote it:
//
//   - a UTF-8 byte order mark and CRLF line ends are accepted;
//   - NaN, Infinity and -Infinity literals (Python's json.dump writes
//     them) are accepted and read as non-finite numbers, which the gate
//     reports as data errors, or as missing where a value cannot be judged;
//   - unknown members are ignored; member names match exactly, and a
//     member given twice is an error, as in our files;
//   - made-up defaults the toolkit wrote in place of a measurement
//     (maker_taker_source "fallback" or "mock_default", p95_latency_ms 0)
//     are read as missing, never as values.
//
// Errors are *fileerr.Error values naming the file and, where there is
// one, the line.
//
// Speed: a soak of 100,000 legacy summaries is read in about the time of
// one of ours because the toolkit's tuning records and KPI members are read
// by typed token readers (fasttuning.go, fastKPIs) that hand any shape
// they do not take to the generic readers (tuningDoc, kpiDoc); fuzz
// targets check that both give the same records.
package legacy

import (
	"bytes"
	"fmt"
	"math"
	"path/filepath"
	"strconv"

	"github.com/go-json-experiment/json"

	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// SoakDirs lists where a soak directory given as path may hold its
// iteration summaries, in the order they are probed: path itself, then the
// toolkit's layouts path/soak/latest (a CI download, "latest 1/soak/latest")
// and path/latest.
func SoakDirs(path string) []string {
	return []string{path, filepath.Join(path, "soak", "latest"), filepath.Join(path, "latest")}
}

// ReplaceNonFinite rewrites the NaN, Infinity and -Infinity literals the
// Python toolkit's json.dump writes outside strings into nan, inf and ninf
// (e.g. `"NaN"` to keep them as strings, or null to read them as missing),
// so that a JSON decoder reads the document. data is returned as is when
// it holds no such literal.
func ReplaceNonFinite(data []byte, nan, inf, ninf string) []byte {
	if !bytes.Contains(data, []byte("NaN")) && !bytes.Contains(data, []byte("Infinity")) {
		return data
	}
	var out bytes.Buffer
	inStr, esc := false, false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if inStr {
			out.WriteByte(c)
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		}
		switch {
		case c == '"':
			inStr = true
			out.WriteByte(c)
		case bytes.HasPrefix(data[i:], []byte("NaN")):
			out.WriteString(nan)
			i += len("NaN") - 1
		case bytes.HasPrefix(data[i:], []byte("-Infinity")):
			out.WriteString(ninf)
			i += len("-Infinity") - 1
		case bytes.HasPrefix(data[i:], []byte("Infinity")):
			out.WriteString(inf)
			i += len("Infinity") - 1
		default:
			out.WriteByte(c)
		}
	}
	return out.Bytes()
}

// PeekEnvelope is artifact.PeekEnvelope for a file that may be the
// toolkit's: its NaN and Infinity literals are no error.
func PeekEnvelope(file string, data []byte) (artifact.Envelope, error) {
	return artifact.PeekEnvelope(file, ReplaceNonFinite(data, "0", "0", "0"))
}

// sanitize drops a byte order mark and turns the non-finite literals into
// the strings num reads back as numbers.
func sanitize(data []byte) []byte {
	return ReplaceNonFinite(artifact.TrimBOM(data), `"NaN"`, `"Infinity"`, `"-Infinity"`)
}

// parse reads a sanitized legacy document into v (a map or a slice of
// generic values); errors name file and line.
func parse(file string, clean []byte, v any) error {
	if err := json.Unmarshal(clean, v); err != nil {
		return artifact.JSONError(file, clean, err)
	}
	return nil
}

// object reads a sanitized legacy document that must be a JSON object.
func object(file string, clean []byte) (map[string]any, error) {
	var v any
	if err := parse(file, clean, &v); err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fileerr.Errorf(file, 1, "want a JSON object, got %s", typeName(v))
	}
	return m, nil
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// num reads a lenient number: a JSON number, null (missing), and the
// strings NaN, Infinity and -Infinity that sanitize produced.
func num(v any) (f float64, ok bool, err error) {
	switch x := v.(type) {
	case nil:
		return 0, false, nil
	case float64:
		return x, true, nil
	case string:
		switch x {
		case "NaN":
			return math.NaN(), true, nil
		case "Infinity":
			return math.Inf(1), true, nil
		case "-Infinity":
			return math.Inf(-1), true, nil
		}
		// Echo the string only when it is a quoted number: any other
		// string may be a credential (an api key where a number belongs)
		// and errors reach every stage's stderr.
		if _, err := strconv.ParseFloat(x, 64); err == nil && len(x) <= 32 {
			return 0, false, fmt.Errorf("want a number, got string %q", x)
		}
		return 0, false, fmt.Errorf("want a number, got a string of %d bytes", len(x))
	}
	return 0, false, fmt.Errorf("want a number, got %s", typeName(v))
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
