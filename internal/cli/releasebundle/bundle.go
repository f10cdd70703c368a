package releasebundle

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/judge"
	"github.com/soakline/soakline/internal/legacy"
	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/internal/provenance"
	"github.com/soakline/soakline/internal/redact"
	"github.com/soakline/soakline/internal/release"
	"github.com/soakline/soakline/internal/render"
	"github.com/soakline/soakline/internal/render/tunerdata"
	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// Bundle builds the bundle o describes, in the steps below: each reads
// what the ones before it found and may refuse with the exit code that
// fits (see build).
func Bundle(ctx context.Context, o Options, stdio cliutil.Stdio) error {
	b := &build{o: o, stdio: stdio, start: time.Now()}
	for _, step := range []func(context.Context) error{
		b.prepareOut,    // 0
		b.locate,        // 1
		b.readSnapshot,  // 2
		b.readInputs,    // 3
		b.decideVerdict, // 4
		b.refuseFailing, // 5
		b.readPrevious,  // 6
		b.resolvePolicy, // 7
		b.readGit,       // 8
		b.chooseDate,    // 9
		b.generate,      // 10
		b.write,         // 11
	} {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}

// A build is one run of Bundle: what each step found, for the next.
type build struct {
	o     Options
	stdio cliutil.Stdio
	start time.Time

	in   *release.Inputs
	soak *soakdir.Soak
	// raw holds every input's bytes by file name; the verdict's files
	// are the judged ones when the soak was judged here.
	raw      map[string][]byte
	snapPath string
	snap     *release.Snapshot // the snapshot found, then the verdict bundled
	trusted  bool              // the snapshot has provenance
	ovPath   string
	profile  []byte // the overrides, redacted
	redacted []string
	prof     *artifact.Overrides
	facts    release.Facts
	rejudged *release.RejudgedSnapshot
	delta    *artifact.DeltaVerify
	forced   bool
	prev     *release.Previous
	pol      *release.ResolvedPolicy

	gi         *release.GitInfo
	commits    []release.Commit
	commitTime time.Time
	version    string

	date       time.Time
	dateSource string

	files   map[string][]byte
	archive []byte
}

func (b *build) warn(format string, args ...any) {
	fmt.Fprintf(b.stdio.Err, "release-bundle: warning: "+format+"\n", args...)
}

// prepareOut is step 0: clear away what killed runs left beside --out,
// and refuse an --out this run could not replace before doing any work.
func (b *build) prepareOut(context.Context) error {
	o := b.o
	if st := cleanStale(o.Out, b.start); st.Restored != "" {
		fmt.Fprintf(b.stdio.Err, "release-bundle: restored %s from %s, where a killed run had set it aside; removed %d temporary directories of killed runs\n", o.Out, st.Restored, len(st.Removed))
	} else if len(st.Removed) > 0 {
		fmt.Fprintf(b.stdio.Err, "release-bundle: removed %d temporary directories of killed runs beside %s\n", len(st.Removed), o.Out)
	}
	if _, err := checkOut(o.Out); err != nil {
		return err
	}
	if o.Archive != "" {
		if err := checkArchiveOut(o.Archive); err != nil {
			return err
		}
	}
	return nil
}

// locate is step 1: find every input, and the soak; the soak's own
// overrides file is the one its verdict records.
func (b *build) locate(ctx context.Context) error {
	in, err := release.Locate(b.o.Src, b.o.Reports)
	if err != nil {
		return err
	}
	b.in = in
	if missingIterations(in) {
		return nil
	}
	if b.soak, err = soakdir.Load(ctx, in.SoakDir, nil); err != nil {
		return err
	}
	switch found := in.Paths[artifact.OverridesFile]; {
	case b.soak.OverridesPath != "":
		in.Paths[artifact.OverridesFile] = b.soak.OverridesPath
	case found != "":
		// Found where no stage judging the soak reads it: no verdict
		// was judged with these overrides.
		return cliutil.No("%s: not where the soak's overrides are read (%s or one level up), so no verdict about the soak was judged with them: not bundled; move it there and judge the soak again",
			found, in.SoakDir)
	}
	return nil
}

// readSnapshot is step 2: the snapshot decides what else is needed: a
// verdict with provenance brings its delta report and reports; one
// without (the Python toolkit's, or one recording no soak digest) is
// never trusted, and the soak is judged here instead, so its reports are
// not needed.
func (b *build) readSnapshot(context.Context) error {
	in := b.in
	b.raw = map[string][]byte{}
	b.snapPath = in.Paths[artifact.SnapshotFile]
	if b.snapPath != "" {
		var err error
		if b.raw[artifact.SnapshotFile], err = readInput(b.snapPath); err != nil {
			return err
		}
		if b.snap, err = release.DecodeSnapshot(b.snapPath, b.raw[artifact.SnapshotFile]); err != nil {
			return err
		}
	}
	b.trusted = b.snap != nil && !b.snap.Legacy && b.snap.Source.Digest != ""
	missing := in.Missing
	if b.snap != nil && !b.trusted {
		missing = slices.DeleteFunc(slices.Clone(missing), func(m string) bool {
			return strings.HasPrefix(m, artifact.DeltaVerifyFile+":") || slices.ContainsFunc(release.ReportFiles, func(r string) bool { return strings.HasPrefix(m, r+":") })
		})
	}
	if len(missing) > 0 {
		for _, m := range missing {
			fmt.Fprintf(b.stdio.Err, "release-bundle: missing: %s\n", m)
		}
		return cliutil.No("no bundle written: %d required inputs missing", len(missing))
	}
	return nil
}

// readInputs is step 3: read the rest: regular files only, no symbolic
// link out of its directory, each under the size cap, so that nothing
// else is shipped under a report's name.
func (b *build) readInputs(context.Context) error {
	need := []string{artifact.OverridesFile}
	if b.trusted {
		need = append(need, artifact.DeltaVerifyFile)
		need = append(need, release.ReportFiles...)
	}
	var err error
	for _, name := range need {
		if b.raw[name], err = readInput(b.in.Paths[name]); err != nil {
			return err
		}
	}
	b.ovPath = b.in.Paths[artifact.OverridesFile]
	if b.profile, b.redacted, err = release.RedactProfile(b.ovPath, b.raw[artifact.OverridesFile]); err != nil {
		return err
	}
	if b.prof, err = legacy.Overrides(b.ovPath, b.profile); err != nil {
		return err
	}
	b.facts = release.Facts{SoakDigest: b.soak.Digest, LedgerDigest: b.soak.LedgerDigest, OverridesDigest: artifact.Hash(b.raw[artifact.OverridesFile])}
	return nil
}

// decideVerdict is step 4: the verdict is the snapshot's when every file
// derives from it and it is about this soak as it is now (one line per
// file that does not, exit 1); else it is judged here.
func (b *build) decideVerdict(context.Context) error {
	var err error
	if b.trusted {
		err = b.checkEvidence()
	} else {
		err = b.judgeHere()
	}
	if err != nil {
		return err
	}
	b.delta, err = release.DecodeDeltaVerify(artifact.DeltaVerifyFile, b.raw[artifact.DeltaVerifyFile])
	return err
}

// checkEvidence checks that the snapshot, its delta report and reports
// are the evidence of one verdict about the soak as it is now.
func (b *build) checkEvidence() error {
	in, found, raw := b.in, b.snap, b.raw
	// A delta report that is not even valid JSON is an input error
	// (exit 2, naming the line), as before any comparison.
	if _, err := release.DecodeDeltaVerify(in.Paths[artifact.DeltaVerifyFile], raw[artifact.DeltaVerifyFile]); err != nil {
		return err
	}
	problems := release.CheckChain(release.Evidence{
		Snapshot: raw[artifact.SnapshotFile], Verdict: &found.Verdict, DeltaReport: raw[artifact.DeltaVerifyFile],
		Reports: raw, ReportsNamed: release.ReportFiles,
	}, b.facts)
	problems = append(problems, b.o.settingsProblems(&found.Verdict, judge.UseMock(b.stdio.Env("USE_MOCK")))...)
	if len(problems) == 0 {
		problems = append(problems, b.o.verdictProblems(b.soak, &found.Verdict)...)
	}
	if len(problems) == 0 {
		return nil
	}
	for _, p := range problems {
		from := in.Paths[p.File]
		if p.File == release.ProfileFile {
			from = b.ovPath
		}
		fmt.Fprintf(b.stdio.Err, "release-bundle: %s: %s\n", from, p.Why)
	}
	return cliutil.No("no bundle written: %d inputs are not the evidence of one verdict about %s as it is now (judge it again: soak-gate --out, then soak-reports)", len(problems), in.SoakDir)
}

// judgeHere judges the soak of an untrusted snapshot and takes the
// verdict's files as the evidence, saying what the snapshot said.
func (b *build) judgeHere() error {
	old := b.snap
	v, files, err := b.o.judge(b.soak, b.stdio)
	if err != nil {
		return err
	}
	b.rejudged = &release.RejudgedSnapshot{
		From: filepath.ToSlash(b.snapPath), SHA256: artifact.Hash(b.raw[artifact.SnapshotFile]), Verdict: old.Verdict.Verdict,
		WindowFirst: old.Window.First, WindowLast: old.Window.Last,
		Differs: old.Verdict.Verdict != v.Verdict || old.Window.First != v.Window.First || old.Window.Last != v.Window.Last,
	}
	b.warn("%s has no provenance (%s): not trusted; judged %s with policy %s: %s (it said %s)",
		b.snapPath, untrustedWhy(old), b.in.SoakDir, v.Policy.Name, v.Verdict, old.Verdict.Verdict)
	b.snap = &release.Snapshot{Verdict: *v}
	for name, data := range files {
		b.raw[name] = data
		b.in.Paths[name] = "judged by release-bundle"
	}
	// The bundle's own evidence passes its own check, or it is a bug.
	if ps := release.CheckChain(release.Evidence{Snapshot: b.raw[artifact.SnapshotFile], Verdict: v, DeltaReport: b.raw[artifact.DeltaVerifyFile], Reports: b.raw, ReportsNamed: release.ReportFiles}, b.facts); len(ps) > 0 {
		return fmt.Errorf("internal error: the verdict judged here does not check: %s", ps[0])
	}
	return nil
}

// refuseFailing is step 5: refuse a soak that did not pass, unless
// --allow-fail.
func (b *build) refuseFailing(context.Context) error {
	v := b.snap.Verdict
	b.forced = !release.Passing(v.Verdict)
	if b.forced && !b.o.AllowFail {
		return cliutil.No("verdict %s (%s): not bundled; --allow-fail bundles it marked as not validated", v.Verdict, dashIfEmpty(v.Reason))
	}
	if b.forced {
		b.warn("verdict %s: bundling anyway (--allow-fail); the bundle says it is not validated", v.Verdict)
	}
	return nil
}

// readPrevious is step 6: the previous bundle, the rollback target: one
// that verifies, or a legacy one read leniently (saying what could not be
// verified).
func (b *build) readPrevious(context.Context) error {
	o := b.o
	if o.Previous == "" {
		return nil
	}
	prev, err := readPrevious(o.Previous)
	if err != nil {
		return err
	}
	if !prev.Verified() {
		b.warn("--previous %s does not verify: %s; its profile (sha256 %s) and version %s are used for the rollback diff, and the rollback plan, CHANGELOG.md and MANIFEST.json say what could not be verified",
			o.Previous, prev.LegacyText(), prev.ProfileSHA256, orUnknown(prev.Version))
	}
	b.prev = prev
	return nil
}

// resolvePolicy is step 7: the policy the rollback triggers come from.
func (b *build) resolvePolicy(context.Context) error {
	pol, err := release.ResolvePolicy(release.BasePolicy(&b.snap.Verdict, b.o.Policy), b.snap.Legacy, b.o.Policy)
	if unknown := (*release.UnknownPolicyError)(nil); errors.As(err, &unknown) {
		return cliutil.Usagef("%v", err) // the missing --policy is the user's to give
	} else if err != nil {
		return err
	}
	for _, n := range pol.Notes {
		b.warn("%s", n)
	}
	b.pol = pol
	return nil
}

// readGit is step 8: git: commit, version, previous tag and the commits
// since.
func (b *build) readGit(ctx context.Context) error {
	g := release.Git{}
	var err error
	if ok, _ := g.InRepo(ctx); ok && g.HasCommits(ctx) {
		gi := &release.GitInfo{}
		if gi.Commit, err = g.ResolveCommit(ctx, "HEAD"); err != nil {
			return err
		}
		if gi.Dirty, err = g.Dirty(ctx); err != nil {
			return err
		}
		gi.Describe, _ = g.Describe(ctx)
		if b.commitTime, err = g.CommitTime(ctx, "HEAD"); err != nil {
			return err
		}
		b.gi = gi
	}
	b.version = b.o.Version
	if b.version == "" {
		if b.gi == nil || b.gi.Describe == "" {
			return cliutil.Usagef("--version is required outside a git repository with commits")
		}
		if err := release.CheckReleaseName("release name", b.gi.Describe); err != nil {
			return cliutil.Usagef("git describe gives %v: pass --version", err)
		}
		b.version = b.gi.Describe
	}
	if b.gi != nil {
		b.gi.PreviousTag = g.PreviousTag(ctx, "HEAD", b.version)
		if b.commits, err = g.Log(ctx, b.gi.PreviousTag, "HEAD"); err != nil {
			return err
		}
	}
	return nil
}

// chooseDate is step 9: the date: --now, SOURCE_DATE_EPOCH, the commit
// time, or none.
func (b *build) chooseDate(context.Context) error {
	switch o := b.o; {
	case !o.Now.IsZero():
		b.date, b.dateSource = o.Now, "--now"
	case o.SourceDateEpochSet:
		b.date, b.dateSource = o.SourceDateEpoch, "SOURCE_DATE_EPOCH"
	case !b.commitTime.IsZero():
		b.date, b.dateSource = b.commitTime, "the commit time of HEAD"
	}
	return nil
}

// generate is step 10: generate the documents and the manifest (and the
// archive's bytes).
func (b *build) generate(context.Context) error {
	o, soak, v := b.o, b.soak, b.snap.Verdict
	run := soak.Run
	if run != nil {
		// A run record written before soak-run masked credentials, or by
		// hand, must not carry a command-line secret into the bundle.
		masked := *run
		masked.Command = redact.Args(run.Command)
		run = &masked
	}
	src := release.BundleSource{Path: filepath.ToSlash(o.Src), Iterations: len(soak.Iterations), Digest: soak.Digest,
		LedgerDigest: b.facts.LedgerDigest, OverridesDigest: b.facts.OverridesDigest, Legacy: soak.Legacy, Run: run}
	r := &release.Release{
		Version: b.version, DateSource: b.dateSource, Tool: cliutil.Version(), BundleDir: filepath.Base(o.Out),
		Git: b.gi, Commits: b.commits, Snapshot: b.snap, Forced: b.forced, Delta: b.delta, Ledger: soak.Report, Source: src,
		Profile: b.prof, ProfileSHA256: artifact.Hash(b.profile), Redacted: b.redacted, OverridesFrom: filepath.ToSlash(b.ovPath),
		Previous: b.prev, Policy: b.pol, Triggers: release.Triggers(b.pol.Policy),
	}
	if !b.date.IsZero() {
		r.Date = b.date.UTC().Format("2006-01-02")
	}
	m := release.Manifest{
		Version: b.version, ToolVersion: cliutil.Version(), Git: b.gi,
		Verdict: release.BundleVerdict{
			Verdict: v.Verdict, Reason: v.Reason, FreezeReady: v.FreezeReady, Forced: b.forced,
			WindowFirst: v.Window.First, WindowLast: v.Window.Last, Policy: v.Policy, Rejudged: b.rejudged,
		},
		Source: src, Redacted: b.redacted,
	}
	if !b.date.IsZero() {
		m.CreatedAt = b.date.UTC().Format(time.RFC3339)
	}
	if prev := b.prev; prev != nil {
		m.Previous = &release.PreviousBundle{Path: filepath.ToSlash(prev.Path), Version: prev.Version, SumsSHA256: prev.SumsSHA256, ProfileSHA256: prev.ProfileSHA256,
			Verified: prev.Verified(), Legacy: prev.Legacy, Unverified: prev.Unverified}
	}
	copied := map[string][]byte{release.ProfileFile: b.profile}
	for name, data := range b.raw {
		m.Inputs = append(m.Inputs, release.BundleInput{File: bundleName(name), From: filepath.ToSlash(b.in.Paths[name]), SHA256: artifact.Hash(data)})
		if name != artifact.OverridesFile {
			copied[name] = data
		}
	}
	var err error
	if b.files, err = release.Build(r, copied, m); err != nil {
		return err
	}
	if o.Archive != "" {
		if b.archive, err = release.Archive(filepath.Base(filepath.Clean(o.Out)), b.files, b.date); err != nil {
			return err
		}
	}
	return nil
}

// write is step 11: write: a temporary directory beside --out, renamed
// into place, then the archive.
func (b *build) write(context.Context) error {
	o := b.o
	kept, err := writeDir(o.Out, b.files)
	if err != nil {
		return err
	}
	if kept != "" {
		b.warn("the bundle %s replaced changed while this run wrote: it was kept as %s", o.Out, kept)
	}
	if b.archive != nil {
		if err := checkArchiveOut(o.Archive); err != nil {
			return fmt.Errorf("%w (the bundle directory %s is complete)", err, o.Out)
		}
		if err := soakdir.WriteFile(o.Archive, b.archive, 0o644); err != nil {
			return fmt.Errorf("%s: %w (the bundle directory %s is complete)", o.Archive, err, o.Out)
		}
	}
	fmt.Fprintf(b.stdio.Err, "release-bundle: wrote %s: version %s, verdict %s, %d files, SHA256SUMS sha256 %s\n",
		o.Out, b.version, b.snap.Verdict.Verdict, len(b.files), artifact.Hash(b.files[release.SumsFileName]))
	if b.archive != nil {
		fmt.Fprintf(b.stdio.Err, "release-bundle: wrote %s (sha256 %s)\n", o.Archive, artifact.Hash(b.archive))
	}
	return nil
}

func bundleName(input string) string {
	if input == artifact.OverridesFile {
		return release.ProfileFile
	}
	return input
}

func orUnknown(version string) string {
	if version == "" {
		return "unknown"
	}
	return version
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
		return fileerr.PathError(p, err)
	}
	err = soakdir.CheckRegular(abs)
	var ae *fileerr.Error
	if errors.As(err, &ae) && ae.File == abs {
		named := *ae
		named.File = p
		return &named
	}
	return err
}

