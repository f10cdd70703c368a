// Package cliutil is the command-line plumbing the five soakline binaries
// share: standard streams, the mapping of errors to exit codes (in exactly
// one place, ExitCode), error printing, signal handling and a tamed
// urfave/cli application.
//
// Only the stage packages (internal/cli/*) and the mains import it: a
// library returns plain or typed errors and its stage maps them to the
// errors below (TestImportsPointOneWay checks it). It stays beside, not
// inside, internal/cli: there every package is a stage, and stages do not
// import each other; and as package "cli" it would collide with
// urfave/cli in every file that uses both.
//
// Exit status, the same for every binary:
//
//	0    success; for a gate: PASS (or WARN without --fail-on-warn)
//	1    the tool worked and the answer is no: FAIL, incomplete or tampered bundle
//	2    usage or input error
//	3    inconclusive: not enough data to judge
//	130  interrupted
package cliutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/soakline/soakline/internal/safetext"
)

// Exit codes.
const (
	ExitOK           = 0
	ExitNo           = 1
	ExitUsage        = 2
	ExitInconclusive = 3
	ExitInterrupted  = 130
)

// ExitStatusHelp is the EXIT STATUS section of every --help.
const ExitStatusHelp = `EXIT STATUS:
   0    success; for a gate: PASS (or WARN without --fail-on-warn)
   1    the answer is no: verdict FAIL, bundle incomplete or tampered, verify mismatch
   2    usage or input error: bad flag, unreadable path, invalid JSON, wrong kind or version
   3    inconclusive: not enough data to judge
   130  interrupted
`

// Stdio is what a stage's Run gets from the outside world, so that tests run
// it in-process.
type Stdio struct {
	In  io.Reader
	Out io.Writer // artifact bytes only
	Err io.Writer // everything for people
	// Getenv looks up an environment variable; nil means os.LookupEnv.
	Getenv func(string) (string, bool)
	// IsTerminal reports whether Err is a terminal (progress display).
	IsTerminal bool
}

// Env returns the value of an environment variable.
func (s Stdio) Env(key string) string {
	v, _ := s.LookupEnv(key)
	return v
}

// LookupEnv looks an environment variable up.
func (s Stdio) LookupEnv(key string) (string, bool) {
	if s.Getenv != nil {
		return s.Getenv(key)
	}
	return os.LookupEnv(key)
}

// UsageError is a bad command line: exit 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef returns a *UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// NoError is "the tool worked and the answer is no": exit 1.
type NoError struct{ Msg string }

func (e *NoError) Error() string { return e.Msg }

// No returns a *NoError.
func No(format string, args ...any) error { return &NoError{Msg: fmt.Sprintf(format, args...)} }

// InconclusiveError is "not enough data to judge": exit 3.
type InconclusiveError struct{ Msg string }

func (e *InconclusiveError) Error() string { return e.Msg }

// Inconclusive returns an *InconclusiveError.
func Inconclusive(format string, args ...any) error {
	return &InconclusiveError{Msg: fmt.Sprintf(format, args...)}
}

// ErrInterrupted is returned when a signal stopped the work.
var ErrInterrupted = errors.New("interrupted")

// ExitCode maps an error to the exit status. It is the only place that
// does. Errors that are not one of the kinds above are input or environment
// errors (unreadable file, invalid JSON, disk full): exit 2.
func ExitCode(err error) int {
	var (
		ue *UsageError
		ne *NoError
		ie *InconclusiveError
	)
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, ErrInterrupted), errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.As(err, &ue):
		return ExitUsage
	case errors.As(err, &ne):
		return ExitNo
	case errors.As(err, &ie):
		return ExitInconclusive
	}
	return ExitUsage
}

// Message is the one line printed for err: "<binary>: error: <what>", or
// for a verdict ("no" or inconclusive) "<binary>: <what>". An error quotes
// input (a file name, a reason, a bot's output): line breaks become spaces
// and escape sequences and control characters are removed, so that a
// message is one line and cannot rewrite the terminal.
func Message(binary string, err error) string {
	var (
		ne *NoError
		ie *InconclusiveError
	)
	msg := strings.TrimSpace(safetext.TerminalLine(err.Error()))
	switch {
	case errors.Is(err, ErrInterrupted), errors.Is(err, context.Canceled):
		return binary + ": interrupted"
	case errors.As(err, &ne), errors.As(err, &ie):
		return binary + ": " + msg
	}
	return binary + ": error: " + msg
}

// RunFunc is a stage's in-process entry point.
type RunFunc func(ctx context.Context, args []string, stdio Stdio) error

// Main runs a stage with the real arguments, streams and signals, prints
// the error once and returns the exit code. SIGINT and SIGTERM cancel the
// context; a stage stops at a consistent point and returns, and Main
// returns 130.
func Main(binary string, run RunFunc) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Everything for people goes through a TerminalWriter: no escape
	// sequence or control character quoted from input reaches the
	// terminal or a CI log, whatever prints it.
	stdio := Stdio{In: os.Stdin, Out: os.Stdout, Err: safetext.TerminalWriter{W: os.Stderr}, IsTerminal: isTerminal(os.Stderr)}
	err := run(ctx, os.Args[1:], stdio)
	if err != nil && ctx.Err() != nil && !errors.Is(err, ErrInterrupted) {
		err = fmt.Errorf("%w: %v", ErrInterrupted, err)
	}
	return Report(binary, stdio.Err, err)
}

// Report prints err (if any) on w and returns its exit code.
func Report(binary string, w io.Writer, err error) int {
	if err == nil {
		return ExitOK
	}
	var ue *UsageError
	fmt.Fprintln(w, Message(binary, err))
	if errors.As(err, &ue) {
		fmt.Fprintf(w, "run '%s --help' for usage\n", binary)
	}
	return ExitCode(err)
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// version is set at build time with
// -ldflags "-X github.com/soakline/soakline/internal/cliutil.version=v1.2.3".
var version string

// Version returns the tool version: the stamped one, else the module
// version from the build info, else "devel".
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// InputName is how errors name an input path ("-" is standard input).
func InputName(path string) string {
	if path == "-" || path == "" {
		return "<stdin>"
	}
	return path
}
