// Package reports is the soak-reports stage. It is being rebuilt; until then it
// only answers --help and --version.
package reports

import (
	"context"

	"github.com/soakline/soakline/internal/cliutil"
)

// Main runs soak-reports with the process's arguments and returns the exit code.
func Main() int { return cliutil.Main("soak-reports", Run) }

// Run runs soak-reports in-process.
func Run(ctx context.Context, args []string, stdio cliutil.Stdio) error {
	app := cliutil.NewApp("soak-reports", "", "", "", stdio)
	return cliutil.Run(ctx, app, args)
}
