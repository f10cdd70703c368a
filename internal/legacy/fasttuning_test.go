package legacy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/go-cmp/cmp"

	"github.com/soakline/soakline/pkg/artifact"
)

// slowTuning is the generic reader of a record: tuningDoc, then tuning.
func slowTuning(clean []byte) (*artifact.Tuning, error) {
	var m tuningDoc
	if err := json.Unmarshal(clean, &m); err != nil {
		return nil, err
	}
	return tuning("f", clean, &m)
}

// fastTuningOf is readTuning on a whole document.
func fastTuningOf(clean []byte) (*artifact.Tuning, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(clean))
	tu := new(artifact.Tuning)
	if err := readTuning(dec, tu); err != nil {
		return nil, err
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		return nil, errors.New("trailing data")
	}
	return tu, nil
}

// sameRecord compares two records down to what encoding tells apart (nil
// and empty, the bits of every float).
func sameRecord(a, b *artifact.Tuning) string {
	if d := cmp.Diff(a, b); d != "" {
		return d
	}
	for _, p := range [][2][]string{{a.ChangedKeys, b.ChangedKeys}, {a.Guards, b.Guards}, {a.Rationale, b.Rationale}} {
		if (p[0] == nil) != (p[1] == nil) {
			return "nil and empty slice"
		}
	}
	if (a.ProposedDeltas == nil) != (b.ProposedDeltas == nil) {
		return "nil and empty map"
	}
	ea, _ := json.Marshal(a, json.Deterministic(true))
	eb, _ := json.Marshal(b, json.Deterministic(true))
	if !bytes.Equal(ea, eb) {
		return fmt.Sprintf("encodings differ:\n%s\n%s", ea, eb)
	}
	return ""
}

var tuningSeeds = []string{
	`{"applied": false, "changed_keys": [], "conditions": {"a": 1}, "deltas": {}, "old_hash": "aa", "proposed_deltas": {}, "rationale": "", "skip_reason": "", "state_hash": "aa"}`,
	`{"applied": true, "changed_keys": ["x", 1, null, "y"], "iteration": 7, "proposed_deltas": {"b": 0.011, "a": -5, "c": null, "d": "NaN", "e": "Infinity"}, "rationale": " r1 | r2 |  | r3 ", "state_hash": "", "signature": "sig"}`,
	`{"iteration": "NaN", "deltas": {"a": 1}, "suggested_deltas": {"b": 2}, "skip_reason": {"cooldown": true, "velocity": true, "note": "n", "no_op": true, "x": 1}, "oscillation_detected": true, "freeze_triggered": true, "cooldown_active": true}`,
	`{"proposed_deltas": null, "deltas": null, "suggested_deltas": {"b": 2}, "skip_reason": {"note": "held"}, "signature": "na", "rationale": ["a", 2, "b"]}`,
	`{"skip_reason": {"no_op": true}, "velocity_violation": true, "applied": "yes", "old_hash": 5, "iteration": 1.5}`,
	`{"proposed_deltas": {"a": "1"}}`,
	`{"proposed_deltas": 3, "deltas": {"a": 1}}`,
	`{"changed_keys": [[1]], "rationale": {"a": 1}}`,
	`{"applied": true, "applied": false}`,
	`{"appl\u0069ed": true, "proposed_deltas": {"\u0061": 1, "a": 2}}`,
	`{"iteration": 1e999}`,
	`{"skip_reason": {"x": 1e400}}`,
	`{"unknown": [1e999, {"a": 2}], "Applied": true}`,
	`{"iteration": -3, "state_hash": "s", "signature": "t"}`,
	`[]`,
	`{"iteration": {}}`,
}

func FuzzFastTuning(f *testing.F) {
	for _, s := range tuningSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		clean := sanitize(data)
		fast, ferr := fastTuningOf(clean)
		if ferr != nil {
			return // the generic reader reads it
		}
		slow, serr := slowTuning(clean)
		if serr != nil {
			t.Fatalf("fast reader took what the generic one refuses (%v):\n%s", serr, clean)
		}
		if d := sameRecord(fast, slow); d != "" {
			t.Fatalf("fast and generic readers differ on\n%s\n%s", clean, d)
		}
	})
}

func TestFastTuningSeeds(t *testing.T) {
	took := 0
	for _, s := range tuningSeeds {
		clean := sanitize([]byte(s))
		fast, ferr := fastTuningOf(clean)
		slow, serr := slowTuning(clean)
		if ferr != nil {
			t.Logf("slow path: %s (%v; generic: %v)", s, ferr, serr)
			continue
		}
		took++
		if serr != nil {
			t.Errorf("fast reader took %s, which the generic one refuses: %v", s, serr)
			continue
		}
		if d := sameRecord(fast, slow); d != "" {
			t.Errorf("%s: %s", s, d)
		}
	}
	if took < 7 {
		t.Errorf("the fast reader took %d of the seeds, want most", took)
	}
}

