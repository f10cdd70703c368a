// Package release is the release library: the logic of the two release
// stages, kept apart from their command lines, which live in the stage
// packages internal/cli/releasebundle (release-bundle) and
// internal/cli/releasetag (release-tag). Those stages choose exit codes;
// this package returns plain errors (typed where a stage must tell them
// apart: *UnknownPolicyError, *PreviousRefusal, *GitError) and never
// prints.
//
// What each stage uses, by file:
//
// release-bundle builds a bundle:
//   - inputs.go: Locate, the soak's and reports' files
//   - paths.go: ReadRegular, Within: reading inputs safely
//   - chain.go: CheckChain, the sealed evidence chain (also verify)
//   - redact.go: RedactProfile, credentials out of the overrides
//   - previous.go: ReadPrevious, the rollback target
//   - changelog.go, commits.go: Release, CHANGELOG.md, Conventional Commits
//   - rollback.go: rollback_plan.md
//   - build.go: Build, every file of the bundle and its manifest and sums
//   - archive.go: the reproducible tar.gz
//
// release-tag tags a bundle and plans its canary:
//   - tagmsg.go: TagMessage, ParseTagMessage
//   - checklist.go: Tagging, Plan (CANARY_PLAN.json) and Checklist
//     (CANARY_CHECKLIST.md)
//
// Both:
//   - sums.go, verify.go: SHA256SUMS and Verify (release-bundle verify,
//     and release-tag before it tags)
//   - snapshot.go: the verdict a bundle carries
//   - triggers.go, policyref.go: ResolvePolicy and the rollback triggers
//     derived from the policy (the rollback plan's and the canary plan's)
//   - refname.go: release and tag names safe for git and the shell
//   - git.go, gitremote.go: a git runner that never goes through a shell
//   - markdown.go: the Markdown builder of the documents
//
// Everything here except git.go is a pure function of its inputs: no
// clock, no environment, no working directory.
package release
