package release

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/pkg/artifact"
)

func writeBundle(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for n, d := range files {
		if err := os.WriteFile(filepath.Join(dir, n), d, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Issue 18 item 7: twelve sparse files of a gigabyte beside a bundle made
// verify read 3 GB. Names that are not bundle files are listed, never
// read; a bundle file over the cap is refused from its size.
func TestReadDirBounds(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "b")
	writeBundle(t, dir, sampleFiles())
	for i := range 12 {
		f, err := os.Create(filepath.Join(dir, "extra"+string(rune('a'+i))+".bin"))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(1 << 30); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Extra) != 13 || !slices.Contains(c.Extra, "sub/") || !slices.Contains(c.Extra, "extraa.bin") {
		t.Errorf("extra %v, want the 12 files and sub/", c.Extra)
	}
	for n := range c.Files {
		if strings.HasPrefix(n, "extra") {
			t.Errorf("%s was read", n)
		}
	}
	v := Verify(c)
	if v.OK() || !hasProblem(v, "extraa.bin") {
		t.Errorf("verify: %v", v.Problems)
	}

	// A bundle file past the per-file cap: refused by its size, unread.
	big := filepath.Join(dir, AuditFile)
	if err := os.Truncate(big, MaxBundleFileBytes+1); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadDir(dir); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a %d-byte report: %v, want too large", MaxBundleFileBytes+1, err)
	}
	// Eight bundle files under the per-file cap, together past the total.
	dir2 := filepath.Join(t.TempDir(), "b2")
	writeBundle(t, dir2, sampleFiles())
	for _, n := range BundleFiles[:5] {
		if err := os.Truncate(filepath.Join(dir2, n), MaxBundleFileBytes); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ReadDir(dir2); !errors.Is(err, ErrTooLarge) {
		t.Errorf("5 files of %d bytes: %v, want too large", MaxBundleFileBytes, err)
	}
}

// Issue 18 item 6: a FIFO where a bundle file should be hung the reader.
// It is listed as irregular and never opened.
func TestReadDirFIFO(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no FIFOs")
	}
	dir := filepath.Join(t.TempDir(), "b")
	files := sampleFiles()
	delete(files, ChangelogFile)
	writeBundle(t, dir, files)
	if err := syscall.Mkfifo(filepath.Join(dir, ChangelogFile), 0o644); err != nil {
		t.Skip("mkfifo:", err)
	}
	c, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Irregular, []string{ChangelogFile}) {
		t.Errorf("irregular %v", c.Irregular)
	}
	// ReadRegular refuses it by type, before opening.
	if _, err := ReadRegular(filepath.Join(dir, ChangelogFile), 1<<20, true); err == nil || !strings.Contains(err.Error(), "a FIFO") {
		t.Errorf("ReadRegular of a FIFO: %v", err)
	}
}

func TestReadRegular(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "f")
	os.WriteFile(f, []byte("12345"), 0o644)
	if d, err := ReadRegular(f, 5, false); err != nil || string(d) != "12345" {
		t.Errorf("5 of 5: %q %v", d, err)
	}
	if _, err := ReadRegular(f, 4, false); !errors.Is(err, ErrTooLarge) {
		t.Errorf("5 of 4: %v", err)
	}
	if _, err := ReadRegular(dir, 4, false); err == nil {
		t.Error("a directory was read")
	}
	if runtime.GOOS != "windows" {
		l := filepath.Join(dir, "l")
		os.Symlink("f", l)
		if _, err := ReadRegular(l, 5, false); err == nil {
			t.Error("a symbolic link was followed without follow")
		}
		if d, err := ReadRegular(l, 5, true); err != nil || string(d) != "12345" {
			t.Errorf("follow: %q %v", d, err)
		}
		if _, err := ReadRegular("/dev/zero", 5, true); err == nil || !strings.Contains(err.Error(), "device") {
			t.Errorf("/dev/zero: %v", err)
		}
	}
}

