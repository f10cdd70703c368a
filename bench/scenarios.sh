#!/usr/bin/env bash
# bench/scenarios.sh — the scenario claims of README.md and TESTING.md,
# measured: every simulator scenario × SEEDS seeds × tuned/untuned, each a
# 24-iteration mock soak (30,000 events per iteration) judged by soak-gate
# under the built-in policy, and once more with --warmup auto (MSER) to
# measure what warm-up cutting changes.
#
#   bench/scenarios.sh [SEEDS]        (default 100; seeds 1..SEEDS)
#
# Prints, and writes to bench/results/scenarios.md:
#   1. the verdict table: per scenario and tuning, PASS/WARN/FAIL/
#      INCONCLUSIVE counts out of SEEDS, and the share holding the intended
#      outcome (steady: tuned PASS, untuned FAIL; latency-spike,
#      regime-shift, slow-degradation: FAIL; flaky-iteration: PASS);
#   2. the distribution over seeds of the last-window means (kpi_last_n
#      mean) of the gate's KPIs and the trading KPIs: p10, median, p90
#      (nearest rank);
#   3. warm-up: how many verdicts --warmup auto changes, and how many
#      leading iterations it cut (median, max);
#   4. warm-up on short soaks (12 iterations, steady, SEEDS/5 seeds);
#   5. the guards of the tuned soaks: firings (iteration count from
#      TUNING_REPORT.json's summary) per scenario.
#
# Runs SCEN_JOBS soaks at a time (default 2: the machine is shared). Needs
# bin/ (make build) and jq. Deterministic: the same SEEDS give the same
# file.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seeds=${1:-100}
jobs=${SCEN_JOBS:-2}
out=${SCEN_OUT:-bench/results/scenarios.md}
case $seeds in '' | *[!0-9]* | 0)
	echo "bench/scenarios.sh: SEEDS must be a positive whole number, got '$seeds'" >&2
	exit 2
	;;
esac
for tool in jq xargs; do
	command -v "$tool" >/dev/null || {
		echo "bench/scenarios.sh: $tool is missing" >&2
		exit 2
	}
done
for b in soak-run soak-gate; do
	[ -x "bin/$b" ] || {
		echo "bench/scenarios.sh: bin/$b is missing (run 'make build')" >&2
		exit 2
	}
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
scenarios="steady latency-spike regime-shift slow-degradation flaky-iteration"

