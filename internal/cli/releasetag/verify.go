package releasetag

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/release"
)

func verifyCommand(stdio cliutil.Stdio) *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "check that a bundle still matches the digest its tag carries",
		UsageText: "release-tag verify TAG [--bundle DIR]",
		Description: `Reads the Bundle-SHA256SUMS line of the annotated tag's message and checks that the
bundle (--bundle, default the Bundle-Path the tag records, relative to the top of the
working tree) verifies and that its SHA256SUMS has that SHA-256. Exit 0 when it does,
1 when it does not (or the tag carries no digest); 2 when the tag does not exist or the
bundle cannot be read.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "bundle", Usage: "the bundle `DIR` (default: the path the tag records)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return cliutil.Usagef("verify: want one tag name")
			}
			return VerifyTag(c.Context, c.Args().First(), c.String("bundle"), stdio)
		},
	}
}

// VerifyTag checks that the bundle still matches the digest of tag.
func VerifyTag(ctx context.Context, tag, bundle string, stdio cliutil.Stdio) error {
	if err := release.CheckTagName(tag); err != nil {
		return cliutil.Usagef("%v", err)
	}
	g := release.Git{}
	if ok, _ := g.InRepo(ctx); !ok {
		return cliutil.Usagef("not inside a git repository")
	}
	// A tag that is not there is a missing input (exit 2), not a tag
	// that fails its check.
	if exists, err := g.TagExists(ctx, tag); err != nil {
		return err
	} else if !exists {
		return fmt.Errorf("tag %s does not exist in this repository ('git tag --list' lists the tags; 'git fetch --tags' gets a remote's)", tag)
	}
	msg, commit, err := g.TagMessage(ctx, tag)
	if err != nil {
		return cliutil.No("%v", err)
	}
	want, recorded, err := release.ParseTagMessage(msg)
	if err != nil {
		return cliutil.No("tag %s: %v", tag, err)
	}
	if bundle == "" {
		if recorded == "" {
			return cliutil.Usagef("tag %s records no bundle path: pass --bundle", tag)
		}
		// The path comes from the tag message, which anyone who can push
		// a tag wrote: it is followed only to a real directory inside the
		// working tree, and only the bundle's ten files are read there.
		top, err := g.TopLevel(ctx)
		if err != nil {
			return err
		}
		if bundle, err = recordedBundle(top, recorded); err != nil {
			return cliutil.Usagef("tag %s: Bundle-Path %q: %v: pass --bundle", tag, recorded, err)
		}
	}
	c, err := readBundleDir(bundle)
	if err != nil {
		return err
	}
	v := release.Verify(c)
	for _, p := range v.Problems {
		fmt.Fprintf(stdio.Err, "release-tag: %s: %s\n", bundle, p)
	}
	if v.SumsSHA256 != want {
		return cliutil.No("tag %s: the bundle %s does not match: SHA256SUMS has sha256 %s, the tag carries %s", tag, bundle, shortOr(v.SumsSHA256), want)
	}
	if !v.OK() {
		return cliutil.No("tag %s: the bundle %s does not verify: %s", tag, bundle, v.Summary())
	}
	fmt.Fprintf(stdio.Err, "release-tag: tag %s (commit %s) matches %s: SHA256SUMS sha256 %s\n", tag, commit, bundle, want)
	return nil
}

func shortOr(s string) string {
	if s == "" {
		return "(missing)"
	}
	return s
}

// recordedBundle resolves the Bundle-Path a tag message records: a clean
// relative path inside the working tree top, naming a directory that is
// not a symbolic link, with no symbolic link on the way out of top.
func recordedBundle(top, recorded string) (string, error) {
	p := filepath.FromSlash(recorded)
	switch {
	case recorded == "" || strings.ContainsRune(recorded, 0):
		return "", errors.New("empty")
	case filepath.IsAbs(p) || filepath.VolumeName(p) != "":
		return "", errors.New("not relative to the working tree")
	case filepath.Clean(p) != p || p == "." || p == ".." || strings.HasPrefix(p, ".."+string(filepath.Separator)):
		return "", errors.New("not a clean path inside the working tree")
	}
	bundle := filepath.Join(top, p)
	if !release.Within(bundle, top) {
		return "", errors.New("leads out of the working tree")
	}
	fi, err := os.Lstat(bundle)
	switch {
	case err != nil:
		return "", err
	case fi.Mode()&fs.ModeSymlink != 0:
		return "", errors.New("a symbolic link, not followed")
	case !fi.IsDir():
		return "", errors.New("not a directory")
	}
	return bundle, nil
}
