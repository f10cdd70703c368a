package soakgate

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/soakline/soakline/internal/cliutil"
	"github.com/soakline/soakline/internal/legacy"
	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/pkg/artifact"
)

// TestParseLabels: the table of --label arguments, accepted and refused.
func TestParseLabels(t *testing.T) {
	tests := []struct {
		args []string
		want string // "" ok, else a substring of the error
	}{
		{[]string{"soak=a", "bot=mm-1", "track=canary"}, ""},
		{[]string{"_x=1", "Track9=v w"}, ""},
		{[]string{`soak=x"y\z` + "\n"}, ""},
		{[]string{"soak=a=b"}, ""}, // the value is everything after the first =
		{[]string{"soak"}, "want KEY=VALUE"},
		{[]string{"=a"}, "empty label name"},
		{[]string{"9soak=a"}, "letters, digits and _"},
		{[]string{"so-ak=a"}, "letters, digits and _"},
		{[]string{"sök=a"}, "letters, digits and _"},
		{[]string{"__soak=a"}, "reserved by Prometheus"},
		{[]string{"job=a"}, "reserved"},
		{[]string{"kpi=a"}, "reserved"},
		{[]string{"window=a"}, "reserved"},
		{[]string{"soak="}, "empty value"},
		{[]string{"soak=\xff"}, "not UTF-8"},
		{[]string{"soak=a", "bot=b", "soak=c"}, "--label soak given twice"},
	}
	for _, tc := range tests {
		ls, err := parseLabels(tc.args)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: %v", tc.args, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%q: error %v, want %q", tc.args, err, tc.want)
		case tc.want != "" && cliutil.ExitCode(err) != cliutil.ExitUsage:
			t.Errorf("%q: exit %d, want 2", tc.args, cliutil.ExitCode(err))
		case tc.want == "" && len(ls) != len(tc.args):
			t.Errorf("%q: %d labels", tc.args, len(ls))
		}
	}
}

// TestMetricsChecksAndIdentity: every check has its one-hot status, its
// levels and value; every series carries the identity labels, escaped so
// that the file parses back to the same values; the timestamp is the
// given time; maker_share_pct is the verdict's, which is kpi_last_n's mean.
func TestMetricsChecksAndIdentity(t *testing.T) {
	dir := t.TempDir()
	writeSoak(t, dir, 12)
	for i := 1; i <= 12; i++ { // give the iterations a maker_share_pct
		name := filepath.Join(dir, artifact.IterationFileName(i))
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		it, err := legacy.IterationSummary(name, data)
		if err != nil {
			t.Fatal(err)
		}
		it.Summary.MakerSharePct = artifact.F(80 + float64(i%4)*3.3)
		if data, err = artifact.Marshal(it); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out, errb bytes.Buffer
	stdio := cliutil.Stdio{In: bytes.NewReader(nil), Out: &out, Err: &errb, Getenv: func(k string) (string, bool) {
		if k == "SOURCE_DATE_EPOCH" {
			return "1767225600", true
		}
		return "", false
	}}
	prom := filepath.Join(dir, "x.prom")
	odd := "x\"y\\z\nw"
	if err := Run(context.Background(), []string{dir, "--prometheus=" + prom, "--label", "soak=" + odd, "--label", "bot=b1"}, stdio); err != nil && cliutil.ExitCode(err) == cliutil.ExitUsage {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	var v artifact.Verdict
	if err := artifact.Decode("stdout", out.Bytes(), artifact.KindVerdict, &v); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(prom)
	if err != nil {
		t.Fatal(err)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("does not parse: %v\n%s", err, data)
	}
	type series map[string]string
	get := func(fam string, want series) (float64, bool) {
		f := fams[fam]
		if f == nil {
			return 0, false
		}
	next:
		for _, m := range f.GetMetric() {
			ls := series{}
			for _, lp := range m.GetLabel() {
				ls[lp.GetName()] = lp.GetValue()
			}
			for k, v := range want {
				if ls[k] != v {
					continue next
				}
			}
			return m.GetGauge().GetValue(), true
		}
		return 0, false
	}
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			ls := series{}
			for _, lp := range m.GetLabel() {
				ls[lp.GetName()] = lp.GetValue()
			}
			if ls["soak"] != odd || ls["bot"] != "b1" {
				t.Errorf("%s: identity labels %v", name, ls)
			}
		}
	}
	for _, c := range v.Checks {
		for _, st := range checkStatuses {
			x, ok := get("soak_check_status", series{"check": c.Name, "status": st})
			want := 0.0
			if st == c.Status {
				want = 1
			}
			if !ok || x != want {
				t.Errorf("soak_check_status{check=%q,status=%q} = %v, %v; want %v", c.Name, st, x, ok, want)
			}
		}
		if x, ok := get("soak_check_threshold", series{"check": c.Name, "level": "fail"}); !ok || x != c.Threshold {
			t.Errorf("threshold of %s = %v, %v; want %v", c.Name, x, ok, c.Threshold)
		}
		_, hasWarn := get("soak_check_threshold", series{"check": c.Name, "level": "warn"})
		if hasWarn != (c.Warn != nil) {
			t.Errorf("warn level of %s exported %v, policy has one %v", c.Name, hasWarn, c.Warn != nil)
		}
		x, ok := get("soak_check_value", series{"check": c.Name})
		if ok != (c.Value != nil) || ok && x != *c.Value {
			t.Errorf("value of %s = %v, %v; verdict %v", c.Name, x, ok, c.Value)
		}
	}
	if x, ok := get("soak_gate_last_run_timestamp_seconds", series{}); !ok || x != 1767225600 {
		t.Errorf("timestamp = %v, %v", x, ok)
	}
	st := v.KPILastN["maker_share_pct"]
	if v.MakerSharePct == nil || st.Mean == nil || *v.MakerSharePct != *st.Mean {
		t.Fatalf("verdict maker_share_pct %v, kpi_last_n mean %v", v.MakerSharePct, st.Mean)
	}
	ms, ok := get("maker_share_pct", series{})
	kw, ok2 := get("soak_kpi_window", series{"kpi": "maker_share_pct", "statistic": "mean"})
	if !ok || !ok2 || ms != *v.MakerSharePct || kw != ms {
		t.Errorf("maker_share_pct %v (%v), soak_kpi_window mean %v (%v), verdict %v", ms, ok, kw, ok2, *v.MakerSharePct)
	}
}

