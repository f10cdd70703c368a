package releasebundle

import (
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/release"
	"github.com/soakline/soakline/pkg/fileerr"
)

func verifyCommand(stdio cliutil.Stdio) *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "check that a bundle (directory or .tar.gz) is complete and untouched",
		UsageText: "release-bundle verify DIR|ARCHIVE",
		Description: `Checks that the directory (or archive), SHA256SUMS and MANIFEST.json agree file for
file: the eight bundle files, MANIFEST.json and SHA256SUMS, each digest as listed, and
nothing else (other names are not read). Then that the evidence is one chain: the
manifest's verdict is the snapshot's; a verdict other than PASS or WARN is "forced" in the
manifest, and "forced" is what the first lines of CHANGELOG.md and rollback_plan.md say;
the snapshot's soak digests are the manifest's; DELTA_VERIFY_REPORT.json is the snapshot's
delta verification (same soak, same policy); every report's provenance line names that
soak and the snapshot's sha256; the profile was made from the overrides the snapshot
records. Exit 0 when all holds; exit 1 naming every missing, changed, extra or mismatched
file; exit 2 when the bundle cannot be read (a file over 64 MiB, 256 MiB in all, an archive
expanding beyond that).`,
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return cliutil.Usagef("verify: want one bundle directory or archive")
			}
			return Verify(c.Args().First(), stdio)
		},
	}
}

// Verify checks the bundle at path (a directory or a .tar.gz archive).
func Verify(path string, stdio cliutil.Stdio) error {
	c, _, err := readBundle(path)
	if err != nil {
		return err
	}
	v := release.Verify(c)
	if !v.OK() {
		for _, p := range v.Problems {
			fmt.Fprintf(stdio.Err, "release-bundle: %s: %s\n", path, p)
		}
		return cliutil.No("%s: bundle does not verify: %s", path, v.Summary())
	}
	// The files of the bundle, SHA256SUMS included: the count
	// release-bundle gives when it writes one.
	fmt.Fprintf(stdio.Err, "release-bundle: %s: OK, %d files, SHA256SUMS sha256 %s\n", path, len(c.Files), v.SumsSHA256)
	return nil
}

// readBundle reads a bundle directory or archive, bounded: a directory's
// ten bundle file names only (release.ReadDir), an archive's expansion
// capped (release.ReadArchive). An archive must be a regular file: a FIFO
// or device is refused by its type before it is opened.
func readBundle(path string) (*release.Contents, bool, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, false, fileerr.PathError(path, err)
	}
	if fi.IsDir() {
		c, err := release.ReadDir(path)
		if err != nil {
			var ae *fileerr.Error
			if errors.As(err, &ae) {
				return nil, false, err
			}
			return nil, false, fileerr.PathError(path, err)
		}
		return c, false, nil
	}
	if !fi.Mode().IsRegular() {
		return nil, true, fileerr.Errorf(path, 0, "neither a directory nor a regular file")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, true, fileerr.PathError(path, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, true, fileerr.Errorf(path, 0, "not a regular file")
	}
	_, c, err := release.ReadArchive(f)
	if err != nil {
		return nil, true, &fileerr.Error{File: path, Err: err}
	}
	return c, true, nil
}
