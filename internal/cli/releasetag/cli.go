package releasetag

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/release"
)

// Main runs release-tag with the process's arguments and returns the exit
// code.
func Main() int { return cliutil.Main("release-tag", Run) }

// Run runs release-tag in-process.
func Run(ctx context.Context, args []string, stdio cliutil.Stdio) error {
	app := cliutil.NewApp("release-tag", "tag a verified release bundle and write its canary checklist", usageText, description, stdio)
	app.CustomAppHelpTemplate = cliutil.WithExamples(app.CustomAppHelpTemplate, examplesText)
	app.Flags = []cli.Flag{
		&cli.StringFlag{Name: "bundle", Usage: "the release bundle `DIR` (made by release-bundle)"},
		&cli.StringFlag{Name: "tag", Usage: "tag `NAME` to create"},
		&cli.BoolFlag{Name: "dry-run", Usage: "print the tag message and the checklist; change nothing"},
		&cli.StringFlag{Name: "out", Usage: "`DIR` for CANARY_CHECKLIST.md and CANARY_PLAN.json (default <bundle>.canary)"},
		&cli.BoolFlag{Name: "sign", Usage: "sign the tag (git tag --sign, with your configured key)"},
		&cli.StringFlag{Name: "push", Usage: "push the tag to `REMOTE` after creating it"},
		&cli.BoolFlag{Name: "allow-dirty", Usage: "tag although tracked files have uncommitted changes"},
		&cli.StringFlag{Name: "commit", Value: "HEAD", Usage: "the commit `REV` to tag"},
		&cli.StringFlag{Name: "policy", Usage: "policy `FILE` for the rollback triggers (default: the one the soak was judged by)"},
	}
	app.Action = func(c *cli.Context) error {
		o, err := optionsFrom(c)
		if err != nil {
			return err
		}
		return Tag(c.Context, o, stdio)
	}
	app.Commands = []*cli.Command{verifyCommand(stdio), canaryCommand(stdio)}
	return cliutil.Run(ctx, app, args)
}

const usageText = `release-tag --bundle DIR --tag NAME [--dry-run] [--out DIR] [--sign] [--push REMOTE]
            [--allow-dirty] [--commit REV] [--policy FILE]
release-tag verify TAG [--bundle DIR]
release-tag canary --plan FILE --prometheus-url URL --canary-selector S [...]`

const description = `Verifies the bundle, then creates an annotated git tag whose message holds the verdict,
the KPI summary of the judged window and the SHA-256 of the bundle's SHA256SUMS, and writes
CANARY_CHECKLIST.md and CANARY_PLAN.json (kind canary_plan) into --out (default: the
directory <bundle>.canary next to the bundle, never inside it): pre-deployment checks, a 5%
canary for 24-48 h with checks at hours 1, 6, 24 and 48, automatic rollback triggers every 5
minutes derived from the policy the soak was judged by (PromQL over the soak_kpi_window gauges
that soak-gate --prometheus exports), and the promotion criteria. A warn level the soak's window
already breached (a WARN release) gets no hold trigger: the checklist names it as expected, with
the soak's value, and its fail level still rolls back.

Refused with exit 1, never with a prompt: a bundle that does not verify, a verdict other than
PASS or WARN, an existing tag (here, or on the --push remote), tracked files with uncommitted
changes (unless --allow-dirty; untracked files do not count). A --push remote that does not
exist or cannot be reached (git ls-remote) exits 2 before anything is created. A tag name, or a bundle version, against git's ref-name rules
or with a character other than letters, digits and . _ + - / exits 2: both are written into
the shell steps of the checklist.

--dry-run prints the tag message and the checklist on stdout and changes nothing: not the
repository, not the bundle, not --out.

'release-tag canary' watches the canary through Prometheus with the plan's triggers over the
bot's own metrics and promotes (exit 0), holds (exit 3) or rolls back (exit 1) by itself; see
'release-tag canary --help'.

'release-tag verify TAG' checks that the bundle the tag names (or --bundle) still has the
SHA256SUMS digest the tag carries, and verifies it: exit 0 when it matches, 1 otherwise, 2 when
there is no such tag.

git runs without a shell, with the repository's hooks, fsmonitor, pager and external diff
turned off and without optional locks (a dry run writes nothing under .git); refs reach it
after --end-of-options or as commit hashes; the tag message goes to git on standard input.

Manual: docs/release-tag.md (https://github.com/soakline/soakline/blob/main/docs/release-tag.md).`

// examplesText is the EXAMPLES section of --help.
const examplesText = `release-tag --bundle release/v1.4.0 --tag v1.4.0 --dry-run
release-tag --bundle release/v1.4.0 --tag v1.4.0 --sign --push origin
release-tag verify v1.4.0`

// Options are release-tag's flags.
type Options struct {
	Bundle, Tag, Out string
	DryRun           bool
	Sign             bool
	Push             string
	AllowDirty       bool
	Commit           string
	Policy           string
}

func optionsFrom(c *cli.Context) (Options, error) {
	if c.NArg() > 0 {
		return Options{}, cliutil.Usagef("unexpected argument %q", c.Args().First())
	}
	o := Options{
		Bundle: c.String("bundle"), Tag: c.String("tag"), Out: c.String("out"),
		DryRun: c.Bool("dry-run"), Sign: c.Bool("sign"), Push: c.String("push"),
		AllowDirty: c.Bool("allow-dirty"), Commit: c.String("commit"), Policy: c.String("policy"),
	}
	var missing []string
	if o.Bundle == "" {
		missing = append(missing, "--bundle")
	}
	if o.Tag == "" {
		missing = append(missing, "--tag")
	}
	if len(missing) > 0 {
		return o, cliutil.Usagef("missing %s", strings.Join(missing, " and "))
	}
	if err := release.CheckReleaseName("tag name", o.Tag); err != nil {
		return o, cliutil.Usagef("--tag: %v", err)
	}
	if err := release.CheckShellPath("--bundle", o.Bundle); err != nil {
		return o, cliutil.Usagef("%v", err)
	}
	if o.Commit == "" || strings.HasPrefix(o.Commit, "-") {
		return o, cliutil.Usagef("--commit %q: want a revision", o.Commit)
	}
	if c.IsSet("push") && (o.Push == "" || strings.HasPrefix(o.Push, "-")) {
		return o, cliutil.Usagef("--push %q: want a remote name or URL", o.Push)
	}
	if o.Out == "" {
		o.Out = filepath.Clean(o.Bundle) + ".canary"
	}
	if release.Within(o.Out, o.Bundle) {
		return o, cliutil.Usagef("--out %s is inside the bundle %s: the bundle must stay as verified", o.Out, o.Bundle)
	}
	return o, nil
}
