package release

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/soakline/soakline/internal/policy"
	"github.com/soakline/soakline/pkg/artifact"
)

// TestLocateListingError: a soak whose iteration files cannot be listed is
// an error (what soak-gate says), not a missing input (D6), in the soak and
// in a Python layout under it.
func TestLocateListingError(t *testing.T) {
	for _, sub := range []string{"", "latest", filepath.Join("soak", "latest")} {
		t.Run("dir="+sub, func(t *testing.T) {
			src := t.TempDir()
			dir := filepath.Join(src, sub)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for _, n := range []string{"ITER_SUMMARY_3.json", "ITER_SUMMARY_003.json"} {
				if err := os.WriteFile(filepath.Join(dir, n), []byte("{}"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			in, err := Locate(src, "")
			if err == nil {
				t.Fatalf("no error; missing: %q", in.Missing)
			}
			if want := "ITER_SUMMARY_003.json and ITER_SUMMARY_3.json both claim iteration 3"; !strings.Contains(err.Error(), want) {
				t.Errorf("error %q, want it to say %q", err, want)
			}
		})
	}
}

// TestLocateFindsWhatIsNotAFile: a report name that exists as a directory
// is found (and refused when read), not reported missing or passed over
// for another layout.
func TestLocateFindsWhatIsNotAFile(t *testing.T) {
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "ITER_SUMMARY_1.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	reports := filepath.Join(src, "reports", "analysis")
	if err := os.MkdirAll(filepath.Join(reports, FailuresFile), 0o755); err != nil {
		t.Fatal(err)
	}
	in, err := Locate(src, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := in.Paths[FailuresFile]; got != filepath.Join(reports, FailuresFile) {
		t.Errorf("FAILURES.md found at %q, want the directory in %s", got, reports)
	}
	for _, m := range in.Missing {
		if strings.HasPrefix(m, FailuresFile) {
			t.Errorf("reported missing: %s", m)
		}
	}
}

// TestStaleBanner: a bundle forced over a stale snapshot says so first,
// with both digests, and the CHANGELOG says what was judged.
func TestStaleBanner(t *testing.T) {
	pass := artifact.Verdict{Verdict: "PASS", Source: artifact.Source{Digest: strings.Repeat("a", 64)}}
	fail := pass
	fail.Verdict = "FAIL"
	src := BundleSource{Digest: strings.Repeat("b", 64)}
	pol := &ResolvedPolicy{Policy: policy.Default(false)}
	for _, tc := range []struct {
		name      string
		r         *Release
		first     []string // the banner's lines, in order
		judged    string
		notBanner bool
	}{
		{
			name:   "stale PASS",
			r:      &Release{Snapshot: &Snapshot{Verdict: pass}, Forced: true, Stale: true, Source: src, Policy: pol},
			first:  []string{"> **NOT A VALIDATED RELEASE.** This bundle was built with `--allow-fail` although POST_SOAK_SNAPSHOT.json was judged on other iteration files than the soak holds now (snapshot digest aaaaaaaaaaaa, soak digest bbbbbbbbbbbb): its verdict **PASS** is not about the bundled data."},
			judged: "- Judged data: **other iteration files** than the soak holds now",
		},
		{
			name:   "stale FAIL",
			r:      &Release{Snapshot: &Snapshot{Verdict: fail}, Forced: true, Stale: true, Source: src, Policy: pol},
			first:  []string{"> **NOT A VALIDATED RELEASE.** This bundle was built with `--allow-fail` although the soak's verdict is **FAIL**: —", ">", "> **NOT A VALIDATED RELEASE.** This bundle was built with `--allow-fail` although POST_SOAK_SNAPSHOT.json was judged"},
			judged: "- Judged data: **other iteration files**",
		},
		{
			name:      "legacy, no digest",
			r:         &Release{Snapshot: &Snapshot{Verdict: artifact.Verdict{Verdict: "PASS"}, Legacy: true}, Source: src, Policy: pol},
			judged:    "- Judged data: not checked; the snapshot records no digest of the iteration files it judged (the soak's digest is " + src.Digest + ")",
			notBanner: true,
		},
		{
			name:      "current",
			r:         &Release{Snapshot: &Snapshot{Verdict: artifact.Verdict{Verdict: "PASS", Source: artifact.Source{Digest: src.Digest}}}, Source: src, Policy: pol},
			judged:    "- Judged data: the soak's iteration files (digest " + src.Digest + ")",
			notBanner: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for name, doc := range map[string]string{"CHANGELOG.md": string(Changelog(tc.r)), "rollback_plan.md": string(RollbackPlan(tc.r))} {
				lines := strings.Split(doc, "\n")
				if tc.notBanner {
					if strings.Contains(doc, "NOT A VALIDATED") {
						t.Errorf("%s has a banner:\n%s", name, doc)
					}
					continue
				}
				for i, want := range tc.first {
					if i >= len(lines) || !strings.HasPrefix(lines[i], want) {
						t.Errorf("%s line %d: want prefix %q:\n%s", name, i+1, want, doc)
					}
				}
			}
			if cl := string(Changelog(tc.r)); !strings.Contains(cl, tc.judged) {
				t.Errorf("CHANGELOG.md lacks %q:\n%s", tc.judged, cl)
			}
		})
	}
}
