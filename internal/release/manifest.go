package release

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// The bundle's manifest is release-bundle's and release-tag's, which both
// read and write bundles through this package; it is not part of the
// schema the soak stages share (pkg/artifact).

// The files of a release bundle. BundleFiles are the eight content files,
// in the order the seed lists them; the bundle also holds ManifestFileName
// and SumsFileName, which describe them.
const (
	AuditFile           = "POST_SOAK_AUDIT.md"
	RecommendationsFile = "RECOMMENDATIONS.md"
	FailuresFile        = "FAILURES.md"
	ProfileFile         = "soak_profile.runtime_overrides.json"
	ChangelogFile       = "CHANGELOG.md"
	RollbackPlanFile    = "rollback_plan.md"
	ManifestFileName    = "MANIFEST.json"
	SumsFileName        = "SHA256SUMS"
)

// BundleFiles lists the eight content files of a release bundle.
var BundleFiles = []string{
	artifact.SnapshotFile, AuditFile, RecommendationsFile, FailuresFile,
	artifact.DeltaVerifyFile, ProfileFile, ChangelogFile, RollbackPlanFile,
}

// Manifest is MANIFEST.json, the description of a release bundle: what it
// holds (each file's size and SHA-256), where it came from (the soak's run
// record and digest, the inputs), how the soak was judged, and which tool
// and commit built it. SHA256SUMS lists the manifest too, so the digest of
// SHA256SUMS pins the whole bundle.
type Manifest struct {
	SchemaVersion int           `json:"schema_version"`
	Kind          artifact.Kind `json:"kind"`
	Version       string        `json:"version"`
	CreatedAt     string        `json:"created_at,omitempty"` // from SOURCE_DATE_EPOCH, --now or the commit time
	ToolVersion   string        `json:"tool_version"`
	Git           *GitInfo      `json:"git,omitempty"` // nil when not built inside a git repository

	Verdict BundleVerdict `json:"verdict"`
	Source  BundleSource  `json:"source"`
	// Inputs says where each copied file was read from.
	Inputs []BundleInput `json:"inputs"`
	// Redacted lists the override keys removed from the profile because
	// they look like credentials.
	Redacted []string        `json:"redacted,omitempty"`
	Previous *PreviousBundle `json:"previous,omitempty"`
	Files    []BundleFile    `json:"files"`
}

// GitInfo is the commit a bundle was built at.
type GitInfo struct {
	Commit      string `json:"commit"`
	Dirty       bool   `json:"dirty"`                  // tracked files had uncommitted changes
	Describe    string `json:"describe,omitempty"`     // git describe --tags --always
	PreviousTag string `json:"previous_tag,omitempty"` // the tag the changelog's commits start from
}

// BundleVerdict is the verdict a bundle carries, from its snapshot.
type BundleVerdict struct {
	Verdict     string `json:"verdict"`
	Reason      string `json:"reason,omitempty"`
	FreezeReady bool   `json:"freeze_ready"`
	// Forced is true when the bundle was built with --allow-fail from a
	// verdict that is neither PASS nor WARN.
	Forced       bool            `json:"forced"`
	WindowFirst  int             `json:"window_first,omitempty"`
	WindowLast   int             `json:"window_last,omitempty"`
	Policy       artifact.Policy `json:"policy"`
	LegacyFormat bool            `json:"legacy_format,omitempty"` // the snapshot was written by the Python toolkit
	// Rejudged is set when the soak's reports held a snapshot without
	// provenance (the Python toolkit's, or one recording no soak digest):
	// release-bundle never trusts one, judged the soak itself and bundled
	// its own verdict. It describes the snapshot it found.
	Rejudged *RejudgedSnapshot `json:"rejudged,omitempty"`
}

