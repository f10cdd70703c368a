# The jq baseline for soak-run kpis, part 1 of 2: maker/taker volume ratio,
# risk share of blocks and notional-weighted net bps, rounded to 4 decimals
# like soak-run. jq -n -f bench/jq/sums.jq events.jsonl
# (jq 1.6 copies an array it appends to inside reduce, so the p95, which
# needs every latency, is part 2: p95.jq. bench/run.sh runs both at once.)
def r4: . * 10000 | round / 10000;
reduce inputs as $e ({maker: 0, taker: 0, notional: 0, net: 0, risk: 0, blocks: 0};
  if $e.kind == "fill" then
    ($e.qty * $e.price) as $n
    | if $e.liquidity == "maker" then .maker += $n else .taker += $n end
    | .notional += $n
    | .net += (($e.gross_bps // 0) + ($e.fees_bps // 0) + ($e.slippage_bps // 0)
               + ($e.adverse_bps // 0) + ($e.inventory_bps // 0)) * $n
  elif $e.kind == "block" then .blocks += 1 | if $e.reason == "risk" then .risk += 1 else . end
  else . end)
| {maker_taker_ratio: (.maker / (.maker + .taker) | r4),
   risk_ratio: (.risk / .blocks | r4),
   net_bps: (.net / .notional | r4)}
