package release

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"
)

// Archive renders files as a reproducible .tar.gz under the directory
// prefix: entries sorted by name, the directory first; every entry with
// mtime mtime (whole seconds), uid and gid 0, no user or group names, mode
// 0755 for the directory and 0644 for files; a gzip header without name or
// time. The same files, prefix and mtime always give the same bytes.
func Archive(prefix string, files map[string][]byte, mtime time.Time) ([]byte, error) {
	if err := CheckBundleName(prefix); err != nil || strings.Contains(prefix, "/") {
		return nil, fmt.Errorf("archive directory name %q: want one plain name", prefix)
	}
	mtime = time.Unix(mtime.Unix(), 0).UTC()
	names := make([]string, 0, len(files))
	for n := range files {
		if err := CheckBundleName(n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	sort.Strings(names)

	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	// The zero gzip.Header: no name, no comment, no modification time.
	tw := tar.NewWriter(zw)
	hdr := func(name string, typ byte, mode int64, size int64) *tar.Header {
		return &tar.Header{
			Typeflag: typ, Name: name, Mode: mode, Size: size, ModTime: mtime,
			Format: tar.FormatUSTAR,
		}
	}
	if err := tw.WriteHeader(hdr(prefix+"/", tar.TypeDir, 0o755, 0)); err != nil {
		return nil, err
	}
	for _, n := range names {
		data := files[n]
		if err := tw.WriteHeader(hdr(prefix+"/"+n, tar.TypeReg, 0o644, int64(len(data)))); err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ReadArchive reads a bundle archive written by Archive (or by tar from a
// bundle directory): every entry must sit under one top-level directory,
// whose name is returned. Entries that would leave it are an error;
// entries that are not regular files are listed as irregular, and entries
// whose names are not bundle files as extra, without reading them. What
// the archive expands to is bounded: at most MaxArchiveEntries entries,
// MaxBundleFileBytes per file and MaxBundleBytes in all (headers and
// skipped entries included), so that a small archive cannot make the
// reader decompress gigabytes.
func ReadArchive(r io.Reader) (string, *Contents, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return "", nil, fmt.Errorf("not a gzip file: %w", err)
	}
	defer zr.Close()
	lim := &capReader{r: zr, left: MaxBundleBytes + 64<<10}
	tr := tar.NewReader(lim)
	c := &Contents{Files: map[string][]byte{}}
	allowed := bundleNames()
	prefix := ""
	seen := map[string]bool{}
	for entries := 0; ; entries++ {
		if entries >= MaxArchiveEntries {
			return "", nil, fmt.Errorf("more than %d entries: not a bundle archive", MaxArchiveEntries)
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if lim.over {
				return "", nil, fmt.Errorf("%w: expands to more than %d bytes: not a bundle archive", ErrTooLarge, MaxBundleBytes)
			}
			return "", nil, fmt.Errorf("reading tar: %w", err)
		}
		name := strings.TrimSuffix(strings.TrimPrefix(h.Name, "./"), "/")
		if name == "" || name == "." {
			continue
		}
		if err := CheckBundleName(name); err != nil {
			return "", nil, fmt.Errorf("archive entry %q: %w", h.Name, err)
		}
		top, rest, _ := strings.Cut(name, "/")
		if prefix == "" {
			prefix = top
		} else if top != prefix {
			return "", nil, fmt.Errorf("archive entry %q: not under %s/ (a bundle archive has one top-level directory)", h.Name, prefix)
		}
		switch {
		case h.Typeflag == tar.TypeDir && rest == "":
			continue
		case rest == "":
			return "", nil, fmt.Errorf("archive entry %q: a file where the bundle directory should be", h.Name)
		case seen[rest]:
			return "", nil, fmt.Errorf("archive entry %q appears twice", h.Name)
		}
		seen[rest] = true
		switch {
		case !allowed[rest]:
			if h.Typeflag == tar.TypeDir {
				rest += "/"
			}
			c.Extra = append(c.Extra, rest)
		case h.Typeflag == tar.TypeReg:
			if h.Size > MaxBundleFileBytes {
				return "", nil, fmt.Errorf("archive entry %q: %w: %d bytes, more than the %d allowed", h.Name, ErrTooLarge, h.Size, MaxBundleFileBytes)
			}
			data, err := io.ReadAll(io.LimitReader(tr, MaxBundleFileBytes+1))
			if err != nil {
				if lim.over {
					return "", nil, fmt.Errorf("%w: expands to more than %d bytes: not a bundle archive", ErrTooLarge, MaxBundleBytes)
				}
				return "", nil, fmt.Errorf("archive entry %q: %w", h.Name, err)
			}
			c.Files[rest] = data
		default:
			c.Irregular = append(c.Irregular, path.Clean(rest))
		}
	}
	if prefix == "" {
		return "", nil, errors.New("empty archive")
	}
	sort.Strings(c.Irregular)
	sort.Strings(c.Extra)
	return prefix, c, nil
}

// capReader reads at most left bytes from r, then fails.
type capReader struct {
	r    io.Reader
	left int64
	over bool
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		c.over = true
		return 0, ErrTooLarge
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}