// RejudgedSnapshot describes a snapshot release-bundle did not trust.
type RejudgedSnapshot struct {
	From    string `json:"from"`    // path read
	SHA256  string `json:"sha256"`  // of its bytes
	Verdict string `json:"verdict"` // what it said
	// WindowFirst and WindowLast are the window it claimed to judge.
	WindowFirst int `json:"window_first,omitempty"`
	WindowLast  int `json:"window_last,omitempty"`
	// Differs is true when its verdict or window is not the bundled one's.
	Differs bool `json:"differs"`
}

// BundleSource describes the soak a bundle was built from.
type BundleSource struct {
	Path       string `json:"path"`
	Iterations int    `json:"iterations"`
	Digest     string `json:"digest,omitempty"` // sha256 over the iteration files, as soak-gate computes it
	// LedgerDigest and OverridesDigest are the sha256 of the soak's
	// TUNING_REPORT.json and of the runtime_overrides.json read ("" when
	// there is none), as the verdict records them.
	LedgerDigest    string              `json:"ledger_digest,omitempty"`
	OverridesDigest string              `json:"overrides_digest,omitempty"`
	Legacy          bool                `json:"legacy,omitempty"`
	Run             *artifact.RunRecord `json:"run,omitempty"` // nil when the soak has no RUN.json (legacy)
}

// BundleInput is one input file and where it was found.
type BundleInput struct {
	File   string `json:"file"`   // bundle file name
	From   string `json:"from"`   // path read
	SHA256 string `json:"sha256"` // of the bytes read
}

// PreviousBundle names the bundle a rollback returns to.
type PreviousBundle struct {
	Path          string `json:"path"`
	Version       string `json:"version,omitempty"`
	SumsSHA256    string `json:"sums_sha256"` // "" when it has no SHA256SUMS
	ProfileSHA256 string `json:"profile_sha256"`
	// Verified is true when the bundle verified (release-bundle verify)
	// as it was read. When it did not, it was read as a legacy bundle:
	// Legacy says which kind ("soakline": an earlier soakline version's,
	// its SHA256SUMS holding; "python-toolkit": no SHA256SUMS or
	// MANIFEST.json) and Unverified lists what could not be verified.
	Verified   bool     `json:"verified"`
	Legacy     string   `json:"legacy,omitempty"`
	Unverified []string `json:"unverified,omitempty"`
}

// BundleFile is one file of a bundle.
type BundleFile struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// DecodeManifest decodes MANIFEST.json strictly and checks that every file
// name stays inside the bundle.
func DecodeManifest(file string, data []byte) (*Manifest, error) {
	var m Manifest
	if err := artifact.Decode(file, data, artifact.KindBundle, &m); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, f := range m.Files {
		if err := CheckBundleName(f.Path); err != nil {
			return nil, &fileerr.Error{File: file, Line: fileerr.KeyLine(data, "files"), Err: err}
		}
		if seen[f.Path] {
			return nil, &fileerr.Error{File: file, Line: fileerr.KeyLine(data, "files"), Err: fmt.Errorf("%s is listed twice", f.Path)}
		}
		seen[f.Path] = true
	}
	return &m, nil
}

// CheckBundleName reports whether name may name a file of a bundle: a
// plain relative slash-separated name that cannot leave the bundle
// directory (no "..", no absolute path, no backslash, no drive letter, no
// control characters).
func CheckBundleName(name string) error {
	switch {
	case name == "":
		return errors.New("empty file name")
	case !utf8.ValidString(name):
		return fmt.Errorf("file name %q is not UTF-8", name)
	case strings.ContainsAny(name, "\\:"):
		return fmt.Errorf("file name %q: backslashes and colons are not allowed", name)
	case strings.HasPrefix(name, "/"):
		return fmt.Errorf("file name %q is absolute", name)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("file name %q contains a control character", name)
		}
	}
	if path.Clean(name) != name {
		return fmt.Errorf("file name %q is not clean", name)
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." || part == "." {
			return fmt.Errorf("file name %q leaves the bundle directory", name)
		}
	}
	return nil
}
