// Command soak-run is one stage of soakline; see its --help and
// internal/cli/soakrun for the manual.
package main

import (
	"os"

	"github.com/soakline/soakline/internal/cli/soakrun"
)

func main() { os.Exit(soakrun.Main()) }
