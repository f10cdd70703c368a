//go:build !unix

package soakrun

// safetyHelper: the misbehaving bots of safety_test.go need FIFOs.
func safetyHelper(string) {}
