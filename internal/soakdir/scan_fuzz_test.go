package soakdir

import (
	"bytes"
	"testing"

	"github.com/soakline/soakline/internal/legacy"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

func FuzzScanLines(f *testing.F) {
	f.Add([]byte("{\"schema_version\":1,\"kind\":\"iteration_summary\",\"iteration\":1}\r\n\n{\"iteration\":2,\"summary\":{\"net_bps\":NaN}}"))
	f.Add([]byte("\uFEFF{\"schema_version\":1,\"kind\":\"run\"}\n[1]\n"))
	f.Add([]byte("\n\n   \r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		prev := 0
		calls := 0
		err := ScanLines("s", bytes.NewReader(data), func(line int, env artifact.Envelope, raw []byte) error {
			calls++
			if line <= prev {
				t.Fatalf("line %d after line %d", line, prev)
			}
			prev = line
			if bytes.ContainsAny(raw, "\n") || len(bytes.TrimSpace(raw)) == 0 {
				t.Fatalf("line %d: raw %q", line, raw)
			}
			// Each line decodes as the kind it claims, or fails cleanly.
			switch env.Kind {
			case "", artifact.KindIterationSummary:
				if s, err := legacy.IterationSummary("", raw); err != nil && s != nil {
					t.Fatal("result with an error")
				}
			}
			return nil
		})
		if err != nil {
			if _, ok := err.(*fileerr.Error); !ok {
				t.Fatalf("error %v is %T, want *fileerr.Error", err, err)
			}
			return
		}
		lines := bytes.Split(artifact.TrimBOM(data), []byte("\n"))
		want := 0
		for _, l := range lines {
			if len(bytes.TrimSpace(l)) > 0 {
				want++
			}
		}
		if calls != want {
			t.Fatalf("%d calls for %d non-blank lines", calls, want)
		}
	})
}
