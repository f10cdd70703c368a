package bot

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/soakline/soakline/internal/policy"
)

func TestLiveFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"metrics without run-for", []string{"--metrics-addr", "127.0.0.1:0"}, "--metrics-addr goes with --run-for"},
		{"track without run-for", []string{"--track", "canary"}, "--track goes with --run-for"},
		{"degrade without run-for", []string{"--degrade-after", "1m"}, "--degrade-after goes with --run-for"},
		{"no metrics addr", []string{"--run-for", "1m"}, "needs --metrics-addr"},
		{"iteration flag in live mode", []string{"--run-for", "1m", "--metrics-addr", "127.0.0.1:0", "--fail-at", "2"}, "--fail-at is for one iteration"},
		{"events in live mode", []string{"--run-for", "1m", "--metrics-addr", "127.0.0.1:0", "--events", "10"}, "--events is for one iteration"},
		{"negative run-for", []string{"--run-for", "-1s", "--metrics-addr", "127.0.0.1:0"}, "--run-for: want a positive duration"},
		{"negative degrade", []string{"--run-for", "1m", "--metrics-addr", "127.0.0.1:0", "--degrade-after", "-1s"}, "--degrade-after must not be negative"},
		{"rate too low", []string{"--run-for", "1m", "--metrics-addr", "127.0.0.1:0", "--rate", "1"}, "--rate: want 10 to 1000000"},
		{"empty track", []string{"--run-for", "1m", "--metrics-addr", "127.0.0.1:0", "--track", ""}, "--track must not be empty"},
		{"bad address", []string{"--run-for", "1m", "--metrics-addr", "not an address"}, "--metrics-addr:"},
		{"bad overrides", []string{"--run-for", "1m", "--metrics-addr", "127.0.0.1:0", "--overrides", "/nonexistent/overrides.json"}, "/nonexistent/overrides.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := Run(tc.args, func(string) string { return "" }, &out, &errb)
			if code != 2 || !strings.Contains(errb.String(), tc.want) {
				t.Fatalf("exit %d, stderr %q; want 2 and %q", code, errb.String(), tc.want)
			}
		})
	}
}

// scrape reads /metrics: the type of each family; every sample must
// carry track="canary".
func scrape(t *testing.T, addr string) map[string]string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	types := map[string]string{}
	for _, l := range strings.Split(string(body), "\n") {
		switch {
		case strings.HasPrefix(l, "# TYPE "):
			f := strings.Fields(l)
			types[f[2]] = strings.ToUpper(f[3])
		case l == "" || strings.HasPrefix(l, "#"):
		case !strings.Contains(l, `track="canary"`):
			t.Errorf("a series without track=\"canary\": %s", l)
		}
	}
	return types
}

// syncBuffer is a bytes.Buffer for one writer and one reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// paramValue reads one bot_effective_param value from /metrics.
func paramValue(t *testing.T, addr, key string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`bot_effective_param\{key="` + regexp.QuoteMeta(key) + `",track="canary"\} (\S+)`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no bot_effective_param for %s in\n%s", key, body)
	}
	return string(m[1])
}

// TestLiveExportsTheContract runs fakebot in live mode: it serves every
// metric the built-in KPI queries read (policy.DefaultQueries, the
// contract), with its type and the track label, plus the parameters it
// runs with; it re-reads its overrides file when the file changes; it
// exits 0 at --run-for.
func TestLiveExportsTheContract(t *testing.T) {
	dir := t.TempDir()
	ov := filepath.Join(dir, "overrides.json")
	if err := os.WriteFile(ov, []byte(`{"tail_age_ms": 610}`), 0o644); err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	var errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Run([]string{"--run-for", "4s", "--metrics-addr", "127.0.0.1:0", "--track", "canary", "--overrides", ov, "--rate", "500"},
			func(string) string { return "" }, pw, &errb)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	next := func() string {
		if !lines.Scan() {
			t.Fatalf("fakebot said no more; stderr:\n%s", errb.String())
		}
		return lines.Text()
	}
	first := next()
	i := strings.Index(first, "serving http://")
	if i < 0 {
		t.Fatalf("first line %q", first)
	}
	addr := strings.TrimSuffix(strings.TrimPrefix(first[i:], "serving http://"), first[strings.Index(first, "/metrics"):])
	time.Sleep(300 * time.Millisecond) // a few ticks of trading

	types := scrape(t, addr)
	want := map[string]string{"bot_effective_param": "GAUGE"}
	for kpi, q := range policy.DefaultQueries() {
		for _, name := range regexp.MustCompile(`bot_[a-z_]+`).FindAllString(q, -1) {
			if base, ok := strings.CutSuffix(name, "_bucket"); ok {
				want[base] = "HISTOGRAM"
				continue
			}
			if base, ok := strings.CutSuffix(name, "_count"); ok && types[base] == "HISTOGRAM" {
				continue // a histogram's sample count
			}
			if _, ok := types[name]; !ok {
				t.Errorf("KPI %s reads %s, which fakebot does not export", kpi, name)
			}
		}
	}
	want["bot_fills_notional_total"], want["bot_order_blocks_total"], want["bot_net_edge_bps"] = "COUNTER", "COUNTER", "GAUGE"
	for name, typ := range want {
		if types[name] != typ {
			t.Errorf("%s: type %q, want %s", name, types[name], typ)
		}
	}
	if v := paramValue(t, addr, "tail_age_ms"); v != "610" {
		t.Fatalf("tail_age_ms exported as %s, want 610 (from the overrides file)", v)
	}

	// The file changes: the bot reads it again.
	tmp := ov + ".tmp"
	os.WriteFile(tmp, []byte(`{"tail_age_ms": 650}`), 0o644)
	if err := os.Rename(tmp, ov); err != nil {
		t.Fatal(err)
	}
	if l := next(); !strings.Contains(l, "re-read "+ov+": 1 overrides") {
		t.Fatalf("after the change: %q", l)
	}
	if v := paramValue(t, addr, "tail_age_ms"); v != "650" {
		t.Fatalf("tail_age_ms exported as %s after the change, want 650", v)
	}
	// A broken file is reported and the bot keeps what it runs with.
	os.WriteFile(tmp, []byte(`{"tail_age_ms": `), 0o644)
	os.Rename(tmp, ov)
	deadline := time.Now().Add(2 * time.Second)
	for !strings.Contains(errb.String(), "keeping the parameters I run with") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if v := paramValue(t, addr, "tail_age_ms"); v != "650" {
		t.Fatalf("tail_age_ms exported as %s after a broken file, want 650 kept", v)
	}
	if l := next(); !strings.Contains(l, "ran for 4s") {
		t.Fatalf("last line %q", l)
	}
	if code := <-done; code != 0 {
		t.Fatalf("exit %d\n%s", code, errb.String())
	}
}
