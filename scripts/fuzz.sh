#!/usr/bin/env bash
# fuzz.sh [TIME] — run every fuzz target of the module for TIME (default
# 10s) each; go test -fuzz accepts one target per run. Stops at the first
# target that fails.
set -euo pipefail
time=${1:-10s}
cd "$(dirname "$0")/.."
go list -f '{{.ImportPath}} {{.Dir}}' ./... | while read -r pkg dir; do
	{ grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null || true; } | sed 's/^func //' | sort -u |
		while read -r target; do
			echo "==> $pkg $target ($time)"
			go test -run '^$' -fuzz "^${target}\$" -fuzztime "$time" "$pkg" </dev/null
		done
done
