package hugeheap

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// vmFlags returns the VmFlags of the mapping of /proc/self/smaps that
// holds addr.
func vmFlags(t *testing.T, addr uintptr) []string {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		if lo, hi, ok := strings.Cut(strings.Fields(line)[0], "-"); ok && !strings.HasSuffix(line, ":") && !strings.Contains(lo, ":") {
			a, err1 := strconv.ParseUint(lo, 16, 64)
			b, err2 := strconv.ParseUint(hi, 16, 64)
			if err1 == nil && err2 == nil {
				in = uint64(addr) >= a && uint64(addr) < b
				continue
			}
		}
		if in && strings.HasPrefix(line, "VmFlags:") {
			return strings.Fields(strings.TrimPrefix(line, "VmFlags:"))
		}
	}
	t.Fatalf("no mapping holds %#x", addr)
	return nil
}

// TestPrepare: the heap allocated after Prepare lies in a range advised
// for huge pages ("hg" in its VmFlags), the heap allocated for a small job
// does not.
func TestPrepare(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Skipf("this kernel has no transparent huge pages: %v", err)
	}
	Prepare(MinBytes / 2) // does nothing
	small := make([]byte, 8<<20)
	small[0] = 1
	if hasFlag(vmFlags(t, uintptr(unsafe.Pointer(&small[0]))), "hg") {
		t.Errorf("a job below MinBytes got huge pages")
	}
	Prepare(256 << 20)
	big := make([]byte, 64<<20)
	big[0] = 1
	if !hasFlag(vmFlags(t, uintptr(unsafe.Pointer(&big[len(big)/2]))), "hg") {
		t.Errorf("the heap after Prepare is not advised for huge pages")
	}
}

func hasFlag(flags []string, f string) bool {
	for _, x := range flags {
		if x == f {
			return true
		}
	}
	return false
}

func TestDisabled(t *testing.T) {
	for in, want := range map[string]bool{
		"":                             false,
		"disablethp=1":                 true,
		"gctrace=1, disablethp=1":      true,
		"disablethp=0":                 false,
		"disablethp=1,disablethp=0":    false,
		"xdisablethp=1":                false,
		"madvdontneed=1,disablethp=1 ": true,
	} {
		t.Setenv("GODEBUG", in)
		if got := disabled(); got != want {
			t.Errorf("GODEBUG=%q: disabled() = %v, want %v", in, got, want)
		}
	}
}