// TestMetricsWallClock: without SOURCE_DATE_EPOCH the timestamp is the
// time given (the wall clock in a run).
func TestMetricsWallClock(t *testing.T) {
	v := &artifact.Verdict{Verdict: artifact.VerdictPass}
	at := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	data, err := metrics(v, policy.Default(false), promMeta{runAt: at})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte("soak_gate_last_run_timestamp_seconds 1.7966124e+09\n")) {
		t.Errorf("no timestamp %d:\n%s", at.Unix(), data)
	}
}

// FuzzParseLabel: an accepted label has a name Prometheus accepts, is not
// reserved, and its value survives the text format: rendered and parsed
// back, every series carries it unchanged.
func FuzzParseLabel(f *testing.F) {
	for _, s := range []string{"soak=a", `bot=x"y\z`, "track=a\nb", "__x=1", "job=x", "a=", "=b", "a", "ä=1", "a=\xff", "a=b=c"} {
		f.Add(s)
	}
	pol := policy.Default(false)
	v := &artifact.Verdict{Verdict: artifact.VerdictWarn, Checks: []artifact.Check{{Name: "c", Direction: ">=", Threshold: 1, Status: artifact.CheckWarn}}}
	f.Fuzz(func(t *testing.T, arg string) {
		l, err := parseLabel(arg)
		if err != nil {
			return
		}
		if !model.LegacyValidation.IsValidLabelName(l.name) || strings.HasPrefix(l.name, "__") || l.value == "" {
			t.Fatalf("accepted %q: %+v", arg, l)
		}
		data, err := metrics(v, pol, promMeta{labels: []promLabel{l}, runAt: time.Unix(0, 0)})
		if err != nil {
			t.Fatalf("%q: %v", arg, err)
		}
		parser := expfmt.NewTextParser(model.UTF8Validation)
		fams, err := parser.TextToMetricFamilies(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%q: does not parse: %v\n%s", arg, err, data)
		}
		for name, fam := range fams {
			for _, m := range fam.GetMetric() {
				found := false
				for _, lp := range m.GetLabel() {
					if lp.GetName() == l.name {
						found = lp.GetValue() == l.value
					}
				}
				if !found {
					t.Fatalf("%q: %s lacks %s=%q", arg, name, l.name, l.value)
				}
			}
		}
	})
}

// FuzzPromIdentities: whatever another *.prom file holds, reading its
// identities does not panic, and a file soak-gate wrote is read back with
// the labels it was written with.
func FuzzPromIdentities(f *testing.F) {
	pol := policy.Default(false)
	v := &artifact.Verdict{Verdict: artifact.VerdictPass}
	own, err := metrics(v, pol, promMeta{labels: []promLabel{{"soak", "a\"b"}}, runAt: time.Unix(0, 0)})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{string(own), "soak_verdict 1\n", "soak_verdict{verdict=\"PASS\",x=\"\\q\"} 1\n", "# TYPE soak_verdict counter\nsoak_verdict 1\n", "soak_verdict{"} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		name := filepath.Join(dir, "x.prom")
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
		ids := promIdentities(name)
		if bytes.Equal(data, own) && (len(ids) != 1 || ids[0] != `{soak="a\"b"}`) {
			t.Fatalf("own file read as %q", ids)
		}
	})
}