// readPrevious reads the previous release's bundle, the rollback target:
// one that verifies, or one read leniently as a legacy bundle (an earlier
// soakline version's whose SHA256SUMS holds, or the Python toolkit's), see
// release.ReadPrevious. Anything else is refused (exit 1).
func readPrevious(path string) (*release.Previous, error) {
	c, _, err := readBundle(path)
	if err != nil {
		return nil, err
	}
	p, err := release.ReadPrevious(path, c)
	var refused *release.PreviousRefusal
	if errors.As(err, &refused) {
		return nil, cliutil.No("--previous %s does not verify: %s", path, refused.Why)
	}
	return p, err
}

// checkOut says whether --out exists and may be replaced: it may when it
// does not exist, is an empty directory, or is a bundle that verifies (a
// bundle release-bundle wrote: MANIFEST.json of kind bundle, and nothing
// in the directory that is not a bundle file). Anything else is an input
// error naming it (exit 2): a symbolic link (not followed), a file, a
// directory holding anything else. Only the bundle's ten names are read.
func checkOut(out string) (exists bool, err error) {
	fi, err := os.Lstat(out)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fileerr.PathError(out, err)
	}
	const keep = "not replaced; choose another directory or remove it yourself"
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return true, fileerr.Errorf(out, 0, "--out is a symbolic link: not followed, %s", keep)
	case !fi.IsDir():
		return true, fileerr.Errorf(out, 0, "--out exists and is not a directory: %s", keep)
	}
	c, err := release.ReadDir(out)
	if err != nil {
		return true, fileerr.Errorf(out, 0, "--out exists and is not a bundle (%s): %s", errText(err), keep)
	}
	if len(c.Files) == 0 && len(c.Irregular) == 0 && len(c.Extra) == 0 {
		return true, nil
	}
	if foreign := append(append([]string{}, c.Extra...), c.Irregular...); len(foreign) > 0 {
		more := ""
		if len(foreign) > 3 {
			foreign, more = foreign[:3], fmt.Sprintf(" and %d more", len(foreign)-3)
		}
		return true, fileerr.Errorf(out, 0, "--out holds %s%s, which release-bundle does not write: %s", strings.Join(foreign, ", "), more, keep)
	}
	if ver := release.Verify(c); !ver.OK() {
		return true, fileerr.Errorf(out, 0, "--out exists and is not a bundle that verifies (%s): %s", ver.Summary(), keep)
	}
	return true, nil
}

