package releasebundle

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/release"
)

// Main runs release-bundle with the process's arguments and returns the
// exit code.
func Main() int { return cliutil.Main("release-bundle", Run) }

// Run runs release-bundle in-process.
func Run(ctx context.Context, args []string, stdio cliutil.Stdio) error {
	app := cliutil.NewApp("release-bundle", "assemble a checksummed release bundle from a soak and its reports", usageText,
		description+"\n\nThis is release-bundle "+cliutil.Version()+"; here --version names the release being bundled.", stdio)
	// --version is the release's name (the Python toolkit's flag set and
	// the issue's); the tool's own version is in --help and the manifest.
	app.HideVersion = true
	app.CustomAppHelpTemplate = cliutil.WithExamples(app.CustomAppHelpTemplate, examplesText)
	app.Flags = []cli.Flag{
		&cli.StringFlag{Name: "src", Usage: "soak `DIR` (ours, or the Python toolkit's layout)"},
		&cli.StringFlag{Name: "reports", Usage: "`DIR` with the reports (default: searched, see 'Where the inputs are looked for' above)"},
		&cli.StringFlag{Name: "out", Usage: "bundle `DIR` to create (an existing one is replaced only when empty or a bundle that verifies)"},
		&cli.StringFlag{Name: "version", Usage: "release name `V`: letters, digits and . _ + - / (default: git describe --tags --always)"},
		&cli.StringFlag{Name: "previous", Usage: "the previous release's `BUNDLE`: the rollback target (an older or Python-toolkit bundle is read as legacy, see above)"},
		&cli.StringFlag{Name: "archive", Usage: "also write a reproducible `FILE.tar.gz` of the bundle"},
		&cli.BoolFlag{Name: "allow-fail", Usage: "bundle a FAIL or INCONCLUSIVE soak, marked as not validated"},
		&cli.StringFlag{Name: "policy", Usage: "policy `FILE`: the one the soak was judged by (for the rollback triggers), or to judge a soak whose snapshot has no provenance"},
		&cli.BoolFlag{Name: "mock", Usage: "the soak was judged with the relaxed mock policy (or: judge with it; also USE_MOCK=1)"},
		&cli.BoolFlag{Name: "strict", Usage: "the soak was judged with --strict (or: judge with it)"},
		&cli.StringFlag{Name: "now", Usage: "release date `TIME` (RFC 3339 or YYYY-MM-DD; default SOURCE_DATE_EPOCH, else the commit time)"},
	}
	app.Action = func(c *cli.Context) error {
		o, err := optionsFrom(c, stdio)
		if err != nil {
			return err
		}
		return Bundle(c.Context, o, stdio)
	}
	app.Commands = []*cli.Command{verifyCommand(stdio)}
	return cliutil.Run(ctx, app, args)
}

const usageText = `release-bundle --src SOAK_DIR --out DIR [--reports DIR] [--version V] [--previous BUNDLE]
               [--archive FILE.tar.gz] [--allow-fail] [--policy FILE | --mock] [--strict] [--now TIME]
release-bundle verify DIR|ARCHIVE`

const description = `Assembles the release bundle of a soak: POST_SOAK_SNAPSHOT.json, POST_SOAK_AUDIT.md,
RECOMMENDATIONS.md, FAILURES.md, DELTA_VERIFY_REPORT.json, soak_profile.runtime_overrides.json,
a CHANGELOG.md and a rollback_plan.md generated from the data, MANIFEST.json (kind bundle) and
SHA256SUMS (check it with 'sha256sum -c SHA256SUMS' inside the bundle).

Where the inputs are looked for:
   reports          --reports DIR, else <src>/reports/analysis, <soak>/reports/analysis, <soak>
                    (<soak> is <src>, <src>/soak/latest or <src>/latest: the Python layouts)
   delta report     the reports directory, <soak>, <src> (soak-gate --out writes it)
   overrides        <soak>/runtime_overrides.json, <soak>/../runtime_overrides.json (where the
                    soak is judged with them); found only in <src>, <src>/soak or <src>/..: refused
When anything is missing, nothing is written, every missing input is listed, exit 1.
A --src or --reports that does not exist or is not a directory is an input error, exit 2.

One verdict, a sealed chain: everything bundled derives from one POST_SOAK_SNAPSHOT.json about
the soak as it is now. The soak's digests (iteration files, TUNING_REPORT.json, the overrides)
are recomputed, and refused with exit 1, one line per file naming what does not match and why:
a snapshot that judged other data; a DELTA_VERIFY_REPORT.json of another soak or policy, or not
the snapshot's delta verification; a report whose provenance line names another soak or
snapshot, or has none; overrides other than the ones judged; --policy/--mock/--strict the
snapshot was not judged with; a snapshot judged by the relaxed mock policy without --mock or
USE_MOCK=1; a verdict its own policy and settings do not give (edited).
--allow-fail does not change that: judge the soak again (soak-gate --out, then soak-reports).

A snapshot without provenance (the Python toolkit's, or one recording no soak digest) is never
trusted: the soak is judged here as soak-gate does (built-in policy; --policy, --mock or
USE_MOCK=1, --strict), and the bundle carries that verdict, its delta report and reports
rendered from it; MANIFEST.json notes the snapshot found (verdict.rejudged).

A FAIL or INCONCLUSIVE verdict is refused (exit 1) unless --allow-fail; such a bundle says so
in the first lines of CHANGELOG.md and rollback_plan.md and is "forced" in the manifest. A
report, the overrides or an iteration file that is not a regular file (a FIFO or device is
refused by type, never opened), a symbolic link out of its directory, or larger than 64 MiB is
an input error (exit 2). Override keys that look like credentials are left out of the bundled
profile and listed in the manifest. The rollback triggers come from the policy the soak was
judged by (--policy FILE to give it; a policy file the snapshot names is read only inside the
soak or reports directory).

--previous BUNDLE, the rollback target, is a bundle that verifies, or one read leniently as
legacy: an earlier soakline version's whose SHA256SUMS holds file for file, or the Python
toolkit's (no SHA256SUMS, no MANIFEST.json; version from its CHANGELOG.md). Its profile and
version give the rollback diff; a warning, the rollback plan, CHANGELOG.md and MANIFEST.json
(previous.unverified) say what could not be verified. A bundle whose files are not the ones its
SHA256SUMS lists, a MANIFEST.json without SHA256SUMS or no profile: refused, exit 1.

An existing --out is replaced only when it is an empty directory or a bundle that verifies;
anything else (a symbolic link, a directory holding other files) is an input error naming it
(exit 2), and nothing in it is touched.

'release-bundle verify DIR|ARCHIVE' exits 0 when the directory, SHA256SUMS and MANIFEST.json
agree file for file and the evidence is one chain (see 'release-bundle verify --help'), 1
naming every missing, changed, extra or mismatched file. Reads are bounded: only the ten
bundle names, 64 MiB per file, 256 MiB per bundle or archive expansion, 64 archive entries.

ENVIRONMENT:
   SOURCE_DATE_EPOCH   the release date and the archive's mtime when --now is not given

Manual: docs/release-bundle.md (https://github.com/soakline/soakline/blob/main/docs/release-bundle.md).`

