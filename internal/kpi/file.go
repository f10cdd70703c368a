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
//
// It streams r in chunks that are parsed on all available cores (see
// events.ScanBatches); the result is bit-identical to calling
// Accumulator.Add for each event in order, and memory is the samples the
// percentiles need plus a few chunks.
func FromReader(name string, r io.Reader) (artifact.Summary, error) {
	return fromReader(name, r, events.BatchOptions{})
}

func fromReader(name string, r io.Reader, opt events.BatchOptions) (artifact.Summary, error) {
	var a Accumulator
	if err := a.readFrom(name, r, opt); err != nil {
		return artifact.Summary{}, err
	}
	return a.Summary(), nil
}

// ExplainReader is FromReader that also returns the inputs of every KPI's
// formula (see Explain).
func ExplainReader(name string, r io.Reader) (artifact.Summary, Inputs, error) {
	var a Accumulator
	if err := a.readFrom(name, r, events.BatchOptions{}); err != nil {
		return artifact.Summary{}, Inputs{}, err
	}
	return a.Summary(), a.Inputs(), nil
}

// readFrom adds the events of the stream r to a, which must be empty.
func (a *Accumulator) readFrom(name string, r io.Reader, opt events.BatchOptions) error {
	var tabs []*tables // per worker
	newPart := func(w int) *part {
		for len(tabs) <= w { // newBatch runs on this goroutine
			tabs = append(tabs, newTables())
		}
		return &part{t: tabs[w]}
	}
	err := events.ScanBatches(r, opt, newPart, a.merge)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	for _, t := range tabs {
		a.addTables(t)
	}
	return nil
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
