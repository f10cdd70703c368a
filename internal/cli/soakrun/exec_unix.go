//go:build unix

package soakrun

import (
	"os/exec"
	"syscall"
)

// setupProcess starts the command in a process group of its own, so that a
// timeout or an interrupt reaches everything it started.
func setupProcess(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setParentDeathSignal(cmd.SysProcAttr)
}

// terminate asks the command's process group to stop: SIGTERM.
func terminate(cmd *exec.Cmd) { syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }

// kill stops the command's process group: SIGKILL.
func kill(cmd *exec.Cmd) { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }

// killProcessGroup kills what is left of the command's process group after
// the command itself has ended.
func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