// checkArchiveOut says whether --archive may be written: it may when it
// does not exist or is a bundle archive that verifies (one this tool
// wrote); a symbolic link (not followed) or any other file is an input
// error naming it (exit 2), left as it is.
func checkArchiveOut(name string) error {
	fi, err := os.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fileerr.PathError(name, err)
	}
	const keep = "not replaced; choose another name or remove it yourself"
	if !fi.Mode().IsRegular() {
		return fileerr.Errorf(name, 0, "--archive exists and is not a regular file: %s", keep)
	}
	c, _, err := readBundle(name)
	if err != nil {
		return fileerr.Errorf(name, 0, "--archive exists and is not a bundle archive: %s", keep)
	}
	if ver := release.Verify(c); !ver.OK() {
		return fileerr.Errorf(name, 0, "--archive exists and is not a bundle archive that verifies (%s): %s", ver.Summary(), keep)
	}
	return nil
}

func errText(err error) string {
	var ae *fileerr.Error
	if errors.As(err, &ae) {
		return ae.File + ": " + ae.Err.Error()
	}
	return err.Error()
}

// writeDir writes files into a fresh temporary directory beside out and
// renames it to out. An existing out is replaced only when checkOut allows
// it; it is moved aside first and removed after the rename only when it
// still verifies then (else it is kept, and its new path returned).
func writeDir(out string, files map[string][]byte) (kept string, err error) {
	out = filepath.Clean(out)
	parent := filepath.Dir(out)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fileerr.PathError(parent, err)
	}
	exists, err := checkOut(out)
	if err != nil {
		return "", err
	}
	// Both temporary directories are locked while this run owns them, so
	// that the next run's cleanStale tells them from a killed run's; the
	// lock stays with the directory through the renames.
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".tmp-")
	if err != nil {
		return "", fileerr.PathError(parent, err)
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
			return "", err
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", err
	}
	if exists {
		aside, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".old-")
		if err != nil {
			return "", fileerr.PathError(parent, err)
		}
		defer lockDir(aside).unlock()
		old := filepath.Join(aside, "bundle")
		if err := os.Rename(out, old); err != nil {
			os.Remove(aside)
			return "", fileerr.PathError(out, err)
		}
		if err := os.Rename(tmp, out); err != nil {
			os.Rename(old, out) // put it back
			os.Remove(aside)
			return "", fileerr.PathError(out, err)
		}
		// What was set aside is removed only if it is still what
		// checkOut allowed to replace: something may have been written
		// into it meanwhile.
		if empty(old) || verifies(old) {
			os.RemoveAll(aside)
			return "", nil
		}
		return old, nil
	}
	if err := os.Rename(tmp, out); err != nil {
		return "", fileerr.PathError(out, err)
	}
	return "", nil
}

