package release

import (
	"bufio"
	"bytes"
	"slices"
	"sort"
	"strings"

	"github.com/soakline/soakline/internal/legacy"
	"github.com/soakline/soakline/pkg/artifact"
)

// Previous is the bundle a rollback returns to (release-bundle --previous).
type Previous struct {
	Path          string
	Version       string // "" when not known
	Profile       *artifact.Overrides
	ProfileSHA256 string // of the profile file as it is in the bundle
	SumsSHA256    string // "" when the bundle has no SHA256SUMS
	// RedactedKeys are the credentials removed from the previous profile
	// (its manifest's "redacted").
	RedactedKeys []string
	// Legacy is "" for a bundle that verifies; else how it was read
	// (LegacySoakline, LegacyToolkit).
	Legacy string
	// Unverified lists, one item each, what could not be verified: empty
	// when the bundle verifies.
	Unverified []string
	// CredentialKeys are the profile's keys that look like credentials:
	// left out of the comparison, their values never shown.
	CredentialKeys []string
	// NotCompared are the profile's keys whose values are not numbers.
	NotCompared []string
}

// How a previous bundle that does not verify was read.
const (
	// LegacySoakline: its SHA256SUMS holds file for file, its evidence
	// chain does not verify by this version's rules (a bundle of an
	// earlier soakline version, or one edited and resealed).
	LegacySoakline = "soakline"
	// LegacyToolkit: no SHA256SUMS and no MANIFEST.json, a profile: the
	// Python toolkit's bundle. None of its files can be verified.
	LegacyToolkit = "python-toolkit"
)

// Verified reports whether the previous bundle verified.
func (p *Previous) Verified() bool { return p.Legacy == "" }

// LegacyText says in words how a previous bundle that did not verify was
// read ("" when it verified).
func (p *Previous) LegacyText() string {
	switch p.Legacy {
	case LegacySoakline:
		return "read as a bundle of an earlier soakline version: its SHA256SUMS holds file for file, its evidence chain does not verify"
	case LegacyToolkit:
		return "read as the Python toolkit's bundle: it has no SHA256SUMS and no MANIFEST.json"
	case "":
		return ""
	}
	return "read as a legacy bundle"
}

// PreviousRefusal is a --previous bundle that neither verifies nor can be
// read as a legacy bundle.
type PreviousRefusal struct{ Why string }

func (e *PreviousRefusal) Error() string { return e.Why }

// ReadPrevious reads c, the --previous bundle at path, as the rollback
// target. c comes from ReadDir or ReadArchive: the ten bundle names only,
// regular files, bounded; no path named inside the bundle is ever opened.
// It is, in this order:
//
//   - a bundle that verifies (Verify);
//   - else, when it has a SHA256SUMS, one whose SHA256SUMS holds file for
//     file (it parses, lists only bundle files, each present with that
//     digest, every bundle file present is listed, the profile among them,
//     and nothing else is in the bundle): read leniently
//     (LegacySoakline), each of Verify's problems listed as not verified;
//   - else, with neither SHA256SUMS nor MANIFEST.json, a regular profile:
//     the Python toolkit's bundle (LegacyToolkit), read leniently, its
//     version taken from the "**Version:**" line of its CHANGELOG.md.
//
// Anything else is a *PreviousRefusal. The profile's credentials are left
// out of the comparison (CredentialKeys); a profile that is not valid JSON
// is an input error naming it.
func ReadPrevious(path string, c *Contents) (*Previous, error) {
	ver := Verify(c)
	p := &Previous{Path: path, SumsSHA256: ver.SumsSHA256}
	_, hasSums := c.Files[SumsFileName]
	_, hasManifest := c.Files[ManifestFileName]
	switch {
	case ver.OK():
		p.Version = ver.Manifest.Version
		p.RedactedKeys = ver.Manifest.Redacted
	case hasSums:
		if ps := sumsHold(c); len(ps) > 0 {
			return nil, &PreviousRefusal{Why: summary(ps) + " (its files are not the ones its SHA256SUMS lists: not read as an older bundle either)"}
		}
		p.Legacy = LegacySoakline
		p.Unverified = append(p.Unverified, "the checks of release-bundle verify beyond SHA256SUMS (the manifest and the evidence chain; a bundle of an earlier soakline version, or one edited and resealed), which fail on:")
		for _, pr := range ver.Problems {
			p.Unverified = append(p.Unverified, pr.String())
		}
		if ver.Manifest != nil {
			p.RedactedKeys = ver.Manifest.Redacted
			switch {
			case ver.Manifest.Version == "":
				p.Unverified = append(p.Unverified, "no version: its MANIFEST.json names none")
			case CheckReleaseName("release name", ver.Manifest.Version) == nil:
				p.Version = ver.Manifest.Version
			default:
				p.Unverified = append(p.Unverified, "the version its MANIFEST.json names is not a release name: not used")
			}
		} else {
			p.versionFromChangelog(c)
		}
	case hasManifest:
		return nil, &PreviousRefusal{Why: "SHA256SUMS missing (every soakline bundle has one; not read as the Python toolkit's bundle, which has no MANIFEST.json)"}
	default:
		if slices.Contains(c.Irregular, ProfileFile) {
			return nil, &PreviousRefusal{Why: ProfileFile + " is not a regular file: not read"}
		}
		if _, ok := c.Files[ProfileFile]; !ok {
			return nil, &PreviousRefusal{Why: "no SHA256SUMS, no MANIFEST.json and no " + ProfileFile + ": not a bundle"}
		}
		p.Legacy = LegacyToolkit
		p.Unverified = append(p.Unverified, "no SHA256SUMS and no MANIFEST.json (the Python toolkit's bundle): no file's digest could be checked; its profile is used as it is")
		p.versionFromChangelog(c)
	}
	data := c.Files[ProfileFile]
	p.ProfileSHA256 = artifact.Hash(data)
	name := strings.TrimSuffix(path, "/") + "/" + ProfileFile
	redacted, creds, err := RedactProfile(name, data)
	if err != nil {
		return nil, err
	}
	if p.Profile, err = legacy.Overrides(name, redacted); err != nil {
		return nil, err
	}
	p.CredentialKeys = creds
	p.NotCompared = p.Profile.Ignored
	switch p.Legacy {
	case LegacySoakline:
		p.Unverified = append(p.Unverified, "its profile's sha256 is "+p.ProfileSHA256+", as its SHA256SUMS (sha256 "+p.SumsSHA256+") lists it: checked against nothing but that file")
	case LegacyToolkit:
		p.Unverified = append(p.Unverified, "its profile's sha256 is "+p.ProfileSHA256+" as read now: nothing in the bundle records what it was when the bundle was made")
	}
	return p, nil
}

