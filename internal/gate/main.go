// Package gate is the soak-gate stage. It is being rebuilt; until then it
// only answers --help and --version.
package gate

import (
	"context"

	"github.com/soakline/soakline/internal/cliutil"
)

// Main runs soak-gate with the process's arguments and returns the exit code.
func Main() int { return cliutil.Main("soak-gate", Run) }

// Run runs soak-gate in-process.
func Run(ctx context.Context, args []string, stdio cliutil.Stdio) error {
	app := cliutil.NewApp("soak-gate", "", "", "", stdio)
	return cliutil.Run(ctx, app, args)
}