func empty(dir string) bool {
	entries, err := os.ReadDir(dir)
	return err == nil && len(entries) == 0
}

// readInput reads an input file of the bundle: a regular file, or a
// symbolic link that stays in its directory, of at most
// release.MaxBundleFileBytes.
func readInput(p string) ([]byte, error) {
	if err := checkInput(p); err != nil {
		return nil, err
	}
	return release.ReadRegular(p, release.MaxBundleFileBytes, true)
}

func missingIterations(in *release.Inputs) bool {
	for _, m := range in.Missing {
		if strings.HasPrefix(m, "ITER_SUMMARY_") {
			return true
		}
	}
	return false
}

func untrustedWhy(s *release.Snapshot) string {
	if s.Legacy {
		return "written by the Python toolkit"
	}
	return "it records no digest of the soak it judged"
}

// settingsProblems lists the choices given on the command line that the
// snapshot was not judged with: a bundle carries one verdict, judged once.
// The relaxed mock policy is one such choice in both directions: a
// snapshot judged by it (recorded so, or by its digest) is bundled only
// with --mock or USE_MOCK=1 (useMockEnv), so that a soak directory from
// elsewhere cannot choose the lenient policy for the release.
func (o Options) settingsProblems(v *artifact.Verdict, useMockEnv bool) []release.Problem {
	var ps []release.Problem
	add := func(why string, args ...any) {
		ps = append(ps, release.Problem{File: artifact.SnapshotFile, What: release.Mismatch, Why: fmt.Sprintf(why, args...)})
	}
	if o.Policy != "" {
		if p, err := policy.Load(o.Policy); err == nil && release.EffectiveDigest(p, v.Settings) != v.Policy.Digest {
			add("judged under policy %s (%.12s), not --policy %s (%.12s)", v.Policy.Name, v.Policy.Digest, o.Policy, release.EffectiveDigest(p, v.Settings))
		}
	}
	mockJudged := v.Settings.Mock || mockDigest(v) == v.Policy.Digest
	switch {
	case o.Mock && !mockJudged:
		add("judged with policy %s, not the mock policy --mock asks for", v.Policy.Name)
	case o.Policy == "" && !o.Mock && useMockEnv && !mockJudged:
		add("judged with policy %s, not the mock policy USE_MOCK=1 asks for", v.Policy.Name)
	case o.Policy == "" && !o.Mock && !useMockEnv && mockJudged:
		add("judged with the relaxed mock policy, which release-bundle was not asked for (--mock or USE_MOCK=1); a release is judged by the built-in policy unless you choose another")
	}
	if o.Strict && !v.Settings.Strict {
		add("judged without --strict")
	}
	return ps
}

