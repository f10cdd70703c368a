package soakgate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/judge"
	"github.com/soakline/soakline/internal/legacy"
	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/internal/render"
	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// gate runs the stage once the options are bound.
func gate(ctx context.Context, o options, stdio cliutil.Stdio) error {
	// 1. The policy.
	pol, err := effectivePolicy(o)
	if err != nil {
		return err
	}
	jopts := judge.Options{Strict: o.strict, LastN: o.lastN, Warmup: o.warmup, ToolVersion: cliutil.Version(), GeneratedAt: o.now}

	// 2. The soak, and the baseline when comparing.
	soak, err := soakdir.Load(ctx, o.path, stdio.In)
	if err != nil {
		return err
	}
	if len(o.compare) > 0 {
		b, err := loadBaseline(ctx, o.compare, soak, pol, jopts, stdio)
		if err != nil {
			return err
		}
		jopts.Baseline = b
	}

	// 3. Judge.
	v, err := judge.Evaluate(soak, pol, jopts)
	if err != nil {
		return cliutil.Usagef("%v", err)
	}

	// 4. Plan the output files and refuse to overwrite an input.
	files, err := plan(o, soak)
	if err != nil {
		return err
	}

	// 5. Write them, then the verdict to stdout, then the table to stderr.
	data, err := artifact.Marshal(v)
	if err != nil {
		return err
	}
	if err := writeOutputs(files, v, data, pol, stdio, o); err != nil {
		return err
	}
	if _, err := stdio.Out.Write(data); err != nil {
		return err
	}
	writeTable(stdio.Err, v)

	// 6. The exit status follows the verdict.
	return verdictError(v, o.failOnWarn)
}

// verdictError maps a verdict to the error cliutil maps to an exit code.
func verdictError(v *artifact.Verdict, failOnWarn bool) error {
	switch v.Verdict {
	case artifact.VerdictFail:
		return cliutil.No("FAIL: %s", v.Reason)
	case artifact.VerdictInconclusive:
		return cliutil.Inconclusive("INCONCLUSIVE: %s", v.Reason)
	case artifact.VerdictWarn:
		if failOnWarn {
			return cliutil.No("WARN (--fail-on-warn): %s", v.Reason)
		}
	}
	return nil
}

// loadBaseline reads the baseline runs of --compare, each a soak
// (directory or stream, judged with the same policy and options) or a
// POST_SOAK_SNAPSHOT.json (ours, or the Python toolkit's), and refuses a
// run given twice or the judged soak itself as a baseline: either would
// shrink the run-to-run spread the comparison estimates.
func loadBaseline(ctx context.Context, paths []string, soak *soakdir.Soak, pol *policy.Policy, jopts judge.Options, stdio cliutil.Stdio) (*judge.Baseline, error) {
	runs := make([]judge.BaselineRun, 0, len(paths))
	seen := map[string]string{}
	for _, path := range paths {
		r, err := loadBaselineRun(ctx, path, pol, jopts, stdio)
		if err != nil {
			return nil, err
		}
		name := cliutil.InputName(path)
		if r.SoakDigest != "" && r.SoakDigest == soak.Digest {
			return nil, fileerr.Errorf(name, 0, "baseline: this is the soak being judged (digest %s), not a run of the baseline build", short(r.SoakDigest))
		}
		for _, d := range []string{r.Digest, r.SoakDigest} {
			if prev, dup := seen[d]; dup && d != "" {
				return nil, fileerr.Errorf(name, 0, "baseline: the same soak as %s (digest %s); each baseline must be another run", prev, short(d))
			}
		}
		for _, d := range []string{r.Digest, r.SoakDigest} {
			if d != "" {
				seen[d] = name
			}
		}
		runs = append(runs, r)
	}
	return judge.NewBaseline(runs), nil
}

func short(digest string) string { return digest[:min(len(digest), 12)] }

