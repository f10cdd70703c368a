//go:build unix && !linux

package soakrun

import "syscall"

func setParentDeathSignal(*syscall.SysProcAttr) {}
