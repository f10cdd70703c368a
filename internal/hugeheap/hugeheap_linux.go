package hugeheap

import (
	"os"
	"runtime"
	"strings"
	"syscall"
	"unsafe"
)

const hugePage = 2 << 20

// Prepare grows the heap by about n bytes at once, advises the kernel to
// back that range with huge pages (MADV_HUGEPAGE) and frees it again, so
// that the allocations that follow, which Go places at the lowest free
// addresses, fill it. The range costs address space, not memory: pages
// are only backed when written. Nothing is done for n below MinBytes; n is
// capped at MaxBytes; an advice the kernel refuses (no THP support)
// changes nothing.
func Prepare(n int) {
	// On 32-bit systems a large single allocation can exhaust the address
	// space; they keep 4 KiB pages.
	if n < MinBytes || unsafe.Sizeof(uintptr(0)) < 8 || disabled() {
		return
	}
	n = min(n, MaxBytes)
	b := make([]byte, n)
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	beg := (p + hugePage - 1) &^ (hugePage - 1)
	end := (p + uintptr(n)) &^ (hugePage - 1)
	if beg < end {
		_ = syscall.Madvise(b[beg-p:end-p], syscall.MADV_HUGEPAGE)
	}
	runtime.KeepAlive(b)
	runtime.GC()
}

// disabled reports whether GODEBUG says disablethp=1: the runtime's own
// switch for huge pages on the heap is honoured here too.
func disabled() bool {
	on := false
	for _, kv := range strings.Split(os.Getenv("GODEBUG"), ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(kv), "="); ok && k == "disablethp" {
			on = v == "1" // the last setting wins, as in the runtime
		}
	}
	return on
}
