package artifact

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Iteration statuses.
const (
	StatusOK     = "ok"
	StatusFailed = "failed"
)

// Modes of a soak.
const (
	ModeMock   = "mock"
	ModeExec   = "exec"
	ModeLegacy = "legacy"
)

// IterationSummary is ITER_SUMMARY_<n>.json: the KPIs of one finished
// iteration and the tuning decision taken after it.
type IterationSummary struct {
	SchemaVersion int    `json:"schema_version"`
	Kind          Kind   `json:"kind"`
	Iteration     int    `json:"iteration"` // 1-based
	Mode          string `json:"mode"`      // mock, exec (legacy when read from the Python toolkit)
	Scenario      string `json:"scenario,omitempty"`
	Seed          uint64 `json:"seed"`
	StartedAt     string `json:"started_at,omitempty"` // RFC 3339, on the soak's clock
	DurationMs    int64  `json:"duration_ms"`
	Status        string `json:"status"` // ok or failed

	Failure *Failure `json:"failure,omitempty"`
	Summary Summary  `json:"summary"`
	Tuning  *Tuning  `json:"tuning,omitempty"`

	// File is where the summary was read from; Legacy says it had no
	// envelope. Neither is written.
	File   string `json:"-"`
	Legacy bool   `json:"-"`
}

// Failure says why an iteration produced no trustworthy KPIs.
type Failure struct {
	Reason     string `json:"reason"`
	ExitCode   *int   `json:"exit_code,omitempty"`
	StderrTail string `json:"stderr_tail,omitempty"`
}

// Tuning is one ledger entry: what the tuner proposed after an iteration,
// what it applied and what the guards held back. The same record is the
// "tuning" of an ITER_SUMMARY and an entry of TUNING_REPORT.json.
type Tuning struct {
	Iteration      int                `json:"iteration"`
	ProposedDeltas map[string]float64 `json:"proposed_deltas"`
	Applied        bool               `json:"applied"`
	Changes        []Change           `json:"changes"`
	ChangedKeys    []string           `json:"changed_keys"`
	Skipped        []Skip             `json:"skipped,omitempty"`
	// SkipReason is "" when everything proposed was applied, else the
	// guards that held something back, comma-separated.
	SkipReason string   `json:"skip_reason"`
	Guards     []string `json:"guards,omitempty"` // guards that fired after this iteration
	Rationale  []string `json:"rationale,omitempty"`
	OldHash    string   `json:"old_hash,omitempty"`   // sha256 of runtime_overrides.json before
	StateHash  string   `json:"state_hash,omitempty"` // sha256 after (equal when nothing changed)
	Verified   bool     `json:"verified"`             // re-read after the write and compared value by value
	Frozen     []string `json:"frozen,omitempty"`     // subsystems frozen after this iteration
}

// Change is one applied parameter change.
type Change struct {
	Key   string  `json:"key"`
	Old   float64 `json:"old"`
	New   float64 `json:"new"`
	Delta float64 `json:"delta"`
}

// Skip is one proposed delta a guard held back.
type Skip struct {
	Key    string `json:"key"`
	Guard  string `json:"guard"`
	Reason string `json:"reason"`
}

// Proposed reports whether the entry proposed any non-zero delta.
func (t *Tuning) Proposed() bool {
	if t == nil {
		return false
	}
	for _, d := range t.ProposedDeltas {
		if d != 0 {
			return true
		}
	}
	return false
}

// IterationFileName is the file name of iteration n's summary.
func IterationFileName(n int) string { return "ITER_SUMMARY_" + strconv.Itoa(n) + ".json" }

