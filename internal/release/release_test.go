package release

import (
	"bytes"
	"context"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/internal/provenance"
	"github.com/soakline/soakline/pkg/artifact"
)

func TestGroupCommits(t *testing.T) {
	c := func(h, subj, body string) Commit { return Commit{Hash: h, Subject: subj, Body: body} }
	tests := []struct {
		name    string
		commits []Commit
		want    map[string][]string // title -> hashes, plus "_order"
		order   []string
	}{
		{
			name: "breaking first, then by type, then the rest",
			commits: []Commit{
				c("1", "feat(gate): add --junit", ""),
				c("2", "fix: window off by one", ""),
				c("3", "feat!: drop legacy flags", ""),
				c("4", "perf(stats): allocate once", ""),
				c("5", "Update README", ""),
				c("6", "refactor: split judge", "BREAKING CHANGE: Evaluate takes a policy"),
				c("7", "chore(deps): bump cli", ""),
				c("8", "wip: something", ""),
			},
			order: []string{"Breaking changes", "Features", "Bug fixes", "Performance", "Chores", "Other changes"},
			want: map[string][]string{
				"Breaking changes": {"3", "6"}, "Features": {"1"}, "Bug fixes": {"2"},
				"Performance": {"4"}, "Chores": {"7"}, "Other changes": {"5", "8"},
			},
		},
		{
			name:    "BREAKING-CHANGE footer with a hyphen, upper-case type",
			commits: []Commit{c("1", "Fix: thing", "text\n\nBREAKING-CHANGE: gone")},
			order:   []string{"Breaking changes"},
			want:    map[string][]string{"Breaking changes": {"1"}},
		},
		{
			name:    "a colon without a space is not a type",
			commits: []Commit{c("1", "feat:nope", ""), c("2", "docs: README", "")},
			order:   []string{"Documentation", "Other changes"},
			want:    map[string][]string{"Documentation": {"2"}, "Other changes": {"1"}},
		},
		{name: "no commits", order: nil, want: map[string][]string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			groups := GroupCommits(tc.commits)
			var order []string
			got := map[string][]string{}
			for _, g := range groups {
				order = append(order, g.Title)
				for _, cc := range g.Commits {
					got[g.Title] = append(got[g.Title], cc.Hash)
				}
			}
			if diff := cmp.Diff(tc.order, order); diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("groups (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseCommit(t *testing.T) {
	got := ParseCommit(Commit{Subject: "feat(tag)!: sign tags", Body: "BREAKING CHANGE: needs gpg"})
	want := Conventional{Commit: got.Commit, Type: "feat", Scope: "tag", Description: "sign tags", Breaking: true, BreakingNote: "needs gpg"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestCheckTagName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"v1.2.3", true},
		{"v1.0.0-soak-validated", true},
		{"release/2026-01-01", true},
		{"v1.0.0+build.5", true},
		{"ünïcode", true},
		{"", false},
		{"@", false},
		{"-v1", false},
		{"v1..2", false},
		{"v1 2", false},
		{"v1~2", false},
		{"v1^2", false},
		{"v1:2", false},
		{"v1?", false},
		{"v1*", false},
		{"v1[2", false},
		{`v1\2`, false},
		{"v1@{2", false},
		{"v1.", false},
		{"v1/", false},
		{"/v1", false},
		{"a//b", false},
		{".hidden", false},
		{"a/.b", false},
		{"v1.lock", false},
		{"a.lock/b", false},
		{"v1\x7f", false},
		{"v1\n", false},
		{"v1\t", false},
	}
	git, _ := exec.LookPath("git")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckTagName(tc.name)
			if (err == nil) != tc.ok {
				t.Fatalf("CheckTagName(%q) = %v, want ok=%v", tc.name, err, tc.ok)
			}
			// git agrees on every name it can judge (it does not forbid a
			// leading "-", git tag does; "@" is a valid tag for git, but
			// it is also HEAD's shorthand, so CheckTagName refuses it).
			if git != "" && tc.name != "" && tc.name != "@" && !strings.HasPrefix(tc.name, "-") {
				gitOK := Git{}.CheckRefFormat(context.Background(), tc.name)
				if gitOK != tc.ok {
					t.Errorf("git check-ref-format refs/tags/%q ok=%v, CheckTagName ok=%v", tc.name, gitOK, tc.ok)
				}
			}
		})
	}
}

