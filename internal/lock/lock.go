// Package lock is a lock file that keeps two processes from writing one
// directory: the file holds the owner's PID, host and start time, so that a
// refused caller can name the running owner, and a lock left behind by a
// process that died (kill -9, a crash, a reboot) is recognised and taken
// over.
//
// The lock is created atomically with its content (written to a temporary
// file, then hard-linked to the lock name, which fails if the name exists),
// so nobody ever reads a half-written lock. A lock is stale when it names
// this host and a PID that no longer runs; a lock from another host is never
// taken over, because its PID cannot be checked from here. A stale lock is
// moved aside under a unique name before it is removed, so two processes
// recovering the same stale lock cannot remove each other's new one.
package lock

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Info is the content of a lock file.
type Info struct {
	PID       int    `json:"pid"`
	Host      string `json:"host"`
	StartedAt string `json:"started_at"` // RFC 3339, wall clock
	Command   string `json:"command,omitempty"`
}

func (i Info) String() string {
	s := fmt.Sprintf("pid %d on host %s", i.PID, i.Host)
	if i.Command != "" {
		s = i.Command + " " + s
	}
	if i.StartedAt != "" {
		s += " since " + i.StartedAt
	}
	return s
}

// HeldError says that another live process holds the lock.
type HeldError struct {
	Path   string
	Holder Info
	// Unreadable is set when the lock file exists but cannot be parsed.
	Unreadable bool
}

func (e *HeldError) Error() string {
	if e.Unreadable {
		return fmt.Sprintf("%s: lock file exists but cannot be read; remove it if no soak-run is using the directory", e.Path)
	}
	return fmt.Sprintf("in use by %s (lock %s; remove it if that process is gone)", e.Holder, e.Path)
}

// Lock is a held lock.
type Lock struct {
	path string
	info Info
	// Recovered describes the stale lock that was taken over, if any.
	Recovered *Info
}

// Path returns the lock file's path.
func (l *Lock) Path() string { return l.path }

// Self returns the Info of the running process: its PID, host name, the
// current wall-clock time and the given command name.
func Self(command string) Info {
	host, _ := os.Hostname()
	return Info{PID: os.Getpid(), Host: host, StartedAt: time.Now().UTC().Format(time.RFC3339), Command: command}
}

// Acquire creates the lock file at path with info as its content. If a live
// process holds it, the error is a *HeldError naming that process. A stale
// lock (same host, dead PID) is taken over and reported in Recovered.
func Acquire(path string, info Info) (*Lock, error) {
	data, err := json.Marshal(info)
	if err != nil {
		return nil, err
	}
	data = append(data, '\n')
	l := &Lock{path: path, info: info}
	for attempt := 0; attempt < 5; attempt++ {
		err := createExclusive(path, data)
		if err == nil {
			removeDeadTemps(path, info.Host)
			return l, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		holder, rerr := read(path)
		if errors.Is(rerr, fs.ErrNotExist) {
			continue // released meanwhile: try again
		}
		if rerr != nil {
			return nil, &HeldError{Path: path, Unreadable: true}
		}
		if holder.Host != info.Host || holder.PID <= 0 || alive(holder.PID) {
			return nil, &HeldError{Path: path, Holder: holder}
		}
		// Stale: move it aside under a name only we use, then check that
		// what we moved is the stale lock we read and not a fresh one
		// created after our read; put a fresh one back.
		aside := path + ".stale." + strconv.Itoa(os.Getpid())
		if err := os.Rename(path, aside); err != nil {
			continue
		}
		moved, merr := read(aside)
		if merr == nil && moved != holder {
			if os.Link(aside, path) != nil {
				// Someone else locked meanwhile; theirs wins.
				os.Remove(aside)
				if h, err := read(path); err == nil {
					return nil, &HeldError{Path: path, Holder: h}
				}
				return nil, &HeldError{Path: path, Holder: moved}
			}
			os.Remove(aside)
			continue
		}
		os.Remove(aside)
		h := holder
		l.Recovered = &h
	}
	return nil, fmt.Errorf("lock %s: could not acquire after repeated attempts", path)
}

// Release removes the lock file if it is still ours.
func (l *Lock) Release() error {
	if l == nil {
		return nil
	}
	cur, err := read(l.path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	if cur != l.info {
		return fmt.Errorf("lock %s: taken over by %s", l.path, cur)
	}
	return os.Remove(l.path)
}

// Read returns the content of the lock file at path.
func Read(path string) (Info, error) { return read(path) }

func read(path string) (Info, error) {
	// A lock file in a directory from elsewhere may be a FIFO, a device or
	// a link: refused by type (an unreadable lock), never opened.
	if fi, err := os.Lstat(path); err != nil {
		return Info{}, err
	} else if !fi.Mode().IsRegular() || fi.Size() > 1<<20 {
		return Info{}, fmt.Errorf("lock %s: not a regular file of at most 1 MiB", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return Info{}, err
	}
	var i Info
	if err := json.Unmarshal(data, &i); err != nil {
		return Info{}, fmt.Errorf("lock %s: %w", path, err)
	}
	return i, nil
}

// removeDeadTemps removes the temporary files of acquirers that died
// between writing and linking them (their content names a dead PID on this
// host); live acquirers' files are left alone.
func removeDeadTemps(path, host string) {
	tmps, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*"))
	for _, t := range tmps {
		if i, err := read(t); err == nil && i.Host == host && i.PID > 0 && !alive(i.PID) {
			os.Remove(t)
		}
	}
}

// createExclusive creates path with data, failing with fs.ErrExist if path
// exists. The content is complete before the name appears.
func createExclusive(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp, path); err != nil {
		var le *os.LinkError
		if errors.As(err, &le) && errors.Is(le.Err, fs.ErrExist) {
			return fs.ErrExist
		}
		if _, serr := os.Lstat(path); serr == nil {
			return fs.ErrExist
		}
		return err
	}
	return nil
}
