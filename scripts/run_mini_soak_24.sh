#!/usr/bin/env bash
# run_mini_soak_24.sh — the mini soak of the seed, through all five stages:
#   1. clean    the previous demo's reports and release bundle
#   2. soak     24 auto-tuned iterations on the built-in simulator
#   3. gate     judge the last 8 iterations (verdict, Prometheus metrics, snapshot)
#   4. reports  audit, recommendations, failures, charts
#   5. bundle   the checksummed release bundle
#   6. tag      a dry run of the annotated tag and the canary checklist
# Each step's exit code is checked; a summary follows. A step runs only when
# every step before it succeeded, except the reports, which also explain a
# FAIL verdict. Each step's stdout (artifact bytes) is discarded: its
# artifacts are files; its stderr is shown.
#
# Exit status:
#   0    every step succeeded (the tag step is skipped where there is no git commit)
#   2    a binary is in neither bin/ nor PATH (checked before any step runs)
#   N    otherwise the first failing step's code: 1 clean failed or the gate's
#        verdict is FAIL, 2 usage or input error, 3 INCONCLUSIVE, 130 interrupted
#
# Binaries come from bin/ beside this script's parent, else from PATH.
# Environment: SOAK_OUT (default artifacts/soak/latest), RELEASE_DIR
# (default release/mini-soak-24), SOAK_SEED (default 1), SOAK_ITERATIONS
# (default 24), SOAK_SCENARIO (default steady), SOAK_TAG (default
# v0.0.0-mini-soak).
#
# scripts/run_mini_soak_24.ps1 is the same script for PowerShell; keep the
# two in step (e2e/scripts_parity_test.go compares them).
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
bin() {
	if [ -x "$root/bin/$1" ]; then printf '%s\n' "$root/bin/$1"; else command -v "$1"; fi
}
for b in soak-run soak-gate soak-reports release-bundle release-tag; do
	if [ -z "$(bin "$b")" ]; then
		echo "run_mini_soak_24: error: $b not found in $root/bin or on PATH (run 'make build')" >&2
		exit 2
	fi
done

out=${SOAK_OUT:-artifacts/soak/latest}
release=${RELEASE_DIR:-release/mini-soak-24}
reports="$out/reports/analysis"
seed=${SOAK_SEED:-1}
iterations=${SOAK_ITERATIONS:-24}
scenario=${SOAK_SCENARIO:-steady}
tagname=${SOAK_TAG:-v0.0.0-mini-soak}

names=()
codes=()
record() { names+=("$1"); codes+=("$2"); }
failed=0

step() { # step NAME CMD... — run, record, remember the first failure
	local name=$1
	shift
	echo "==> $name: $*" >&2
	"$@" >/dev/null
	local rc=$?
	record "$name" "$rc"
	if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=$rc; fi
	return "$rc"
}

# 1. clean: soak-run clears its own artifacts; the reports and the release
# bundle of the previous demo are ours to remove.
clean=0
rm -rf -- "$reports" "$release" "$release.CANARY" || clean=1
record clean "$clean"
failed=$clean

# 2. soak
if [ "$failed" -eq 0 ]; then
	step soak "$(bin soak-run)" --mock --auto-tune --iterations "$iterations" --seed "$seed" --scenario "$scenario" --out "$out"
fi

# 3. gate: its table of checks goes to stderr; --out keeps the snapshot and
# DELTA_VERIFY_REPORT.json, which soak-reports leaves in place and the bundle needs
gate=2
if [ "$failed" -eq 0 ]; then
	step gate "$(bin soak-gate)" --path "$out" --strict --prometheus --out "$reports"
	gate=$?
fi

# 4. reports: also after a FAIL verdict, so that the failure is explained
if [ "$gate" -eq 0 ] || [ "$gate" -eq 1 ]; then
	step reports "$(bin soak-reports)" --src "$out" --out "$reports" --last-n 8 --strict
fi

# 5. bundle
if [ "$failed" -eq 0 ]; then
	step bundle "$(bin release-bundle)" --src "$out" --reports "$reports" --out "$release" --version "$tagname"
fi

# 6. tag: a demo runs in a working copy that may have local edits, so a dry
# run only; skipped outside a git work tree or without git
if [ "$failed" -eq 0 ]; then
	if git rev-parse --verify -q HEAD >/dev/null 2>&1; then
		step tag "$(bin release-tag)" --bundle "$release" --tag "$tagname" --dry-run --allow-dirty --out "$release.CANARY"
	else
		echo "==> tag: skipped (no git commit here to tag)" >&2
		record tag skipped
	fi
fi

echo >&2
echo "mini soak results" >&2
for i in "${!names[@]}"; do
	printf '  %-8s %s\n' "${names[$i]}" "${codes[$i]}" >&2
done
if [ "$failed" -eq 0 ]; then
	verdict=$(sed -n 's/^ *"verdict": *"\([A-Z]*\)".*/\1/p' "$reports/POST_SOAK_SNAPSHOT.json" | head -1)
	echo "  verdict  $verdict" >&2
	echo "  bundle   $release" >&2
fi
exit "$failed"
