// Command release-tag is one stage of soakline; see its --help and
// internal/tag for the manual.
package main

import (
	"os"

	"github.com/soakline/soakline/internal/tag"
)

func main() { os.Exit(tag.Main()) }
