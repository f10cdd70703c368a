package artifact

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// sameSummary checks that data decodes to the same value, or fails with
// the same error, on the fast path (DecodeIterationSummary) and the general
// one (decodeIterationSummary).
func sameSummary(t *testing.T, data []byte) {
	t.Helper()
	fast, ferr := DecodeIterationSummary("f", data)
	slow, serr := decodeIterationSummary("f", data)
	if fmt.Sprint(ferr) != fmt.Sprint(serr) {
		t.Fatalf("error: fast path %v, general path %v\n%s", ferr, serr, data)
	}
	if diff := cmp.Diff(slow, fast, cmpopts.EquateNaNs()); diff != "" {
		t.Fatalf("(-general +fast):\n%s\n%s", diff, data)
	}
}

// sameReport is sameSummary for the ledger, also read as a stream, whole
// and one byte at a time.
func sameReport(t *testing.T, data []byte) {
	t.Helper()
	slow, serr := decodeTuningReport("f", data)
	check := func(path string, fast *TuningReport, ferr error) {
		t.Helper()
		if fmt.Sprint(ferr) != fmt.Sprint(serr) {
			t.Fatalf("error: %s %v, general path %v\n%s", path, ferr, serr, data)
		}
		if diff := cmp.Diff(slow, fast, cmpopts.EquateNaNs()); diff != "" {
			t.Fatalf("(-general +%s):\n%s\n%s", path, diff, data)
		}
	}
	fast, ferr := DecodeTuningReport("f", data)
	check("fast path", fast, ferr)
	// One decoder for every call keeps its window: a new one per call
	// made the fuzz target a hundred times slower.
	streamDecoder.Lock()
	defer streamDecoder.Unlock()
	fast, ferr = streamDecoder.ReadTuningReport("f", bytes.NewReader(data))
	check("stream", fast, ferr)
	fast, ferr = streamDecoder.ReadTuningReport("f", oneByteReader{bytes.NewReader(data)})
	check("one-byte stream", fast, ferr)
}

var streamDecoder struct {
	sync.Mutex
	Decoder
}

// oneByteReader reads one byte at a time, and seeks.
type oneByteReader struct{ *bytes.Reader }

func (r oneByteReader) Read(p []byte) (int, error) { return iotest.OneByteReader(r.Reader).Read(p) }

