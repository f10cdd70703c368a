// Command release-tag is one stage of soakline; see its --help and
// internal/cli/releasetag for the manual.
package main

import (
	"os"

	"github.com/soakline/soakline/internal/cli/releasetag"
)

func main() { os.Exit(releasetag.Main()) }
