package release

import (
	"bytes"
	"testing"
	"time"

	"github.com/soakline/soakline/pkg/artifact"
)

// FuzzArchive reads arbitrary bytes as a bundle archive: never a panic;
// an error means no contents; what it returns holds only bundle file
// names, each within the per-file cap and all within the bundle cap, and
// every other entry only by name (Extra, Irregular); a real bundle archive
// round-trips and verifies.
func FuzzArchive(f *testing.F) {
	files := sampleFiles()
	a, err := Archive("v1", files, time.Unix(1767225600, 0))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(a)
	f.Add([]byte{0x1f, 0x8b})
	f.Add([]byte("not an archive"))
	allowed := bundleNames()
	f.Fuzz(func(t *testing.T, data []byte) {
		prefix, c, err := ReadArchive(bytes.NewReader(data))
		if err != nil {
			if c != nil || prefix != "" {
				t.Fatalf("error %v with contents", err)
			}
			return
		}
		var total int
		for n, d := range c.Files {
			if !allowed[n] {
				t.Fatalf("read %q, not a bundle file", n)
			}
			if len(d) > MaxBundleFileBytes {
				t.Fatalf("%s: %d bytes", n, len(d))
			}
			total += len(d)
		}
		if total > MaxBundleBytes {
			t.Fatalf("%d bytes in all", total)
		}
		if bytes.Equal(data, a) && !Verify(c).OK() {
			t.Fatalf("the sample archive does not verify: %v", Verify(c).Problems)
		}
	})
}

// FuzzChainSnapshot puts arbitrary bytes where a sealed bundle's snapshot
// is, and reseals the manifest and sums as a forger would: the bundle
// verifies only with the very bytes the reports' provenance lines name.
func FuzzChainSnapshot(f *testing.F) {
	orig := sampleFiles()
	f.Add(orig[artifact.SnapshotFile])
	f.Add(bytes.Replace(orig[artifact.SnapshotFile], []byte(`"PASS"`), []byte(`"FAIL"`), 1))
	f.Add([]byte(`{"verdict": "PASS"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		files := sampleFiles()
		m, err := DecodeManifest(ManifestFileName, files[ManifestFileName])
		if err != nil {
			t.Fatal(err)
		}
		files[artifact.SnapshotFile] = append([]byte(nil), data...)
		reseal(files, m)
		if Verify(contents(files)).OK() && !bytes.Equal(data, orig[artifact.SnapshotFile]) {
			t.Fatalf("a bundle with another snapshot verifies:\n%s", data)
		}
	})
}

// FuzzChainDelta puts arbitrary bytes where a sealed bundle's delta report
// is, resealed: the bundle verifies only when they decode to the
// snapshot's own delta verification.
func FuzzChainDelta(f *testing.F) {
	orig := sampleFiles()
	want := orig[artifact.DeltaVerifyFile]
	f.Add(want)
	f.Add(bytes.Replace(want, []byte(`"proposed_count": 10`), []byte(`"proposed_count": 13`), 1))
	f.Add([]byte(`{"proposed_count": 10}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		files := sampleFiles()
		m, err := DecodeManifest(ManifestFileName, files[ManifestFileName])
		if err != nil {
			t.Fatal(err)
		}
		files[artifact.DeltaVerifyFile] = append([]byte(nil), data...)
		reseal(files, m)
		if !Verify(contents(files)).OK() {
			return
		}
		var d artifact.DeltaVerify
		if err := artifact.Decode(artifact.DeltaVerifyFile, data, artifact.KindDeltaVerify, &d); err != nil {
			t.Fatalf("verified with a delta report that does not decode: %v", err)
		}
		got, _ := artifact.Marshal(&d)
		if !bytes.Equal(got, want) {
			t.Fatalf("verified with another delta report:\n%s", got)
		}
	})
}
