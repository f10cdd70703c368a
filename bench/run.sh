#!/usr/bin/env bash
# bench/run.sh — the benchmarks behind BENCHMARKS.md; run with `make bench`
# (which builds bin/ first).
#
#   1. generate, once, into bench/data/ (gitignored): soak directories of
#      1,000, 10,000 and 100,000 iterations in our format and in the legacy
#      format, and an events.jsonl of 10,000,000 simulator events;
#   2. time each binary on them with /usr/bin/time (wall, max RSS), next to
#      baselines on the same files in the same run: cat of the same bytes,
#      wc -l of the events file, and jq computing the same KPIs;
#   3. print a table with the targets of issue 8 and write it to
#      bench/results/latest.txt.
#
# Each measurement is repeated BENCH_REPEAT times (default 5); the table
# shows the median wall time, the spread (min-max) and the largest max RSS.
# The machine is shared: compare the ratios, and read the spread.
#
# Environment: BENCH_REPEAT, BENCH_JQ=0 to skip jq (minutes on 10M events),
# BENCH_DATA (default bench/data), BENCH_SIZES (soak sizes, default
# "1000 10000 100000"; the targets need 10000 and 100000), BENCH_EVENTS
# (default 10000000), BENCH_GEN_ONLY=1 to write the inputs and stop
# (bench/compare-commits.sh does, once, before timing two commits).
# The inputs are rewritten when the generator (internal/soakgen, bench/gen)
# changed since they were written ($BENCH_DATA/GENERATOR holds its hash),
# unless BENCH_KEEP_DATA=1 (compare-commits.sh: both commits time the
# inputs of one generator).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
repeat=${BENCH_REPEAT:-5}
data=${BENCH_DATA:-bench/data}
sizes=${BENCH_SIZES:-1000 10000 100000}
nevents=${BENCH_EVENTS:-10000000}
results=bench/results
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for tool in /usr/bin/time jq; do
	if ! command -v "$tool" >/dev/null; then
		echo "bench: $tool is missing (apt-get install -y time jq)" >&2
		exit 2
	fi
done
if [ "${BENCH_GEN_ONLY:-0}" = 0 ]; then
	for b in soak-run soak-gate soak-reports release-bundle release-tag; do
		if [ ! -x "bin/$b" ]; then
			echo "bench: bin/$b is missing (run 'make build')" >&2
			exit 2
		fi
	done
fi