func TestRedaction(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // removed
		keep []string // substrings that must remain
	}{
		{
			name: "ordinary tuning keys stay",
			in:   `{"max_delta_ratio":0.15,"min_interval_ms":60,"tokens_per_second":5,"key_count":3,"monkey_factor":1,"tokenizer_depth":2}`,
			keep: []string{"max_delta_ratio", "tokens_per_second", "key_count", "monkey_factor", "tokenizer_depth"},
		},
		{
			name: "credential names with values go",
			in:   `{"api_key":"abc","authToken":"x","db_password":"p","client_secret_id":7,"APIKey":"k","min_interval_ms":60,"key":"z"}`,
			want: []string{"APIKey", "api_key", "authToken", "client_secret_id", "db_password", "key"},
			keep: []string{"min_interval_ms"},
		},
		{
			name: "empty values stay (nothing to hide)",
			in:   `{"api_key":"","token":null,"min_interval_ms":60}`,
			keep: []string{"api_key", "token"},
		},
		{
			name: "credential-looking values under any name",
			in:   `{"note":"ghp_0123456789abcdef","endpoint":"https://user:hunter2@example.com/x","plain":"https://example.com","aws":"AKIAABCDEFGHIJKLMNOP"}`,
			want: []string{"aws", "endpoint", "note"},
			keep: []string{"plain"},
		},
		{
			name: "nested sections",
			in:   `{"engine":{"min_interval_ms":5},"exchange":{"api_secret":"s","rate":2},"credentials":{"user":"u"}}`,
			want: []string{"credentials", "exchange.api_secret"},
			keep: []string{"engine", "rate"},
		},
		{
			name: "our format keeps its envelope first",
			in:   `{"schema_version":1,"kind":"runtime_overrides","min_interval_ms":60,"signing_key":12345}`,
			want: []string{"signing_key"},
			keep: []string{`"schema_version": 1`, "min_interval_ms"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, removed, err := RedactProfile("overrides.json", []byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, removed); diff != "" {
				t.Errorf("removed (-want +got):\n%s", diff)
			}
			for _, k := range tc.keep {
				if !bytes.Contains(out, []byte(k)) {
					t.Errorf("output lost %q:\n%s", k, out)
				}
			}
			for _, r := range tc.want {
				last := r[strings.LastIndex(r, ".")+1:]
				if bytes.Contains(out, []byte(`"`+last+`"`)) {
					t.Errorf("output still has %q:\n%s", r, out)
				}
			}
			if len(tc.want) == 0 && string(out) != tc.in {
				t.Errorf("nothing redacted, but the bytes changed:\n%s", out)
			}
			if strings.Contains(tc.in, `"kind"`) {
				if !bytes.HasPrefix(out, []byte("{\n  \"schema_version\": 1,\n  \"kind\": \"runtime_overrides\"")) {
					t.Errorf("envelope not first:\n%s", out)
				}
			}
		})
	}
}

// Digests of the sample soak.
var (
	sampleSoak      = strings.Repeat("5", 64)
	sampleLedger    = strings.Repeat("1", 64)
	sampleOverrides = strings.Repeat("0", 64)
	samplePolicy    = strings.Repeat("7", 64)
)

// sampleVerdict is a verdict of the sample soak with its delta
// verification.
func sampleVerdict(verdict string) *artifact.Verdict {
	src := artifact.Source{Path: "soak", Digest: sampleSoak, LedgerDigest: sampleLedger, OverridesDigest: sampleOverrides}
	dsrc := src
	// One check, whose status the verdict is (CheckChain checks that).
	value := 0.9
	if verdict == artifact.VerdictFail {
		value = 0.8
	}
	return &artifact.Verdict{
		Checks: []artifact.Check{{Name: "maker_taker_ratio_mean", KPI: "maker_taker_ratio", Statistic: "mean", Direction: ">=",
			Threshold: 0.83, Value: &value, N: 8, Status: verdict}},
		SchemaVersion: 1, Kind: artifact.KindVerdict, Verdict: verdict, Reason: "sample",
		Policy: artifact.Policy{Name: "production", Source: "built-in", Digest: samplePolicy},
		Source: src,
		DeltaVerification: &artifact.DeltaVerify{
			SchemaVersion: 1, Kind: artifact.KindDeltaVerify, ProposedCount: 10, FullApplyCount: 10, FullApplyRatio: 1,
			Checked: true, Status: "PASS", Source: &dsrc, PolicyDigest: samplePolicy,
		},
	}
}

