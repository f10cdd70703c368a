package soakdir

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/soakline/soakline/pkg/artifact"
)

// line encodes v as one JSON Lines record.
func line(t *testing.T, v any) string {
	t.Helper()
	b, err := artifact.MarshalLine(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLoadStream(t *testing.T) {
	rep := artifact.TuningReport{SchemaVersion: 1, Kind: artifact.KindTuningReport}
	for i := 1; i <= 4; i++ {
		rep.Iterations = append(rep.Iterations, *benchSummary(i).Tuning)
	}
	rep.Summarize()
	run := artifact.RunRecord{SchemaVersion: 1, Kind: artifact.KindRun, State: artifact.RunComplete, IterationsPlanned: 3, IterationsDone: 3}
	ov, err := artifact.MarshalLine(artifact.Overrides{Params: map[string]float64{"min_interval_ms": 60}})
	if err != nil {
		t.Fatal(err)
	}
	// Out of order, with a blank line, CRLF, a legacy line and the extras.
	in := line(t, run) + line(t, benchSummary(3)) + "\r\n" +
		"{\"iteration\": 1, \"summary\": {\"net_bps\": NaN}}\r\n" +
		line(t, benchSummary(2)) + string(ov) + line(t, rep)
	s, err := Load(context.Background(), "-", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{1, 2, 3}, Numbers(s)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if s.Path != "<stdin>" || s.Dir != "" || !s.Legacy || s.Run == nil || s.Overrides == nil || len(s.Digest) != 64 {
		t.Errorf("path %q dir %q legacy %v run %v overrides %v", s.Path, s.Dir, s.Legacy, s.Run, s.Overrides)
	}
	for _, it := range s.Iterations {
		if it.File != "<stdin>" {
			t.Errorf("iteration %d File = %q", it.Iteration, it.File)
		}
	}
	// The ledger's fourth entry is beyond the last summary.
	if len(s.Report.Iterations) != 3 || s.Report.Summary.Count != 3 {
		t.Errorf("ledger: %d entries, summary %+v", len(s.Report.Iterations), s.Report.Summary)
	}
	if diff := cmp.Diff([]string{"legacy input: iteration summaries written by the Python toolkit"}, s.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

func TestLoadStreamErrors(t *testing.T) {
	s1, s2 := benchSummary(1), benchSummary(2)
	tests := []struct {
		name, in, want string
	}{
		{"duplicate iteration", line(t, s1) + line(t, s2) + "\n" + line(t, s2), `<stdin>: line 4: iteration 2 appears twice (first on line 2)`},
		{"legacy and ours claim one iteration", line(t, s1) + `{"iteration": 1}` + "\n", `<stdin>: line 2: iteration 1 appears twice (first on line 1)`},
		{"invalid line", line(t, s1) + "{\"schema_version\": 1,\n", `<stdin>: line 2: invalid JSON: unexpected end of JSON input`},
		{"pretty-printed JSON", "\uFEFF{\r\n  \"iteration\": 1\r\n}\r\n", `<stdin>: line 1: not JSON Lines: a pretty-printed JSON document (a stream has one record per line; give the soak directory instead)`},
		{"pretty-printed list", "[\n]\n", `<stdin>: line 1: not JSON Lines: a pretty-printed JSON document (a stream has one record per line; give the soak directory instead)`},
		{"a lone brace without a newline is just invalid", "{", `<stdin>: line 1: invalid JSON: unexpected end of JSON input`},
		{"unknown field on a line", line(t, s1) + `{"schema_version":1,"kind":"iteration_summary","iteration":2,"status":"ok","summary":{},"x":1}` + "\n", `<stdin>: line 2: unknown field "x"`},
		{"line without kind that is not a summary", `{"hello": "world"}` + "\n", `<stdin>: line 1: iteration: want a positive integer`},
		{"unexpected kind", line(t, s1) + `{"schema_version":1,"kind":"verdict"}` + "\n", `<stdin>: line 2: unexpected kind "verdict" in a soak stream`},
		{"future version", `{"schema_version":2,"kind":"iteration_summary"}` + "\n", `<stdin>: line 1: iteration_summary: unsupported schema_version 2 (this soakline reads up to 1)`},
		{"bad status", `{"schema_version":1,"kind":"iteration_summary","iteration":2,"status":"meh","summary":{}}` + "\n", `<stdin>: line 1: status must be "ok" or "failed", got "meh"`},
		// Issue 12 item 9: nothing at all is an input error, not an
		// INCONCLUSIVE soak of no iterations.
		{"empty input", "", `<stdin>: empty input: no JSON Lines records (a soak stream has one record per line)`},
		{"blank lines only", "\n\r\n  \n", `<stdin>: empty input: no JSON Lines records (a soak stream has one record per line)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Load(context.Background(), "-", strings.NewReader(tc.in))
			if err == nil {
				t.Fatalf("loaded %v, want an error", Numbers(s))
			}
			if diff := cmp.Diff(tc.want, err.Error()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadStreamFile(t *testing.T) {
	path := t.TempDir() + "/soak.jsonl"
	writeFile(t, path, line(t, benchSummary(2))+line(t, benchSummary(1)))
	s, err := Load(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Path != path || s.Iterations[0].File != path {
		t.Errorf("path %q, file %q", s.Path, s.Iterations[0].File)
	}
	writeFile(t, path, line(t, benchSummary(1))+"{oops}\n")
	if _, err := Load(context.Background(), path, nil); err == nil || !strings.HasPrefix(err.Error(), path+": line 2: invalid JSON: ") {
		t.Errorf("err = %v", err)
	}
}
