#!/usr/bin/env bash
# fuzz.sh [TIME] — run every fuzz target of the module for TIME (default
# 10s) each, one after the other; stops at the first target that fails.
#
# Each package's test binary is built once, with fuzzing instrumentation
# (go test -c -fuzz=.), and run from the package's directory, target by
# target (-test.fuzz accepts one target per run); a failing input lands in
# the package's testdata/fuzz/ as with go test -fuzz.
#
# New-coverage inputs are minimized for at most FUZZMINIMIZE (default 1s,
# -test.fuzzminimizetime): at go test's default of 60s, the minimizing of
# the many new inputs of the first seconds holds every worker, and a short
# run reports "0/sec" until its time is up (what looked like a stall of
# go test -fuzz on the shared 2-core machine).
set -euo pipefail
time=${1:-10s}
minimize=${FUZZMINIMIZE:-1s}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cache="$(go env GOCACHE)/fuzz" # where go test -fuzz keeps its corpus
n=0
go list -f '{{.ImportPath}} {{.Dir}}' ./... >"$tmp/pkgs"
while read -r pkg dir; do
	targets=$({ grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null || true; } | sed 's/^func //' | sort -u)
	[ -n "$targets" ] || continue
	n=$((n + 1))
	bin="$tmp/$n.test"
	echo "==> $pkg: building the test binary" >&2
	go test -c -fuzz=. -o "$bin" "$pkg"
	for target in $targets; do
		echo "==> $pkg $target ($time)"
		(cd "$dir" && "$bin" -test.run '^$' -test.fuzz "^${target}\$" -test.fuzztime "$time" \
			-test.fuzzminimizetime "$minimize" -test.fuzzcachedir "$cache/$pkg") </dev/null
	done
done <"$tmp/pkgs"
