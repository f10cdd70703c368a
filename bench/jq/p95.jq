# The jq baseline for soak-run kpis, part 2 of 2: the nearest-rank p95 of
# order latency (the ceil(0.95 n)-th smallest), rounded to 4 decimals.
# jq -n -f bench/jq/p95.jq events.jsonl
[inputs | select(.kind == "order") | .latency_ms]
| sort
| {p95_latency_ms: (.[(length * 0.95 | ceil) - 1] * 10000 | round / 10000)}