// mockDigest is the digest the built-in mock policy has with the
// verdict's recorded --last-n and --warmup.
func mockDigest(v *artifact.Verdict) string {
	return release.EffectiveDigest(policy.Default(true), v.Settings)
}

// verdictProblems judges soak again by the verdict's own policy and
// settings and returns a problem when the verdict is not what they give:
// a snapshot edited by hand, its digests left as they were. The policy is
// the built-in production or mock one or --policy (a policy file the
// snapshot names is not read: the soak does not choose its own policy),
// whichever has the recorded digest with the recorded --last-n and
// --warmup. Judged by this version of the tool with no --compare baseline,
// the verdict must be the same. Otherwise (another version may judge
// otherwise; a baseline is not at hand) it is judged again without the
// baseline, which can only make a verdict better, and refused when it is
// worse than that (a FAIL edited to PASS, its tool version or baseline
// edited too). With no policy of that digest at hand nothing is said here:
// ResolvePolicy refuses such a snapshot (exit 2, pass --policy).
func (o Options) verdictProblems(soak *soakdir.Soak, v *artifact.Verdict) []release.Problem {
	exact := v.Settings.CompareBaseline == "" && v.ToolVersion == cliutil.Version()
	opts := judge.Options{Strict: v.Settings.Strict, LastN: v.Settings.LastN, ToolVersion: cliutil.Version()}
	if v.Settings.Warmup != "" {
		w, err := policy.ParseWarmup(v.Settings.Warmup)
		if err != nil {
			return []release.Problem{{File: artifact.SnapshotFile, What: release.Mismatch, Why: fmt.Sprintf(
				"records a warm-up %q that cannot be judged again: %v", v.Settings.Warmup, err)}}
		}
		opts.Warmup = &w
	}
	cands := []*policy.Policy{policy.Default(false), policy.Default(true)}
	if o.Policy != "" {
		if p, err := policy.Load(o.Policy); err == nil {
			cands = append(cands, p)
		}
	}
	for _, p := range cands {
		eff := p.Clone()
		if opts.LastN > 0 {
			eff.Window = opts.LastN
		}
		if opts.Warmup != nil {
			eff.Warmup = *opts.Warmup
		}
		if eff.Digest() != v.Policy.Digest {
			continue
		}
		again, err := judge.Evaluate(soak, p, opts)
		if err != nil {
			return []release.Problem{{File: artifact.SnapshotFile, What: release.Mismatch, Why: fmt.Sprintf(
				"cannot be judged again by its own policy %s: %v", v.Policy.Name, err)}}
		}
		if exact && again.Verdict != v.Verdict {
			return []release.Problem{{File: artifact.SnapshotFile, What: release.Mismatch, Why: fmt.Sprintf(
				"says %s, but its own policy %s and settings give %s on this soak (%s): edited after it was judged",
				v.Verdict, v.Policy.Name, again.Verdict, dashIfEmpty(again.Reason))}}
		}
		if exact {
			if why := judgedOtherwise(v, again); why != "" {
				return []release.Problem{{File: artifact.SnapshotFile, What: release.Mismatch, Why: fmt.Sprintf(
					"%s, but its own policy %s and settings give otherwise on this soak: edited after it was judged", why, v.Policy.Name)}}
			}
		}
		if !exact && verdictRank(again.Verdict) > verdictRank(v.Verdict) {
			why := "judged by " + orUnknown(v.ToolVersion) + ", this is " + cliutil.Version()
			if v.Settings.CompareBaseline != "" {
				why = "its --compare baseline aside, which can only make a verdict worse"
			}
			return []release.Problem{{File: artifact.SnapshotFile, What: release.Mismatch, Why: fmt.Sprintf(
				"says %s, but its own policy %s and settings give %s on this soak (%s; %s): judge it again",
				v.Verdict, v.Policy.Name, again.Verdict, dashIfEmpty(again.Reason), why)}}
		}
		return nil
	}
	return nil
}

