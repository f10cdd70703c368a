package bundle

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/release"
	"github.com/soakline/soakline/pkg/artifact"
)

func verifyCommand(stdio cliutil.Stdio) *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "check that a bundle (directory or .tar.gz) is complete and untouched",
		UsageText: "release-bundle verify DIR|ARCHIVE",
		Description: `Checks SHA256SUMS (every name must stay inside the bundle), every listed file's
digest, that the eight bundle files and MANIFEST.json are there, that nothing else is,
and that MANIFEST.json agrees with the files. Exit 0 when the bundle is complete and
untouched; exit 1 naming every missing, changed or extra file.`,
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
	fmt.Fprintf(stdio.Err, "release-bundle: %s: OK, %d files, SHA256SUMS sha256 %s\n", path, v.Files, v.SumsSHA256)
	return nil
}

// readBundle reads a bundle directory or archive.
func readBundle(path string) (*release.Contents, bool, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, false, artifact.PathError(path, err)
	}
	if fi.IsDir() {
		c, err := release.ReadDir(path)
		if err != nil {
			return nil, false, artifact.PathError(path, err)
		}
		return c, false, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, true, artifact.PathError(path, err)
	}
	defer f.Close()
	_, c, err := release.ReadArchive(f)
	if err != nil {
		return nil, true, &artifact.Error{File: path, Err: err}
	}
	return c, true, nil
}
