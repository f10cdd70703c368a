// Package tag is the release-tag stage. It is being rebuilt; until then it
// only answers --help and --version.
package tag

import (
	"context"

	"github.com/soakline/soakline/internal/cliutil"
)

// Main runs release-tag with the process's arguments and returns the exit code.
func Main() int { return cliutil.Main("release-tag", Run) }

// Run runs release-tag in-process.
func Run(ctx context.Context, args []string, stdio cliutil.Stdio) error {
	app := cliutil.NewApp("release-tag", "", "", "", stdio)
	return cliutil.Run(ctx, app, args)
}
