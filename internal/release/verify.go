package release

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// Contents is a bundle read into memory: its regular files by name, and
// the entries that were not read.
type Contents struct {
	Files map[string][]byte
	// Irregular lists bundle file names that are symbolic links, devices,
	// FIFOs, directories and the like; a bundle holds regular files only.
	Irregular []string
	// Extra lists the names that are not bundle files (or a directory's
	// name with a trailing slash); they are never read.
	Extra []string
}

// MaxDirEntries bounds the entries of a directory read as a bundle.
const MaxDirEntries = 10000

// bundleNames are the ten names a bundle may hold.
func bundleNames() map[string]bool {
	m := map[string]bool{ManifestFileName: true, SumsFileName: true}
	for _, n := range BundleFiles {
		m[n] = true
	}
	return m
}

// ReadDir reads the bundle directory dir: the ten bundle file names only,
// each a regular file (os.Lstat: a symbolic link, FIFO or device is listed
// as irregular and not opened) of at most MaxBundleFileBytes, and together
// at most MaxBundleBytes. Other entries are listed as extra by name and
// never read; a directory of more than MaxDirEntries entries is an error.
func ReadDir(dir string) (*Contents, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s: not a directory", dir)
	}
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	entries, err := f.ReadDir(MaxDirEntries + 1)
	f.Close()
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if len(entries) > MaxDirEntries {
		return nil, fmt.Errorf("%s: more than %d entries: not a bundle", dir, MaxDirEntries)
	}
	allowed := bundleNames()
	c := &Contents{Files: map[string][]byte{}}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	// First the names and types, and the sizes against the caps, so that
	// nothing is read from a bundle that is too large.
	var regular []string
	var total int64
	for _, e := range entries {
		name := e.Name()
		if !allowed[name] {
			if e.IsDir() {
				name += "/"
			}
			c.Extra = append(c.Extra, name)
			continue
		}
		info, err := os.Lstat(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		if !info.Mode().IsRegular() {
			c.Irregular = append(c.Irregular, name)
			continue
		}
		if info.Size() > MaxBundleFileBytes {
			return nil, &fileerr.Error{File: filepath.Join(dir, name), Err: fmt.Errorf("%w: %d bytes, more than the %d allowed", ErrTooLarge, info.Size(), MaxBundleFileBytes)}
		}
		if total += info.Size(); total > MaxBundleBytes {
			return nil, fmt.Errorf("%s: %w: the bundle's files come to more than %d bytes", dir, ErrTooLarge, MaxBundleBytes)
		}
		regular = append(regular, name)
	}
	total = 0
	for _, name := range regular {
		p := filepath.Join(dir, name)
		data, err := ReadRegular(p, MaxBundleFileBytes, false)
		if err != nil {
			return nil, err
		}
		total += int64(len(data))
		if total > MaxBundleBytes {
			return nil, fmt.Errorf("%s: %w: the bundle's files come to more than %d bytes", dir, ErrTooLarge, MaxBundleBytes)
		}
		c.Files[name] = data
	}
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
	// Mismatch: the file is not derived from the bundle's verdict of the
	// bundle's soak (see CheckChain).
	Mismatch = "mismatch"
)

// Verification is the result of Verify.
type Verification struct {
	Problems []Problem
	// Manifest is the decoded MANIFEST.json, nil when it is unreadable.
	Manifest *Manifest
	// SumsSHA256 is the digest of SHA256SUMS as found ("" when missing).
	SumsSHA256 string
	Files      int // files listed in SHA256SUMS
}

// OK reports whether the bundle is complete and untouched.
func (v *Verification) OK() bool { return len(v.Problems) == 0 }

// unread adds a problem for each name of c that was not read: not a
// regular file, or not a bundle file.
func (c *Contents) unread(add func(file, what, why string)) {
	for _, n := range c.Irregular {
		add(n, Extra, "not a regular file")
	}
	for _, n := range c.Extra {
		add(n, Extra, "not a bundle file; not read")
	}
}

// checkListed adds a problem when the file SHA256SUMS lists in e is
// missing or holds other bytes.
func (c *Contents) checkListed(e SumEntry, add func(file, what, why string)) {
	data, ok := c.Files[e.Name]
	if !ok {
		add(e.Name, Missing, "listed in SHA256SUMS")
		return
	}
	if sum := artifact.Hash(data); sum != e.SHA256 {
		add(e.Name, Changed, "sha256 "+short(sum)+", SHA256SUMS says "+short(e.SHA256))
	}
}

