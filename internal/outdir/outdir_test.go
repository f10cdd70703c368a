package outdir

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soakline/soakline/pkg/artifact"
)

const sum0 = "0000000000000000000000000000000000000000000000000000000000000000"

func TestRead(t *testing.T) {
	for _, tc := range []struct {
		name, stage, data, err string
		want                   int
	}{
		{"gate ok", "gate", `{"schema_version":1,"kind":"soak_gate_files","files":[{"name":"POST_SOAK_SNAPSHOT.json","sha256":"` + sum0 + `"},{"name":"POST_SOAK_METRICS.prom","sha256":"` + sum0 + `"}]}`, "", 2},
		{"gate other name", "gate", `{"schema_version":1,"kind":"soak_gate_files","files":[{"name":"REPORT.html","sha256":"` + sum0 + `"}]}`, `file name "REPORT.html"`, 0},
		{"gate traversal", "gate", `{"schema_version":1,"kind":"soak_gate_files","files":[{"name":"../POST_SOAK_SNAPSHOT.json","sha256":"` + sum0 + `"}]}`, "file name", 0},
		{"gate judged", "gate", `{"schema_version":1,"kind":"soak_gate_files","files":[{"name":"POST_SOAK_SNAPSHOT.json","sha256":"` + sum0 + `","judged":true}]}`, "judged mark", 0},
		{"reports kind as gate", "gate", `{"schema_version":1,"kind":"soak_reports_files","files":[]}`, "kind", 0},
		{"reports ok", "reports", `{"schema_version":1,"kind":"soak_reports_files","files":[{"name":"charts/net_bps.svg","sha256":"` + sum0 + `","judged":true}]}`, "", 1},
		{"bad digest", "reports", `{"schema_version":1,"kind":"soak_reports_files","files":[{"name":"FAILURES.md","sha256":"ABC"}]}`, "sha256", 0},
		{"unknown field", "gate", `{"schema_version":1,"kind":"soak_gate_files","files":[],"x":1}`, "unknown field", 0},
		{"trailing", "gate", `{"schema_version":1,"kind":"soak_gate_files","files":[]} {}`, "data after", 0},
		{"huge", "gate", `{"schema_version":1,"kind":"soak_gate_files","files":[],"x":"` + strings.Repeat("a", MaxRecordSize) + `"}`, "larger than", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := Gate
			if tc.stage == "reports" {
				s = Reports
			}
			if err := os.WriteFile(filepath.Join(dir, s.File), []byte(tc.data), 0o644); err != nil {
				t.Fatal(err)
			}
			rec, err := s.Read(dir)
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("error %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("error %v, want %q", err, tc.err)
			case tc.err == "" && len(rec) != tc.want:
				t.Fatalf("%d names, want %d", len(rec), tc.want)
			}
		})
	}
}

func TestReadSymlinkRecord(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "elsewhere.json")
	os.WriteFile(target, []byte(`{"schema_version":1,"kind":"soak_gate_files","files":[]}`), 0o644)
	if err := os.Symlink(target, filepath.Join(dir, GateRecord)); err != nil {
		t.Skip(err)
	}
	if _, err := Gate.Read(dir); err == nil || !strings.Contains(err.Error(), "a symlink where soak-gate keeps") {
		t.Fatalf("error %v", err)
	}
}

func TestOwner(t *testing.T) {
	data := []byte("verdict")
	o := Owners{
		Gate:    map[string][]Entry{"POST_SOAK_SNAPSHOT.json": {{Name: "POST_SOAK_SNAPSHOT.json", SHA256: artifact.Hash(data)}}},
		Reports: map[string][]Entry{"POST_SOAK_SNAPSHOT.json": {{Name: "POST_SOAK_SNAPSHOT.json", SHA256: sum0, Judged: true}}},
	}
	e, s, ok := o.Owner("POST_SOAK_SNAPSHOT.json", data)
	if !ok || s != &Gate || e.Judged {
		t.Fatalf("owner %v %v %v: want soak-gate's, not judged", e, s, ok)
	}
	if _, _, ok := o.Owner("POST_SOAK_SNAPSHOT.json", []byte("other")); ok {
		t.Fatal("other bytes owned")
	}
	if _, _, ok := o.Owner("DELTA_VERIFY_REPORT.md", data); ok {
		t.Fatal("unlisted name owned")
	}
}

func TestReadRegularLarge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(path, make([]byte, 11), 0o644); err != nil {
		t.Fatal(err)
	}
	if data, k, err := ReadRegular(path, 10); err != nil || k != Large || data != nil {
		t.Fatalf("%d bytes, kind %q, %v: want Large, unread", len(data), k, err)
	}
	if data, k, err := ReadRegular(path, 11); err != nil || k != File || len(data) != 11 {
		t.Fatalf("%d bytes, kind %q, %v", len(data), k, err)
	}
}

func FuzzRead(f *testing.F) {
	f.Add(`{"schema_version":1,"kind":"soak_gate_files","files":[{"name":"POST_SOAK_SNAPSHOT.json","sha256":"` + sum0 + `"}]}`)
	f.Add(`{"schema_version":1,"kind":"soak_reports_files","files":[{"name":"charts/x.svg","sha256":"` + sum0 + `","judged":true}]}`)
	f.Add(`{"schema_version":1,"kind":"soak_gate_files","files":[{"name":"../x","sha256":""}]}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, data string) {
		dir := t.TempDir()
		for _, s := range []Stage{Gate, Reports} {
			if err := os.WriteFile(filepath.Join(dir, s.File), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
			rec, err := s.Read(dir)
			if err != nil {
				continue
			}
			for name, es := range rec {
				if !s.Valid(name) || strings.Contains(name, "..") || filepath.IsAbs(name) {
					t.Fatalf("%s record accepted name %q", s.Name, name)
				}
				for _, e := range es {
					if len(e.SHA256) != 64 || (e.Judged && !s.Judged) {
						t.Fatalf("%s record accepted %+v", s.Name, e)
					}
				}
			}
		}
	})
}
