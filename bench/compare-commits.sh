#!/usr/bin/env bash
# bench/compare-commits.sh — `make bench` before and after a change, in the
# same run on the same machine: the table of BENCHMARKS.md's before/after.
#
#   1. check BASE and HEAD out into temporary git worktrees and build each
#      (make build);
#   2. write the benchmark inputs once, with HEAD's generator (HEAD's
#      bench/run.sh with BENCH_GEN_ONLY=1), into BENCH_DATA: both commits
#      time the same files;
#   3. ROUNDS rounds, each running BASE's bench/run.sh and then HEAD's
#      (A B A B ...), one run of every measurement per round
#      (BENCH_REPEAT=1), so that a change in the machine's load falls on
#      both commits alike;
#   4. print a markdown table: per benchmark, the median wall time over the
#      rounds of each commit, the change, and the largest max RSS of each.
#
# Usage: bench/compare-commits.sh BASE [HEAD]     (HEAD defaults to HEAD)
#   e.g. bench/compare-commits.sh main~5
#        ROUNDS=5 OUT=/tmp/before-after.md bench/compare-commits.sh v0.3.0 HEAD
#
# Environment: ROUNDS (default 3, at least 3), BENCH_DATA (default
# bench/data of this checkout; kept between runs), BENCH_JQ (default 0
# here: jq is the same program for both commits), OUT (also write the
# table there), and bench/run.sh's BENCH_SIZES and BENCH_EVENTS for a
# quick try (only a BASE whose bench/run.sh reads them honours them; an
# older one times the inputs of its own list, writing the missing ones).
# Each round takes about as long as two `make bench` runs with
# BENCH_REPEAT=1: a few minutes on 2 cores.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: bench/compare-commits.sh BASE [HEAD]" >&2
	exit 2
fi
rounds=${ROUNDS:-3}
case "$rounds" in
'' | *[!0-9]*)
	echo "bench/compare-commits: ROUNDS=$rounds is not a number" >&2
	exit 2
	;;
esac
if [ "$rounds" -lt 3 ]; then
	echo "bench/compare-commits: ROUNDS=$rounds: at least 3 rounds, or the median is one run" >&2
	exit 2
fi
data=${BENCH_DATA:-$root/bench/data}
mkdir -p "$data"
data=$(cd "$data" && pwd) # each run.sh runs in its own worktree
out=${OUT:-}
export BENCH_JQ=${BENCH_JQ:-0}

declare -A sha
for side in base head; do
	if [ "$side" = base ]; then ref=$1; else ref=${2:-HEAD}; fi
	if ! sha[$side]=$(git rev-parse --verify --quiet "$ref^{commit}"); then
		echo "bench/compare-commits: $ref is not a commit" >&2
		exit 2
	fi
done

tmp=$(mktemp -d)
cleanup() {
	for side in base head; do
		[ -d "$tmp/$side" ] && git worktree remove --force "$tmp/$side" >/dev/null 2>&1
	done
	rm -rf "$tmp"
	git worktree prune
}
trap cleanup EXIT

# 1. Worktrees and builds.
for side in base head; do
	git worktree add --quiet --detach "$tmp/$side" "${sha[$side]}"
	if [ ! -x "$tmp/$side/bench/run.sh" ]; then
		echo "bench/compare-commits: ${sha[$side]:0:12} has no bench/run.sh" >&2
		exit 2
	fi
	echo "bench/compare-commits: building $side ${sha[$side]:0:12}" >&2
	make -C "$tmp/$side" --no-print-directory build >/dev/null
done

# 2. The inputs, once, by HEAD's generator.
if ! grep -q BENCH_GEN_ONLY "$tmp/head/bench/run.sh"; then
	echo "bench/compare-commits: HEAD's bench/run.sh cannot write the inputs alone (BENCH_GEN_ONLY)" >&2
	exit 2
fi
echo "bench/compare-commits: inputs in $data" >&2
BENCH_DATA=$data BENCH_GEN_ONLY=1 "$tmp/head/bench/run.sh"

# 3. The rounds, alternating.
for ((r = 1; r <= rounds; r++)); do
	for side in base head; do
		echo "bench/compare-commits: round $r of $rounds: $side ${sha[$side]:0:12}" >&2
		BENCH_DATA=$data BENCH_KEEP_DATA=1 BENCH_REPEAT=1 "$tmp/$side/bench/run.sh" >"$tmp/$side-$r.txt"
	done
done

# 4. The table. A result line of run.sh is
# "NAME WALL s [MIN-MAX] RSS MB exit CODE" (RSS in MB); the bracket may
# hold spaces.
for side in base head; do
	for ((r = 1; r <= rounds; r++)); do
		awk -v side="$side" '
			$3 == "s" && $(NF - 1) == "exit" {
				for (i = 4; i < NF; i++) if ($i == "MB") rss = $(i - 1)
				print side, $1, $2, rss, $NF
			}' "$tmp/$side-$r.txt"
	done
done >"$tmp/all"
{
	echo "make bench before and after: BASE ${sha[base]:0:12} ($(git log -1 --format=%s "${sha[base]}" | cut -c1-60)), HEAD ${sha[head]:0:12} ($(git log -1 --format=%s "${sha[head]}" | cut -c1-60))"
	echo "$rounds rounds, each BASE then HEAD, one run of each measurement per round (bench/run.sh, BENCH_REPEAT=1, BENCH_JQ=$BENCH_JQ); $(nproc) cores, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo
	echo "| benchmark | base median | head median | change | base max RSS | head max RSS |"
	echo "|---|---:|---:|---:|---:|---:|"
	awk '
		function median(list,   v, n, i, j, t) {
			n = split(list, v, " ")
			for (i = 2; i <= n; i++) # insertion sort: a handful of rounds
				for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
			return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
		}
		{
			key = $1 SUBSEP $2
			if (!($2 in seen)) { seen[$2] = 1; order[++names] = $2 }
			wall[key] = wall[key] " " $3
			if ($4 + 0 > rss[key] + 0) rss[key] = $4
			if ($5 != 0) failed[key] = failed[key] " " $5
		}
		function cell(side, name,   key) {
			key = side SUBSEP name
			if (!(key in wall)) return "—"
			return sprintf("%.3f s", median(wall[key])) (key in failed ? " (exit" failed[key] ")" : "")
		}
		function mem(side, name,   key) {
			key = side SUBSEP name
			return key in rss ? sprintf("%.1f MB", rss[key]) : "—"
		}
		END {
			for (i = 1; i <= names; i++) {
				n = order[i]; b = "base" SUBSEP n; h = "head" SUBSEP n
				change = "—"
				if ((b in wall) && (h in wall) && median(wall[b]) > 0)
					change = sprintf("%+.1f%%", 100 * (median(wall[h]) - median(wall[b])) / median(wall[b]))
				printf "| %s | %s | %s | %s | %s | %s |\n", n, cell("base", n), cell("head", n), change, mem("base", n), mem("head", n)
			}
		}' "$tmp/all"
} | if [ -n "$out" ]; then tee "$out"; else cat; fi