// versionFromChangelog sets p.Version from the version line of the
// bundle's CHANGELOG.md (ChangelogVersion) and says that it is not checked.
func (p *Previous) versionFromChangelog(c *Contents) {
	data, ok := c.Files[ChangelogFile]
	if !ok {
		p.Unverified = append(p.Unverified, "no version: the bundle has no "+ChangelogFile+" (as a regular file) to name it")
		return
	}
	if p.Version = ChangelogVersion(data); p.Version == "" {
		p.Unverified = append(p.Unverified, "no version: its "+ChangelogFile+" has no version line naming a release")
		return
	}
	note := "version " + p.Version + " as its " + ChangelogFile + " states it, not checked"
	if p.Legacy == LegacyToolkit {
		note += " (the Python toolkit writes v1.0.0-soak-validated into every bundle, whatever the release)"
	}
	p.Unverified = append(p.Unverified, note)
}

// ChangelogVersion returns the release name on the first version line of a
// CHANGELOG.md ("**Version:** V" as the Python toolkit writes it, or
// "- Version: V" as soakline does), "" when there is none or it is not a
// release name.
func ChangelogVersion(data []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 0; sc.Scan() && n < 200; n++ {
		line := strings.TrimSpace(strings.TrimSuffix(sc.Text(), "\r"))
		for _, prefix := range []string{"**Version:**", "- Version:"} {
			if v, ok := strings.CutPrefix(line, prefix); ok {
				v = strings.TrimSpace(v)
				if v == "" || CheckReleaseName("release name", v) != nil {
					return ""
				}
				return v
			}
		}
	}
	return ""
}

// sumsHold lists what keeps c's SHA256SUMS from vouching for its files
// file for file; nil when it holds.
func sumsHold(c *Contents) []Problem {
	var ps []Problem
	add := func(file, what, why string) { ps = append(ps, Problem{file, what, why}) }
	c.unread(add)
	allowed := bundleNames()
	entries, errs := ParseSums(c.Files[SumsFileName])
	for _, err := range errs {
		add(SumsFileName, Invalid, err.Error())
	}
	listed := map[string]bool{}
	for _, e := range entries {
		if !allowed[e.Name] || e.Name == SumsFileName {
			add(SumsFileName, Invalid, "lists "+e.Name+", which is not a bundle file")
			continue
		}
		listed[e.Name] = true
		c.checkListed(e, add)
	}
	for n := range c.Files {
		if n != SumsFileName && !listed[n] {
			add(n, Invalid, "not listed in SHA256SUMS")
		}
	}
	if _, ok := c.Files[ProfileFile]; !ok && !listed[ProfileFile] {
		add(ProfileFile, Missing, "")
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].File < ps[j].File })
	return ps
}

func summary(ps []Problem) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.File + " " + p.What
	}
	return strings.Join(parts, ", ")
}
