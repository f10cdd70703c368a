package legacy

import (
	"bytes"
	"fmt"
	"io"

	"github.com/soakline/soakline/pkg/artifact"
)

// TuningReport reads TUNING_REPORT.json of either format: ours strictly;
// the toolkit's object ({"iterations": [...]}) or bare list leniently.
func TuningReport(file string, data []byte) (*artifact.TuningReport, error) {
	if trimmed := bytes.TrimLeft(artifact.TrimBOM(data), " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '[' {
		clean := sanitize(data)
		var list []any
		if err := parse(file, clean, &list); err != nil {
			return nil, err
		}
		return report(file, clean, list)
	}
	if env, err := PeekEnvelope(file, data); err != nil {
		return nil, err
	} else if env.Kind != "" {
		return artifact.DecodeTuningReport(file, data)
	}
	clean := sanitize(data)
	m, err := object(file, clean)
	if err != nil {
		return nil, err
	}
	list, ok := m["iterations"].([]any)
	if !ok {
		return nil, artifact.Errorf(file, artifact.KeyLine(clean, "iterations"), "iterations: want a list")
	}
	return report(file, clean, list)
}

// ReadTuningReport is TuningReport reading from r: ours is decoded as it
// is read (the ledger of a long soak is large: 85 MB at 100,000
// iterations), the toolkit's is read whole.
func ReadTuningReport(file string, r io.ReadSeeker) (*artifact.TuningReport, error) {
	head := make([]byte, 4<<10)
	n, err := io.ReadFull(r, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, artifact.PathError(file, err)
	}
	head = head[:n]
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, artifact.PathError(file, err)
	}
	if artifact.KeyLine(head, "kind") > 0 {
		rep := new(artifact.TuningReport)
		if err := artifact.DecodeReader(file, r, artifact.KindTuningReport, rep); err != nil {
			return nil, err
		}
		return rep, nil
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, artifact.PathError(file, err)
	}
	return TuningReport(file, data)
}

// report converts the toolkit's ledger entries.
func report(file string, clean []byte, list []any) (*artifact.TuningReport, error) {
	r := &artifact.TuningReport{SchemaVersion: artifact.SchemaVersion, Kind: artifact.KindTuningReport, Legacy: true}
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, &artifact.Error{File: file, Err: fmt.Errorf("iterations[%d]: want an object, got %s", i, typeName(e))}
		}
		t, err := tuning(file, clean, m)
		if err != nil {
			return nil, err
		}
		r.Iterations = append(r.Iterations, *t)
	}
	r.Summarize()
	return r, nil
}