// loadBaselineRun reads one baseline run.
func loadBaselineRun(ctx context.Context, path string, pol *policy.Policy, jopts judge.Options, stdio cliutil.Stdio) (judge.BaselineRun, error) {
	if path != "-" {
		fi, err := os.Stat(path)
		if err != nil {
			return judge.BaselineRun{}, &fileerr.Error{File: path, Err: unwrapPath(err)}
		}
		if !fi.IsDir() {
			data, err := os.ReadFile(path)
			if err != nil {
				return judge.BaselineRun{}, &fileerr.Error{File: path, Err: unwrapPath(err)}
			}
			env, err := artifact.PeekEnvelope(path, data)
			if err == nil && env.Kind != "" && env.Kind != artifact.KindVerdict && env.Kind != artifact.KindIterationSummary {
				// One JSON object of another kind: neither a verdict nor a soak.
				return judge.BaselineRun{}, fileerr.Errorf(path, 0, "wrong kind %q, want %q (or a soak directory or stream)", env.Kind, artifact.KindVerdict)
			}
			if (err == nil && env.Kind == artifact.KindVerdict) || legacy.IsSnapshot(data) {
				v, old, err := legacy.Snapshot(path, data)
				if err != nil {
					return judge.BaselineRun{}, err
				}
				return judge.BaselineFromVerdict(path, artifact.Hash(data), v, old)
			}
		}
	}
	s, err := soakdir.Load(ctx, path, stdio.In)
	if err != nil {
		return judge.BaselineRun{}, err
	}
	if len(s.Iterations) == 0 {
		return judge.BaselineRun{}, fileerr.Errorf(cliutil.InputName(path), 0, "baseline: no iterations found")
	}
	r, err := judge.BaselineFromSoak(s, pol, jopts)
	if err != nil {
		return judge.BaselineRun{}, cliutil.Usagef("%v", err)
	}
	return r, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// outputFiles are the files a run writes; "" means not asked for.
type outputFiles struct {
	snapshot, deltaJSON, deltaMD string
	prom, junit                  string
	// own is the directory where soak-gate picks the names (--out, or the
	// soak directory for a bare --prometheus), its files checked to be
	// ours; nil when there is none.
	own *ownedDir
}

func plan(o options, soak *soakdir.Soak) (outputFiles, error) {
	var f outputFiles
	if o.out != "" {
		f.snapshot = filepath.Join(o.out, artifact.SnapshotFile)
		f.deltaJSON = filepath.Join(o.out, artifact.DeltaVerifyFile)
		f.deltaMD = filepath.Join(o.out, DeltaVerifyMDFile)
	}
	if o.prometheus {
		switch {
		case o.promFile != "":
			f.prom = o.promFile
		case o.out != "":
			f.prom = filepath.Join(o.out, MetricsFile)
		case soak.Dir != "":
			f.prom = filepath.Join(soak.Dir, MetricsFile)
		default:
			return f, cliutil.Usagef("--prometheus: no directory to write %s into; give --prometheus=FILE or --out", MetricsFile)
		}
	}
	f.junit = o.junit
	outs := slices.DeleteFunc([]string{f.snapshot, f.deltaJSON, f.deltaMD, f.prom, f.junit}, func(s string) bool { return s == "" })
	if len(outs) == 0 {
		return f, nil
	}
	// One working directory for every path: filepath.Abs asks the kernel
	// for it each time, which at 100,000 iteration files was a fifth of
	// the gate's time. Paths that joining to it would not resolve as Abs
	// does (on Windows, \dir\file and C:file) still go through Abs.
	wd, _ := os.Getwd() // "" when it fails: every path then goes through Abs
	abs := func(p string) string {
		switch {
		case filepath.IsAbs(p):
			return filepath.Clean(p)
		case wd != "" && filepath.VolumeName(p) == "" && (p == "" || !os.IsPathSeparator(p[0])):
			return filepath.Join(wd, p)
		}
		if a, err := filepath.Abs(p); err == nil {
			return a
		}
		return filepath.Clean(p)
	}
	inputs := map[string]bool{}
	for _, it := range soak.Iterations {
		if it.File != "" {
			inputs[abs(it.File)] = true
		}
	}
	if soak.Dir == "" && o.path != "-" {
		inputs[abs(o.path)] = true
	}
	if soak.Dir != "" {
		for _, name := range []string{artifact.TuningReportFile, artifact.RunFile} {
			inputs[abs(filepath.Join(soak.Dir, name))] = true
		}
	}
	if soak.OverridesPath != "" {
		inputs[abs(soak.OverridesPath)] = true
	}
	for _, c := range o.compare {
		if c != "-" {
			inputs[abs(c)] = true
		}
	}
	if o.policyFile != "" {
		inputs[abs(o.policyFile)] = true
	}
	seen := map[string]string{}
	for _, out := range outs {
		a := abs(out)
		if inputs[a] {
			return f, cliutil.Usagef("refusing to overwrite an input: %s", out)
		}
		if prev, dup := seen[a]; dup {
			return f, cliutil.Usagef("two outputs would be written to %s (%s)", out, prev)
		}
		seen[a] = out
	}
	if f.prom != "" {
		if err := checkPromCollision(f.prom, o.labels, o.promFile != ""); err != nil {
			return f, err
		}
	}
	// The names soak-gate picks: only files a stage of ours wrote there
	// are replaced.
	var dir string
	var names []string
	if o.out != "" {
		dir, names = o.out, []string{artifact.SnapshotFile, artifact.DeltaVerifyFile, DeltaVerifyMDFile}
	}
	if o.prometheus && o.promFile == "" {
		if dir == "" {
			dir = soak.Dir
		}
		names = append(names, MetricsFile)
	}
	if dir != "" {
		own, err := checkOwned(dir, names)
		if err != nil {
			return f, err
		}
		f.own = own
	}
	return f, nil
}

// writeOutputs writes every requested file atomically; snapshot is the
// verdict's bytes, as stdout gets them.
func writeOutputs(f outputFiles, v *artifact.Verdict, snapshot []byte, pol *policy.Policy, stdio cliutil.Stdio, o options) error {
	owned := map[string][]byte{}
	if f.snapshot != "" {
		delta, err := artifact.Marshal(v.DeltaVerification)
		if err != nil {
			return fmt.Errorf("%s: %w", f.deltaJSON, err)
		}
		owned[artifact.SnapshotFile] = snapshot
		owned[artifact.DeltaVerifyFile] = delta
		owned[DeltaVerifyMDFile] = render.DeltaMarkdown(v, artifact.Hash(snapshot))
	}
	var prom []byte
	if f.prom != "" {
		data, err := metrics(v, pol, promMeta{labels: o.labels, runAt: o.runAt})
		if err != nil {
			return fmt.Errorf("prometheus: %w", err)
		}
		prom = data
		if o.promFile == "" {
			owned[MetricsFile] = data
		}
	}
	if f.own != nil {
		if err := f.own.write(owned); err != nil {
			return err
		}
	}
	if f.prom != "" && o.promFile != "" {
		if err := writeFile(f.prom, prom); err != nil {
			return err
		}
	}
	if f.junit != "" {
		data, err := junitXML(v, o.failOnWarn)
		if err != nil {
			return fmt.Errorf("junit: %w", err)
		}
		if err := writeFile(f.junit, data); err != nil {
			return err
		}
	}
	if path := stdio.Env("GITHUB_STEP_SUMMARY"); path != "" {
		// GitHub's protocol is to append to this file; it is not an artifact.
		fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return &fileerr.Error{File: path, Err: unwrapPath(err)}
		}
		_, werr := fh.Write(stepSummary(v))
		if cerr := fh.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return &fileerr.Error{File: path, Err: werr}
		}
	}
	return nil
}

func writeFile(path string, data []byte) error {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return &fileerr.Error{File: dir, Err: unwrapPath(err)}
		}
	}
	if err := soakdir.WriteFile(path, data, 0o644); err != nil {
		return &fileerr.Error{File: path, Err: unwrapPath(err)}
	}
	return nil
}