// judgedOtherwise says how the recorded verdict v differs from again,
// the same soak judged again the same way, in what the bundle's documents
// show besides the verdict: the window, freeze_ready and each check's
// status; "" when they agree.
func judgedOtherwise(v, again *artifact.Verdict) string {
	if v.Window.First != again.Window.First || v.Window.Last != again.Window.Last {
		return fmt.Sprintf("its window is iterations %d-%d, judged again %d-%d", v.Window.First, v.Window.Last, again.Window.First, again.Window.Last)
	}
	if v.FreezeReady != again.FreezeReady {
		return fmt.Sprintf("its freeze_ready is %t", v.FreezeReady)
	}
	status := map[string]string{}
	for _, c := range v.Checks {
		status[c.Name] = c.Status
	}
	if len(status) != len(again.Checks) || len(v.Checks) != len(again.Checks) {
		return fmt.Sprintf("it holds %d checks, judged again %d", len(v.Checks), len(again.Checks))
	}
	for _, c := range again.Checks {
		if st, ok := status[c.Name]; !ok || st != c.Status {
			return fmt.Sprintf("check %s says %s, judged again %s", c.Name, orDash(st), c.Status)
		}
	}
	return ""
}

func orDash(s string) string {
	if s == "" {
		return "nothing"
	}
	return s
}

