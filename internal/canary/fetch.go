package canary

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/soakline/soakline/internal/promq"
)

// Fetch asks Prometheus for the frames of the evaluation times (ascending,
// Interval apart): per watched KPI one range query of the canary's value
// (step and $range the interval) and, with a baseline, one range query per
// side of the samples (step and $range the sample step) bucketed into the
// intervals they fall in. A replay fetches all its times at once, a live
// watcher the ones that are due. Prometheus unreachable past the client's
// retry budget gives frames marked Unreachable, not an error; a refused
// query or a result with too many series is an error (the plan or the
// selector is wrong, waiting will not help).
func Fetch(ctx context.Context, c *promq.Client, cfg *Config, times []time.Time) ([]Frame, error) {
	frames := make([]Frame, len(times))
	for i, t := range times {
		frames[i] = Frame{Time: t, Values: map[string]float64{}, Canary: map[string][]float64{}, Baseline: map[string][]float64{}}
	}
	if len(times) == 0 {
		return frames, nil
	}
	first, last := times[0], times[len(times)-1]
	index := func(t time.Time) int {
		// The interval of times[i] is (times[i]-Interval, times[i]].
		d := t.Sub(first)
		i := int((d + cfg.Interval - 1) / cfg.Interval)
		if d <= 0 {
			i = 0
			if d <= -cfg.Interval {
				return -1
			}
		}
		if i >= len(times) {
			return -1
		}
		return i
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	// fetch queries q from start to last at step, then hands put the
	// points, one at a time.
	fetch := func(q string, start time.Time, step time.Duration, put func(p promq.Point)) {
		g.Go(func() error {
			ss, err := c.Range(gctx, q, start, last, step)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			for _, s := range ss {
				for _, p := range s.Points {
					put(p)
				}
			}
			return nil
		})
	}
	for _, k := range watched(cfg.Plan) {
		fetch(promq.Expand(k.Query, cfg.Canary, cfg.Interval), first, cfg.Interval, func(p promq.Point) {
			if i := index(p.T); i >= 0 && p.T.Equal(times[i]) {
				frames[i].Values[k.KPI] = p.V
			}
		})
		if cfg.Baseline == "" {
			continue
		}
		for _, side := range []struct {
			sel string
			dst func(*Frame) map[string][]float64
		}{{cfg.Canary, func(f *Frame) map[string][]float64 { return f.Canary }}, {cfg.Baseline, func(f *Frame) map[string][]float64 { return f.Baseline }}} {
			fetch(promq.Expand(k.Query, side.sel, cfg.SampleStep), first.Add(-cfg.Interval+cfg.SampleStep), cfg.SampleStep, func(p promq.Point) {
				if i := index(p.T); i >= 0 {
					m := side.dst(&frames[i])
					m[k.KPI] = append(m[k.KPI], p.V)
				}
			})
		}
	}
	err := g.Wait()
	var ue *promq.UnreachableError
	if errors.As(err, &ue) && ctx.Err() == nil {
		for i := range frames {
			frames[i] = Frame{Time: times[i], Unreachable: ue.Error()}
		}
		return frames, nil
	}
	return frames, err
}
