package bundle

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/redact"
	"github.com/soakline/soakline/internal/release"
	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/pkg/artifact"
)

// Bundle builds the bundle o describes.
func Bundle(ctx context.Context, o Options, stdio cliutil.Stdio) error {
	start := time.Now()
	warn := func(format string, args ...any) {
		fmt.Fprintf(stdio.Err, "release-bundle: warning: "+format+"\n", args...)
	}

	// 0. Clear away what killed runs left beside --out.
	if st := cleanStale(o.Out, start); st.Restored != "" {
		fmt.Fprintf(stdio.Err, "release-bundle: restored %s from %s, where a killed run had set it aside; removed %d temporary directories of killed runs\n", o.Out, st.Restored, len(st.Removed))
	} else if len(st.Removed) > 0 {
		fmt.Fprintf(stdio.Err, "release-bundle: removed %d temporary directories of killed runs beside %s\n", len(st.Removed), o.Out)
	}

	// 1. Find every input; report all that are missing at once.
	in, err := release.Locate(o.Src, o.Reports)
	if err != nil {
		return err
	}
	if len(in.Missing) > 0 {
		for _, m := range in.Missing {
			fmt.Fprintf(stdio.Err, "release-bundle: missing: %s\n", m)
		}
		return cliutil.No("no bundle written: %d required inputs missing", len(in.Missing))
	}

	// 2. Read and decode them: regular files only, and no symbolic link
	// out of its directory (as for the iteration files), so that nothing
	// else is shipped under a report's name.
	raw := map[string][]byte{}
	names := make([]string, 0, len(in.Paths))
	for name := range in.Paths {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := in.Paths[name]
		if err := checkInput(p); err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return artifact.PathError(p, err)
		}
		raw[name] = data
	}
	snapPath := in.Paths[artifact.SnapshotFile]
	snap, err := release.DecodeSnapshot(snapPath, raw[artifact.SnapshotFile])
	if err != nil {
		return err
	}
	delta, err := release.DecodeDeltaVerify(in.Paths[artifact.DeltaVerifyFile], raw[artifact.DeltaVerifyFile])
	if err != nil {
		return err
	}
	ovPath := in.Paths[artifact.OverridesFile]
	profile, redacted, err := release.RedactProfile(ovPath, raw[artifact.OverridesFile])
	if err != nil {
		return err
	}
	prof, err := artifact.DecodeOverrides(ovPath, profile)
	if err != nil {
		return err
	}
	soak, err := soakdir.Load(ctx, in.SoakDir, nil)
	if err != nil {
		return err
	}

	// 3. Refuse a verdict about other data than the soak holds now (the
	// snapshot records the digest of the iteration files it judged; the
	// Python toolkit's does not, and the CHANGELOG says it was not
	// checked), and a soak that did not pass.
	v := snap.Verdict
	stale := v.Source.Digest != "" && v.Source.Digest != soak.Digest
	failing := !release.Passing(v.Verdict)
	if stale && !o.AllowFail {
		return cliutil.No("%s was judged on other iteration files than %s holds now (snapshot digest %.12s, soak digest %.12s): not bundled; judge the soak again (soak-gate --out) or --allow-fail bundles it marked as not validated",
			snapPath, in.SoakDir, v.Source.Digest, soak.Digest)
	}
	if failing && !o.AllowFail {
		return cliutil.No("verdict %s (%s): not bundled; --allow-fail bundles it marked as not validated", v.Verdict, dashIfEmpty(v.Reason))
	}
	if stale {
		warn("%s was judged on other iteration files than %s holds now: bundling anyway (--allow-fail); the bundle says it is not validated", snapPath, in.SoakDir)
	}
	if failing {
		warn("verdict %s: bundling anyway (--allow-fail); the bundle says it is not validated", v.Verdict)
	}
	forced := stale || failing

	// 4. The previous bundle, the rollback target, must verify.
	var prev *release.Previous
	if o.Previous != "" {
		prev, err = readPrevious(o.Previous)
		if err != nil {
			return err
		}
	}

	// 5. The policy the rollback triggers come from.
	pol, err := release.ResolvePolicy(v.Policy, snap.Legacy, o.Policy)
	if err != nil {
		return err
	}
	for _, n := range pol.Notes {
		warn("%s", n)
	}

	// 6. git: commit, version, previous tag and the commits since.
	g := release.Git{}
	var gi *artifact.GitInfo
	var commits []release.Commit
	var commitTime time.Time
	if ok, _ := g.InRepo(ctx); ok && g.HasCommits(ctx) {
		gi = &artifact.GitInfo{}
		if gi.Commit, err = g.ResolveCommit(ctx, "HEAD"); err != nil {
			return err
		}
		if gi.Dirty, err = g.Dirty(ctx); err != nil {
			return err
		}
		gi.Describe, _ = g.Describe(ctx)
		if commitTime, err = g.CommitTime(ctx, "HEAD"); err != nil {
			return err
		}
	}
	version := o.Version
	if version == "" {
		if gi == nil || gi.Describe == "" {
			return cliutil.Usagef("--version is required outside a git repository with commits")
		}
		if err := release.CheckReleaseName("release name", gi.Describe); err != nil {
			return cliutil.Usagef("git describe gives %v: pass --version", err)
		}
		version = gi.Describe
	}
	if gi != nil {
		gi.PreviousTag = g.PreviousTag(ctx, "HEAD", version)
		if commits, err = g.Log(ctx, gi.PreviousTag, "HEAD"); err != nil {
			return err
		}
	}

	// 7. The date: --now, SOURCE_DATE_EPOCH, the commit time, or none.
	var date time.Time
	var dateSource string
	switch {
	case !o.Now.IsZero():
		date, dateSource = o.Now, "--now"
	case o.SourceDateEpochSet:
		date, dateSource = o.SourceDateEpoch, "SOURCE_DATE_EPOCH"
	case !commitTime.IsZero():
		date, dateSource = commitTime, "the commit time of HEAD"
	}

	// 8. Generate the documents and the manifest.
	run := soak.Run
	if run != nil {
		// A run record written before soak-run masked credentials, or by
		// hand, must not carry a command-line secret into the bundle.
		masked := *run
		masked.Command = redact.Args(run.Command)
		run = &masked
	}
	src := artifact.BundleSource{Path: filepath.ToSlash(o.Src), Iterations: len(soak.Iterations), Digest: soak.Digest, Legacy: soak.Legacy, Run: run}
	r := &release.Release{
		Version: version, DateSource: dateSource, Tool: cliutil.Version(), BundleDir: filepath.Base(o.Out),
		Git: gi, Commits: commits, Snapshot: snap, Forced: forced, Stale: stale, Delta: delta, Ledger: soak.Report, Source: src,
		Profile: prof, ProfileSHA256: release.SHA256(profile), Redacted: redacted, OverridesFrom: filepath.ToSlash(ovPath),
		Previous: prev, Policy: pol, Triggers: release.Triggers(pol.Policy),
	}
	if !date.IsZero() {
		r.Date = date.UTC().Format("2006-01-02")
	}
	m := artifact.Manifest{
		Version: version, ToolVersion: cliutil.Version(), Git: gi,
		Verdict: artifact.BundleVerdict{
			Verdict: v.Verdict, Reason: v.Reason, FreezeReady: v.FreezeReady, Forced: forced,
			WindowFirst: v.Window.First, WindowLast: v.Window.Last, Policy: v.Policy, LegacyFormat: snap.Legacy,
		},
		Source: src, Redacted: redacted,
	}
	if !date.IsZero() {
		m.CreatedAt = date.UTC().Format(time.RFC3339)
	}
	if prev != nil {
		m.Previous = &artifact.PreviousBundle{Path: filepath.ToSlash(prev.Path), Version: prev.Version, SumsSHA256: prev.SumsSHA256, ProfileSHA256: prev.ProfileSHA256}
	}
	copied := map[string][]byte{artifact.ProfileFile: profile}
	for name, p := range in.Paths {
		m.Inputs = append(m.Inputs, artifact.BundleInput{File: bundleName(name), From: filepath.ToSlash(p), SHA256: release.SHA256(raw[name])})
		if name != artifact.OverridesFile {
			copied[name] = raw[name]
		}
	}
	files, err := release.Build(r, copied, m)
	if err != nil {
		return err
	}
	var archive []byte
	if o.Archive != "" {
		if archive, err = release.Archive(filepath.Base(filepath.Clean(o.Out)), files, date); err != nil {
			return err
		}
	}

	// 9. Write: a temporary directory beside --out, renamed into place.
	if err := writeDir(o.Out, files); err != nil {
		return err
	}
	if archive != nil {
		if err := artifact.WriteFile(o.Archive, archive, 0o644); err != nil {
			return fmt.Errorf("%s: %w (the bundle directory %s is complete)", o.Archive, err, o.Out)
		}
	}
	fmt.Fprintf(stdio.Err, "release-bundle: wrote %s: version %s, verdict %s, %d files, SHA256SUMS sha256 %s\n",
		o.Out, version, v.Verdict, len(files), release.SHA256(files[artifact.SumsFileName]))
	if archive != nil {
		fmt.Fprintf(stdio.Err, "release-bundle: wrote %s (sha256 %s)\n", o.Archive, release.SHA256(archive))
	}
	return nil
}

