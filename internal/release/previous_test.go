package release

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/soakline/soakline/pkg/artifact"
)

const (
	toolkitProfile = `{"min_interval_ms": 60, "engine": {"min_interval_ms": 5}, "risk": {"impact_cap_ratio": -0.01},
 "api_token": "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "notes": "tuned"}`
	toolkitChangelog = "# Soak CI Chaos Release Toolkit - Changelog\n\n**Release Date:** 2025-10-19T08:12:44+00:00\n**Version:** v1.0.0-soak-validated\n**Status:** PASS\n"
	ourProfile       = `{"schema_version": 1, "kind": "runtime_overrides", "min_interval_ms": 75}` + "\n"
)

// sealedWithProfile is a sealed PASS bundle whose profile is ourProfile.
func sealedWithProfile(t *testing.T) map[string][]byte {
	t.Helper()
	files := sampleFiles()
	m, err := DecodeManifest(ManifestFileName, files[ManifestFileName])
	if err != nil {
		t.Fatal(err)
	}
	files[ProfileFile] = []byte(ourProfile)
	reseal(files, m)
	if v := Verify(contents(files)); !v.OK() {
		t.Fatalf("fixture does not verify: %s", v.Summary())
	}
	return files
}

func TestReadPrevious(t *testing.T) {
	type want struct {
		legacy, version string
		refused         string   // a *PreviousRefusal saying this
		err             string   // another error saying this
		unverified      []string // substrings, each of some item
		creds, ignored  []string
	}
	for _, tc := range []struct {
		name string
		c    func(t *testing.T) *Contents
		want want
	}{
		{"a bundle that verifies", func(t *testing.T) *Contents { return contents(sealedWithProfile(t)) },
			want{version: "v1"}},
		{"an earlier soakline version's: reports without provenance, resealed", func(t *testing.T) *Contents {
			files := sealedWithProfile(t)
			m, _ := DecodeManifest(ManifestFileName, files[ManifestFileName])
			for _, n := range ReportFiles {
				files[n] = []byte("content of " + n + "\n")
			}
			reseal(files, m)
			return contents(files)
		}, want{legacy: LegacySoakline, version: "v1", unverified: []string{
			"beyond SHA256SUMS", "FAILURES.md: mismatch (has no provenance line", "POST_SOAK_AUDIT.md: mismatch",
			"as its SHA256SUMS (sha256 ",
		}}},
		{"a file changed after sealing", func(t *testing.T) *Contents {
			files := sealedWithProfile(t)
			files[ChangelogFile] = []byte("edited\n")
			return contents(files)
		}, want{refused: "CHANGELOG.md changed (its files are not the ones its SHA256SUMS lists"}},
		{"the profile changed after sealing", func(t *testing.T) *Contents {
			files := sealedWithProfile(t)
			files[ProfileFile] = []byte(`{"min_interval_ms": 1}`)
			return contents(files)
		}, want{refused: ProfileFile + " changed"}},
		{"a name that is no bundle file", func(t *testing.T) *Contents {
			c := contents(sealedWithProfile(t))
			c.Extra = []string{"EXTRA.txt"}
			return c
		}, want{refused: "EXTRA.txt extra"}},
		{"a file SHA256SUMS does not list", func(t *testing.T) *Contents {
			files := sealedWithProfile(t)
			sums := string(files[SumsFileName])
			var keep []string
			for _, l := range strings.SplitAfter(sums, "\n") {
				if !strings.HasSuffix(strings.TrimSpace(l), FailuresFile) {
					keep = append(keep, l)
				}
			}
			files[SumsFileName] = []byte(strings.Join(keep, ""))
			return contents(files)
		}, want{refused: FailuresFile + " invalid"}},
		{"a MANIFEST.json without SHA256SUMS", func(t *testing.T) *Contents {
			files := sealedWithProfile(t)
			delete(files, SumsFileName)
			return contents(files)
		}, want{refused: "SHA256SUMS missing"}},
		{"the Python toolkit's bundle", func(t *testing.T) *Contents {
			c := contents(map[string][]byte{
				ProfileFile: []byte(toolkitProfile), ChangelogFile: []byte(toolkitChangelog),
				artifact.SnapshotFile: []byte(`{"schema_version": "1.2", "verdict": "PASS"}`),
			})
			c.Extra = []string{"CANARY_CHECKLIST.md"}
			return c
		}, want{legacy: LegacyToolkit, version: "v1.0.0-soak-validated", unverified: []string{
			"no SHA256SUMS and no MANIFEST.json", "version v1.0.0-soak-validated as its CHANGELOG.md states it, not checked",
			"as read now: nothing in the bundle records",
		}, creds: []string{"api_token"}, ignored: []string{"notes"}}},
		{"the toolkit's bundle without a CHANGELOG.md", func(t *testing.T) *Contents {
			return contents(map[string][]byte{ProfileFile: []byte(toolkitProfile)})
		}, want{legacy: LegacyToolkit, unverified: []string{"no version: the bundle has no CHANGELOG.md"}, creds: []string{"api_token"}, ignored: []string{"notes"}}},
		{"the toolkit's bundle, a version line that is no release name", func(t *testing.T) *Contents {
			return contents(map[string][]byte{ProfileFile: []byte(toolkitProfile),
				ChangelogFile: []byte("**Version:** v1 `rm -rf`\n")})
		}, want{legacy: LegacyToolkit, unverified: []string{"no version: its CHANGELOG.md has no version line naming a release"}, creds: []string{"api_token"}, ignored: []string{"notes"}}},
		{"a profile that is not a regular file", func(t *testing.T) *Contents {
			c := contents(map[string][]byte{ChangelogFile: []byte(toolkitChangelog)})
			c.Irregular = []string{ProfileFile}
			return c
		}, want{refused: "is not a regular file"}},
		{"no profile", func(t *testing.T) *Contents {
			return contents(map[string][]byte{ChangelogFile: []byte(toolkitChangelog)})
		}, want{refused: "not a bundle"}},
		{"empty", func(t *testing.T) *Contents { return contents(nil) }, want{refused: "not a bundle"}},
		{"a profile that is not JSON", func(t *testing.T) *Contents {
			return contents(map[string][]byte{ProfileFile: []byte("# not json\n")})
		}, want{err: "prev/" + ProfileFile}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ReadPrevious("prev", tc.c(t))
			var refusal *PreviousRefusal
			switch {
			case tc.want.refused != "":
				if !errors.As(err, &refusal) || !strings.Contains(err.Error(), tc.want.refused) {
					t.Fatalf("got %v, %v; want a refusal saying %q", p, err, tc.want.refused)
				}
				return
			case tc.want.err != "":
				if err == nil || errors.As(err, &refusal) || !strings.Contains(err.Error(), tc.want.err) {
					t.Fatalf("got %v, %v; want an input error naming %q", p, err, tc.want.err)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if p.Legacy != tc.want.legacy || p.Version != tc.want.version {
				t.Errorf("legacy %q version %q, want %q %q", p.Legacy, p.Version, tc.want.legacy, tc.want.version)
			}
			if p.Verified() != (len(p.Unverified) == 0) || p.Verified() != (tc.want.legacy == "") {
				t.Errorf("verified %v with unverified %q", p.Verified(), p.Unverified)
			}
			if (p.SumsSHA256 == "") != (tc.want.legacy == LegacyToolkit) {
				t.Errorf("sums sha256 %q", p.SumsSHA256)
			}
			for _, u := range tc.want.unverified {
				if !slices.ContainsFunc(p.Unverified, func(s string) bool { return strings.Contains(s, u) }) {
					t.Errorf("no unverified item says %q: %q", u, p.Unverified)
				}
			}
			if !slices.Equal(p.CredentialKeys, tc.want.creds) || !slices.Equal(p.NotCompared, tc.want.ignored) {
				t.Errorf("credential keys %q, not compared %q; want %q, %q", p.CredentialKeys, p.NotCompared, tc.want.creds, tc.want.ignored)
			}
			if p.Profile == nil || p.ProfileSHA256 == "" {
				t.Fatalf("no profile")
			}
			for k := range p.Profile.Params {
				if strings.Contains(k, "token") {
					t.Errorf("credential %s compared", k)
				}
			}
		})
	}
}

func TestChangelogVersion(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{toolkitChangelog, "v1.0.0-soak-validated"},
		{"# Changelog: v1.2.0\n\n- Version: v1.2.0\n- Date: 2026-01-01\n", "v1.2.0"},
		{"**Version:** v2\r\n", "v2"},
		{"  **Version:**   v3  \n", "v3"},
		{"**Version:** v1 <b>x</b>\n**Version:** v2\n", ""}, // the first version line decides
		{"**Version:**\n", ""},
		{"**Version:** `touch pwned`\n", ""},
		{"Version: v1\n", ""},
		{"", ""},
		{strings.Repeat("x\n", 300) + "**Version:** v9\n", ""}, // only the head is read
	} {
		if got := ChangelogVersion([]byte(tc.in)); got != tc.want {
			t.Errorf("ChangelogVersion(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestPreviousLegacyInjection renders CHANGELOG.md and rollback_plan.md
// with a previous bundle read as legacy, every value from it benign, then
// hostile: the same lines of the same kinds, no live markup (what could
// not be verified quotes the bundle's own files).
func TestPreviousLegacyInjection(t *testing.T) {
	legacy := func(s func(i int) string) *Release {
		r := release(s)
		r.Previous.Legacy = LegacyToolkit
		r.Previous.SumsSHA256 = ""
		r.Previous.Unverified = []string{s(30), s(31), s(32)}
		r.Previous.CredentialKeys = []string{s(33)}
		r.Previous.NotCompared = []string{s(34), s(35)}
		return r
	}
	for _, d := range []struct {
		name   string
		render func(*Release) []byte
	}{{"CHANGELOG.md", Changelog}, {"rollback_plan.md", RollbackPlan}} {
		t.Run(d.name, func(t *testing.T) {
			benignDoc := string(d.render(legacy(benign)))
			if !strings.Contains(benignDoc, "not verified") {
				t.Fatalf("does not say the previous bundle was not verified:\n%s", benignDoc)
			}
			want := skeleton(benignDoc)
			got := string(d.render(legacy(hostile)))
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

// FuzzChangelogVersion: a version read from a bundle is a release name
// that appears in the file, or nothing.
func FuzzChangelogVersion(f *testing.F) {
	f.Add([]byte(toolkitChangelog))
	f.Add([]byte("- Version: v1.2.0\n"))
	f.Add([]byte("**Version:** v1\x00\n"))
	f.Add([]byte("**Version:** " + fakeSection))
	f.Fuzz(func(t *testing.T, data []byte) {
		v := ChangelogVersion(data)
		if v == "" {
			return
		}
		if err := CheckReleaseName("release name", v); err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		if !strings.Contains(string(data), v) {
			t.Fatalf("%q is not in the file", v)
		}
	})
}

// FuzzReadPrevious: whatever a --previous bundle holds, ReadPrevious
// refuses it, returns an input error, or returns a profile; a bundle it
// reads as legacy says why; and the rollback plan and CHANGELOG.md written
// from it have the structure they have with plain values in its place.
func FuzzReadPrevious(f *testing.F) {
	f.Add([]byte(toolkitProfile), []byte(toolkitChangelog), []byte(nil), []byte(nil), false)
	f.Add([]byte(ourProfile), []byte("- Version: v1\n"), []byte("{}"), []byte(nil), true)
	f.Add([]byte(`{"a|b": 1, "[x](https://e)": 2, "<script>": {"c": 3}}`), []byte("**Version:** "+shellBreak), []byte(nil), []byte(nil), false)
	f.Fuzz(func(t *testing.T, profile, changelog, manifest, extra []byte, sums bool) {
		files := map[string][]byte{ProfileFile: profile, ChangelogFile: changelog}
		if manifest != nil {
			files[ManifestFileName] = manifest
		}
		if extra != nil {
			files[FailuresFile] = extra
		}
		if sums {
			files[SumsFileName] = FormatSums(files)
		}
		p, err := ReadPrevious("prev", contents(files))
		if err != nil {
			return
		}
		if p.Profile == nil || p.Verified() != (len(p.Unverified) == 0) {
			t.Fatalf("read %+v", p)
		}
		if p.Version != "" && CheckReleaseName("release name", p.Version) != nil {
			t.Fatalf("version %q", p.Version)
		}
		plain := *p
		plain.Unverified = make([]string, len(p.Unverified))
		for i := range plain.Unverified {
			plain.Unverified[i] = "value"
		}
		for _, doc := range []func(*Release) []byte{Changelog, RollbackPlan} {
			r := release(benign)
			r.Previous = p
			got := skeleton(string(doc(r)))
			r.Previous = &plain
			want := skeleton(string(doc(r)))
			if !slices.Equal(got, want) {
				t.Fatalf("the bundle's text changed the document's structure:\n%q\n%q", got, want)
			}
		}
	})
}