// ParseIterationFileName returns the iteration number of an
// ITER_SUMMARY_<n>.json name.
func ParseIterationFileName(name string) (int, bool) {
	digits, ok := strings.CutPrefix(name, "ITER_SUMMARY_")
	if !ok {
		return 0, false
	}
	if digits, ok = strings.CutSuffix(digits, ".json"); !ok || digits == "" {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 1 {
		return 0, false
	}
	return n, true
}

// DecodeIterationSummary reads an ITER_SUMMARY file of either format: ours
// strictly, a legacy one (no envelope) leniently.
func DecodeIterationSummary(file string, data []byte) (*IterationSummary, error) {
	var d Decoder
	return d.IterationSummary(file, data)
}

// A Decoder decodes artifacts as DecodeIterationSummary and
// DecodeTuningReport do, keeping one copy of the short strings that repeat
// from record to record (keys, modes, reasons) across everything it
// decodes. A Decoder is not safe for concurrent use; the zero value is
// ready.
type Decoder struct {
	fast   fastDecoder
	window []byte // kept by ReadTuningReport for its next call
}

// IterationSummary is DecodeIterationSummary.
func (dec *Decoder) IterationSummary(file string, data []byte) (*IterationSummary, error) {
	// Our own files in their canonical form take the fast path; everything
	// else (legacy files, errors, unusual spellings) the general one.
	d := &dec.fast
	d.reset(TrimBOM(data))
	s := new(IterationSummary)
	d.iterationSummary(s)
	if d.done() && s.Kind == KindIterationSummary && s.SchemaVersion >= 1 && s.SchemaVersion <= SchemaVersion && s.Validate() == nil {
		s.File = file
		return s, nil
	}
	return decodeIterationSummary(file, data)
}

func decodeIterationSummary(file string, data []byte) (*IterationSummary, error) {
	env, err := PeekEnvelope(file, data)
	if err != nil {
		return nil, err
	}
	if env.Kind == "" {
		return decodeLegacySummary(file, data)
	}
	var s IterationSummary
	if err := decodeStrict(file, TrimBOM(data), env, KindIterationSummary, &s); err != nil {
		return nil, err
	}
	s.File = file
	if err := s.Validate(); err != nil {
		return nil, &Error{File: file, Err: err}
	}
	return &s, nil
}

// Validate checks what JSON types cannot: a positive iteration number and
// a known status.
func (s *IterationSummary) Validate() error {
	if s.Iteration < 1 {
		return fmt.Errorf("iteration must be >= 1, got %d", s.Iteration)
	}
	switch s.Status {
	case StatusOK, StatusFailed:
	default:
		return fmt.Errorf("status must be %q or %q, got %q", StatusOK, StatusFailed, s.Status)
	}
	return nil
}

// KPINames lists the KPIs a Summary carries, in report order.
var KPINames = []string{
	"maker_taker_ratio", "p95_latency_ms", "risk_ratio", "net_bps",
	"adverse_bps_p95", "slippage_bps_p95", "cancel_ratio", "order_age_p95_ms", "ws_lag_p95_ms",
	"gross_bps", "fees_eff_bps", "slippage_bps", "adverse_bps", "inventory_bps", "maker_share_pct",
}

// KPI returns the named KPI and whether it was measured. A non-finite value
// is returned as measured; callers judge it.
func (s *Summary) KPI(name string) (float64, bool) {
	p := s.kpiPtr(name)
	if p == nil || *p == nil {
		return 0, false
	}
	return **p, true
}

// SetKPI sets the named KPI; it reports false for an unknown name.
func (s *Summary) SetKPI(name string, v float64) bool {
	p := s.kpiPtr(name)
	if p == nil {
		return false
	}
	*p = F(v)
	return true
}

// IsKPI reports whether name is a KPI of Summary.
func IsKPI(name string) bool { return (&Summary{}).kpiPtr(name) != nil }

func (s *Summary) kpiPtr(name string) **float64 {
	switch name {
	case "maker_taker_ratio":
		return &s.MakerTakerRatio
	case "p95_latency_ms":
		return &s.P95LatencyMs
	case "risk_ratio":
		return &s.RiskRatio
	case "net_bps":
		return &s.NetBps
	case "gross_bps":
		return &s.GrossBps
	case "fees_eff_bps":
		return &s.FeesBps
	case "slippage_bps":
		return &s.SlippageBps
	case "adverse_bps":
		return &s.AdverseBps
	case "inventory_bps":
		return &s.InventoryBps
	case "adverse_bps_p95":
		return &s.AdverseBpsP95
	case "slippage_bps_p95":
		return &s.SlippageBpsP95
	case "cancel_ratio":
		return &s.CancelRatio
	case "order_age_p95_ms":
		return &s.OrderAgeP95Ms
	case "ws_lag_p95_ms":
		return &s.WSLagP95Ms
	case "maker_share_pct":
		return &s.MakerSharePct
	}
	return nil
}

// KPIRange is the valid range of a KPI; values outside it are data errors.
func KPIRange(name string) (lo, hi float64) {
	switch name {
	case "maker_taker_ratio", "risk_ratio", "cancel_ratio":
		return 0, 1
	case "maker_share_pct":
		return 0, 100
	case "p95_latency_ms", "order_age_p95_ms", "ws_lag_p95_ms", "adverse_bps_p95", "slippage_bps_p95":
		return 0, math.Inf(1)
	}
	return math.Inf(-1), math.Inf(1)
}

// Round rounds v to 6 decimals so that stored values are stable and free of
// binary noise such as 0.020000000000000004.
func Round(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	return math.Round(v*1e6) / 1e6
}