# one SCENARIO TUNING SEED: one soak, judged twice; prints one TSV line:
# scenario tuning seed verdict verdict_warmup warmup_cut
# maker p95 risk net pnl_per_hour fill_rate quote_uptime_pct guards
one() {
	local sc=$1 tu=$2 seed=$3 d="$tmp/$1.$2.$3"
	local args=(--mock --iterations "${ITERS:-24}" --seed "$seed" --scenario "$sc" --out "$d/soak")
	[ "$tu" = tuned ] && args+=(--auto-tune)
	if ! bin/soak-run "${args[@]}" >/dev/null 2>"$d.err"; then
		echo "bench/scenarios.sh: soak-run ${args[*]} failed:" >&2
		cat "$d.err" >&2
		return 255 # stops xargs
	fi
	local rc=0 rcw=0
	bin/soak-gate "$d/soak" --out "$d/g" >"$d.v.json" 2>/dev/null || rc=$?
	bin/soak-gate "$d/soak" --warmup auto --out "$d/gw" >"$d.vw.json" 2>/dev/null || rcw=$?
	if [ "$rc" -ge 2 ] && [ "$rc" -ne 3 ] || [ "$rcw" -ge 2 ] && [ "$rcw" -ne 3 ]; then
		echo "bench/scenarios.sh: soak-gate on $sc $tu seed $seed exited $rc / $rcw" >&2
		return 255
	fi
	jq -r --arg sc "$sc" --arg tu "$tu" --arg seed "$seed" --slurpfile w "$d.vw.json" \
		--slurpfile t "$d/soak/TUNING_REPORT.json" '
		def m(k): (.kpi_last_n[k].mean // "NA");
		[$sc, $tu, $seed, .verdict, $w[0].verdict, ($w[0].window.warmup_cut // 0 | tostring),
		 m("maker_taker_ratio"), m("p95_latency_ms"), m("risk_ratio"), m("net_bps"),
		 m("pnl_per_hour"), m("fill_rate"), m("quote_uptime_pct"),
		 ($t[0].summary.guards // {} | to_entries | map("\(.key)=\(.value)") | join(","))]
		| map(tostring) | @tsv' "$d.v.json"
	rm -rf "$d" "$d.err" "$d.v.json" "$d.vw.json"
}
export -f one
export tmp

for sc in $scenarios; do
	for tu in tuned untuned; do
		for seed in $(seq 1 "$seeds"); do
			echo "$sc $tu $seed"
		done
	done
done | xargs -P "$jobs" -n 3 bash -c 'one "$@"' _ | sort -t$'\t' -k1,1 -k2,2 -k3,3n >"$tmp/rows.tsv"

short=$(((seeds + 4) / 5))
for tu in tuned untuned; do
	for seed in $(seq 1 "$short"); do
		echo "steady $tu $seed"
	done
done | ITERS=12 xargs -P "$jobs" -n 3 bash -c 'one "$@"' _ | sort -t$'\t' -k2,2 -k3,3n >"$tmp/short.tsv"

want() { # scenario tuning -> intended verdict
	case $1/$2 in
	steady/tuned | flaky-iteration/tuned) echo PASS ;;
	*) echo FAIL ;;
	esac
}

{
	echo "Measured by \`bench/scenarios.sh $seeds\`: 24-iteration mock soaks (30,000 events per"
	echo "iteration), seeds 1-$seeds, judged by \`soak-gate\` under the built-in policy (last-8 window)."
	echo
	echo "| scenario | tuning | intended | PASS | WARN | FAIL | INCONCLUSIVE | intended held |"
	echo "|---|---|---|---|---|---|---|---|"
	for sc in $scenarios; do
		for tu in tuned untuned; do
			w=$(want "$sc" "$tu")
			awk -F'\t' -v sc="$sc" -v tu="$tu" -v w="$w" '
				$1 == sc && $2 == tu { n++; c[$4]++ }
				END { printf "| %s | %s | %s | %d | %d | %d | %d | %.0f%% (%d of %d) |\n", sc, tu, w,
					c["PASS"], c["WARN"], c["FAIL"], c["INCONCLUSIVE"], 100 * c[w] / n, c[w], n }' "$tmp/rows.tsv"
		done
	done
	echo
	echo "Last-window means over the seeds: p10 / median / p90."
	echo
	echo "| scenario | tuning | maker_taker_ratio | p95_latency_ms | risk_ratio | net_bps | pnl_per_hour | fill_rate | quote_uptime_pct |"
	echo "|---|---|---|---|---|---|---|---|---|"
	for sc in $scenarios; do
		for tu in tuned untuned; do
			row="| $sc | $tu |"
			for col in 7 8 9 10 11 12 13; do
				row="$row $(awk -F'\t' -v sc="$sc" -v tu="$tu" -v c="$col" '$1 == sc && $2 == tu && $c != "NA" { print $c }' "$tmp/rows.tsv" |
					sort -g | awk '{ v[NR] = $1 } END {
						if (NR == 0) { print "missing |"; exit }
						r10 = int(0.10 * NR + 0.999999); r50 = int(0.50 * NR + 0.999999); r90 = int(0.90 * NR + 0.999999)
						d = (v[r50] >= 100 || v[r50] <= -100) ? 0 : 3
						printf "%.*f / %.*f / %.*f |", d, v[r10], d, v[r50], d, v[r90] }')"
			done
			echo "$row"
		done
	done
	echo
	echo "Warm-up: \`--warmup auto\` (MSER) against the default (no cut) on the same soaks."
	echo
	echo "| scenario | tuning | verdicts changed | soaks cut | iterations cut: median / max |"
	echo "|---|---|---|---|---|"
	for sc in $scenarios; do
		for tu in tuned untuned; do
			firsts=$(awk -F'\t' -v sc="$sc" -v tu="$tu" '$1 == sc && $2 == tu { print $6 }' "$tmp/rows.tsv" | sort -n |
				awk '{ v[NR] = $1 } END { printf "%d / %d", v[int(0.5 * NR + 0.999999)], v[NR] }')
			awk -F'\t' -v sc="$sc" -v tu="$tu" -v firsts="$firsts" '
				$1 == sc && $2 == tu { n++; if ($4 != $5) { ch++; how[$4 "→" $5]++ } if ($6 > 0) mv++ }
				END {
					s = ""
					for (k in how) s = s (s == "" ? " (" : ", ") how[k] " " k
					if (s != "") s = s ")"
					printf "| %s | %s | %d of %d%s | %d | %s |\n", sc, tu, ch, n, s, mv, firsts }' "$tmp/rows.tsv"
		done
	done
	echo
	echo "Guard firings in the tuned soaks (iterations recorded in TUNING_REPORT.json), summed over the seeds."
	echo
	echo "| guard | ${scenarios// / | } |"
	echo "|---|---|---|---|---|---|"
	awk -F'\t' '$2 == "tuned" && $14 != "" { n = split($14, g, ","); for (i = 1; i <= n; i++) { split(g[i], kv, "="); c[kv[1] SUBSEP $1] += kv[2]; names[kv[1]] = 1 } }
		END { for (k in names) printf "| %s | %d | %d | %d | %d | %d |\n", k, c[k SUBSEP "steady"], c[k SUBSEP "latency-spike"], c[k SUBSEP "regime-shift"], c[k SUBSEP "slow-degradation"], c[k SUBSEP "flaky-iteration"] }' "$tmp/rows.tsv" | sort
	echo
	echo "Warm-up on short soaks: 12 iterations (window 8), steady, seeds 1-$short."
	echo
	echo "| tuning | PASS | FAIL | INCONCLUSIVE | with --warmup auto: PASS | FAIL | INCONCLUSIVE | iterations cut: median / max |"
	echo "|---|---|---|---|---|---|---|---|"
	for tu in tuned untuned; do
		cuts=$(awk -F'\t' -v tu="$tu" '$2 == tu { print $6 }' "$tmp/short.tsv" | sort -n |
			awk '{ v[NR] = $1 } END { printf "%d / %d", v[int(0.5 * NR + 0.999999)], v[NR] }')
		awk -F'\t' -v tu="$tu" -v cuts="$cuts" '$2 == tu { a[$4]++; b[$5]++ }
			END { printf "| %s | %d | %d | %d | %d | %d | %d | %s |\n", tu, a["PASS"], a["FAIL"], a["INCONCLUSIVE"], b["PASS"], b["FAIL"], b["INCONCLUSIVE"], cuts }' "$tmp/short.tsv"
	done
} >"$tmp/out.md"
mkdir -p "$(dirname "$out")"
cp "$tmp/out.md" "$out.tmp" && mv "$out.tmp" "$out"
cat "$out"
