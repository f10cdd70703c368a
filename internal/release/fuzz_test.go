package release

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/soakline/soakline/pkg/artifact"
)

// formatEntries writes entries back in sha256sum's text format.
func formatEntries(entries []SumEntry) []byte {
	var b bytes.Buffer
	for _, e := range entries {
		fmt.Fprintf(&b, "%s  %s\n", e.SHA256, e.Name)
	}
	return b.Bytes()
}

// FuzzSums parses SHA256SUMS: every entry it returns has a lowercase hex
// digest and a name that stays in the bundle, no name twice; written back
// and parsed again it gives the same entries; and a bundle whose
// SHA256SUMS it is verifies only when that lists exactly the bundle's
// files with their digests. Seeds: testdata/fuzz/FuzzSums.
func FuzzSums(f *testing.F) {
	files := sampleFiles()
	f.Add(files[SumsFileName])
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, errs := ParseSums(data)
		seen := map[string]bool{}
		for _, e := range entries {
			if len(e.SHA256) != 64 || strings.ToLower(e.SHA256) != e.SHA256 || !isHex(e.SHA256) {
				t.Fatalf("entry %q: digest %q", e.Name, e.SHA256)
			}
			if err := CheckBundleName(e.Name); err != nil {
				t.Fatalf("entry name %q: %v", e.Name, err)
			}
			if seen[e.Name] {
				t.Fatalf("entry %q returned twice", e.Name)
			}
			seen[e.Name] = true
		}
		again, errs2 := ParseSums(formatEntries(entries))
		if len(errs2) > 0 {
			t.Fatalf("re-parsing the entries: %v", errs2)
		}
		if diff := cmp.Diff(entries, again, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}

		c := contents(files)
		c.Files[SumsFileName] = append([]byte(nil), data...)
		if !Verify(c).OK() {
			return
		}
		if len(errs) > 0 {
			t.Fatalf("verified with SHA256SUMS errors %v", errs)
		}
		if len(entries) != len(files)-1 {
			t.Fatalf("verified with %d entries for %d files", len(entries), len(files)-1)
		}
		for _, e := range entries {
			if d, ok := files[e.Name]; !ok || artifact.Hash(d) != e.SHA256 || e.Name == SumsFileName {
				t.Fatalf("verified with entry %q %s", e.Name, e.SHA256)
			}
		}
	})
}

// FuzzManifest decodes MANIFEST.json: an error means no manifest; a
// decoded one re-encodes to JSON that decodes to the same manifest and
// encodes to the same bytes; and a bundle carrying it verifies only when
// it lists every bundle file with its size and digest. Seeds:
// testdata/fuzz/FuzzManifest.
func FuzzManifest(f *testing.F) {
	files := sampleFiles()
	f.Add(files[ManifestFileName])
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeManifest(ManifestFileName, data)
		c := contents(files)
		c.Files[ManifestFileName] = append([]byte(nil), data...)
		delete(c.Files, SumsFileName)
		c.Files[SumsFileName] = FormatSums(c.Files)
		v := Verify(c)
		if err != nil {
			if m != nil {
				t.Fatalf("error %v and a manifest", err)
			}
			if v.OK() || v.Manifest != nil {
				t.Fatalf("a manifest that does not decode (%v) verified or was returned", err)
			}
			return
		}
		for _, bf := range m.Files {
			if err := CheckBundleName(bf.Path); err != nil {
				t.Fatalf("decoded file name %q: %v", bf.Path, err)
			}
		}
		enc, err := artifact.Marshal(*m)
		if err != nil {
			t.Fatalf("re-encoding a decoded manifest: %v", err)
		}
		m2, err := DecodeManifest(ManifestFileName, enc)
		if err != nil {
			t.Fatalf("decoding the re-encoded manifest: %v\n%s", err, enc)
		}
		if diff := cmp.Diff(m, m2, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
		enc2, err := artifact.Marshal(*m2)
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding is not stable (%v):\n%s\n%s", err, enc, enc2)
		}
		if !v.OK() {
			return
		}
		listed := map[string]bool{}
		for _, bf := range m.Files {
			d, ok := files[bf.Path]
			if !ok || int64(len(d)) != bf.Size || artifact.Hash(d) != bf.SHA256 {
				t.Fatalf("verified with manifest entry %+v", bf)
			}
			listed[bf.Path] = true
		}
		for _, n := range BundleFiles {
			if !listed[n] {
				t.Fatalf("verified without %s in the manifest", n)
			}
		}
	})
}
