package releasetag

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/release"
	"github.com/soakline/soakline/internal/soakdir"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// Canary file names.
const (
	ChecklistFile = "CANARY_CHECKLIST.md"
	PlanFile      = "CANARY_PLAN.json"
)

// Tag creates the tag o describes (or, with DryRun, prints what it would
// create).
func Tag(ctx context.Context, o Options, stdio cliutil.Stdio) error {
	warn := func(format string, args ...any) {
		fmt.Fprintf(stdio.Err, "release-tag: warning: "+format+"\n", args...)
	}

	// 1. The bundle must verify and must not be a failed soak.
	ver, snap, delta, err := checkBundle(o, stdio.Err, warn)
	if err != nil {
		return err
	}

	// 2. The policy the triggers come from.
	pol, err := release.ResolvePolicy(release.BasePolicy(&snap.Verdict, o.Policy), snap.Legacy, o.Policy)
	if unknown := (*release.UnknownPolicyError)(nil); errors.As(err, &unknown) {
		return cliutil.Usagef("%v", err) // the missing --policy is the user's to give
	} else if err != nil {
		return err
	}
	for _, n := range pol.Notes {
		warn("%s", n)
	}

	// 3. The repository: the tag is new, the commit exists, the tree is clean.
	g := release.Git{}
	commit, err := checkRepo(ctx, g, o, warn)
	if err != nil {
		return err
	}

	// 4. The tag message, the plan and the checklist.
	t := &release.Tagging{
		Tag: o.Tag, Commit: commit, BundlePath: bundlePath(ctx, g, o.Bundle),
		SumsSHA256: ver.SumsSHA256, Manifest: ver.Manifest, Snapshot: snap, Delta: delta,
		Policy: pol, Triggers: release.Triggers(pol.Policy), Tool: cliutil.Version(),
	}
	msg := release.TagMessage(t)
	plan := release.Plan(t)
	checklist := release.Checklist(t, plan)
	planJSON, err := artifact.Marshal(plan)
	if err != nil {
		return err
	}

	// 5. A dry run prints and stops here.
	if o.DryRun {
		fmt.Fprintf(stdio.Out, "%s\n%s", msg, checklist)
		push := ""
		if o.Push != "" {
			push = " and push it to " + o.Push + " (reachable, no such tag there)"
		}
		fmt.Fprintf(stdio.Err, "release-tag: dry run: would create tag %s at %s%s and write %s and %s into %s; nothing changed\n",
			o.Tag, commit, push, ChecklistFile, PlanFile, o.Out)
		return nil
	}

	// 6. Make sure --out can be written before the tag exists.
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return fileerr.PathError(o.Out, err)
	}

	// 7. Create the tag, then write the canary files.
	if err := g.CreateTag(ctx, o.Tag, commit, msg, o.Sign); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{ChecklistFile, checklist}, {PlanFile, planJSON}} {
		if err := soakdir.WriteFile(filepath.Join(o.Out, f.name), f.data, 0o644); err != nil {
			return fmt.Errorf("tag %s created, but %w", o.Tag, fileerr.PathError(filepath.Join(o.Out, f.name), err))
		}
	}
	fmt.Fprintf(stdio.Err, "release-tag: created tag %s at %s (bundle SHA256SUMS sha256 %s); wrote %s and %s into %s\n",
		o.Tag, commit, ver.SumsSHA256, ChecklistFile, PlanFile, o.Out)

	// 8. Push when asked.
	if o.Push != "" {
		if err := g.Push(ctx, o.Push, o.Tag); err != nil {
			return fmt.Errorf("tag %s created locally and the canary files written, but the push to %s failed: %w (push it yourself: git push %s refs/tags/%s)", o.Tag, o.Push, err, o.Push, o.Tag)
		}
		fmt.Fprintf(stdio.Err, "release-tag: pushed %s to %s\n", o.Tag, o.Push)
	}
	return nil
}

