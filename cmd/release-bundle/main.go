// Command release-bundle is one stage of soakline; see its --help and
// internal/bundle for the manual.
package main

import (
	"os"

	"github.com/soakline/soakline/internal/bundle"
)

func main() { os.Exit(bundle.Main()) }
