// Package bundle is the release-bundle stage. It is being rebuilt; until then it
// only answers --help and --version.
package bundle

import (
	"context"

	"github.com/soakline/soakline/internal/cliutil"
)

// Main runs release-bundle with the process's arguments and returns the exit code.
func Main() int { return cliutil.Main("release-bundle", Run) }

// Run runs release-bundle in-process.
func Run(ctx context.Context, args []string, stdio cliutil.Stdio) error {
	app := cliutil.NewApp("release-bundle", "", "", "", stdio)
	return cliutil.Run(ctx, app, args)
}