// checkBundle is Tag's step 1: the bundle must verify, its verdict pass
// unforced and its version be a release name. It returns the
// verification, the snapshot and the delta report (nil, with a warning,
// when unreadable).
func checkBundle(o Options, stderr io.Writer, warn func(string, ...any)) (*release.Verification, *release.Snapshot, *artifact.DeltaVerify, error) {
	c, err := readBundleDir(o.Bundle)
	if err != nil {
		return nil, nil, nil, err
	}
	ver := release.Verify(c)
	if !ver.OK() {
		for _, p := range ver.Problems {
			fmt.Fprintf(stderr, "release-tag: %s: %s\n", o.Bundle, p)
		}
		return nil, nil, nil, cliutil.No("%s: bundle does not verify (%s): not tagged", o.Bundle, ver.Summary())
	}
	snap, err := release.DecodeSnapshot(filepath.Join(o.Bundle, artifact.SnapshotFile), c.Files[artifact.SnapshotFile])
	if err != nil {
		return nil, nil, nil, err
	}
	v := snap.Verdict
	if !release.Passing(v.Verdict) {
		return nil, nil, nil, cliutil.No("verdict %s (%s): a bundle of a soak that did not pass is not tagged", v.Verdict, dashIfEmpty(v.Reason))
	}
	if ver.Manifest.Verdict.Forced {
		// A passing verdict is forced when it was judged on other data
		// than the bundled soak's.
		return nil, nil, nil, cliutil.No("%s was built with --allow-fail and is not a validated release (its CHANGELOG.md says why): not tagged", o.Bundle)
	}
	delta, err := release.DecodeDeltaVerify(artifact.DeltaVerifyFile, c.Files[artifact.DeltaVerifyFile])
	if err != nil {
		warn("%s: %v", artifact.DeltaVerifyFile, err)
		delta = nil
	}
	// The version goes into the tag message and the checklist's shell
	// steps: a bundle made by hand may carry anything there.
	if err := release.CheckReleaseName("release name", ver.Manifest.Version); err != nil {
		return nil, nil, nil, cliutil.Usagef("%s: version: %v", filepath.Join(o.Bundle, release.ManifestFileName), err)
	}
	if ver.Manifest.Version != o.Tag {
		warn("the bundle's version is %s, the tag %s", ver.Manifest.Version, o.Tag)
	}
	return ver, snap, delta, nil
}

// checkRepo is Tag's step 3: the repository: the tag is new (here and on
// --push's remote), the commit exists, the tree is clean. It returns the
// commit to tag.
func checkRepo(ctx context.Context, g release.Git, o Options, warn func(string, ...any)) (string, error) {
	if ok, _ := g.InRepo(ctx); !ok {
		return "", cliutil.Usagef("not inside a git repository (run release-tag in the repository to tag)")
	}
	if !g.CheckRefFormat(ctx, o.Tag) {
		return "", cliutil.Usagef("--tag: git check-ref-format rejects refs/tags/%s", o.Tag)
	}
	exists, err := g.TagExists(ctx, o.Tag)
	if err != nil {
		return "", err
	}
	if exists {
		return "", cliutil.No("tag %s already exists: not replaced (delete it yourself or choose another name)", o.Tag)
	}
	commit, err := g.ResolveCommit(ctx, o.Commit)
	if err != nil {
		return "", cliutil.Usagef("--commit: %v", err)
	}
	if dirty, err := g.Dirty(ctx); err != nil {
		return "", err
	} else if dirty && !o.AllowDirty {
		return "", cliutil.No("tracked files have uncommitted changes: commit or stash them, or pass --allow-dirty")
	} else if dirty {
		warn("tagging with uncommitted changes to tracked files (--allow-dirty)")
	}
	// The remote to push to, before anything is created: one that does
	// not exist or cannot be reached would leave a local tag and canary
	// files behind, and a rerun would stop at "tag exists".
	if o.Push != "" {
		onRemote, err := g.RemoteTag(ctx, o.Push, o.Tag)
		if err != nil {
			return "", fmt.Errorf("--push %s: %w: nothing created", o.Push, err)
		}
		if onRemote {
			return "", cliutil.No("tag %s already exists on %s: not replaced, nothing created (delete it there or choose another name)", o.Tag, o.Push)
		}
	}
	return commit, nil
}

// bundlePath is the bundle's path as the tag records it: relative to the
// top of the working tree when the bundle is inside it, else absolute.
func bundlePath(ctx context.Context, g release.Git, bundle string) string {
	abs, err := filepath.Abs(bundle)
	if err != nil {
		return filepath.ToSlash(bundle)
	}
	if top, err := g.TopLevel(ctx); err == nil && release.Within(abs, top) {
		if rt, err := filepath.EvalSymlinks(top); err == nil {
			top = rt
		}
		if ra, err := filepath.EvalSymlinks(abs); err == nil {
			abs = ra
		}
		if rel, err := filepath.Rel(top, abs); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(abs)
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "no reason recorded"
	}
	return s
}

// readBundleDir reads the bundle directory dir: its ten file names only,
// bounded (release.ReadDir).
func readBundleDir(dir string) (*release.Contents, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fileerr.PathError(dir, err)
	}
	if !fi.IsDir() {
		return nil, cliutil.Usagef("--bundle %s: not a directory (unpack an archive first)", dir)
	}
	c, err := release.ReadDir(dir)
	if err != nil {
		var ae *fileerr.Error
		if errors.As(err, &ae) {
			return nil, err
		}
		return nil, fileerr.PathError(dir, err)
	}
	return c, nil
}
