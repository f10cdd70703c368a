package soakreports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soakline/soakline/internal/render"
)

const zeros = "0000000000000000000000000000000000000000000000000000000000000000"

// TestReadRecord: the record is read strictly; anything it could use to
// claim a file that is not soak-reports' is refused, naming the record.
func TestReadRecord(t *testing.T) {
	tests := []struct {
		name, record, wantErr string
		wantNames             int
	}{
		{"empty list", `{"schema_version": 1, "kind": "soak_reports_files", "files": []}`, "", 0},
		{"two files", `{"schema_version": 1, "kind": "soak_reports_files", "files": [{"name": "FAILURES.md", "sha256": "` + zeros + `"}, {"name": "charts/net_bps.svg", "sha256": "` + zeros + `", "judged": false}]}`, "", 2},
		{"outside", `{"schema_version": 1, "kind": "soak_reports_files", "files": [{"name": "../x", "sha256": "` + zeros + `"}]}`, `file name "../x"`, 0},
		{"user file in charts", `{"schema_version": 1, "kind": "soak_reports_files", "files": [{"name": "charts/notes.txt", "sha256": "` + zeros + `"}]}`, `file name "charts/notes.txt"`, 0},
		{"the record itself", `{"schema_version": 1, "kind": "soak_reports_files", "files": [{"name": ".soak-reports.json", "sha256": "` + zeros + `"}]}`, `file name ".soak-reports.json"`, 0},
		{"bad digest", `{"schema_version": 1, "kind": "soak_reports_files", "files": [{"name": "FAILURES.md", "sha256": "ABC"}]}`, `sha256 "ABC"`, 0},
		{"unknown field", `{"schema_version": 1, "kind": "soak_reports_files", "files": [], "delete": ["/"]}`, `unknown field "delete"`, 0},
		{"other kind", `{"schema_version": 1, "kind": "verdict", "files": []}`, `kind "verdict"`, 0},
		{"trailing", `{"schema_version": 1, "kind": "soak_reports_files", "files": []} {}`, "data after the record", 0},
		{"not json", `rm -rf /`, "not a soak-reports record", 0},
		{"huge", `{"schema_version": 1, "kind": "soak_reports_files", "files": [], "x": "` + strings.Repeat("a", maxRecordSize) + `"}`, "larger than", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, RecordFile), []byte(tc.record), 0o644); err != nil {
				t.Fatal(err)
			}
			d, err := openOut(dir)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("openOut: %v", err)
				}
				if len(d.rec) != tc.wantNames {
					t.Errorf("%d names, want %d", len(d.rec), tc.wantNames)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), RecordFile) {
				t.Errorf("openOut error %v, want one naming %s and saying %q", err, RecordFile, tc.wantErr)
			}
		})
	}
}

// TestRecordNotAFile: a symlink or a directory where the record belongs
// is refused, never followed.
func TestRecordNotAFile(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(t.TempDir(), "elsewhere.json")
	if err := os.WriteFile(target, []byte(`{"schema_version": 1, "kind": "soak_reports_files", "files": []}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(dir, RecordFile)); err != nil {
		t.Skip("no symlinks here:", err)
	}
	if _, err := openOut(dir); err == nil || !strings.Contains(err.Error(), "a symlink where soak-reports keeps the record") {
		t.Errorf("openOut error %v, want a refusal of the symlink", err)
	}
}

// TestPlanKeepsForeignFiles: over a directory holding its own files and a
// user's, the plan replaces its own, removes its own stale ones, refuses a
// foreign file at one of its names, and never lists any other file.
func TestPlanKeepsForeignFiles(t *testing.T) {
	dir := t.TempDir()
	first := []render.File{
		{Name: render.AuditFile, Data: []byte("audit 1\n")},
		{Name: render.HTMLFile, Data: []byte("<html>1\n")},
		{Name: "charts/net_bps.svg", Data: []byte("<svg>1\n")},
	}
	d, err := openOut(filepath.Join(dir, "out"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := d.plan(first, false, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.apply(); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	for _, f := range []string{"notes.txt", "charts/notes.txt"} {
		if err := os.WriteFile(filepath.Join(out, f), []byte("mine\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	second := []render.File{
		{Name: render.AuditFile, Data: []byte("audit 2\n")},
		{Name: "charts/net_bps.svg", Data: []byte("<svg>2\n")},
	}
	if d, err = openOut(out); err != nil {
		t.Fatal(err)
	}
	if p, err = d.plan(second, false, false); err != nil {
		t.Fatal(err)
	}
	if len(p.write) != 2 || len(p.stale) != 1 || p.stale[0] != render.HTMLFile || len(p.left) != 0 {
		t.Fatalf("plan: write %d, stale %v, left %v", len(p.write), p.stale, p.left)
	}
	if err := p.apply(); err != nil {
		t.Fatal(err)
	}
	for f, want := range map[string]string{"notes.txt": "mine\n", "charts/notes.txt": "mine\n", render.AuditFile: "audit 2\n", "charts/net_bps.svg": "<svg>2\n"} {
		got, err := os.ReadFile(filepath.Join(out, f))
		if err != nil || string(got) != want {
			t.Errorf("%s: %q, %v; want %q", f, got, err, want)
		}
	}
	if _, err := os.Lstat(filepath.Join(out, render.HTMLFile)); !os.IsNotExist(err) {
		t.Errorf("stale %s not removed: %v", render.HTMLFile, err)
	}
	// A foreign file at one of its names: refused before anything is written.
	if err := os.WriteFile(filepath.Join(out, render.FailuresFile), []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	third := append(second, render.File{Name: render.FailuresFile, Data: []byte("failures\n")})
	third[0].Data = []byte("audit 3\n")
	if d, err = openOut(out); err != nil {
		t.Fatal(err)
	}
	if _, err := d.plan(third, false, false); err == nil || !strings.Contains(err.Error(), "FAILURES.md: not written by soak-reports") {
		t.Errorf("plan over a foreign FAILURES.md: %v", err)
	}
}

// FuzzRecord: whatever the record holds, reading it either fails or
// yields only names soak-reports writes.
func FuzzRecord(f *testing.F) {
	f.Add([]byte(`{"schema_version": 1, "kind": "soak_reports_files", "files": [{"name": "FAILURES.md", "sha256": "` + zeros + `"}]}`))
	f.Add([]byte(`{"schema_version": 1, "kind": "soak_reports_files", "files": [{"name": "charts/../../x.svg", "sha256": "` + zeros + `"}]}`))
	f.Add([]byte(`{"schema_version": 1, "kind": "soak_reports_files", "files": [{"name": "charts/a.svg", "sha256": "` + zeros + `", "judged": true}]}`))
	f.Add([]byte(`{"schema_version": 1, "kind": "soak_reports_files", "files": null}`))
	f.Add([]byte(`{"SCHEMA_VERSION": 1, "Kind": "soak_reports_files", "Files": [{"Name": "REPORT.html", "SHA256": "` + zeros + `"}]}`))
	f.Add([]byte("\xef\xbb\xbf{}"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, RecordFile), data, 0o644); err != nil {
			t.Fatal(err)
		}
		d, err := openOut(dir)
		if err != nil {
			return
		}
		for name, entries := range d.rec {
			if !render.IsOutputName(name) {
				t.Errorf("record accepted name %q", name)
			}
			for _, e := range entries {
				if len(e.SHA256) != 64 {
					t.Errorf("record accepted digest %q", e.SHA256)
				}
			}
		}
	})
}
