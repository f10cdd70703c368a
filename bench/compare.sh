#!/usr/bin/env bash
# bench/compare.sh — how often `soak-gate --compare` says FAIL on soaks of
# the same build (its false-FAIL rate) and how often it catches a real
# regression. The figures are in TESTING.md ("--compare: size and power").
#
#   1. For each of PAIRS trials, run BASE_RUNS baseline soaks and one
#      candidate soak of the same build: tuned mock soaks
#      (soak-run --mock --auto-tune --iterations ITERATIONS), each with its
#      own seed; no seed is used twice, so the trials are independent.
#   2. Same build: soak-gate CANDIDATE --mock --compare BASE_1 ... --compare
#      BASE_K. Any compare_* check FAIL is a false FAIL.
#   3. Regression: the candidate again, with every ITER_SUMMARY's
#      p95_latency_ms multiplied by REGRESSION (1.10: 10% slower); any
#      compare_p95_latency_ms FAIL is a catch.
#   4. Print the two rates with their 95% Wilson intervals and write them
#      to bench/results/compare.txt.
#
# Usage: make build && bench/compare.sh
# Environment: PAIRS (default 40), BASE_RUNS (5), ITERATIONS (24),
# REGRESSION (1.10), SEED0 (first seed, 1000), BIN (bin), OUT
# (bench/results/compare.txt).
# Deterministic: the same settings give the same counts.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
pairs=${PAIRS:-40}
k=${BASE_RUNS:-5}
iters=${ITERATIONS:-24}
factor=${REGRESSION:-1.10}
seed0=${SEED0:-1000}
bin=${BIN:-bin}
out=${OUT:-bench/results/compare.txt}
for tool in jq awk; do
	command -v "$tool" >/dev/null || { echo "bench/compare: $tool is missing" >&2; exit 2; }
done
for b in soak-run soak-gate; do
	[ -x "$bin/$b" ] || { echo "bench/compare: $bin/$b is missing (run 'make build')" >&2; exit 2; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

soak() { # soak SEED DIR
	"$bin/soak-run" --mock --auto-tune --seed "$1" --iterations "$iters" --out "$2" >/dev/null 2>&1
}

# gate CANDIDATE BASE... → one word per compare check, in policy order:
# its status letter (P, F, S), with "*" when the test was significant (a
# Holm-adjusted p below alpha in the direction the rule calls worse,
# before min_effect is applied).
gate() {
	local cand=$1
	shift
	local args=()
	for b in "$@"; do args+=(--compare "$b"); done
	local rc=0
	"$bin/soak-gate" "$cand" --mock "${args[@]}" >"$tmp/v.json" 2>"$tmp/err" || rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
		echo "bench/compare: soak-gate exit $rc on $cand" >&2
		cat "$tmp/err" >&2
		exit 2
	fi
	jq -r '[.checks[] | select(.name | startswith("compare_"))
		| .status[0:1] + (if (.reason | test(": significant")) then "*" else "" end)] | join(" ")' "$tmp/v.json"
}

false_fail=0
same_sig=0
caught=0
reg_sig=0
skipped=0
kpis=$("$bin/soak-gate" policy --mock | jq -r '[.kpis[].kpi] | join(",")')
printf '%-5s %-20s %-16s %s\n' trial "baseline vs cand" "same build" "p95 x$factor" >"$tmp/trials"
for ((i = 0; i < pairs; i++)); do
	base=()
	first=$((seed0 + i * (k + 1)))
	for ((j = 0; j < k; j++)); do
		s=$((first + j))
		soak "$s" "$tmp/s$s"
		base+=("$tmp/s$s")
	done
	cs=$((first + k))
	cand="$tmp/s$cs"
	soak "$cs" "$cand"

	# 2. Same build.
	same=$(gate "$cand" "${base[@]}")
	case " $same " in *" F"*) false_fail=$((false_fail + 1)) ;; esac
	case " $same " in *"*"*) same_sig=$((same_sig + 1)) ;; esac
	case " $same " in *" S"*) skipped=$((skipped + 1)) ;; esac

	# 3. The candidate, slower by the factor.
	reg="$tmp/r$cs"
	cp -R "$cand" "$reg"
	for f in "$reg"/ITER_SUMMARY_*.json; do
		jq --argjson f "$factor" '.summary.p95_latency_ms |= (if . == null then . else . * $f end)' "$f" >"$f.tmp"
		mv "$f.tmp" "$f"
	done
	regd=$(gate "$reg" "${base[@]}")
	p95=$(echo "$regd" | awk -v col="$(echo "$kpis" | tr ',' '\n' | grep -n '^p95_latency_ms$' | cut -d: -f1)" '{ print $col }')
	case "$p95" in F*) caught=$((caught + 1)) ;; esac
	case "$p95" in *"*") reg_sig=$((reg_sig + 1)) ;; esac
	printf '%-5s %-20s %-16s %s\n' "$i" "$first..$((first + k - 1)) vs $cs" "$same" "$regd" >>"$tmp/trials"
	rm -rf "$reg"
done

wilson() { # wilson X N → "lo-hi" (95%)
	awk -v x="$1" -v n="$2" 'BEGIN { z = 1.959964; p = x / n; d = 1 + z*z/n;
		c = (p + z*z/(2*n)) / d; h = z * sqrt(p*(1-p)/n + z*z/(4*n*n)) / d;
		lo = c - h; if (lo < 0) lo = 0; hi = c + h; if (hi > 1) hi = 1;
		printf "%.1f%%-%.1f%%", 100*lo, 100*hi }'
}
pct() { awk -v x="$1" -v n="$2" 'BEGIN { printf "%.1f%%", 100*x/n }'; }

mkdir -p "$(dirname "$out")"
{
	echo "soak-gate --compare: ${pairs} trials, each ${k} baseline soaks vs 1 candidate soak"
	echo "soaks: soak-run --mock --auto-tune --iterations ${iters} --seed S (seeds ${seed0}..$((seed0 + pairs * (k + 1) - 1)), each once)"
	echo "gate:  soak-gate CANDIDATE --mock --compare BASE_1 ... --compare BASE_${k} ($("$bin/soak-gate" --version))"
	echo
	echo "same build:  false FAIL ${false_fail}/${pairs} = $(pct "$false_fail" "$pairs") (95% CI $(wilson "$false_fail" "$pairs"))"
	echo "             a significant regression in any KPI, before min_effect: ${same_sig}/${pairs} = $(pct "$same_sig" "$pairs") (95% CI $(wilson "$same_sig" "$pairs"))"
	echo "             trials with a SKIP: ${skipped}"
	echo "p95 x${factor}: caught (compare_p95_latency_ms FAIL) ${caught}/${pairs} = $(pct "$caught" "$pairs") (95% CI $(wilson "$caught" "$pairs"))"
	echo "             significant, before min_effect: ${reg_sig}/${pairs} = $(pct "$reg_sig" "$pairs")"
	echo
	echo "Per trial, one word per compare check ($kpis): P PASS, F FAIL, S SKIP; * significant."
	cat "$tmp/trials"
} | tee "$out"
