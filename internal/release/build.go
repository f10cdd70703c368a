package release

import (
	"fmt"
	"sort"

	"github.com/soakline/soakline/pkg/artifact"
)

// Build assembles the bundle's files: the copied inputs (snapshot, the
// three reports, the delta report and the redacted profile, by bundle file
// name), CHANGELOG.md and rollback_plan.md generated from r, MANIFEST.json
// (m completed with every file's size and digest) and SHA256SUMS over all
// of them.
func Build(r *Release, copied map[string][]byte, m Manifest) (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, name := range []string{artifact.SnapshotFile, AuditFile, RecommendationsFile, FailuresFile, artifact.DeltaVerifyFile, ProfileFile} {
		data, ok := copied[name]
		if !ok {
			return nil, fmt.Errorf("internal error: %s was not provided", name)
		}
		files[name] = data
	}
	files[ChangelogFile] = Changelog(r)
	files[RollbackPlanFile] = RollbackPlan(r)

	m.SchemaVersion, m.Kind = artifact.SchemaVersion, artifact.KindBundle
	m.Files = m.Files[:0]
	for _, name := range BundleFiles {
		data := files[name]
		m.Files = append(m.Files, BundleFile{Path: name, Size: int64(len(data)), SHA256: artifact.Hash(data)})
	}
	sort.Slice(m.Files, func(i, j int) bool { return m.Files[i].Path < m.Files[j].Path })
	sort.Slice(m.Inputs, func(i, j int) bool { return m.Inputs[i].File < m.Inputs[j].File })
	man, err := artifact.Marshal(m)
	if err != nil {
		return nil, err
	}
	files[ManifestFileName] = man
	files[SumsFileName] = FormatSums(files)
	return files, nil
}
