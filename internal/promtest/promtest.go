// Package promtest runs the real Prometheus for tests: Start launches the
// prometheus binary (Debian's package; .ci/run installs it) on a free
// 127.0.0.1 port with a temporary TSDB, scraping the targets it is given;
// Backfill writes recorded series into a TSDB with `promtool tsdb
// create-blocks-from openmetrics`. Tests skip, with a message saying so,
// only when the binaries are absent.
//
// Model is a small market-making bot in numbers (fills by role, order
// latencies, risk blocks, net edge) for one track, deterministic for a
// seed, that feeds either a live exporter (Exporter, the official client
// library) or a recording for Backfill (Recorder), both with the metric
// names of the metrics contract (policy.DefaultQueries).
package promtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Binary returns the path of a Prometheus binary (prometheus or promtool),
// from PATH or /usr/bin, and skips the test when there is none.
func Binary(t testing.TB, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if p := "/usr/bin/" + name; fileExists(p) {
		return p
	}
	t.Skipf("%s not installed (Debian: apt-get install prometheus; .ci/run installs it): test skipped", name)
	return ""
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// Backfill writes the OpenMetrics text om (ending "# EOF") into the TSDB
// directory dir.
func Backfill(t testing.TB, dir string, om []byte) {
	t.Helper()
	tool := Binary(t, "promtool")
	in := filepath.Join(t.TempDir(), "series.om")
	if err := os.WriteFile(in, om, 0o644); err != nil {
		t.Fatal(err)
	}
	// Blocks of up to 24 hours keep a 48-hour recording to a few blocks.
	out, err := exec.Command(tool, "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=24h", in, dir).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool tsdb create-blocks-from openmetrics: %v\n%s", err, out)
	}
}

// Server is a running Prometheus.
type Server struct {
	URL  string
	cmd  *exec.Cmd
	done chan struct{}
	log  *bytes.Buffer
}

// Config configures Start.
type Config struct {
	TSDB           string        // data directory (default a temporary one)
	Targets        []string      // host:port scraped at /metrics
	ScrapeInterval time.Duration // default 1s
}

// Start launches prometheus and waits until it is ready. It is killed when
// the test ends.
func Start(t testing.TB, c Config) *Server {
	t.Helper()
	bin := Binary(t, "prometheus")
	dir := t.TempDir()
	if c.TSDB == "" {
		c.TSDB = filepath.Join(dir, "data")
	}
	if c.ScrapeInterval == 0 {
		c.ScrapeInterval = time.Second
	}
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "global:\n  scrape_interval: %s\n  evaluation_interval: %s\n", dur(c.ScrapeInterval), dur(c.ScrapeInterval))
	if len(c.Targets) > 0 {
		fmt.Fprintf(&cfg, "scrape_configs:\n  - job_name: bot\n    scrape_timeout: %s\n    static_configs:\n      - targets: [%s]\n", dur(c.ScrapeInterval), quoteAll(c.Targets))
	}
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for attempt := 0; ; attempt++ {
		addr := freeAddr(t)
		s := &Server{URL: "http://" + addr, done: make(chan struct{}), log: &bytes.Buffer{}}
		s.cmd = exec.Command(bin, "--config.file="+cfgPath, "--storage.tsdb.path="+c.TSDB,
			"--storage.tsdb.retention.time=100y", "--web.listen-address="+addr,
			"--query.lookback-delta=5m", "--log.level=warn")
		s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
		if err := s.cmd.Start(); err != nil {
			t.Fatalf("start prometheus: %v", err)
		}
		go func() { s.cmd.Wait(); close(s.done) }()
		t.Cleanup(s.Kill)
		if err := s.waitReady(30 * time.Second); err == nil {
			return s
		} else if attempt == 2 {
			t.Fatalf("prometheus did not become ready: %v\n%s", err, s.log.String())
		}
		s.Kill() // the port was taken in between: try another
	}
}

func (s *Server) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("prometheus exited")
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/-/ready", nil)
		resp, err := http.DefaultClient.Do(req)
		cancel()
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("not ready after %s", timeout)
}

// Kill stops Prometheus with SIGKILL and waits for it to exit.
func (s *Server) Kill() {
	if s.cmd.Process != nil {
		s.cmd.Process.Signal(syscall.SIGKILL)
	}
	<-s.done
}

// Log is what Prometheus printed.
func (s *Server) Log() string { return s.log.String() }

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

func dur(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("%ds", int(d/time.Second))
	}
	return fmt.Sprintf("%dms", int(d/time.Millisecond))
}
