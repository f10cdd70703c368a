//go:build unix

package soakrun

import (
	"os/exec"
	"syscall"
)

// setupProcess starts the command in a process group of its own, so that a
// timeout or an interrupt reaches everything it started: SIGKILL on a
// timeout, SIGTERM (then SIGKILL after killGrace) on an interrupt.
func setupProcess(cmd *exec.Cmd, interrupted func() bool) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setParentDeathSignal(cmd.SysProcAttr)
	cmd.Cancel = func() error {
		sig := syscall.SIGKILL
		if interrupted() {
			sig = syscall.SIGTERM
		}
		return syscall.Kill(-cmd.Process.Pid, sig)
	}
}

// killProcessGroup kills what is left of the command's process group after
// the command itself has ended.
func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