// sampleFiles is a sealed PASS bundle.
func sampleFiles() map[string][]byte { return sealedFiles(sampleVerdict("PASS"), false) }

// sealedFiles is a bundle of v whose evidence is one chain: the delta
// report is v's, the reports carry v's provenance, CHANGELOG.md and
// rollback_plan.md begin with the banner when forced.
func sealedFiles(v *artifact.Verdict, forced bool) map[string][]byte {
	files := map[string][]byte{}
	for _, n := range BundleFiles {
		files[n] = []byte("content of " + n + "\n")
	}
	// The documents name the bundle's version in their heading.
	files[ChangelogFile] = []byte("# Changelog: v1\n\ncontent\n")
	files[RollbackPlanFile] = []byte("# Rollback plan: v1\n\ncontent\n")
	files[artifact.SnapshotFile], _ = artifact.Marshal(v)
	files[artifact.DeltaVerifyFile], _ = DeltaReport(v)
	for _, n := range ReportFiles {
		files[n] = append(files[n], provenance.Line(v.Source.Digest, artifact.Hash(files[artifact.SnapshotFile]))...)
	}
	if forced {
		for _, n := range []string{ChangelogFile, RollbackPlanFile} {
			files[n] = append([]byte(ForcedBanner+" sample\n"), files[n]...)
		}
	}
	m := Manifest{SchemaVersion: 1, Kind: artifact.KindBundle, Version: "v1",
		Verdict: BundleVerdict{Verdict: v.Verdict, Forced: forced, Policy: v.Policy},
		Source:  BundleSource{Path: "soak", Digest: v.Source.Digest, LedgerDigest: v.Source.LedgerDigest, OverridesDigest: v.Source.OverridesDigest},
		Inputs:  []BundleInput{{File: ProfileFile, From: "soak/runtime_overrides.json", SHA256: v.Source.OverridesDigest}},
	}
	reseal(files, &m)
	return files
}

// reseal rewrites the manifest's file list and SHA256SUMS over files, as
// anyone editing a bundle can.
func reseal(files map[string][]byte, m *Manifest) {
	delete(files, ManifestFileName)
	delete(files, SumsFileName)
	m.Files = nil
	for _, n := range BundleFiles {
		m.Files = append(m.Files, BundleFile{Path: n, Size: int64(len(files[n])), SHA256: artifact.Hash(files[n])})
	}
	sort.Slice(m.Files, func(i, j int) bool { return m.Files[i].Path < m.Files[j].Path })
	files[ManifestFileName], _ = artifact.Marshal(m)
	files[SumsFileName] = FormatSums(files)
}

func contents(files map[string][]byte) *Contents {
	c := &Contents{Files: map[string][]byte{}}
	for k, v := range files {
		c.Files[k] = append([]byte(nil), v...)
	}
	return c
}

func TestVerifyDetectsEveryFlippedByte(t *testing.T) {
	files := sampleFiles()
	if v := Verify(contents(files)); !v.OK() {
		t.Fatalf("pristine bundle: %v", v.Problems)
	}
	for name, data := range files {
		for _, pos := range []int{0, len(data) / 2, len(data) - 1} {
			t.Run(name, func(t *testing.T) {
				c := contents(files)
				c.Files[name][pos] ^= 0x01
				v := Verify(c)
				if v.OK() {
					t.Fatalf("flipping byte %d of %s went unnoticed", pos, name)
				}
				if name != SumsFileName && !hasProblem(v, name) {
					t.Errorf("problems %v do not name %s", v.Problems, name)
				}
			})
		}
	}
}

func hasProblem(v *Verification, file string) bool {
	for _, p := range v.Problems {
		if p.File == file {
			return true
		}
	}
	return false
}