// tarGz builds an archive of entries under v1/ whose bodies are size zero
// bytes each, written through a writer so the archive stays small.
func tarGz(t *testing.T, files map[string][]byte, zeros map[string]int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: "v1/", Mode: 0o755})
	for n, d := range files {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "v1/" + n, Mode: 0o644, Size: int64(len(d))})
		tw.Write(d)
	}
	zero := make([]byte, 1<<20)
	for n, size := range zeros {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "v1/" + n, Mode: 0o644, Size: size})
		for left := size; left > 0; {
			k := min(left, int64(len(zero)))
			tw.Write(zero[:k])
			left -= k
		}
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// Issue 18 item 7: a 3 MB tar.gz expanded to 4.4 GB. What an archive may
// expand to is capped, skipped entries included; extra names are not read.
func TestReadArchiveBounds(t *testing.T) {
	if testing.Short() {
		t.Skip("decompresses 256 MiB")
	}
	ok := tarGz(t, sampleFiles(), map[string]int64{"notes.bin": 1 << 20})
	_, c, err := ReadArchive(bytes.NewReader(ok))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Extra, []string{"notes.bin"}) || c.Files["notes.bin"] != nil {
		t.Errorf("extra %v; read %d bytes of it", c.Extra, len(c.Files["notes.bin"]))
	}
	bomb := tarGz(t, sampleFiles(), map[string]int64{"a.bin": 60 << 20, "b.bin": 60 << 20, "c.bin": 60 << 20, "d.bin": 60 << 20, "e.bin": 60 << 20})
	if _, _, err := ReadArchive(bytes.NewReader(bomb)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a %d-byte archive expanding to 300 MiB: %v, want too large", len(bomb), err)
	}
	// Many small entries.
	many := map[string][]byte{}
	for i := range MaxArchiveEntries + 1 {
		many["n"+strings.Repeat("x", i)] = nil
	}
	if _, _, err := ReadArchive(bytes.NewReader(tarGz(t, many, nil))); err == nil || !strings.Contains(err.Error(), "entries") {
		t.Errorf("%d entries: %v", MaxArchiveEntries+1, err)
	}
}

// Issue 18 item 6: a snapshot's policy.source of /dev/zero grew
// release-bundle to 5 GB; a FIFO hung release-tag. A soak that brought its
// own lenient policy file, and a snapshot judged by it, was bundled as a
// PASS with that policy's rollback triggers. ResolvePolicy reads no file a
// verdict names, inside the soak or not: every one of them is left
// unopened and the user is asked for --policy; given so, the same file is
// the policy the soak was judged by.
func TestResolvePolicyNamedPaths(t *testing.T) {
	p := policy.Default(false).Clone()
	p.Name = "custom"
	doc := p.CanonicalJSON()
	parsed, err := policy.Parse("custom.json", doc)
	if err != nil {
		t.Fatal(err)
	}
	digest := parsed.Digest()
	root := t.TempDir()
	in := filepath.Join(root, "soak")
	os.Mkdir(in, 0o755)
	inside := filepath.Join(in, "custom.json")
	outside := filepath.Join(root, "custom.json")
	os.WriteFile(inside, doc, 0o644)
	os.WriteFile(outside, doc, 0o644)
	judged := func(src string) artifact.Policy { return artifact.Policy{Name: "custom", Source: src, Digest: digest} }

	// In this order, stopping at the first failure: code that opens the
	// first (harmless) paths would then hang on the FIFO or fill memory
	// from /dev/zero.
	cases := []struct{ name, src string }{{"inside the soak", inside}, {"outside the soak", outside}}
	if runtime.GOOS != "windows" {
		fifo := filepath.Join(in, "fifo.json")
		if err := syscall.Mkfifo(fifo, 0o644); err == nil {
			cases = append(cases, struct{ name, src string }{"a FIFO inside", fifo})
		}
		cases = append(cases, struct{ name, src string }{"/dev/zero", "/dev/zero"})
	}
	for _, tc := range cases {
		if _, err := ResolvePolicy(judged(tc.src), false, ""); err == nil || !strings.Contains(err.Error(), "pass that policy file with --policy") {
			t.Fatalf("%s: %v, want a request for --policy", tc.name, err)
		}
	}
	r, err := ResolvePolicy(judged(inside), false, inside)
	if err != nil || r.Digest() != digest || len(r.Notes) != 0 || r.Basis != "given with --policy; the same policy the soak was judged by" {
		t.Errorf("given with --policy: %+v, %v", r, err)
	}
}
