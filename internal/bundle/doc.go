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
// is empty or a bundle. A FAIL or INCONCLUSIVE verdict is refused (exit 1)
// unless --allow-fail, and then CHANGELOG.md and rollback_plan.md say so in
// their first lines; so is a snapshot whose recorded digest of the
// iteration files it judged is not the soak's digest now (a verdict about
// other data). A Python-toolkit snapshot records no digest; CHANGELOG.md
// then says the judged data was not checked. Reports and overrides, like
// iteration files, must be regular files or symbolic links that stay in
// their directory (exit 2 otherwise).
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
package bundle
