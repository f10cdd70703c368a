package soakdir

import "github.com/soakline/soakline/pkg/artifact"

// Soak is everything a soak left behind, as the stages that judge, report
// and bundle it read it: the model Load returns for a soak directory or
// stream.
type Soak struct {
	// Path is what the user named, or the directory of the Python
	// toolkit's layout found under it (path/soak/latest, path/latest), so
	// that the verdict's source.path names what was read; Dir the
	// directory the files were read from ("" for a stream).
	Path string
	Dir  string
	// Iterations holds the iteration summaries in numeric order.
	Iterations []*artifact.IterationSummary
	// Report, Overrides and Run are nil when the soak has none.
	Report        *artifact.TuningReport
	Overrides     *artifact.Overrides
	OverridesPath string
	Run           *artifact.RunRecord
	// Warnings are data-quality notes: gaps, legacy input, a running soak.
	Warnings []string
	// Legacy is true when any iteration came from the Python toolkit.
	Legacy bool
	// Digest is the sha256 over the iteration files' names and contents,
	// in order: which data was judged.
	Digest string
	// LedgerDigest and OverridesDigest are the sha256 (hex) of the bytes of
	// TUNING_REPORT.json and runtime_overrides.json as read, "" when the
	// soak has none. In a stream they are the sha256 of the ledger's and
	// the overrides' lines, without the line end.
	LedgerDigest    string
	OverridesDigest string
}
