//go:build !unix

package soakrun

import "os/exec"

// setupProcess keeps the default: the command itself is killed on a timeout
// or an interrupt (Windows has no process groups to signal).
func setupProcess(*exec.Cmd, func() bool) {}

func killProcessGroup(*exec.Cmd) {}
