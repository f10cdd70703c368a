package e2e_test

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/soakline/soakline/internal/release"
	"github.com/soakline/soakline/pkg/artifact"
)

// genBadUsage documents the gen-bad helper that the badinput_*.txtar
// scripts use to make inputs too big or too odd to keep in a txtar file.
const genBadUsage = `usage:
  gen-bad deep FILE KIND DEPTH      an object of KIND ("" = legacy, no envelope) whose
                                    "summary" is DEPTH nested arrays, on one line
  gen-bad bigline FILE KIND MB      one line of about MB megabytes: an object of KIND
                                    with an unknown field "pad" holding a long string
  gen-bad bigtrunc FILE KIND MB     the same line, cut inside the string
  gen-bad binary FILE BYTES SEED    BYTES pseudo-random bytes
  gen-bad set FILE PATH RAW         set the dotted PATH of the JSON object in FILE to the
                                    raw text RAW (may be invalid JSON such as NaN)
  gen-bad del FILE PATH             delete the dotted PATH of the JSON object in FILE
  gen-bad lines FILE N              keep the first N lines of FILE
  gen-bad tarslip FILE NAME         a .tar.gz holding an entry NAME (e.g. ../escape.txt)
                                    and a SHA256SUMS that lists it
  gen-bad reseal DIR                rewrite the bundle DIR's MANIFEST.json file list and
                                    SHA256SUMS to match its files, as a forger would`

// genBad is the gen-bad command of the testscript suite.
func genBad() int {
	if err := genBadRun(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gen-bad:", err)
		fmt.Fprintln(os.Stderr, genBadUsage)
		return 2
	}
	return 0
}

func genBadRun(args []string) error {
	if len(args) < 2 {
		return fmt.Errorf("want a subcommand and a file")
	}
	cmd, file, rest := args[0], args[1], args[2:]
	need := func(n int) error {
		if len(rest) != n {
			return fmt.Errorf("%s: want %d arguments after FILE, got %d", cmd, n, len(rest))
		}
		return nil
	}
	switch cmd {
	case "deep":
		if err := need(2); err != nil {
			return err
		}
		depth, err := strconv.Atoi(rest[1])
		if err != nil {
			return err
		}
		var b bytes.Buffer
		b.WriteString(head(rest[0]))
		b.WriteString(`"summary":`)
		b.WriteString(strings.Repeat("[", depth))
		b.WriteString(strings.Repeat("]", depth))
		b.WriteString("}\n")
		return os.WriteFile(file, b.Bytes(), 0o644)
	case "bigline", "bigtrunc":
		if err := need(2); err != nil {
			return err
		}
		mb, err := strconv.Atoi(rest[1])
		if err != nil {
			return err
		}
		f, err := os.Create(file)
		if err != nil {
			return err
		}
		w := bufio.NewWriterSize(f, 1<<20)
		w.WriteString(head(rest[0]))
		w.WriteString(`"pad":"`)
		chunk := strings.Repeat("abcdefghijklmnopqrstuvwxyz012345", 1<<10) // 32 KiB
		for i := 0; i < mb*32; i++ {
			w.WriteString(chunk)
		}
		if cmd == "bigline" {
			w.WriteString("\"}\n")
		}
		if err := w.Flush(); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	case "binary":
		if err := need(2); err != nil {
			return err
		}
		n, err := strconv.Atoi(rest[0])
		if err != nil {
			return err
		}
		seed, err := strconv.ParseUint(rest[1], 10, 64)
		if err != nil {
			return err
		}
		r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return os.WriteFile(file, b, 0o644)
	case "set", "del":
		want := 2
		if cmd == "del" {
			want = 1
		}
		if err := need(want); err != nil {
			return err
		}
		raw := ""
		if cmd == "set" {
			raw = rest[1]
		}
		return editJSON(file, rest[0], cmd == "del", raw)
	case "tarslip":
		if err := need(1); err != nil {
			return err
		}
		return writeTarSlip(file, rest[0])
	case "reseal":
		if err := need(0); err != nil {
			return err
		}
		return reseal(file)
	case "lines":
		if err := need(1); err != nil {
			return err
		}
		n, err := strconv.Atoi(rest[0])
		if err != nil {
			return err
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		lines := bytes.SplitAfter(data, []byte("\n"))
		if n < len(lines) {
			lines = lines[:n]
		}
		return os.WriteFile(file, bytes.Join(lines, nil), 0o644)
	}
	return fmt.Errorf("unknown subcommand %q", cmd)
}

// head opens an object of kind k; an empty k is a legacy object.
func head(k string) string {
	if k == "" {
		return `{"iteration":1,`
	}
	return `{"schema_version":1,"kind":"` + k + `","iteration":1,`
}

const placeholder = "\x00gen-bad\x00"

// editJSON sets (or deletes) a dotted path in the JSON object of file. The
// value is spliced in as raw text, so that it may be anything, valid JSON
// or not. Keys come out sorted; the readers must not care.
func editJSON(file, path string, del bool, raw string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		return fmt.Errorf("%s: %v", file, err)
	}
	keys := strings.Split(path, ".")
	m := root
	for _, k := range keys[:len(keys)-1] {
		sub, ok := m[k].(map[string]any)
		if !ok {
			sub = map[string]any{}
			m[k] = sub
		}
		m = sub
	}
	last := keys[len(keys)-1]
	if del {
		delete(m, last)
	} else {
		m[last] = placeholder
	}
	out, err := json.MarshalIndent(root, "", "  ")
	if err != nil {
		return err
	}
	quoted, _ := json.Marshal(placeholder)
	out = bytes.Replace(out, quoted, []byte(raw), 1)
	return os.WriteFile(file, append(out, '\n'), 0o644)
}

// writeTarSlip writes a gzipped tar whose entry name tries to leave the
// directory it is extracted into.
func writeTarSlip(file, name string) error {
	body := []byte("escaped\n")
	sums := fmt.Sprintf("%x  %s\n", sha256.Sum256(body), name)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range []struct {
		name string
		data []byte
	}{{name, body}, {"SHA256SUMS", []byte(sums)}} {
		if err := tw.WriteHeader(&tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.data)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		if _, err := tw.Write(e.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(file, buf.Bytes(), 0o644)
}

// reseal rewrites the file list of dir/MANIFEST.json and dir/SHA256SUMS
// over the files in dir: what anyone editing a bundle can do.
func reseal(dir string) error {
	var m release.Manifest
	data, err := os.ReadFile(filepath.Join(dir, release.ManifestFileName))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	files := map[string][]byte{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	m.Files = nil
	for _, e := range entries {
		n := e.Name()
		if n == release.SumsFileName || n == release.ManifestFileName || e.IsDir() {
			continue
		}
		d, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return err
		}
		files[n] = d
		m.Files = append(m.Files, release.BundleFile{Path: n, Size: int64(len(d)), SHA256: artifact.Hash(d)})
	}
	if files[release.ManifestFileName], err = artifact.Marshal(m); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, release.ManifestFileName), files[release.ManifestFileName], 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, release.SumsFileName), release.FormatSums(files), 0o644)
}
