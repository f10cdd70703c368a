// Command soak-reports is one stage of soakline; see its --help and
// internal/reports for the manual.
package main

import (
	"os"

	"github.com/soakline/soakline/internal/reports"
)

func main() { os.Exit(reports.Main()) }
