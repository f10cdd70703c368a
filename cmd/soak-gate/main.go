// Command soak-gate is one stage of soakline; see its --help and
// internal/cli/soakgate for the manual.
package main

import (
	"os"

	"github.com/soakline/soakline/internal/cli/soakgate"
)

func main() { os.Exit(soakgate.Main()) }