// TestReadTuningReportLarge reads a ledger of several windows.
func TestReadTuningReportLarge(t *testing.T) {
	r := TuningReport{SchemaVersion: SchemaVersion, Kind: KindTuningReport}
	for i := 1; i <= 3000; i++ {
		tu := *benchIter(i).Tuning
		if i == 1500 { // one entry larger than the window
			tu.Rationale = []string{strings.Repeat("x", 2*windowSize)}
		}
		r.Iterations = append(r.Iterations, tu)
	}
	r.Summarize()
	data, err := Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var d Decoder
	got, err := d.ReadTuningReport("f", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&r, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if d.fast.bad {
		t.Error("the ledger left the fast path")
	}
}

func TestReadTuningReportReadError(t *testing.T) {
	data := []byte(`{"schema_version":1,"kind":"tuning_report","iterations":[`)
	var d Decoder
	_, err := d.ReadTuningReport("f", failingSeeker{bytes.NewReader(data)})
	if err == nil || !strings.Contains(err.Error(), "f: disk on fire") {
		t.Fatalf("error %v, want the read error with the file name", err)
	}
	mustBeArtifactError(t, err)
}

type failingSeeker struct{ *bytes.Reader }

func (r failingSeeker) Read(p []byte) (int, error) {
	n, err := r.Reader.Read(p)
	if err == io.EOF {
		err = errors.New("disk on fire")
	}
	return n, err
}

// fullIter has every member of an iteration summary.
const fullIter = `{"schema_version":1,"kind":"iteration_summary","iteration":3,"mode":"exec","scenario":"calm","seed":18446744073709551615,"started_at":"2025-10-12T12:00:00Z","duration_ms":5,"status":"failed",
"failure":{"reason":"timeout","exit_code":137,"stderr_tail":"killed ✓"},
"summary":{"maker_taker_ratio":0.85,"maker_taker_source":"fills_volume","p95_latency_ms":250,"risk_ratio":0.3,"net_bps":-3.1e-2,"gross_bps":1,"fees_eff_bps":-0,"slippage_bps":2,"adverse_bps":3,"inventory_bps":4,"adverse_bps_p95":5,"slippage_bps_p95":6,"cancel_ratio":0.5,"order_age_p95_ms":7,"ws_lag_p95_ms":8,"maker_share_pct":9,
"fills":{"maker_count":1,"taker_count":2,"maker_volume":3.5,"taker_volume":4},"blocks":{"min_interval":1,"concurrency":2,"risk":3,"throttle":4,"total":10},"events":12000},
"tuning":{"iteration":3,"proposed_deltas":{"a":0.02,"b":-5},"applied":false,"changes":[],"changed_keys":[],"skipped":[{"key":"a","guard":"cooldown","reason":"held"}],"skip_reason":"cooldown","guards":["cooldown"],"rationale":["x"],"old_hash":"00","state_hash":"00","verified":false,"frozen":["engine"]}}`

// TestFastPathAgrees feeds both decoders what the fast path must take and
// what it must leave to encoding/json.
func TestFastPathAgrees(t *testing.T) {
	ours, err := Marshal(benchIter(7))
	if err != nil {
		t.Fatal(err)
	}
	member := func(old, repl string) string {
		if !strings.Contains(fullIter, old) {
			t.Fatalf("%q is not in fullIter", old)
		}
		return strings.Replace(fullIter, old, repl, 1)
	}
	for _, in := range []string{
		string(ours), validIter, fullIter, "\uFEFF" + strings.ReplaceAll(validIter, "\n", "\r\n"),
		member(`"kind":"iteration_summary"`, `"Kind":"iteration_summary"`),
		member(`"iteration":3`, `"ITERATION":3`),
		member(`"mode":"exec"`, `"mode":"exec","mode":"mock"`),
		member(`"maker_count":1`, `"maker_count":1,"maker_count":2`),
		member(`"tuning":{`, `"tuning":{"applied":true},"tuning":{`),
		member(`"kind":"iteration_summary"`, `"kind":"iteration\u005fsummary"`),
		member(`"mode":"exec"`, `"mode":"ex\"ec"`),
		member(`"mode":"exec"`, `"mode":"ex`+"\xff"+`ec"`),
		member(`"mode":"exec"`, `"mode":"ex`+"\t"+`ec"`),
		member(`"mode":"exec"`, `"mode":null`),
		member(`"kind":"iteration_summary"`, `"kind":null`),
		member(`"schema_version":1`, `"schema_version":null`),
		member(`"schema_version":1`, `"schema_version":2`),
		member(`"schema_version":1`, `"schema_version":1.0`),
		member(`"kind":"iteration_summary"`, `"kind":"tuning_report"`),
		member(`"iteration":3`, `"iteration":0`),
		member(`"iteration":3`, `"iteration":-0`),
		member(`"iteration":3`, `"iteration":03`),
		member(`"iteration":3`, `"iteration":3e0`),
		member(`"iteration":3`, `"iteration":99999999999999999999`),
		member(`"seed":18446744073709551615`, `"seed":18446744073709551616`),
		member(`"seed":18446744073709551615`, `"seed":-1`),
		member(`"net_bps":-3.1e-2`, `"net_bps":1e400`),
		member(`"net_bps":-3.1e-2`, `"net_bps":-`),
		member(`"net_bps":-3.1e-2`, `"net_bps":1.`),
		member(`"net_bps":-3.1e-2`, `"net_bps":.5`),
		member(`"net_bps":-3.1e-2`, `"net_bps":1e`),
		member(`"net_bps":-3.1e-2`, `"net_bps":"1"`),
		member(`"net_bps":-3.1e-2`, `"net_bps":null`),
		member(`"net_bps":-3.1e-2`, `"net_bps":NaN`),
		member(`"applied":false`, `"applied":fals`),
		member(`"applied":false`, `"applied":true`),
		member(`"applied":false`, `"applied":0`),
		member(`"failure":{`, `"failure":null,"x":{`),
		member(`"failure":{"reason":"timeout",`, `"failure":{`),
		member(`"exit_code":137`, `"exit_code":null`),
		member(`"summary":{`, `"summary":null,"y":{`),
		member(`"changes":[]`, `"changes":null`),
		member(`"changes":[]`, `"changes":[null,{"key":"a","old":1,"new":2,"delta":1}]`),
		member(`"changed_keys":[]`, `"changed_keys":["a",null]`),
		member(`"changed_keys":[]`, `"changed_keys":[,]`),
		member(`"changed_keys":[]`, `"changed_keys":["a",]`),
		member(`"proposed_deltas":{"a":0.02,"b":-5}`, `"proposed_deltas":{"a":null,"a":1}`),
		member(`"proposed_deltas":{"a":0.02,"b":-5}`, `"proposed_deltas":{}`),
		member(`"proposed_deltas":{"a":0.02,"b":-5}`, `"proposed_deltas":{"a":1,}`),
		member(`"proposed_deltas":{"a":0.02,"b":-5}`, `"proposed_deltas":[]`),
		member(`"skipped":[{"key":"a","guard":"cooldown","reason":"held"}]`, `"skipped":[{"key":"a","extra":1}]`),
		member(`"events":12000`, `"events":12000,"File":"x"`),
		member(`"events":12000`, `"events":12000,`),
		fullIter + " \n",
		fullIter + "{}",
		fullIter + "x",
		fullIter[:len(fullIter)-1],
		"", "{}", "[]", "null", `{"kind":"iteration_summary"}`, "{,}", `{"a"}`,
	} {
		sameSummary(t, []byte(in))
	}
}

// TestFastPathTakes pins that what soak-run writes takes the fast path.
func TestFastPathTakes(t *testing.T) {
	ours, err := Marshal(benchIter(7))
	if err != nil {
		t.Fatal(err)
	}
	line, err := MarshalLine(benchIter(8))
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{string(ours), string(line), validIter, fullIter} {
		var d fastDecoder
		d.reset([]byte(in))
		var s IterationSummary
		d.iterationSummary(&s)
		if !d.done() {
			t.Errorf("fast path left at byte %d of\n%s", d.i, in)
		}
	}
	r := TuningReport{SchemaVersion: SchemaVersion, Kind: KindTuningReport}
	r.Iterations = append(r.Iterations, *benchIter(1).Tuning, *benchIter(2).Tuning)
	r.Summarize()
	rep, err := Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var d fastDecoder
	d.reset(rep)
	d.tuningReport(new(TuningReport))
	if !d.done() {
		t.Errorf("fast path left the ledger at byte %d", d.i)
	}
}

func TestFastPathAgreesReport(t *testing.T) {
	const rep = `{"schema_version":1,"kind":"tuning_report","iterations":[{"iteration":1,"proposed_deltas":{"a":1},"applied":true,"changes":[{"key":"a","old":1,"new":2,"delta":1}],"changed_keys":["a"],"skip_reason":"","verified":true}],"summary":{"count":1,"applied":1,"guards":{"cooldown":2}}}`
	for _, in := range []string{
		rep,
		strings.Replace(rep, `"iterations":[`, `"iterations":[null,`, 1),
		strings.Replace(rep, `"iterations":[{"iteration":1,"proposed_deltas":{"a":1},"applied":true,"changes":[{"key":"a","old":1,"new":2,"delta":1}],"changed_keys":["a"],"skip_reason":"","verified":true}]`, `"iterations":[]`, 1),
		strings.Replace(rep, `"iterations":[{"iteration":1,"proposed_deltas":{"a":1},"applied":true,"changes":[{"key":"a","old":1,"new":2,"delta":1}],"changed_keys":["a"],"skip_reason":"","verified":true}]`, `"iterations":null`, 1),
		strings.Replace(rep, `"cooldown":2`, `"cooldown":2.5`, 1),
		strings.Replace(rep, `"cooldown":2`, `"cooldown":null`, 1),
		strings.Replace(rep, `"count":1`, `"count":1,"total":1`, 1),
		strings.Replace(rep, `"kind":"tuning_report"`, `"kind":"iteration_summary"`, 1),
		`[]`, `{"iterations":[]}`,
		// Envelope keys in another case: PeekEnvelope's to judge, on the
		// stream too.
		`{"KIND":"x","Schema_Version":1,"iterations":[]}`,
		`{"Kind":"tuning_report","iterations":[{"iteration":1}]}`,
		`{"Kind":"tuning_report","Schema_Version":1,"iterations":[{"iteration":1}]}`,
	} {
		sameReport(t, []byte(in))
	}
}

func FuzzFastPathIterationSummary(f *testing.F) {
	addFixtures(f, "legacy/ITER_SUMMARY_*.json")
	ours, err := Marshal(benchIter(7))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(ours)
	f.Add([]byte(validIter))
	f.Add([]byte(fullIter))
	f.Fuzz(func(t *testing.T, data []byte) { sameSummary(t, data) })
}

func FuzzFastPathTuningReport(f *testing.F) {
	addFixtures(f, "legacy/TUNING_REPORT*.json")
	r := TuningReport{SchemaVersion: SchemaVersion, Kind: KindTuningReport}
	for i := 1; i <= 3; i++ {
		r.Iterations = append(r.Iterations, *benchIter(i).Tuning)
	}
	r.Summarize()
	data, err := Marshal(r)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) { sameReport(t, data) })
}

// shrunkSeeker reports a size smaller than its contents, as a file that
// grows between the seek and the read does.
type shrunkSeeker struct {
	*bytes.Reader
	size int64
}

func (s shrunkSeeker) Seek(off int64, whence int) (int64, error) {
	if whence == io.SeekEnd {
		return s.size, nil
	}
	return s.Reader.Seek(off, whence)
}

func TestReadAllFrom0(t *testing.T) {
	data := bytes.Repeat([]byte("ledger "), 10000)
	for _, size := range []int64{0, 1, 100, int64(len(data)) - 1, int64(len(data))} {
		r := bytes.NewReader(data)
		r.Seek(500, io.SeekStart) // a reader already read from starts over
		got, err := readAllFrom0(shrunkSeeker{r, size})
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("size %d: %d bytes, %v; want %d bytes", size, len(got), err, len(data))
		}
	}
}