// verdictRank orders verdicts by the documented precedence: FAIL over
// INCONCLUSIVE over WARN over PASS; anything else ranks as FAIL.
func verdictRank(v string) int {
	switch v {
	case artifact.VerdictPass:
		return 0
	case artifact.VerdictWarn:
		return 1
	case artifact.VerdictInconclusive:
		return 2
	}
	return 3
}

// judge judges soak as soak-gate does (the built-in policy, the mock one
// with --mock or USE_MOCK=1, or --policy; --strict) and renders what a
// bundle carries of it: the snapshot, the delta report and the three
// Markdown reports, each with its provenance line.
func (o Options) judge(soak *soakdir.Soak, stdio cliutil.Stdio) (*artifact.Verdict, map[string][]byte, error) {
	mock := o.Mock || o.Policy == "" && judge.UseMock(stdio.Env("USE_MOCK"))
	pol, err := judge.LoadPolicy(o.Policy, mock)
	if err != nil {
		return nil, nil, err
	}
	if err := pol.Validate(); err != nil {
		return nil, nil, cliutil.Usagef("%s: %v", pol.Source, err)
	}
	v, err := judge.Evaluate(soak, pol, judge.Options{Strict: o.Strict, ToolVersion: cliutil.Version()})
	if err != nil {
		return nil, nil, cliutil.Usagef("%v", err)
	}
	rendered, err := render.Render(render.Input{Soak: soak, Verdict: v, Tuning: tunerdata.Default()})
	if err != nil {
		return nil, nil, err
	}
	files := map[string][]byte{}
	for _, f := range rendered {
		if f.Name == artifact.SnapshotFile || slices.Contains(release.ReportFiles, f.Name) {
			files[f.Name] = f.Data
		}
	}
	sum := artifact.Hash(files[artifact.SnapshotFile])
	for _, name := range release.ReportFiles {
		if _, _, ok := provenance.Parse(files[name]); !ok {
			files[name] = append(files[name], provenance.Line(soak.Digest, sum)...)
		}
	}
	if files[artifact.DeltaVerifyFile], err = release.DeltaReport(v); err != nil {
		return nil, nil, err
	}
	return v, files, nil
}

func writeSynced(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fileerr.PathError(name, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fileerr.PathError(name, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fileerr.PathError(name, err)
	}
	return f.Close()
}
