// Package bundle is the release-bundle stage: it assembles a release bundle
// from a soak directory and its reports, and verifies bundles.
//
// Usage:
//
//	release-bundle --src SOAK_DIR --out DIR [--reports DIR] [--version V]
//	               [--previous BUNDLE] [--archive FILE.tar.gz] [--allow-fail]
//	               [--policy FILE] [--now TIME]
//	release-bundle verify DIR|ARCHIVE
//
// A bundle holds the seed's eight files — POST_SOAK_SNAPSHOT.json,
// POST_SOAK_AUDIT.md, RECOMMENDATIONS.md, FAILURES.md,
// DELTA_VERIFY_REPORT.json, soak_profile.runtime_overrides.json,
// CHANGELOG.md and rollback_plan.md — plus MANIFEST.json (kind bundle:
// every file's size and SHA-256, the soak's run record and digest, the
// verdict, the tool version and the git commit) and SHA256SUMS, which
// `sha256sum -c SHA256SUMS` checks inside the bundle and which lists the
// manifest too.
//
// Inputs are found in the layouts soakline and the Python toolkit write
// (see release.Locate). When anything required is missing, nothing is
// written and every missing input is listed (exit 1). The bundle is built
// in a temporary directory beside --out and renamed into place, so no half
// bundle ever looks complete; an existing --out is replaced only when it
// is an empty directory or a bundle that verifies (checkOut: a symbolic
// link or a directory holding anything else is an input error, exit 2, and
// nothing in it is touched).
//
// One verdict, a sealed chain (release.CheckChain): the soak's digests are
// recomputed, and any snapshot, delta report, report (its provenance line)
// or overrides that is not derived from the one snapshot about the soak as
// it is now is refused, exit 1, one line per file, --allow-fail or not; so
// are --policy/--mock/--strict the snapshot was not judged with, and a
// verdict its own policy and settings do not give on the soak (when they
// can be reproduced). A snapshot without provenance (the Python toolkit's)
// is never trusted: the soak is judged here as soak-gate judges it, and the
// bundle carries that verdict, its delta report and reports rendered from
// it, with the found snapshot noted in the manifest. A FAIL or INCONCLUSIVE
// verdict is refused (exit 1) unless --allow-fail, and then CHANGELOG.md
// and rollback_plan.md say so in their first lines. Inputs, like iteration
// files, must be regular files (by type, before opening) or symbolic links
// that stay in their directory, of at most release.MaxBundleFileBytes
// (exit 2 otherwise).
//
// --previous names the rollback target: a bundle that verifies, or one
// read leniently as legacy (release.ReadPrevious: an earlier soakline
// version's whose SHA256SUMS holds, or the Python toolkit's), whose
// profile and version give the rollback diff while the warning, the
// rollback plan, CHANGELOG.md and MANIFEST.json's previous say what could
// not be verified.
//
// --version defaults to `git describe --tags --always` of the working
// directory's repository. The date (CHANGELOG.md, the manifest, the archive
// entries' mtime) comes from --now, else SOURCE_DATE_EPOCH, else the
// commit time of HEAD; with none of them the bundle carries no date and the
// archive uses the Unix epoch. --archive writes a reproducible .tar.gz of
// the bundle.
//
// Override keys that look like credentials are removed from the bundled
// profile (the rule is documented on release.RedactProfile).
//
// git runs without a shell, and only inside a repository.
package releasebundle
