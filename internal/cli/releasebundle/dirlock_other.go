//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package releasebundle

// dirLock is a no-op where flock is not available: no directory can be
// shown to be left by a run that is gone, so cleanStale removes none.
type dirLock struct{}

func lockDir(string) *dirLock { return nil }

func tryLockDir(string) (*dirLock, bool) { return nil, false }

func (*dirLock) unlock() {}
