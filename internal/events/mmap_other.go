//go:build !linux

package events

import "io"

// mapFile maps nothing (only Linux maps files): ScanBatches reads.
func mapFile(io.Reader) (data, mapping []byte, ok bool) { return nil, nil, false }

func unmap([]byte) {}

func dropPages([]byte) {}