// The stream reader of a legacy ledger (readTuning per entry, the whole
// ledger read again on anything it does not take) gives what the reader
// of a whole ledger gives.
func FuzzReadTuningReportStream(f *testing.F) {
	for _, s := range tuningSeeds {
		f.Add([]byte(`{"iterations": [` + s + `, {"iteration": 2, "state_hash": "h"}]}`))
		f.Add([]byte(`[` + s + `]`))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		whole, werr := TuningReport("f", data)
		stream, serr := ReadTuningReport("f", bytes.NewReader(data))
		if (werr == nil) != (serr == nil) || (werr != nil && werr.Error() != serr.Error()) {
			t.Fatalf("whole: %v; stream: %v", werr, serr)
		}
		if werr != nil {
			return
		}
		if d := cmp.Diff(whole, stream); d != "" {
			t.Fatal(d)
		}
		ew, _ := json.Marshal(whole, json.Deterministic(true))
		es, _ := json.Marshal(stream, json.Deterministic(true))
		if !bytes.Equal(ew, es) {
			t.Fatalf("encodings differ:\n%s\n%s", ew, es)
		}
	})
}

// A stream ledger of more entries than one block holds (8192) reads as the
// whole ledger does, in order.
func TestReadTuningReportStreamBlocks(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(`{"iterations": [`)
	const n = 20000
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `{"iteration": %d, "proposed_deltas": {"a": %d}, "applied": %t, "state_hash": "h%d", "rationale": "x | y"}`, i, i%7, i%3 == 0, i/10)
	}
	b.WriteString("]}")
	whole, err := TuningReport("f", b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	stream, err := ReadTuningReport("f", bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(stream.Iterations) != n || cap(stream.Iterations) != n {
		t.Fatalf("len %d cap %d, want %d", len(stream.Iterations), cap(stream.Iterations), n)
	}
	if d := cmp.Diff(whole, stream); d != "" {
		t.Fatal(d)
	}
	empty, err := ReadTuningReport("f", bytes.NewReader([]byte(`{"iterations": []}`)))
	if err != nil || empty.Iterations != nil {
		t.Fatalf("empty ledger: %v, %#v", err, empty)
	}
}

// The fast pass's summary reader (fastKPIs) reads what the struct decoder
// reads into kpiDoc, on everything it takes.
func FuzzFastKPIs(f *testing.F) {
	for _, s := range []string{
		`{"adverse_bps": null, "adverse_bps_p95": 4.3727, "blocks": {"counts": {"risk": 0}}, "fills": {"maker_count": 436, "maker_volume": 22890, "taker_count": 79, "taker_volume": 3969.75}, "maker_taker_ratio": 0.8466, "maker_taker_source": "fills_volume", "neg_edge_drivers": ["slippage_bps"], "net_bps": 4.2879, "p95_latency_ms": 0, "runtime_utc": "2025-10-12T12:00:00Z"}`,
		`{"net_bps": "NaN", "risk_ratio": "x", "cancel_ratio": true, "fills": null, "ws_lag_p95_ms": [1], "maker_share_pct": {"a": 1}}`,
		`{"fills": {"maker_fills": 3, "taker_fills": "Infinity", "maker_volume": null, "x": [1e999]}, "gross_bps": -0}`,
		`{"net_bps": 1, "net_bps": 2}`,
		`{"n\u0065t_bps": 1e400}`,
		`{"Net_bps": 1, "fills": 3}`,
		`[]`, `null`, `{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		clean := sanitize(data)
		var fast fastKPIs
		if json.Unmarshal(clean, &fast) != nil {
			return
		}
		var slow kpiDoc
		if err := json.Unmarshal(clean, &slow); err != nil {
			t.Fatalf("fast reader took what the struct decoder refuses (%v):\n%s", err, clean)
		}
		fk, sk := (*kpiDoc)(&fast).kpis(), slow.kpis()
		if fmt.Sprintf("%#v", fk) != fmt.Sprintf("%#v", sk) ||
			fmt.Sprintf("%#v %#v %#v", fast.Fills, fast.MakerTakerSource.value(), fast.RuntimeUTC.value()) != fmt.Sprintf("%#v %#v %#v", slow.Fills, slow.MakerTakerSource.value(), slow.RuntimeUTC.value()) {
			t.Fatalf("readers differ on %s:\n%#v\n%#v", clean, fast, slow)
		}
	})
}

func FuzzContainsKind(f *testing.F) {
	for _, s := range []string{`"kind"`, `{"kind":1}`, `kind"`, `"kind`, `""kind""`, `k"kind"`, `"kin"kind"`, ``, `k`, `"k`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := containsKind(data), bytes.Contains(data, []byte(`"kind"`)); got != want {
			t.Fatalf("containsKind(%q) = %v, want %v", data, got, want)
		}
	})
}
