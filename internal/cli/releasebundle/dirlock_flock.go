//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package releasebundle

import (
	"os"
	"syscall"
)

// dirLock is an advisory lock (flock) a run holds on a directory it owns
// beside --out. The kernel drops it when the process ends, however it ends,
// so a directory nobody holds was left by a run that is gone.
type dirLock struct{ f *os.File }

// lockDir locks dir, which the caller has just created. A failure is not
// an error: the directory is then only unprotected against another run's
// cleanup (see cleanStale).
func lockDir(dir string) *dirLock {
	l, _ := tryLockDir(dir)
	return l
}

// tryLockDir locks dir unless a live process holds it.
func tryLockDir(dir string) (*dirLock, bool) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, false
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, false
	}
	return &dirLock{f: f}, true
}

func (l *dirLock) unlock() {
	if l != nil && l.f != nil {
		l.f.Close() // closing the last descriptor releases the flock
	}
}