func TestVerifyProblems(t *testing.T) {
	tests := []struct {
		name   string
		modify func(map[string][]byte)
		want   []Problem
	}{
		{
			name:   "missing file",
			modify: func(f map[string][]byte) { delete(f, FailuresFile) },
			want: []Problem{
				{FailuresFile, Missing, "listed in SHA256SUMS"},
			},
		},
		{
			name:   "extra file",
			modify: func(f map[string][]byte) { f["notes.txt"] = []byte("x") },
			want:   []Problem{{"notes.txt", Extra, "not listed in SHA256SUMS"}},
		},
		{
			name:   "missing SHA256SUMS",
			modify: func(f map[string][]byte) { delete(f, SumsFileName) },
			want:   []Problem{{SumsFileName, Missing, ""}},
		},
		{
			name: "a path escaping the bundle in SHA256SUMS",
			modify: func(f map[string][]byte) {
				f[SumsFileName] = append(f[SumsFileName], []byte(strings.Repeat("0", 64)+"  ../etc/passwd\n")...)
			},
			want: []Problem{{SumsFileName, Invalid, `line 10: file name "../etc/passwd" leaves the bundle directory`}},
		},
		{
			name: "an absolute path in SHA256SUMS",
			modify: func(f map[string][]byte) {
				f[SumsFileName] = append([]byte(strings.Repeat("0", 64)+"  /etc/passwd\n"), f[SumsFileName]...)
			},
			want: []Problem{{SumsFileName, Invalid, `line 1: file name "/etc/passwd" is absolute`}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := sampleFiles()
			tc.modify(files)
			got := Verify(contents(files)).Problems
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckBundleName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"CHANGELOG.md", true}, {"sub/file", true}, {"../x", false}, {"a/../../x", false},
		{"/abs", false}, {"./x", false}, {"a//b", false}, {`a\b`, false}, {"C:x", false}, {"", false}, {"a\nb", false},
	} {
		if err := CheckBundleName(tc.name); (err == nil) != tc.ok {
			t.Errorf("CheckBundleName(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func TestArchiveDeterministic(t *testing.T) {
	mtime := time.Unix(1767225600, 0)
	files := sampleFiles()
	a, err := Archive("v1", files, mtime)
	if err != nil {
		t.Fatal(err)
	}
	// The same files inserted in another order, at another time of day
	// within the same second, give the same bytes.
	b, err := Archive("v1", contents(files).Files, mtime.Add(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("two archives of the same files differ")
	}
	c, err := Archive("v1", files, mtime.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, c) {
		t.Fatal("the mtime does not reach the archive")
	}
	prefix, got, err := ReadArchive(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	if prefix != "v1" {
		t.Errorf("prefix %q, want v1", prefix)
	}
	if diff := cmp.Diff(files, got.Files); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if v := Verify(got); !v.OK() {
		t.Errorf("archive does not verify: %v", v.Problems)
	}
}

func TestTagMessageRoundTrip(t *testing.T) {
	mean := 0.86
	snap := &Snapshot{Verdict: artifact.Verdict{
		Verdict: "PASS", Reason: "all checks pass",
		Window:   artifact.Window{Size: 8, First: 17, Last: 24, N: 8},
		KPILastN: map[string]artifact.KPIStats{"maker_taker_ratio": {N: 8, Mean: &mean}},
		Checks:   []artifact.Check{{Name: "maker_taker_ratio_mean", KPI: "maker_taker_ratio", Statistic: "mean", Direction: ">=", Threshold: 0.83, Value: &mean, N: 8, Status: "PASS"}},
	}}
	sums := strings.Repeat("ab", 32)
	msg := TagMessage(&Tagging{Tag: "v1", BundlePath: "release/v1", SumsSHA256: sums, Snapshot: snap, Manifest: &Manifest{Version: "v1"}})
	for _, want := range []string{"Verdict: PASS", "maker_taker_ratio  mean 0.86  >= 0.83  PASS  n=8", "Bundle-SHA256SUMS: sha256:" + sums} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	gotSums, gotPath, err := ParseTagMessage(msg)
	if err != nil || gotSums != sums || gotPath != "release/v1" {
		t.Errorf("ParseTagMessage = %q, %q, %v", gotSums, gotPath, err)
	}
	if _, _, err := ParseTagMessage("just a tag\n"); err == nil {
		t.Error("a message without the trailer parsed")
	}
}

func TestTriggersFromPolicy(t *testing.T) {
	p := policy.Default(false)
	warn := 0.85
	p.KPIs[0].Warn = &warn
	p.KPIs[1].Sustained = &policy.Sustained{Consecutive: 3}
	p.KPIs[2].Sustained = &policy.Sustained{K: 2, N: 4}
	p.KPIs[3].OnMissing = policy.OnMissingSkip
	var got []string
	for _, tr := range Triggers(p) {
		got = append(got, tr.Name+" | "+tr.Expr+" | for "+tr.For+" | "+tr.Action)
	}
	want := []string{
		`maker_taker_ratio_mean_fail | soak_kpi_window{kpi="maker_taker_ratio",statistic="mean"} < 0.83 | for 0m | rollback`,
		`maker_taker_ratio_mean_warn | soak_kpi_window{kpi="maker_taker_ratio",statistic="mean"} < 0.85 | for 0m | hold`,
		`maker_taker_ratio_mean_missing | absent_over_time(soak_kpi_window{kpi="maker_taker_ratio",statistic="mean"}[10m]) | for 0m | hold`,
		`p95_latency_ms_mean_fail | soak_kpi_window{kpi="p95_latency_ms",statistic="mean"} > 340 | for 10m | rollback`,
		`p95_latency_ms_mean_missing | absent_over_time(soak_kpi_window{kpi="p95_latency_ms",statistic="mean"}[10m]) | for 0m | hold`,
		`risk_ratio_mean_fail | count_over_time((soak_kpi_window{kpi="risk_ratio",statistic="mean"} > 0.05)[20m:5m]) >= 2 | for 0m | rollback`,
		`risk_ratio_mean_missing | absent_over_time(soak_kpi_window{kpi="risk_ratio",statistic="mean"}[10m]) | for 0m | hold`,
		`net_bps_mean_fail | soak_kpi_window{kpi="net_bps",statistic="mean"} < 2.5 | for 0m | rollback`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestChangelogClaimsOnlyTheData(t *testing.T) {
	snap := &Snapshot{Verdict: artifact.Verdict{Verdict: "FAIL", Reason: "net_bps mean 1.2 < 2.5"}}
	ledger := &artifact.TuningReport{Iterations: []artifact.Tuning{
		{Iteration: 1, Applied: true, Changes: []artifact.Change{{Key: "min_interval_ms", Old: 60, New: 65}}},
		{Iteration: 2, Applied: false, Guards: []string{"velocity"}},
		{Iteration: 3, Applied: true, Changes: []artifact.Change{{Key: "min_interval_ms", Old: 65, New: 70}, {Key: "tail_age_ms", Old: 600, New: 625}}},
	}}
	r := &Release{Version: "v9", Snapshot: snap, Forced: true, Ledger: ledger, Policy: &ResolvedPolicy{Policy: policy.Default(false)}}
	out := string(Changelog(r))
	if !strings.HasPrefix(out, "> **NOT A VALIDATED RELEASE.**") {
		t.Errorf("a forced bundle's changelog does not say so first:\n%s", out)
	}
	for _, want := range []string{
		"| min_interval_ms | 60 | 70 | 10 | 1, 3 |",
		"| tail_age_ms | 600 | 625 | 25 | 3 |",
		"- velocity: after iterations 2",
		"Not built inside a git repository: no commit list.",
		"- Date: not recorded",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("changelog lacks %q:\n%s", want, out)
		}
	}
	for _, never := range []string{"achieved", "MM_DISABLE_AUTO_TUNE", "/health\n", "POST /admin"} {
		if strings.Contains(out, never) || strings.Contains(string(RollbackPlan(r)), never) {
			t.Errorf("generated text claims %q", never)
		}
	}
	if plan := string(RollbackPlan(r)); !strings.HasPrefix(plan, "> **NOT A VALIDATED RELEASE.**") {
		t.Errorf("a forced bundle's rollback plan does not say so first:\n%s", plan)
	}
}

func TestDiffProfiles(t *testing.T) {
	prev := &artifact.Overrides{Params: map[string]float64{"a": 1, "b": 2, "gone": 3}}
	cur := &artifact.Overrides{Params: map[string]float64{"a": 1, "b": 2.5, "new": 4}}
	got := DiffProfiles(prev, cur)
	f := func(v float64) *float64 { return &v }
	want := []ParamDiff{{"b", f(2), f(2.5)}, {"gone", f(3), nil}, {"new", nil, f(4)}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
