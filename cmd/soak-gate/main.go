// Command soak-gate is one stage of soakline; see its --help and
// internal/gate for the manual.
package main

import (
	"os"

	"github.com/soakline/soakline/internal/gate"
)

func main() { os.Exit(gate.Main()) }
