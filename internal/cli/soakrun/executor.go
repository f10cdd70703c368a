package soakrun

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/soakline/soakline/internal/events"
	"github.com/soakline/soakline/internal/kpi"
	"github.com/soakline/soakline/internal/sim"
	"github.com/soakline/soakline/pkg/artifact"
)

// Iter is what an executor needs to run one iteration.
type Iter struct {
	N, Total      int
	Seed          uint64
	Params        map[string]float64 // the parameters the iteration runs with
	OverridesPath string             // runtime_overrides.json holding Params; "" when there is no file
	Dir           string             // iter/<n>/, created and empty; "" when nothing may be written
}

// Result is what one iteration produced: KPIs, or a failure.
type Result struct {
	Summary    artifact.Summary
	Failure    *artifact.Failure // non-nil: the iteration failed; Summary is empty
	StartedAt  time.Time         // on the soak clock
	DurationMs int64             // on the soak clock
	Reported   [][]events.Param  // the parameters of each effective_params record, in order (adopt.go)
}

// Executor runs one iteration of the system under test. An error means the
// iteration could not be run at all (interrupted, or the environment
// failed); it is not recorded, and the soak stops. A system under test that
// misbehaves is a Result with a Failure.
type Executor interface {
	Run(ctx context.Context, it Iter) (Result, error)
	// NeedsDir reports whether iterations need iter/<n>/.
	NeedsDir() bool
}

// mockExec runs the built-in simulator. Its clock is the soak clock: the
// iteration n starts at epoch + (n-1)·duration and lasts the simulated
// market time, whatever the wall clock says, so that output is
// deterministic.
type mockExec struct {
	cfg        sim.Config
	epoch      time.Time
	keepEvents bool
}

func (m *mockExec) NeedsDir() bool { return m.keepEvents }

func (m *mockExec) Run(ctx context.Context, it Iter) (Result, error) {
	cfg := m.cfg
	dur := cfg.DurationMs
	if dur == 0 {
		dur = sim.DefaultDurationMs
	}
	res := Result{StartedAt: m.epoch.Add(time.Duration(int64(it.N-1)*dur) * time.Millisecond), DurationMs: dur}
	var acc kpi.Accumulator
	var w *events.Writer
	var f *os.File
	if m.keepEvents && it.Dir != "" {
		var err error
		f, err = os.CreateTemp(it.Dir, ".events.jsonl.tmp-*")
		if err != nil {
			return res, err
		}
		defer func() {
			if f != nil {
				f.Close()
				os.Remove(f.Name())
			}
		}()
		w = events.NewWriter(f)
	}
	n := 0
	err := sim.Run(cfg, it.N, it.Params, func(e *events.Event) error {
		n++
		if n&4095 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if e.Kind == events.KindParams { // adopt.go
			res.Reported = append(res.Reported, e.Params)
		}
		acc.Add(e)
		if w != nil {
			return w.Write(e)
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if w != nil {
		if err := w.Flush(); err != nil {
			return res, err
		}
		if err := f.Sync(); err != nil {
			return res, err
		}
		// CreateTemp makes the file 0600; the soak directory is shared material.
		if err := f.Chmod(0o644); err != nil {
			return res, err
		}
		if err := f.Close(); err != nil {
			return res, err
		}
		if err := os.Rename(f.Name(), filepath.Join(it.Dir, "events.jsonl")); err != nil {
			return res, err
		}
		f = nil
	}
	res.Summary = acc.Summary()
	if acc.Skipped() > 0 {
		return res, fmt.Errorf("simulator produced %d invalid events", acc.Skipped())
	}
	return res, nil
}