// Summary joins the problems for a one-line message.
func (v *Verification) Summary() string {
	parts := make([]string, len(v.Problems))
	for i, p := range v.Problems {
		parts[i] = p.File + " " + p.What
	}
	return strings.Join(parts, ", ")
}

// Verify checks that c is a complete, untouched bundle whose evidence is
// one sealed chain. Every problem is reported, not only the first:
//
//   - the directory (or archive), SHA256SUMS and MANIFEST.json agree file
//     for file: SHA256SUMS lists exactly the eight bundle files and
//     MANIFEST.json, the manifest exactly the eight, each with the digest
//     (and size) of the file present, and nothing else is present;
//   - the verdict is stated once: the manifest's verdict is the
//     snapshot's, and a verdict other than PASS or WARN is "forced" in the
//     manifest, whose "forced" is what the first lines of CHANGELOG.md and
//     rollback_plan.md say ("NOT A VALIDATED RELEASE");
//   - the chain (CheckChain): the snapshot records the soak digests the
//     manifest records, the delta report is the snapshot's, every report's
//     provenance line names that soak and the snapshot's sha256, and the
//     profile was made from the overrides the snapshot records.
func Verify(c *Contents) *Verification {
	v := &Verification{}
	add := func(file, what, why string) { v.Problems = append(v.Problems, Problem{file, what, why}) }
	c.unread(add)
	allowed := bundleNames()
	required := append(append([]string{}, BundleFiles...), ManifestFileName)
	listed := map[string]bool{}
	sums, ok := c.Files[SumsFileName]
	if !ok {
		add(SumsFileName, Missing, "")
	} else {
		v.SumsSHA256 = artifact.Hash(sums)
		entries, errs := ParseSums(sums)
		for _, err := range errs {
			add(SumsFileName, Invalid, err.Error())
		}
		for _, e := range entries {
			if !allowed[e.Name] || e.Name == SumsFileName {
				add(SumsFileName, Invalid, "lists "+e.Name+", which is not a bundle file")
				if _, present := c.Files[e.Name]; present {
					add(e.Name, Extra, "not a bundle file")
				}
				continue
			}
			listed[e.Name] = true
			c.checkListed(e, add)
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
		if n != SumsFileName && !listed[n] {
			add(n, Extra, "not listed in SHA256SUMS")
		}
	}
	if data, ok := c.Files[ManifestFileName]; ok {
		m, err := DecodeManifest(ManifestFileName, data)
		if err != nil {
			add(ManifestFileName, Invalid, errText(err))
		} else {
			v.Manifest = m
			checkManifest(c, m, add)
			checkSealed(c, m, add)
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

// checkManifest compares the manifest's file list with the files: it
// lists exactly the eight bundle files, each as present.
func checkManifest(c *Contents, m *Manifest, add func(file, what, why string)) {
	inManifest := map[string]bool{}
	content := map[string]bool{}
	for _, n := range BundleFiles {
		content[n] = true
	}
	for _, f := range m.Files {
		if !content[f.Path] {
			add(ManifestFileName, Invalid, "lists "+f.Path+", which is not a bundle file")
			continue
		}
		inManifest[f.Path] = true
		data, ok := c.Files[f.Path]
		if !ok {
			add(f.Path, Missing, "listed in MANIFEST.json")
			continue
		}
		if int64(len(data)) != f.Size || artifact.Hash(data) != f.SHA256 {
			add(f.Path, Changed, "differs from MANIFEST.json")
		}
	}
	for _, n := range BundleFiles {
		if !inManifest[n] {
			add(ManifestFileName, Invalid, n+" is not listed")
		}
	}
}

// ForcedBanner is how CHANGELOG.md and rollback_plan.md of a bundle built
// with --allow-fail begin.
const ForcedBanner = "> **NOT A VALIDATED RELEASE.**"

// checkSealed checks that the bundle states one verdict and that its
// evidence is one chain (see Verify).
func checkSealed(c *Contents, m *Manifest, add func(file, what, why string)) {
	data, ok := c.Files[artifact.SnapshotFile]
	if !ok {
		return
	}
	snap, err := DecodeSnapshot(artifact.SnapshotFile, data)
	if err != nil {
		add(artifact.SnapshotFile, Invalid, errText(err))
		return
	}
	if snap.Legacy {
		add(artifact.SnapshotFile, Mismatch, "a snapshot without provenance (the Python toolkit's): release-bundle bundles only a verdict it can tie to the soak")
		return
	}
	v := &snap.Verdict
	// 1. One verdict, and a forced one stays forced.
	if m.Verdict.Verdict != v.Verdict {
		add(ManifestFileName, Mismatch, fmt.Sprintf("verdict %s, the snapshot's is %s", m.Verdict.Verdict, v.Verdict))
	}
	if m.Verdict.FreezeReady != v.FreezeReady || m.Verdict.WindowFirst != v.Window.First || m.Verdict.WindowLast != v.Window.Last {
		add(ManifestFileName, Mismatch, fmt.Sprintf("freeze_ready %v over iterations %d-%d, the snapshot's %v over %d-%d",
			m.Verdict.FreezeReady, m.Verdict.WindowFirst, m.Verdict.WindowLast, v.FreezeReady, v.Window.First, v.Window.Last))
	}
	if m.Verdict.Policy.Digest != v.Policy.Digest {
		add(ManifestFileName, Mismatch, fmt.Sprintf("policy digest %s, the snapshot's is %s", orNone(m.Verdict.Policy.Digest), orNone(v.Policy.Digest)))
	}
	if !Passing(v.Verdict) && !m.Verdict.Forced {
		add(ManifestFileName, Mismatch, fmt.Sprintf("\"forced\": false, but the snapshot's verdict is %s: only a bundle built with --allow-fail holds one", v.Verdict))
	}
	for _, doc := range []string{ChangelogFile, RollbackPlanFile} {
		text, ok := c.Files[doc]
		if !ok {
			continue
		}
		banner := bytes.HasPrefix(text, []byte(ForcedBanner))
		switch {
		case m.Verdict.Forced && !banner:
			add(doc, Mismatch, "the manifest says the bundle was forced (--allow-fail), but the first line does not say \"NOT A VALIDATED RELEASE\"")
		case !m.Verdict.Forced && banner:
			add(doc, Mismatch, "the first line says \"NOT A VALIDATED RELEASE\", but the manifest says the bundle was not forced")
		}
	}
	// 1b. The documents are of the manifest's version: a version edited
	// in the manifest (release-tag tags and checks by it) or in a document
	// does not verify.
	for doc, title := range map[string]string{ChangelogFile: "Changelog", RollbackPlanFile: "Rollback plan"} {
		if text, ok := c.Files[doc]; ok {
			if why := headingMismatch(text, title, m.Version); why != "" {
				add(doc, Mismatch, why)
			}
		}
	}
	// 2. The verdict is about the soak the manifest names.
	if v.Source.Digest != m.Source.Digest {
		add(artifact.SnapshotFile, Mismatch, fmt.Sprintf("judged soak digest %s, the manifest's source is %s", orNone(v.Source.Digest), orNone(m.Source.Digest)))
	}
	// 3. The chain, against the manifest's facts.
	delta, ok := c.Files[artifact.DeltaVerifyFile]
	if ok && delta == nil {
		delta = []byte{} // present and empty: checked, not skipped
	}
	e := Evidence{Snapshot: data, Verdict: v, DeltaReport: delta, Reports: c.Files, ReportsNamed: ReportFiles}
	f := Facts{SoakDigest: m.Source.Digest, LedgerDigest: m.Source.LedgerDigest, OverridesDigest: m.Source.OverridesDigest}
	for _, p := range CheckChain(e, f) {
		add(p.File, p.What, p.Why)
	}
	// 4. The profile was made from those overrides.
	profileInputs := 0
	for _, in := range m.Inputs {
		if in.File != ProfileFile {
			continue
		}
		profileInputs++
		if in.SHA256 != v.Source.OverridesDigest {
			add(ProfileFile, Mismatch, fmt.Sprintf("made from overrides with sha256 %s, the verdict records %s", orNone(in.SHA256), orNone(v.Source.OverridesDigest)))
		}
	}
	if profileInputs != 1 {
		add(ManifestFileName, Mismatch, fmt.Sprintf("lists %d inputs of %s, want the one overrides file it was made from", profileInputs, ProfileFile))
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

// headingMismatch says how the document's first heading differs from the
// one release-bundle writes for version ("# <title>: <version>"), "" when
// it is that heading.
func headingMismatch(text []byte, title, version string) string {
	var want md
	want.line("# %s: %s", title, version)
	wantLine := strings.TrimSuffix(want.String(), "\n")
	for _, line := range strings.Split(string(text), "\n") {
		if strings.HasPrefix(line, "# ") {
			if line == wantLine {
				return ""
			}
			return fmt.Sprintf("its heading is %q, but the manifest's version is %q", shortText(line, 100), version)
		}
	}
	return fmt.Sprintf("it has no %q heading naming the manifest's version", wantLine)
}