// examplesText is the EXAMPLES section of --help.
const examplesText = `release-bundle --src artifacts/soak/latest --out release/v1.4.0 --version v1.4.0
release-bundle --src artifacts/soak/latest --out release/v1.4.0 --previous release/v1.3.2 \
    --archive release/v1.4.0.tar.gz
release-bundle verify release/v1.4.0
release-bundle verify release/v1.4.0.tar.gz`

// Options are release-bundle's flags.
type Options struct {
	Src, Reports, Out  string
	Version            string
	Previous, Archive  string
	Policy             string
	Mock, Strict       bool
	AllowFail          bool
	Now                time.Time // zero: not given
	NowSource          string
	SourceDateEpochSet bool
	SourceDateEpoch    time.Time
}

func optionsFrom(c *cli.Context, stdio cliutil.Stdio) (Options, error) {
	if c.NArg() > 0 {
		return Options{}, cliutil.Usagef("unexpected argument %q (the soak directory goes in --src)", c.Args().First())
	}
	o := Options{
		Src: c.String("src"), Reports: c.String("reports"), Out: c.String("out"),
		Version: c.String("version"), Previous: c.String("previous"), Archive: c.String("archive"),
		Policy: c.String("policy"), AllowFail: c.Bool("allow-fail"),
		Mock: c.Bool("mock"), Strict: c.Bool("strict"),
	}
	if o.Mock && o.Policy != "" {
		return o, cliutil.Usagef("--mock and --policy both choose the policy; give one")
	}
	var missing []string
	if o.Src == "" {
		missing = append(missing, "--src")
	}
	if o.Out == "" {
		missing = append(missing, "--out")
	}
	if len(missing) > 0 {
		return o, cliutil.Usagef("missing %s", strings.Join(missing, " and "))
	}
	if c.IsSet("version") && strings.TrimSpace(o.Version) == "" {
		return o, cliutil.Usagef("--version: empty")
	}
	if o.Version != "" {
		if err := release.CheckReleaseName("release name", o.Version); err != nil {
			return o, cliutil.Usagef("--version: %v", err)
		}
	}
	if o.Previous != "" {
		if err := release.CheckShellPath("--previous", o.Previous); err != nil {
			return o, cliutil.Usagef("%v", err)
		}
	}
	if o.Archive != "" {
		if !strings.HasSuffix(o.Archive, ".tar.gz") && !strings.HasSuffix(o.Archive, ".tgz") {
			return o, cliutil.Usagef("--archive %s: want a .tar.gz or .tgz file name", o.Archive)
		}
		if release.Within(o.Archive, o.Out) {
			return o, cliutil.Usagef("--archive %s: must not be inside the bundle --out %s", o.Archive, o.Out)
		}
	}
	if s := c.String("now"); s != "" {
		t, err := parseTime(s)
		if err != nil {
			return o, cliutil.Usagef("--now %q: %v", s, err)
		}
		o.Now = t
	}
	if s, ok := stdio.LookupEnv("SOURCE_DATE_EPOCH"); ok && s != "" {
		sec, err := strconv.ParseInt(s, 10, 64)
		if err != nil || sec < 0 {
			return o, cliutil.Usagef("SOURCE_DATE_EPOCH=%q: want a non-negative number of seconds", s)
		}
		o.SourceDateEpochSet, o.SourceDateEpoch = true, time.Unix(sec, 0).UTC()
	}
	for _, in := range []struct{ flag, path string }{{"--src", o.Src}, {"--reports", o.Reports}, {"--previous", o.Previous}} {
		if in.path != "" && release.Within(in.path, o.Out) {
			return o, cliutil.Usagef("--out %s would overwrite %s %s", o.Out, in.flag, in.path)
		}
	}
	return o, nil
}

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, errBadTime
}

var errBadTime = errors.New("want RFC 3339 (2026-01-02T15:04:05Z) or YYYY-MM-DD")
