// Package release is the logic of the release pair, release-bundle and
// release-tag, kept apart from their command lines: the SHA256SUMS format
// and bundle verification, the reproducible archive, redaction of the
// overrides profile, the generated CHANGELOG.md and rollback_plan.md, the
// canary checklist and plan with their rollback triggers, the tag message,
// git ref-name validation, Conventional Commit grouping, and a small git
// runner that never goes through a shell.
//
// Everything here except git.go is a pure function of its inputs: no
// clock, no environment, no working directory.
package release
