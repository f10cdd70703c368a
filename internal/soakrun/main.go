// Package soakrun is the soak-run stage. It is being rebuilt; until then it
// only answers --help and --version.
package soakrun

import (
	"context"

	"github.com/soakline/soakline/internal/cliutil"
)

// Main runs soak-run with the process's arguments and returns the exit code.
func Main() int { return cliutil.Main("soak-run", Run) }

// Run runs soak-run in-process.
func Run(ctx context.Context, args []string, stdio cliutil.Stdio) error {
	app := cliutil.NewApp("soak-run", "", "", "", stdio)
	return cliutil.Run(ctx, app, args)
}