# 1. Inputs, kept between runs; a file is written to a temporary name and
# renamed, so that an interrupted run leaves nothing that looks complete.
mkdir -p "$data" "$results"
stamp=$(find bench/gen internal/soakgen -name '*.go' ! -name '*_test.go' | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-16)
if [ "${BENCH_KEEP_DATA:-0}" = 0 ] && [ "$(cat "$data/GENERATOR" 2>/dev/null)" != "$stamp" ]; then
	rm -rf "$data"/soak-* "$data"/legacy-* "$data"/events-*.jsonl "$data"/*.tmp
fi
go build -o "$data/gen.tmp" ./bench/gen
mv "$data/gen.tmp" "$data/gen"
gen() { # gen OUT ARGS...: the generator's output at OUT, unless it is there
	local out=$1
	shift
	[ -e "$out" ] && return 0
	rm -rf "$out.tmp"
	"$data/gen" "$@" -out "$out.tmp"
	mv "$out.tmp" "$out"
}
for n in $sizes; do
	gen "$data/soak-$n" soak -n "$n"
	gen "$data/legacy-$n" soak -n "$n" -legacy
done
events="$data/events-$nevents.jsonl"
gen "$events" events -n "$nevents"
[ "${BENCH_KEEP_DATA:-0}" != 0 ] || echo "$stamp" >"$data/GENERATOR"
if [ "${BENCH_GEN_ONLY:-0}" != 0 ]; then
	exit 0
fi

# 2. Measurements. measure NAME CMD... runs CMD $repeat times (stdout
# discarded) and records "NAME median min max maxrss_kb exit".
rows="$tmp/rows"
: >"$rows"
measure() {
	local name=$1
	shift
	local f="$tmp/m" code=0
	: >"$f"
	for _ in $(seq "$repeat"); do
		code=0
		/usr/bin/time -f "%e %M" -a -o "$f" "$@" >/dev/null 2>"$tmp/err" || code=$?
	done
	sort -n -k1,1 "$f" | awk -v name="$name" -v code="$code" '
		{ w[NR] = $1; if ($2 > rss) rss = $2 }
		END { printf "%s %.3f %.3f %.3f %d %d\n", name, w[int((NR + 1) / 2)], w[1], w[NR], rss, code }' >>"$rows"
	printf '  %-34s %s\n' "$name" "$(tail -n 1 "$rows" | cut -d' ' -f2-)" >&2
}
catdir() { find "$1" -type f -exec cat {} + >/dev/null; }
export -f catdir
jqkpis() { # the two jq programs at once, one per core
	jq -n -f bench/jq/sums.jq "$1" >"$tmp/jq-sums.json" &
	jq -n -f bench/jq/p95.jq "$1" >"$tmp/jq-p95.json"
	wait
}
export -f jqkpis
export tmp

echo "bench: measuring ($repeat runs each)" >&2
for fmt in soak legacy; do
	for n in $sizes; do
		d="$data/$fmt-$n"
		# shellcheck disable=SC2016 # $0 is the inner bash's: the path, passed as an argument
		measure "cat-$fmt-$n" bash -c 'catdir "$0"' "$d"
		measure "soak-gate-$fmt-$n" bin/soak-gate "$d"
		rm -rf "$tmp/reports"
		measure "soak-reports-$fmt-$n" bin/soak-reports --out "$tmp/reports" "$d"
	done
done
measure "cat-events" cat "$events"
measure "wc-l-events" wc -l "$events"
measure "soak-run-kpis-events" bin/soak-run kpis "$events"
if [ "${BENCH_JQ:-1}" != 0 ]; then
	repeat_saved=$repeat
	repeat=1 # minutes per run
	# shellcheck disable=SC2016 # $0 is the inner bash's: the path, passed as an argument
	measure "jq-kpis-events" bash -c 'jqkpis "$0"' "$events"
	repeat=$repeat_saved
fi
measure "soak-run-mock-24" bin/soak-run --mock --iterations 24 --auto-tune --out "$tmp/soak24"
measure "mini-soak-24" env SOAK_OUT="$tmp/mini/soak" RELEASE_DIR="$tmp/mini/release" scripts/run_mini_soak_24.sh

# 3. Report.
{
	echo "# soakline benchmarks ($(date -u +%Y-%m-%dT%H:%MZ), $(git describe --always --dirty 2>/dev/null || echo unknown))"
	echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "# $repeat runs each (jq: 1); wall seconds: median [min-max]; max RSS of any run"
	echo
	awk '{ printf "%-30s %8.3f s  [%6.3f-%7.3f]  %8.1f MB  exit %d\n", $1, $2, $3, $4, $5/1024, $6 }' "$rows"
	echo
	echo "# targets (issue 8)"
	awk -v nevents="$nevents" '
		{ w[$1] = $2; rss[$1] = $5 / 1024 }
		function check(label, ok, detail) { printf "%-4s %-58s %s\n", ok ? "ok" : "MISS", label, detail }
		END {
			for (i = 1; i <= 2; i++) {
				fmt = i == 1 ? "soak" : "legacy"
				for (j = 1; j <= 2; j++) {
					bin = j == 1 ? "soak-gate" : "soak-reports"
					if (!((bin "-" fmt "-100000") in w) || !((bin "-" fmt "-10000") in w))
						continue # BENCH_SIZES left them out
					t = w[bin "-" fmt "-100000"]; c = w["cat-" fmt "-100000"]
					check(bin " " fmt " 100k: < 2 s", t < 2, sprintf("%.3f s", t))
					check(bin " " fmt " 100k: < 300 MB max RSS", rss[bin "-" fmt "-100000"] < 300, sprintf("%.1f MB", rss[bin "-" fmt "-100000"]))
					check(bin " " fmt " 100k: within 4x cat", t <= 4 * c, sprintf("%.3f s vs cat %.3f s: %.1fx", t, c, t / c))
					r = t / w[bin "-" fmt "-10000"]
					check(bin " " fmt ": 100k/10k time <= 12", r <= 12, sprintf("%.1f", r))
				}
			}
			k = w["soak-run-kpis-events"]; wc = w["wc-l-events"]
			if (nevents == 10000000 && k > 0 && wc > 0) { # else BENCH_EVENTS changed the file
				check("soak-run kpis 10M events: >= 1/4 the speed of wc -l", k <= 4 * wc, sprintf("%.3f s vs wc -l %.3f s: %.1fx", k, wc, k / wc))
				if ("jq-kpis-events" in w)
					check("soak-run kpis 10M events: >= 10x faster than jq", 10 * k <= w["jq-kpis-events"], sprintf("jq %.1f s: %.0fx", w["jq-kpis-events"], w["jq-kpis-events"] / k))
				check("soak-run kpis 10M events: bounded memory", rss["soak-run-kpis-events"] < 300, sprintf("%.1f MB", rss["soak-run-kpis-events"]))
			}
			check("default 24-iteration mock soak < 1 s", w["soak-run-mock-24"] < 1, sprintf("%.3f s", w["soak-run-mock-24"]))
			check("mini-soak pipeline (5 stages) < 2 s", w["mini-soak-24"] < 2, sprintf("%.3f s", w["mini-soak-24"]))
		}' "$rows"
} | tee "$results/latest.txt"
