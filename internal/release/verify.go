package release

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/soakline/soakline/pkg/artifact"
)

// MaxBundleFileBytes bounds one file read from a bundle or an archive.
const MaxBundleFileBytes = 256 << 20

// Contents is a bundle read into memory: its regular files by
// slash-separated name, and the entries that are not regular files.
type Contents struct {
	Files map[string][]byte
	// Irregular lists names that are symbolic links, devices and the like;
	// a bundle holds regular files only.
	Irregular []string
}

// ReadDir reads the bundle directory dir, including files in
// subdirectories (which a bundle never has: they are reported as extra).
func ReadDir(dir string) (*Contents, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s: not a directory", dir)
	}
	c := &Contents{Files: map[string][]byte{}}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			return nil
		case d.Type().IsRegular():
			info, err := d.Info()
			if err != nil {
				return err
			}
			if info.Size() > MaxBundleFileBytes {
				return fmt.Errorf("%s: larger than %d bytes", p, MaxBundleFileBytes)
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			c.Files[name] = data
		default:
			c.Irregular = append(c.Irregular, name)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(c.Irregular)
	return c, nil
}

// Problem is one reason a bundle does not verify.
type Problem struct {
	File string // bundle file name
	What string // missing, changed, extra, invalid
	Why  string // detail
}

func (p Problem) String() string {
	if p.Why == "" {
		return p.File + ": " + p.What
	}
	return p.File + ": " + p.What + " (" + p.Why + ")"
}

// Problem kinds.
const (
	Missing = "missing"
	Changed = "changed"
	Extra   = "extra"
	Invalid = "invalid"
)

// Verification is the result of Verify.
type Verification struct {
	Problems []Problem
	// Manifest is the decoded MANIFEST.json, nil when it is unreadable.
	Manifest *artifact.Manifest
	// SumsSHA256 is the digest of SHA256SUMS as found ("" when missing).
	SumsSHA256 string
	Files      int // files listed in SHA256SUMS
}

// OK reports whether the bundle is complete and untouched.
func (v *Verification) OK() bool { return len(v.Problems) == 0 }

// Summary joins the problems for a one-line message.
func (v *Verification) Summary() string {
	parts := make([]string, len(v.Problems))
	for i, p := range v.Problems {
		parts[i] = p.File + " " + p.What
	}
	return strings.Join(parts, ", ")
}

// Verify checks that c is a complete, untouched bundle: SHA256SUMS lists
// the eight bundle files and MANIFEST.json, every listed file is present
// with its digest, nothing else is present, and the manifest agrees with
// the files. Every problem is reported, not only the first.
func Verify(c *Contents) *Verification {
	v := &Verification{}
	add := func(file, what, why string) { v.Problems = append(v.Problems, Problem{file, what, why}) }
	for _, n := range c.Irregular {
		add(n, Extra, "not a regular file")
	}
	required := append(append([]string{}, artifact.BundleFiles...), artifact.ManifestFileName)
	listed := map[string]bool{}
	sums, ok := c.Files[artifact.SumsFileName]
	if !ok {
		add(artifact.SumsFileName, Missing, "")
	} else {
		v.SumsSHA256 = SHA256(sums)
		entries, errs := ParseSums(sums)
		for _, err := range errs {
			add(artifact.SumsFileName, Invalid, err.Error())
		}
		for _, e := range entries {
			listed[e.Name] = true
			data, ok := c.Files[e.Name]
			switch {
			case !ok:
				add(e.Name, Missing, "listed in SHA256SUMS")
			case SHA256(data) != e.SHA256:
				add(e.Name, Changed, "sha256 "+short(SHA256(data))+", SHA256SUMS says "+short(e.SHA256))
			}
		}
		v.Files = len(entries)
		for _, n := range required {
			if !listed[n] {
				if _, present := c.Files[n]; present {
					add(n, Invalid, "not listed in SHA256SUMS")
				} else {
					add(n, Missing, "")
				}
				listed[n] = true // reported once
			}
		}
	}
	if !ok {
		for _, n := range required {
			if _, present := c.Files[n]; !present {
				add(n, Missing, "")
			}
			listed[n] = true
		}
	}
	for n := range c.Files {
		if n != artifact.SumsFileName && !listed[n] {
			add(n, Extra, "not listed in SHA256SUMS")
		}
	}
	if data, ok := c.Files[artifact.ManifestFileName]; ok {
		m, err := artifact.DecodeManifest(artifact.ManifestFileName, data)
		if err != nil {
			var ae *artifact.Error
			msg := err.Error()
			if errors.As(err, &ae) {
				msg = ae.Err.Error()
				if ae.Line > 0 {
					msg = fmt.Sprintf("line %d: %s", ae.Line, msg)
				}
			}
			add(artifact.ManifestFileName, Invalid, msg)
		} else {
			v.Manifest = m
			checkManifest(c, m, add)
		}
	}
	sort.SliceStable(v.Problems, func(i, j int) bool {
		if v.Problems[i].File != v.Problems[j].File {
			return v.Problems[i].File < v.Problems[j].File
		}
		return v.Problems[i].What < v.Problems[j].What
	})
	v.Problems = dedupe(v.Problems)
	return v
}

// checkManifest compares the manifest's file list with the files.
func checkManifest(c *Contents, m *artifact.Manifest, add func(file, what, why string)) {
	inManifest := map[string]bool{}
	for _, f := range m.Files {
		inManifest[f.Path] = true
		data, ok := c.Files[f.Path]
		if !ok {
			add(f.Path, Missing, "listed in MANIFEST.json")
			continue
		}
		if int64(len(data)) != f.Size || SHA256(data) != f.SHA256 {
			add(f.Path, Changed, "differs from MANIFEST.json")
		}
	}
	for _, n := range artifact.BundleFiles {
		if !inManifest[n] {
			add(artifact.ManifestFileName, Invalid, n+" is not listed")
		}
	}
}

func dedupe(ps []Problem) []Problem {
	out := ps[:0]
	for i, p := range ps {
		if i > 0 && p.File == ps[i-1].File && p.What == ps[i-1].What {
			continue
		}
		out = append(out, p)
	}
	return out
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
