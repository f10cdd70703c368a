package reports

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// chromium finds Debian's chromium (or Google's build) on PATH.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium is not installed; skipping the REPORT.html rendering test (apt-get install chromium)")
	return ""
}

// TestHTMLInChromium opens REPORT.html in headless Chromium with the
// network effectively off: a screenshot must be produced, and the DOM must
// hold the verdict, the three reports and the inline charts.
func TestHTMLInChromium(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()
	soak, out := filepath.Join(dir, "soak dir"), filepath.Join(dir, "reports out")
	writeOurs(t, soak, 24, failShape, map[int]bool{21: true})
	if _, stderr, code := runCLI(t, "", nil, soak, "--out", out, "--html"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	page := filepath.Join(out, "REPORT.html")
	url := "file://" + filepath.ToSlash(page)
	url = strings.ReplaceAll(url, " ", "%20")
	common := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + filepath.Join(dir, "profile")}

	shot := filepath.Join(dir, "shot.png")
	runChromium(t, bin, append(common, "--screenshot="+shot, "--window-size=1280,2000", url)...)
	fi, err := os.Stat(shot)
	if err != nil || fi.Size() < 10000 {
		t.Fatalf("no usable screenshot (%v, %d bytes)", err, sizeOf(fi))
	}
	png, _ := os.ReadFile(shot)
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("screenshot is not a PNG")
	}

	dom := runChromium(t, bin, append(common, "--dump-dom", url)...)
	for _, want := range []string{
		`id="verdict"`, "Verdict: FAIL", `<section id="audit">`, `<section id="recommendations">`,
		`<section id="failures">`, "<svg", "judged window 17-24", "engine.concurrency_limit",
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("rendered DOM lacks %q", want)
		}
	}
}

func sizeOf(fi os.FileInfo) int64 {
	if fi == nil {
		return 0
	}
	return fi.Size()
}

func runChromium(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, tail(stderr.String(), 2000))
	}
	return stdout.String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// TestHTMLSelfContained: REPORT.html fetches nothing: no scripts, no
// external URLs, and a content security policy that forbids loading.
func TestHTMLSelfContained(t *testing.T) {
	dir := t.TempDir()
	soak, out := filepath.Join(dir, "soak"), filepath.Join(dir, "out")
	writeOurs(t, soak, 12, passShape, nil)
	if _, stderr, code := runCLI(t, "", nil, soak, "--out", out, "--html"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	page, err := os.ReadFile(filepath.Join(out, "REPORT.html"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	for _, bad := range []string{"<script", "src=\"http", "href=\"http", "@import", "url(http"} {
		if strings.Contains(s, bad) {
			t.Errorf("REPORT.html contains %q", bad)
		}
	}
	if !strings.Contains(s, "default-src 'none'") {
		t.Errorf("REPORT.html has no restrictive content security policy")
	}
	if n := strings.Count(s, "<svg"); n < 4 {
		t.Errorf("REPORT.html inlines %d charts, want at least 4", n)
	}
}
