package soakrun

import (
	"flag"
	"fmt"
	"testing"
)

var crashLong = flag.Bool("crash.long", false, "run the long crash loops (make crash)")

// TestCrashSIGKILLResumeLong repeats TestSIGKILLResume (random SIGKILLs of
// the built binary, resume until complete, byte-for-byte equal to an
// uninterrupted soak) many times when -crash.long is given: make crash.
func TestCrashSIGKILLResumeLong(t *testing.T) {
	if !*crashLong {
		t.Skip("the long loop runs with -crash.long (make crash)")
	}
	for i := 0; i < 40; i++ {
		t.Run(fmt.Sprint(i), TestSIGKILLResume)
	}
}
