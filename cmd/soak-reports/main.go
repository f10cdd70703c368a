// Command soak-reports is one stage of soakline; see its --help and
// internal/cli/soakreports for the manual.
package main

import (
	"os"

	"github.com/soakline/soakline/internal/cli/soakreports"
)

func main() { os.Exit(soakreports.Main()) }
