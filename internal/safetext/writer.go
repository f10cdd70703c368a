package safetext

import "io"

// EraseLine is the one control sequence a soakline tool writes to a
// terminal itself: carriage return and "erase to end of line", which
// clears soak-run's status line.
const EraseLine = "\r\x1b[K"

// TerminalWriter passes everything written to it through Terminal, so that
// no escape sequence or control character from input (a file name, a
// reason, a bot's stderr quoted in a message) reaches the terminal. A
// Write of exactly EraseLine is passed as it is: the tools write it as a
// call of its own, and a value from input is never written alone.
type TerminalWriter struct{ W io.Writer }

// Write writes Terminal(p) and reports len(p) on success, so that callers
// see a complete write.
func (t TerminalWriter) Write(p []byte) (int, error) {
	if string(p) == EraseLine {
		return t.W.Write(p)
	}
	if _, err := io.WriteString(t.W, Terminal(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
