package tag

import (
	"context"
	"fmt"
	"path/filepath"

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
1 when it does not.`,
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
		bundle = filepath.FromSlash(recorded)
		if !filepath.IsAbs(bundle) {
			top, err := g.TopLevel(ctx)
			if err != nil {
				return err
			}
			bundle = filepath.Join(top, bundle)
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
