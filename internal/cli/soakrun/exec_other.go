//go:build !unix

package soakrun

import "os/exec"

// setupProcess keeps the default (Windows has no process groups to
// signal).
func setupProcess(*exec.Cmd) {}

// terminate: Windows has no SIGTERM to send; the command gets the grace
// period and is then killed.
func terminate(*exec.Cmd) {}

// kill kills the command itself.
func kill(cmd *exec.Cmd) { cmd.Process.Kill() }

func killProcessGroup(*exec.Cmd) {}
