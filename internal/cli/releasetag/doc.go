// Package releasetag is the release-tag stage: it tags a verified release bundle
// with an annotated git tag that carries the verdict, the KPI summary of
// the judged window and the SHA-256 of the bundle's SHA256SUMS, and writes
// the canary checklist and plan for the rollout.
//
// Usage:
//
//	release-tag --bundle DIR --tag NAME [--dry-run] [--out DIR] [--sign]
//	            [--push REMOTE] [--allow-dirty] [--commit REV] [--policy FILE]
//	release-tag verify TAG [--bundle DIR]
//	release-tag canary --plan FILE --prometheus-url URL --canary-selector S [...]
//
// `release-tag canary` watches the canary through Prometheus and decides
// ROLLBACK (exit 1), HOLD (exit 3) or PROMOTE (exit 0); its manual is its
// --help (canary.go: flags and exit codes). The watcher itself is the
// library internal/canary.
//
// Before anything is created the bundle is verified (as `release-bundle
// verify` does) and release-tag refuses, with exit 1 and without a prompt:
// a bundle that does not verify, a verdict other than PASS or WARN, a tag
// that already exists, and a worktree whose tracked files have changes
// (unless --allow-dirty; untracked files such as the bundle itself do not
// count). A tag name that breaks git's ref-name rules is a usage error
// (exit 2).
//
// The tag is annotated (signed with --sign) and points to --commit
// (default HEAD). CANARY_CHECKLIST.md and CANARY_PLAN.json (kind
// canary_plan) go into --out, by default the directory <bundle>.canary
// next to the bundle, never inside it: pre-deployment checks, a 5% canary
// for 24-48 hours with checks at hours 1, 6, 24 and 48, automatic rollback
// triggers evaluated every 5 minutes and derived from the policy the soak
// was judged by (PromQL over soak-gate's soak_kpi_window gauges), and the
// promotion criteria.
//
// --dry-run prints the tag message and the checklist on standard output and
// changes nothing: not the repository, not the bundle, not --out.
//
// `release-tag verify TAG` reads the digest back from the tag's message and
// checks that the bundle (--bundle, default the path the tag records,
// relative to the top of the working tree) verifies and still has that
// SHA256SUMS.
//
// A tag name, and the bundle's version, may hold only letters, digits and
// . _ + - / (release.CheckReleaseName): both are written into the
// checklist's shell steps. git runs without a shell, with the repository's
// hooks, fsmonitor, pager and external programs turned off and without
// optional locks, so a dry run writes nothing under .git; refs reach it
// after --end-of-options or as commit hashes; the message goes through
// standard input.
package releasetag
