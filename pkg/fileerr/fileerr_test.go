package fileerr

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{File: "a.json", Line: 3, Err: errors.New("bad")}, "a.json: line 3: bad"},
		{&Error{File: "a.json", Err: errors.New("bad")}, "a.json: bad"},
		{&Error{Line: 2, Err: errors.New("bad")}, "line 2: bad"},
		{&Error{Err: errors.New("bad")}, "bad"},
		{Errorf("p.yaml", 7, "threshold %s: want a number", "x").(*Error), "p.yaml: line 7: threshold x: want a number"},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
	inner := errors.New("inner")
	if !errors.Is(&Error{Err: inner}, inner) {
		t.Error("Error does not unwrap")
	}
}

// TestPathError: a failed open names the file once, and still matches
// fs.ErrNotExist.
func TestPathError(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.json")
	_, err := os.ReadFile(missing)
	err = PathError("nope.json", err)
	if got, want := err.Error(), "nope.json: no such file or directory"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Error("PathError lost fs.ErrNotExist")
	}
	plain := errors.New("short read")
	if got := PathError("f", plain).Error(); got != "f: short read" {
		t.Errorf("got %q", got)
	}
}

func TestLineOf(t *testing.T) {
	data := []byte("a\nb\r\nc")
	for _, tc := range []struct {
		off  int64
		want int
	}{{-5, 1}, {0, 1}, {1, 1}, {2, 2}, {5, 3}, {6, 3}, {99, 3}} {
		if got := LineOf(data, tc.off); got != tc.want {
			t.Errorf("LineOf(%d) = %d, want %d", tc.off, got, tc.want)
		}
	}
}

func TestKeyLine(t *testing.T) {
	data := []byte("\uFEFF{\n  \"note\": \"net_bps\",\n  \"summary\": {\n    \"net_bps\" : 1.5\n  }\n}\n")
	for _, tc := range []struct {
		key  string
		want int
	}{
		{"note", 2},
		{"summary", 3},
		{"net_bps", 4},         // the string value "net_bps" on line 2 is not a member
		{"summary.net_bps", 4}, // dotted: found by its last segment
		{"missing", 0},
		{"summary.missing", 0},
	} {
		if got := KeyLine(data, tc.key); got != tc.want {
			t.Errorf("KeyLine(%q) = %d, want %d", tc.key, got, tc.want)
		}
	}
}
