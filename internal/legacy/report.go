package legacy

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/go-json-experiment/json"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// TuningReport reads TUNING_REPORT.json of either format: ours strictly;
// the toolkit's object ({"iterations": [...]}) or bare list leniently.
// The toolkit's entries are converted one at a time as they are parsed:
// its ledger of a 100,000-iteration soak is 70 MB.
func TuningReport(file string, data []byte) (*artifact.TuningReport, error) {
	if env, err := PeekEnvelope(file, data); err != nil {
		if t := bytes.TrimLeft(artifact.TrimBOM(data), " \t\r\n"); len(t) == 0 || t[0] != '[' {
			return nil, err
		}
	} else if env.Kind != "" {
		return decodeReport(file, data)
	}
	clean := sanitize(data)
	dec := jsontext.NewDecoder(bytes.NewReader(clean))
	r, err := report(file, dec, clean)
	if errors.Is(err, errOurs) {
		// A "kind" the envelope did not read as one ("kind": ""): the
		// strict decoder says what is wrong, with the line.
		return decodeReport(file, data)
	}
	if err != nil {
		return nil, err
	}
	if off := int64(len(clean) - len(bytes.TrimLeft(clean[dec.InputOffset():], " \t\r\n"))); off < int64(len(clean)) {
		return nil, fileerr.Errorf(file, fileerr.LineOf(clean, off), "trailing data after the JSON object")
	}
	return r, nil
}

// errOurs stops report at a ledger with a kind: ours.
var errOurs = errors.New("a ledger of ours")

// report reads the toolkit's ledger from dec, which reads clean (nil when
// dec reads a stream: errors then have no line).
func report(file string, dec *jsontext.Decoder, clean []byte) (*artifact.TuningReport, error) {
	r := &artifact.TuningReport{SchemaVersion: artifact.SchemaVersion, Kind: artifact.KindTuningReport, Legacy: true}
	fail := func(err error) (*artifact.TuningReport, error) { return nil, artifact.JSONError(file, clean, err) }
	entries := func() error {
		if _, err := dec.ReadToken(); err != nil {
			return err
		}
		// A stream's entries are read into blocks, copied once into a
		// ledger of their number: appending to one slice copied it ~20
		// times (0.13 s of CPU at 100,000 entries) and left it up to a
		// quarter larger than needed.
		var blocks [][]artifact.Tuning
		var block []artifact.Tuning
		n := 0
		defer func() {
			if n == 0 {
				return // no entries: Iterations stays nil
			}
			r.Iterations = make([]artifact.Tuning, 0, n)
			for _, b := range append(blocks, block) {
				r.Iterations = append(r.Iterations, b...)
			}
		}()
		for i := 0; dec.PeekKind() != ']'; i++ {
			if dec.PeekKind() != '{' {
				var e any
				if err := json.UnmarshalDecode(dec, &e); err != nil {
					return err
				}
				return &fileerr.Error{File: file, Err: fmt.Errorf("iterations[%d]: want an object, got %s", i, typeName(e))}
			}
			if clean == nil {
				// A stream: read straight into the ledger's entry. Any
				// record readTuning does not take stops the stream, and
				// ReadTuningReport reads the whole ledger again below
				// (clean set), for tuning's result or error text.
				if len(block) == cap(block) {
					if block != nil {
						blocks = append(blocks, block)
					}
					block = make([]artifact.Tuning, 0, min(max(2*cap(block), 256), 8192))
				}
				block = append(block, artifact.Tuning{})
				n++
				if err := readTuning(dec, &block[len(block)-1]); err != nil {
					return err
				}
				continue
			}
			var m tuningDoc
			if err := json.UnmarshalDecode(dec, &m); err != nil {
				return err
			}
			t, err := tuning(file, clean, &m)
			if err != nil {
				return err
			}
			r.Iterations = append(r.Iterations, *t)
		}
		_, err := dec.ReadToken()
		return err
	}
	switch dec.PeekKind() {
	case '[':
		if err := entries(); err != nil {
			return fail(err)
		}
	case '{':
		dec.ReadToken()
		found := false
		for dec.PeekKind() != '}' {
			name, err := dec.ReadToken()
			if err != nil {
				return fail(err)
			}
			if name.String() == "kind" && dec.PeekKind() != 'n' {
				return nil, errOurs
			}
			if name.String() == "iterations" && dec.PeekKind() == '[' && !found {
				found = true
				err = entries()
			} else {
				err = dec.SkipValue()
			}
			if err != nil {
				return fail(err)
			}
		}
		if _, err := dec.ReadToken(); err != nil {
			return fail(err)
		}
		if !found {
			return nil, fileerr.Errorf(file, fileerr.KeyLine(clean, "iterations"), "iterations: want a list")
		}
	default:
		var v any
		if err := parse(file, clean, &v); err != nil {
			return nil, err
		}
		return nil, fileerr.Errorf(file, 1, "want a JSON object, got %s", typeName(v))
	}
	r.Summarize()
	return r, nil
}

// ReadTuningReport is TuningReport reading from r: ours is decoded as it
// is read (the ledger of a long soak is large: 85 MB at 100,000
// iterations), the toolkit's is read whole.
func ReadTuningReport(file string, r io.ReadSeeker) (*artifact.TuningReport, error) {
	// Read as the toolkit's until a "kind" says it is ours: ours names it
	// first. A ledger the stream cannot read (NaN literals, an error to
	// explain with its line) is read again whole.
	dec := jsontext.NewDecoder(r)
	rep, err := report(file, dec, nil)
	if err == nil {
		if _, err := dec.ReadToken(); err == io.EOF {
			return rep, nil
		}
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, fileerr.PathError(file, err)
	}
	if errors.Is(err, errOurs) {
		return readOurs(file, r)
	}
	size, err := r.Seek(0, io.SeekEnd)
	if err == nil {
		_, err = r.Seek(0, io.SeekStart)
	}
	if err != nil {
		return nil, fileerr.PathError(file, err)
	}
	// One buffer of the file's size, and one byte more to see its end.
	buf := bytes.NewBuffer(make([]byte, 0, size+1))
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, fileerr.PathError(file, err)
	}
	return TuningReport(file, buf.Bytes())
}

// readOurs is decodeReport reading from r as the ledger is
// decoded, rather than holding it whole: the ledger of a long soak is large
// (85 MB at 100,000 iterations). A ledger the stream does not decode is
// read again whole from the start, for decodeReport to say where it
// is wrong.
func readOurs(file string, r io.ReadSeeker) (*artifact.TuningReport, error) {
	rep := new(artifact.TuningReport)
	dec := jsontext.NewDecoder(r)
	if json.UnmarshalDecode(dec, rep, json.RejectUnknownMembers(true)) == nil && artifact.Header(rep.Kind).Check(artifact.KindTuningReport) == nil && rep.SchemaVersion == artifact.SchemaVersion {
		if _, err := dec.ReadToken(); err == io.EOF {
			return rep, nil
		}
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, fileerr.PathError(file, err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fileerr.PathError(file, err)
	}
	return decodeReport(file, data)
}

// decodeReport decodes TUNING_REPORT.json of ours strictly.
func decodeReport(file string, data []byte) (*artifact.TuningReport, error) {
	r := new(artifact.TuningReport)
	if err := artifact.Decode(file, data, artifact.KindTuningReport, r); err != nil {
		return nil, err
	}
	return r, nil
}
