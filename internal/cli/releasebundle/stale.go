package releasebundle

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"time"

	"github.com/soakline/soakline/internal/release"
)

// staleGrace is how much older than the current run a directory must be
// to be taken for a leftover. A live run creates its directory and locks it
// a few system calls later; the grace keeps this run from taking a
// directory in that instant for a dead run's.
const staleGrace = time.Second

// Stale lists what cleanStale did.
type Stale struct {
	Removed  []string // the directories removed
	Restored string   // the .old- directory whose bundle became out again, or ""
}

// cleanStale removes what killed runs of release-bundle left beside out:
// the directories writeDir creates, .<out>.tmp-<n> (a bundle being built)
// and .<out>.old-<n> (the replaced bundle, kept aside between two
// renames). Only names of exactly that form are touched, only directories
// last modified before start (less staleGrace), and only those no live
// run holds locked (see dirLock): another release-bundle writing the same
// --out keeps its own.
//
// A directory is removed only when it holds what writeDir puts there and
// nothing else (ownedLeftover): a .tmp- directory only regular files with
// bundle names, an .old- directory nothing or one "bundle" directory of
// that kind. Anything else found there is left alone with it.
//
// A run killed between its two renames leaves out absent and the previous
// bundle in .<out>.old-<n>/bundle; when that bundle verifies it is put back
// as out (the newest such one), so that the kill loses nothing: out is
// again the bundle it was before the killed run.
func cleanStale(out string, start time.Time) Stale {
	var st Stale
	out = filepath.Clean(out)
	parent, base := filepath.Dir(out), filepath.Base(out)
	entries, err := os.ReadDir(parent)
	if err != nil {
		return st
	}
	pattern := regexp.MustCompile(`^\.` + regexp.QuoteMeta(base) + `\.(tmp|old)-[0-9]+$`)
	type cand struct {
		path  string
		old   bool
		mtime time.Time
	}
	var cands []cand
	for _, e := range entries {
		m := pattern.FindStringSubmatch(e.Name())
		if m == nil || !e.IsDir() {
			continue
		}
		p := filepath.Join(parent, e.Name())
		fi, err := os.Lstat(p)
		if err != nil || !fi.IsDir() || !fi.ModTime().Before(start.Add(-staleGrace)) {
			continue
		}
		cands = append(cands, cand{path: p, old: m[1] == "old", mtime: fi.ModTime()})
	}
	// Newest first: the bundle to restore is the one most recently set
	// aside.
	sort.Slice(cands, func(i, j int) bool { return cands[i].mtime.After(cands[j].mtime) })
	for _, c := range cands {
		if !ownedLeftover(c.path, c.old) {
			continue // something in it was not written by release-bundle
		}
		lk, ok := tryLockDir(c.path)
		if !ok {
			continue // a live run's, or no locks here
		}
		if c.old && st.Restored == "" {
			if _, err := os.Lstat(out); errors.Is(err, fs.ErrNotExist) && verifies(filepath.Join(c.path, "bundle")) {
				if os.Rename(filepath.Join(c.path, "bundle"), out) == nil {
					st.Restored = c.path
				}
			}
		}
		if os.RemoveAll(c.path) == nil {
			st.Removed = append(st.Removed, c.path)
		}
		lk.unlock()
	}
	return st
}

func verifies(dir string) bool {
	if fi, err := os.Lstat(dir); err != nil || !fi.IsDir() {
		return false
	}
	c, _, err := readBundle(dir)
	return err == nil && release.Verify(c).OK()
}

// ownedLeftover reports whether dir holds only what writeDir writes there
// (see cleanStale); nothing is followed or read, only listed (Lstat).
func ownedLeftover(dir string, old bool) bool {
	if old {
		entries, err := os.ReadDir(dir)
		if err != nil || len(entries) > 1 {
			return false
		}
		if len(entries) == 0 {
			return true
		}
		e := entries[0]
		return e.Name() == "bundle" && e.Type().IsDir() && bundleFilesOnly(filepath.Join(dir, "bundle"))
	}
	return bundleFilesOnly(dir)
}

// bundleFilesOnly reports whether dir holds regular files with bundle
// names and nothing else.
func bundleFilesOnly(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !slices.Contains(bundleNames, e.Name()) {
			return false
		}
	}
	return true
}

// bundleNames are the names of a bundle's files.
var bundleNames = append([]string{release.ManifestFileName, release.SumsFileName}, release.BundleFiles...)
