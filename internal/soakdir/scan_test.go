package soakdir

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/soakline/soakline/internal/legacy"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

type scanned struct {
	Line int
	Env  artifact.Envelope
	Raw  string
}

func scanAll(in io.Reader) ([]scanned, error) {
	var got []scanned
	err := ScanLines("stream.jsonl", in, func(line int, env artifact.Envelope, raw []byte) error {
		got = append(got, scanned{line, env, string(raw)})
		return nil
	})
	return got, err
}

func TestScanLines(t *testing.T) {
	it := artifact.Envelope{SchemaVersion: 1, Kind: artifact.KindIterationSummary}
	tests := []struct {
		name    string
		in      string
		want    []scanned
		wantErr string
	}{
		{name: "empty"},
		{name: "only blank lines", in: "\n\r\n  \n\t\n"},
		{
			name: "CRLF, blank lines, no final newline",
			in:   "{\"schema_version\":1,\"kind\":\"iteration_summary\",\"iteration\":1}\r\n\r\n\n{\"schema_version\":1,\"kind\":\"iteration_summary\",\"iteration\":2}",
			want: []scanned{
				{1, it, `{"schema_version":1,"kind":"iteration_summary","iteration":1}`},
				{4, it, `{"schema_version":1,"kind":"iteration_summary","iteration":2}`},
			},
		},
		{
			name: "BOM on the first line",
			in:   "\uFEFF{\"schema_version\":1,\"kind\":\"run\"}\n",
			want: []scanned{{1, artifact.Header(artifact.KindRun), `{"schema_version":1,"kind":"run"}`}},
		},
		{
			name: "missing kind is passed on as a zero envelope",
			in:   "{\"iteration\": 3, \"summary\": {\"net_bps\": NaN}}\n",
			want: []scanned{{1, artifact.Envelope{}, `{"iteration": 3, "summary": {"net_bps": NaN}}`}},
		},
		{
			name:    "invalid line",
			in:      "{\"schema_version\":1,\"kind\":\"run\"}\n\n[1,\n",
			want:    []scanned{{1, artifact.Header(artifact.KindRun), `{"schema_version":1,"kind":"run"}`}},
			wantErr: `stream.jsonl: line 3: invalid JSON: unexpected end of JSON input`,
		},
		{
			name:    "a list on a line",
			in:      "[]\n",
			wantErr: `stream.jsonl: line 1: want a JSON object, got an array`,
		},
		{
			name:    "kind without version",
			in:      "\n{\"kind\":\"run\"}\n",
			wantErr: `stream.jsonl: line 2: run: missing schema_version`,
		},
		{
			name:    "pretty-printed JSON is not JSON Lines",
			in:      "{\n  \"schema_version\": 1\n}\n",
			wantErr: `stream.jsonl: line 1: invalid JSON: unexpected end of JSON input`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := scanAll(strings.NewReader(tc.in))
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("no error, want %q", tc.wantErr)
				}
				if diff := cmp.Diff(tc.wantErr, err.Error()); diff != "" {
					t.Errorf("error (-want +got):\n%s", diff)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestScanLinesLongLines(t *testing.T) {
	if raceEnabled {
		t.Skip("20 MB through byte loops: slow under the race detector")
	}
	// A 20 MB line between two short ones, read through a reader that
	// returns small chunks.
	long := `{"schema_version":1,"kind":"run","command":["` + strings.Repeat("x", 20<<20) + `"]}`
	in := "{\"schema_version\":1,\"kind\":\"run\"}\n" + long + "\r\n{\"schema_version\":1,\"kind\":\"verdict\"}\n"
	var lens []int
	err := ScanLines("s", io.MultiReader(strings.NewReader(in[:100]), strings.NewReader(in[100:])), func(line int, env artifact.Envelope, raw []byte) error {
		lens = append(lens, len(raw))
		if line == 2 && string(raw) != long {
			t.Errorf("line 2 is not the long line")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{33, len(long), 37}, lens); diff != "" {
		t.Errorf("line lengths (-want +got):\n%s", diff)
	}
}

func TestScanLinesTooLong(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("64 MB: skipped in -short mode and under the race detector")
	}
	in := io.MultiReader(strings.NewReader("{}\n"), io.LimitReader(xReader{}, MaxLineBytes+1))
	err := ScanLines("s", in, func(int, artifact.Envelope, []byte) error { return nil })
	want := fmt.Sprintf("s: line 2: line longer than %d bytes", MaxLineBytes)
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
}

// xReader is an endless stream of 'x' (copied in blocks: a byte loop is
// slow under the race detector).
type xReader struct{}

var xBlock = bytes.Repeat([]byte{'x'}, 64<<10)

func (xReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		n += copy(p[n:], xBlock)
	}
	return n, nil
}

type failingReader struct {
	data string
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestScanLinesErrors(t *testing.T) {
	diskErr := errors.New("input/output error")
	t.Run("read error names the line", func(t *testing.T) {
		_, err := scanAll(&failingReader{data: "{}\n{}\n{\"a\"", err: diskErr})
		if want := "stream.jsonl: line 3: input/output error"; err == nil || err.Error() != want {
			t.Errorf("err = %v, want %q", err, want)
		}
		if !errors.Is(err, diskErr) {
			t.Error("the read error is not wrapped")
		}
	})
	t.Run("callback error with a line of its own gets the stream's", func(t *testing.T) {
		err := ScanLines("s.jsonl", strings.NewReader("{}\n\n{}\n"), func(line int, _ artifact.Envelope, raw []byte) error {
			if line == 3 {
				return fileerr.Errorf("", 1, "iteration %d appears twice", 4)
			}
			return nil
		})
		if want := "s.jsonl: line 3: iteration 4 appears twice"; err == nil || err.Error() != want {
			t.Errorf("err = %v, want %q", err, want)
		}
	})
	t.Run("callback error with a file is kept", func(t *testing.T) {
		want := fileerr.Errorf("other.json", 2, "bad")
		err := ScanLines("s.jsonl", strings.NewReader("{}\n"), func(int, artifact.Envelope, []byte) error { return want })
		if err != want {
			t.Errorf("err = %v, want %v", err, want)
		}
	})
	t.Run("plain callback error is returned as is", func(t *testing.T) {
		err := ScanLines("s.jsonl", strings.NewReader("{}\n"), func(int, artifact.Envelope, []byte) error { return io.ErrClosedPipe })
		if err != io.ErrClosedPipe {
			t.Errorf("err = %v", err)
		}
	})
}

func TestLineError(t *testing.T) {
	if got := LineError("s", 4, fileerr.Errorf("x", 1, "bad")).Error(); got != "s: line 4: bad" {
		t.Errorf("got %q", got)
	}
	if got := LineError("s", 4, io.EOF); got.Error() != "s: line 4: EOF" || !errors.Is(got, io.EOF) {
		t.Errorf("got %q", got)
	}
}

// The stream writer's lines read back through ScanLines.
func TestMarshalLineScans(t *testing.T) {
	var buf bytes.Buffer
	for i := 1; i <= 3; i++ {
		line, err := artifact.MarshalLine(&artifact.IterationSummary{SchemaVersion: 1, Kind: artifact.KindIterationSummary, Iteration: 7, Mode: artifact.ModeMock, Status: artifact.StatusOK})
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Count(line, []byte("\n")) != 1 || line[len(line)-1] != '\n' {
			t.Fatalf("artifact.MarshalLine wrote %q", line)
		}
		buf.Write(line)
	}
	n := 0
	err := ScanLines("s", &buf, func(line int, env artifact.Envelope, raw []byte) error {
		n++
		_, err := legacy.IterationSummary("", raw)
		return err
	})
	if err != nil || n != 3 {
		t.Errorf("n = %d, err = %v", n, err)
	}
}
