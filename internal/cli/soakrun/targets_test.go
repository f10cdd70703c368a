package soakrun

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/policy"
)

// runTargets runs a soak with the tuner configured from o's policy
// options, as Soak does.
func runTargets(t *testing.T, o Options, ex Executor, ctx context.Context) (string, error) {
	t.Helper()
	var errw bytes.Buffer
	stdio := cliutil.Stdio{Out: &bytes.Buffer{}, Err: &errw}
	cfg, err := tunerConfig(o, stdio)
	if err != nil {
		return errw.String(), err
	}
	r := &runner{opts: o, stdio: stdio, tcfg: cfg, wall: time.Now, exec: ex}
	err = r.main(ctx)
	return errw.String(), err
}

// TestResumeKeepsTheTargets: a soak started with --policy resumes toward
// the same targets without the flag (they are in RUN.json's tuner state),
// byte for byte as an uninterrupted soak, and a resume whose policy
// options give other targets is refused (exit 2).
func TestResumeKeepsTheTargets(t *testing.T) {
	pol := policy.Default(false)
	for i := range pol.KPIs {
		if pol.KPIs[i].KPI == "net_bps" {
			pol.KPIs[i].Fail = 3.0
		}
	}
	polFile := filepath.Join(t.TempDir(), "tight.json")
	if err := os.WriteFile(polFile, pol.CanonicalJSON(), 0o644); err != nil {
		t.Fatal(err)
	}
	tight := func(dir string) Options {
		o := testOpts(dir)
		o.PolicyFile = polFile
		o.Set["policy"] = true
		return o
	}
	refDir := filepath.Join(t.TempDir(), "ref")
	if _, err := runTargets(t, tight(refDir), nil, context.Background()); err != nil {
		t.Fatal(err)
	}
	want := readTree(t, refDir)
	if !strings.Contains(want["TUNING_REPORT.json"], " < 3.2 -> base_spread_bps_delta +0.02") {
		t.Fatalf("the tight policy's NET_LOW threshold 3.2 is not in the ledger")
	}

	interrupted := func(dir string) {
		o := tight(dir)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		fn := func(ctx context.Context, it Iter) (Result, error, bool) {
			if it.N == 4 {
				cancel()
				return Result{}, ctx.Err(), true
			}
			return Result{}, nil, false
		}
		if _, err := runTargets(t, o, newFake(o, fn), ctx); !errors.Is(err, cliutil.ErrInterrupted) {
			t.Fatalf("got %v, want interrupted", err)
		}
	}

	dir := filepath.Join(t.TempDir(), "soak")
	interrupted(dir)
	o := testOpts(dir)
	o.Resume, o.Set = true, map[string]bool{"resume": true}
	if stderr, err := runTargets(t, o, nil, context.Background()); err != nil {
		t.Fatalf("resume: %v\n%s", err, stderr)
	}
	if diff := cmp.Diff(want, readTree(t, dir)); diff != "" {
		t.Errorf("resumed soak differs from an uninterrupted one (-want +got):\n%s", diff)
	}

	dir = filepath.Join(t.TempDir(), "soak2")
	interrupted(dir)
	o = testOpts(dir)
	o.Resume, o.MockPolicy, o.Set = true, true, map[string]bool{"resume": true}
	_, err := runTargets(t, o, nil, context.Background())
	if cliutil.ExitCode(err) != 2 || err == nil || !strings.Contains(err.Error(), "cannot resume: the soak tunes toward policy production") {
		t.Errorf("resume with USE_MOCK=1: got %v (exit %d), want exit 2", err, cliutil.ExitCode(err))
	}
}
