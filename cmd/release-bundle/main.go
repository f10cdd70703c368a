// Command release-bundle is one stage of soakline; see its --help and
// internal/cli/releasebundle for the manual.
package main

import (
	"os"

	"github.com/soakline/soakline/internal/cli/releasebundle"
)

func main() { os.Exit(releasebundle.Main()) }