func bundleName(input string) string {
	if input == artifact.OverridesFile {
		return artifact.ProfileFile
	}
	return input
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "no reason recorded"
	}
	return s
}

// checkInput refuses p unless it is a regular file or a symbolic link
// that stays in its directory. soakdir.CheckRegular compares the link's
// target with the absolute directory, so it gets the absolute path (with a
// relative one, a relative target never compares as inside); the error
// names p as the user gave it.
func checkInput(p string) error {
	abs, err := filepath.Abs(p)
	if err != nil {
		return artifact.PathError(p, err)
	}
	err = soakdir.CheckRegular(abs)
	var ae *artifact.Error
	if errors.As(err, &ae) && ae.File == abs {
		named := *ae
		named.File = p
		return &named
	}
	return err
}

// readPrevious reads and verifies the previous release's bundle.
func readPrevious(path string) (*release.Previous, error) {
	c, _, err := readBundle(path)
	if err != nil {
		return nil, err
	}
	ver := release.Verify(c)
	if !ver.OK() {
		return nil, cliutil.No("--previous %s does not verify: %s", path, ver.Summary())
	}
	data := c.Files[artifact.ProfileFile]
	o, err := artifact.DecodeOverrides(path+"/"+artifact.ProfileFile, data)
	if err != nil {
		return nil, err
	}
	p := &release.Previous{Path: path, Profile: o, ProfileSHA256: release.SHA256(data), SumsSHA256: ver.SumsSHA256}
	if ver.Manifest != nil {
		p.Version = ver.Manifest.Version
		p.RedactedKeys = ver.Manifest.Redacted
	}
	return p, nil
}

