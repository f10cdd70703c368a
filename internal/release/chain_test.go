package release

import (
	"bytes"
	"strings"
	"testing"

	"github.com/soakline/soakline/internal/provenance"
	"github.com/soakline/soakline/pkg/artifact"
)

// edit is an edit of a bundle by someone who then regenerates the
// manifest's file list and SHA256SUMS (reseal), as issue 18 item 10 did.
type edit struct {
	name string
	// from is the bundle edited: PASS, or a forced FAIL (--allow-fail).
	forcedFail bool
	modify     func(files map[string][]byte, m *Manifest)
	noReseal   bool
	// want: every problem named here must be reported.
	want []Problem
}

func manifestOf(t *testing.T, files map[string][]byte) *Manifest {
	t.Helper()
	m, err := DecodeManifest(ManifestFileName, files[ManifestFileName])
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func setSnapshot(files map[string][]byte, v *artifact.Verdict) {
	files[artifact.SnapshotFile], _ = artifact.Marshal(v)
}

// reprove rewrites every report's provenance line for the snapshot now in
// files, as a thorough forger would.
func reprove(files map[string][]byte, soak string) {
	for _, n := range ReportFiles {
		d := files[n]
		if i := bytes.LastIndex(d, []byte("<!-- soakline-provenance")); i >= 0 {
			d = d[:i]
		}
		files[n] = append(append([]byte(nil), d...), provenance.Line(soak, artifact.Hash(files[artifact.SnapshotFile]))...)
	}
}

func TestVerifySealedChain(t *testing.T) {
	tests := []edit{
		{
			name: "a file added to the bundle and SHA256SUMS but not MANIFEST.json",
			modify: func(f map[string][]byte, m *Manifest) {
				f["notes.txt"] = []byte("x\n")
				delete(f, SumsFileName)
				f[SumsFileName] = FormatSums(f)
			},
			noReseal: true,
			want: []Problem{
				{SumsFileName, Invalid, "lists notes.txt, which is not a bundle file"},
				{"notes.txt", Extra, "not a bundle file"},
			},
		},
		{
			name: "a file added to the bundle, SHA256SUMS and MANIFEST.json",
			modify: func(f map[string][]byte, m *Manifest) {
				f["notes.txt"] = []byte("x\n")
				delete(f, ManifestFileName)
				delete(f, SumsFileName)
				m.Files = append(m.Files, BundleFile{Path: "notes.txt", Size: 2, SHA256: artifact.Hash(f["notes.txt"])})
				f[ManifestFileName], _ = artifact.Marshal(m)
				f[SumsFileName] = FormatSums(f)
			},
			noReseal: true,
			want: []Problem{
				{ManifestFileName, Invalid, "lists notes.txt, which is not a bundle file"},
				{SumsFileName, Invalid, "lists notes.txt, which is not a bundle file"},
			},
		},
		{
			name:       "an --allow-fail bundle edited to PASS: snapshot, reports, manifest, sums regenerated",
			forcedFail: true,
			modify: func(f map[string][]byte, m *Manifest) {
				setSnapshot(f, sampleVerdict("PASS"))
				reprove(f, sampleSoak)
				m.Verdict.Verdict, m.Verdict.Forced = "PASS", false
			},
			want: []Problem{
				{ChangelogFile, Mismatch, `the first line says "NOT A VALIDATED RELEASE", but the manifest says the bundle was not forced`},
				{RollbackPlanFile, Mismatch, `the first line says "NOT A VALIDATED RELEASE", but the manifest says the bundle was not forced`},
			},
		},
		{
			name:       "an --allow-fail bundle whose manifest says not forced",
			forcedFail: true,
			modify: func(f map[string][]byte, m *Manifest) {
				m.Verdict.Forced = false
				for _, n := range []string{ChangelogFile, RollbackPlanFile} {
					f[n] = bytes.TrimPrefix(f[n], []byte(ForcedBanner+" sample\n"))
				}
			},
			want: []Problem{{ManifestFileName, Mismatch, `"forced": false, but the snapshot's verdict is FAIL: only a bundle built with --allow-fail holds one`}},
		},
		{
			name:       "the manifest's verdict edited to PASS",
			forcedFail: true,
			modify:     func(f map[string][]byte, m *Manifest) { m.Verdict.Verdict = "PASS" },
			want:       []Problem{{ManifestFileName, Mismatch, "verdict PASS, the snapshot's is FAIL"}},
		},
		{
			name:   "the manifest's window edited",
			modify: func(f map[string][]byte, m *Manifest) { m.Verdict.WindowFirst, m.Verdict.WindowLast = 29, 36 },
			want:   []Problem{{ManifestFileName, Mismatch, "freeze_ready false over iterations 29-36, the snapshot's false over 0-0"}},
		},
		{
			name: "a forced banner on a PASS bundle the manifest does not call forced",
			modify: func(f map[string][]byte, m *Manifest) {
				f[ChangelogFile] = append([]byte(ForcedBanner+" x\n"), f[ChangelogFile]...)
			},
			want: []Problem{{ChangelogFile, Mismatch, `the first line says "NOT A VALIDATED RELEASE", but the manifest says the bundle was not forced`}},
		},
		{
			name: "the manifest names another soak than the snapshot judged",
			modify: func(f map[string][]byte, m *Manifest) {
				m.Source.Digest = strings.Repeat("6", 64)
			},
			want: []Problem{{artifact.SnapshotFile, Mismatch, "judged soak digest 555555555555, the manifest's source is 666666666666"}},
		},
		{
			name: "a delta report of another soak (stale evidence)",
			modify: func(f map[string][]byte, m *Manifest) {
				v := sampleVerdict("PASS")
				v.DeltaVerification.Source.Digest = strings.Repeat("9", 64)
				v.DeltaVerification.ProposedCount = 13
				f[artifact.DeltaVerifyFile], _ = DeltaReport(v)
			},
			want: []Problem{{artifact.DeltaVerifyFile, Mismatch, "computed from another soak (soak digest 999999999999, the verdict's 555555555555)"}},
		},
		{
			name: "a delta report under another policy",
			modify: func(f map[string][]byte, m *Manifest) {
				v := sampleVerdict("PASS")
				v.DeltaVerification.PolicyDigest = strings.Repeat("8", 64)
				f[artifact.DeltaVerifyFile], _ = DeltaReport(v)
			},
			want: []Problem{{artifact.DeltaVerifyFile, Mismatch, "computed under another policy (policy digest 888888888888, the verdict's 777777777777)"}},
		},
		{
			name: "a delta report with other counts and the right source",
			modify: func(f map[string][]byte, m *Manifest) {
				v := sampleVerdict("PASS")
				v.DeltaVerification.ProposedCount = 13
				f[artifact.DeltaVerifyFile], _ = DeltaReport(v)
			},
			want: []Problem{{artifact.DeltaVerifyFile, Mismatch, "differs from the delta verification in POST_SOAK_SNAPSHOT.json (proposed 10, full_apply 10 there; 13, 10 here)"}},
		},
		{
			name: "a legacy delta report without provenance",
			modify: func(f map[string][]byte, m *Manifest) {
				f[artifact.DeltaVerifyFile] = []byte(`{"proposed_count": 10, "full_apply_count": 10}` + "\n")
			},
			want: []Problem{{artifact.DeltaVerifyFile, Mismatch, `not a delta report of soakline's (no kind "delta_verify"): not shown to be about this soak`}},
		},
		{
			name: "a report rendering another verdict",
			modify: func(f map[string][]byte, m *Manifest) {
				f[AuditFile] = []byte("# audit\n" + provenance.Line(sampleSoak, strings.Repeat("a", 64)))
			},
			want: []Problem{{AuditFile, Mismatch, "renders another verdict (snapshot sha256 aaaaaaaaaaaa, the bundled POST_SOAK_SNAPSHOT.json has " + short(artifact.Hash(sampleFiles()[artifact.SnapshotFile])) + ")"}},
		},
		{
			name: "a report of another soak",
			modify: func(f map[string][]byte, m *Manifest) {
				f[FailuresFile] = []byte("# failures\n" + provenance.Line(strings.Repeat("4", 64), artifact.Hash(f[artifact.SnapshotFile])))
			},
			want: []Problem{{FailuresFile, Mismatch, "rendered from another soak (soak digest 444444444444, this soak 555555555555)"}},
		},
		{
			name: "a report without a provenance line",
			modify: func(f map[string][]byte, m *Manifest) {
				f[RecommendationsFile] = []byte("# recommendations\n")
			},
			want: []Problem{{RecommendationsFile, Mismatch, "has no provenance line (a report soakline did not write, or one edited by hand): not shown to render this verdict"}},
		},
		{
			name: "a profile made from other overrides",
			modify: func(f map[string][]byte, m *Manifest) {
				m.Inputs[0].SHA256 = strings.Repeat("3", 64)
			},
			want: []Problem{{ProfileFile, Mismatch, "made from overrides with sha256 333333333333, the verdict records 000000000000"}},
		},
		{
			name: "a manifest naming no overrides input for the profile",
			modify: func(f map[string][]byte, m *Manifest) {
				m.Inputs = nil
			},
			want: []Problem{{ManifestFileName, Mismatch, "lists 0 inputs of soak_profile.runtime_overrides.json, want the one overrides file it was made from"}},
		},
		{
			name: "the manifest's version edited (review R1)",
			modify: func(f map[string][]byte, m *Manifest) {
				m.Version = "v9.9.9"
			},
			want: []Problem{
				{ChangelogFile, Mismatch, `its heading is "# Changelog: v1", but the manifest's version is "v9.9.9"`},
				{RollbackPlanFile, Mismatch, `its heading is "# Rollback plan: v1", but the manifest's version is "v9.9.9"`},
			},
		},
		{
			name:       "a forced bundle's changelog heading edited (review R1)",
			forcedFail: true,
			modify: func(f map[string][]byte, m *Manifest) {
				f[ChangelogFile] = bytes.Replace(f[ChangelogFile], []byte("# Changelog: v1"), []byte("# Changelog: v2"), 1)
			},
			want: []Problem{{ChangelogFile, Mismatch, `its heading is "# Changelog: v2", but the manifest's version is "v1"`}},
		},
		{
			name: "a changelog without its heading (review R1)",
			modify: func(f map[string][]byte, m *Manifest) {
				f[ChangelogFile] = []byte("content\n")
			},
			want: []Problem{{ChangelogFile, Mismatch, `it has no "# Changelog: v1" heading naming the manifest's version`}},
		},
		{
			name: "a snapshot of the Python toolkit",
			modify: func(f map[string][]byte, m *Manifest) {
				f[artifact.SnapshotFile] = []byte(`{"verdict": "PASS", "freeze_ready": true, "iterations_analyzed": [29,30,31,32,33,34,35,36]}` + "\n")
			},
			want: []Problem{{artifact.SnapshotFile, Mismatch, "a snapshot without provenance (the Python toolkit's): release-bundle bundles only a verdict it can tie to the soak"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := sampleFiles()
			if tc.forcedFail {
				files = sealedFiles(sampleVerdict("FAIL"), true)
			}
			if v := Verify(contents(files)); !v.OK() {
				t.Fatalf("the bundle before the edit does not verify: %v", v.Problems)
			}
			m := manifestOf(t, files)
			tc.modify(files, m)
			if !tc.noReseal {
				reseal(files, m)
			}
			v := Verify(contents(files))
			if v.OK() {
				t.Fatal("the edited bundle verifies")
			}
			for _, w := range tc.want {
				found := false
				for _, p := range v.Problems {
					found = found || p == w
				}
				if !found {
					t.Errorf("missing problem %q; got %q", w, v.Problems)
				}
			}
		})
	}
}

func TestCheckChainFacts(t *testing.T) {
	v := sampleVerdict("PASS")
	files := sealedFiles(v, false)
	e := Evidence{Snapshot: files[artifact.SnapshotFile], Verdict: v, DeltaReport: files[artifact.DeltaVerifyFile], Reports: files, ReportsNamed: ReportFiles}
	good := Facts{SoakDigest: sampleSoak, LedgerDigest: sampleLedger, OverridesDigest: sampleOverrides}
	if ps := CheckChain(e, good); len(ps) != 0 {
		t.Fatalf("the sample chain: %v", ps)
	}
	tests := []struct {
		name  string
		facts Facts
		want  []Problem
	}{
		{"a new soak run into the same directory", Facts{strings.Repeat("2", 64), sampleLedger, sampleOverrides}, []Problem{
			{artifact.SnapshotFile, Mismatch, "judged other iteration files (soak digest 555555555555, this soak 222222222222)"},
			{AuditFile, Mismatch, "rendered from another soak (soak digest 555555555555, this soak 222222222222)"},
		}},
		{"the ledger rewritten", Facts{sampleSoak, strings.Repeat("2", 64), sampleOverrides}, []Problem{
			{artifact.SnapshotFile, Mismatch, "judged another TUNING_REPORT.json (ledger digest 111111111111, this soak 222222222222)"},
		}},
		{"the ledger removed", Facts{sampleSoak, "", sampleOverrides}, []Problem{
			{artifact.SnapshotFile, Mismatch, "judged another TUNING_REPORT.json (ledger digest 111111111111, this soak none)"},
		}},
		{"other overrides", Facts{sampleSoak, sampleLedger, strings.Repeat("2", 64)}, []Problem{
			{ProfileFile, Mismatch, "not the runtime_overrides.json the verdict was judged with (sha256 222222222222, the verdict records 000000000000)"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := CheckChain(e, tc.facts)
			for _, w := range tc.want {
				found := false
				for _, p := range got {
					found = found || p == w
				}
				if !found {
					t.Errorf("missing problem %q; got %q", w, got)
				}
			}
		})
	}
	// A verdict recording no soak digest is evidence about no soak.
	nv := sampleVerdict("PASS")
	nv.Source = artifact.Source{}
	if ps := CheckChain(Evidence{Snapshot: files[artifact.SnapshotFile], Verdict: nv}, good); len(ps) != 1 || ps[0].File != artifact.SnapshotFile {
		t.Errorf("no soak digest: %v", ps)
	}
}
