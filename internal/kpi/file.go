package kpi

import (
	"fmt"
	"io"
	"os"

	"github.com/soakline/soakline/internal/events"
	"github.com/soakline/soakline/pkg/artifact"
)

// FromReader computes the KPIs of the events.jsonl stream r. name is used in
// errors: "NAME: line N: <what>".
func FromReader(name string, r io.Reader) (artifact.Summary, error) {
	var a Accumulator
	err := events.Scan(r, func(e *events.Event) error {
		a.Add(e)
		return nil
	})
	if err != nil {
		return artifact.Summary{}, fmt.Errorf("%s: %w", name, err)
	}
	return a.Summary(), nil
}

// FromFile computes the KPIs of the events.jsonl file at path. Errors name
// the file and, for a bad line, the line.
func FromFile(path string) (artifact.Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return artifact.Summary{}, err
	}
	defer f.Close()
	return FromReader(path, f)
}