// writeDir writes files into a fresh temporary directory beside out and
// renames it to out. An existing out is replaced only when it is empty or
// a bundle; it is moved aside first and removed after the rename.
func writeDir(out string, files map[string][]byte) (err error) {
	out = filepath.Clean(out)
	parent := filepath.Dir(out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return artifact.PathError(parent, err)
	}
	var old string
	if fi, err := os.Lstat(out); err == nil {
		if !fi.IsDir() {
			return cliutil.Usagef("--out %s exists and is not a directory", out)
		}
		entries, err := os.ReadDir(out)
		if err != nil {
			return artifact.PathError(out, err)
		}
		if len(entries) > 0 && !isBundle(out) {
			return cliutil.Usagef("--out %s exists and is not a bundle: choose another directory or remove it", out)
		}
		old = out
	}
	// Both temporary directories are locked while this run owns them, so
	// that the next run's cleanStale tells them from a killed run's; the
	// lock stays with the directory through the renames.
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".tmp-")
	if err != nil {
		return artifact.PathError(parent, err)
	}
	defer lockDir(tmp).unlock()
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := writeSynced(filepath.Join(tmp, n), files[n]); err != nil {
			return err
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if old != "" {
		aside, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".old-")
		if err != nil {
			return artifact.PathError(parent, err)
		}
		defer lockDir(aside).unlock()
		if err := os.Rename(old, filepath.Join(aside, "bundle")); err != nil {
			os.Remove(aside)
			return artifact.PathError(old, err)
		}
		if err := os.Rename(tmp, out); err != nil {
			os.Rename(filepath.Join(aside, "bundle"), old) // put it back
			os.RemoveAll(aside)
			return artifact.PathError(out, err)
		}
		os.RemoveAll(aside)
		return nil
	}
	if err := os.Rename(tmp, out); err != nil {
		return artifact.PathError(out, err)
	}
	return nil
}

func isBundle(dir string) bool {
	for _, n := range []string{artifact.SumsFileName, artifact.ManifestFileName} {
		if fi, err := os.Stat(filepath.Join(dir, n)); err == nil && fi.Mode().IsRegular() {
			return true
		}
	}
	return false
}

func writeSynced(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return artifact.PathError(name, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return artifact.PathError(name, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return artifact.PathError(name, err)
	}
	return f.Close()
}
