//go:build linux

package events

import (
	"io"
	"os"
	"syscall"
)

// mapFile maps the rest of r into memory if r is a regular file with at
// least minMapBytes from its offset on, so that ScanBatches can parse the
// file's pages where they are instead of copying them with read. It
// returns the bytes from the offset to the file's size at the time of the
// call and leaves the offset at that size, as reading them would, and the
// whole mapping, which starts at a page boundary at or before data; ok is
// false, with r untouched, when the file is not mapped.
func mapFile(r io.Reader) (data, mapping []byte, ok bool) {
	f, isFile := r.(*os.File)
	if !isFile || f == nil {
		return nil, nil, false
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return nil, nil, false
	}
	off, err := f.Seek(0, io.SeekCurrent)
	size := fi.Size()
	if err != nil || off < 0 || size-off < int64(minMapBytes) || size != int64(int(size)) {
		return nil, nil, false
	}
	start := off &^ int64(os.Getpagesize()-1) // mmap's offset must be page aligned
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, nil, false
	}
	var m []byte
	var merr error
	if err := rc.Control(func(fd uintptr) {
		m, merr = syscall.Mmap(int(fd), start, int(size-start), syscall.PROT_READ, syscall.MAP_SHARED)
	}); err != nil || merr != nil {
		return nil, nil, false
	}
	if _, err := f.Seek(size, io.SeekStart); err != nil {
		syscall.Munmap(m)
		return nil, nil, false
	}
	return m[off-start:], m, true
}

// unmap removes a mapping made by mapFile.
func unmap(mapping []byte) { syscall.Munmap(mapping) }

// dropPages unmaps the pages of b, a page-aligned part of a mapping made by
// mapFile, from the process: the file's pages stay in the page cache, but
// they no longer count as the process's memory. A later access would map
// them again.
func dropPages(b []byte) { syscall.Madvise(b, syscall.MADV_DONTNEED) }
