package soakrun

import "syscall"

// setParentDeathSignal has Linux kill the command if soak-run dies (kill -9),
// so that a resumed soak never races an orphan of the killed one.
func setParentDeathSignal(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
