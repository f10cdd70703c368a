//go:build !unix

package lock

import "os"

// alive reports whether a process with this PID exists. On Windows
// FindProcess opens the process and fails if there is none.
func alive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}
