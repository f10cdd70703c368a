// Package tuner is soakline's auto-tuner: after each soak iteration it reads
// the iteration's KPIs, proposes parameter deltas from one rule table, runs
// the guards and returns the new parameters with a record of every decision.
// It is pure logic: Decide takes the State it left last time and an Input and
// returns a Decision; the caller persists State (JSON) between iterations so a
// resumed soak continues exactly.
//
// # Rule table
//
// DefaultRules, highest priority first (print it with Config.WriteRules).
// Each step is ADDED to the current value (Step, or Frac × current), rounded
// to Config.Decimals and clamped to the one bounds table (DefaultBounds, the
// bot's RUNTIME_LIMITS; concurrency 1..64, whole numbers).
//
//	1 LATENCY_HARD     p95_latency_ms > 360                engine.concurrency_limit −15 %, tail_age_ms +75
//	2 RISK_AGGRESSIVE  risk_ratio ≥ 0.60                   impact_cap_ratio −0.01, max_delta_ratio −0.01, min_interval_ms +5
//	3 ADVERSE          adverse_bps_p95 > 3.5               impact_cap_ratio −0.01, max_delta_ratio −0.01
//	4 LATENCY_SOFT     330 ≤ p95_latency_ms ≤ 360          engine.concurrency_limit −10 %, tail_age_ms +50,
//	                   (the latency buffer)                base_spread_bps_delta +0.01
//	5 RISK_MODERATE    0.40 ≤ risk_ratio < 0.60            impact_cap_ratio −0.01, min_interval_ms +5
//	6 SLIPPAGE         slippage_bps_p95 > 2.5              base_spread_bps_delta +0.02, tail_age_ms −30
//	7 MAKER_BOOST      maker_taker_ratio < 0.85            base_spread_bps_delta +0.03, replace_rate_per_min −5 %
//	8 NET_LOW          net_bps < 2.7                       base_spread_bps_delta +0.02
//	9 RISK_NORMALIZE   risk_ratio < 0.35 and net_bps ≥ 3   impact_cap_ratio +0.005, min_interval_ms −3
//
// Integer keys step by at least 1 (−10 % of a concurrency of 10 is −1).
//
// # What changed from the legacy rules (spec §4.2, §9)
//
//   - Deltas are added to the current flat value and clamped to one bounds
//     table; the legacy pipeline wrote the delta itself as the value of a
//     nested key the bot never read.
//   - MAKER_BOOST reads the real maker_taker_ratio of the iteration (never the
//     0.6 fallback) and widens base_spread_bps_delta, the key the bot reads
//     (not base_spread_bps); it no longer requires risk ≤ 0.40 and net ≥ 2.7,
//     since widening the spread is how net recovers in the first place.
//   - Rule D ("STABLE": clear every delta unless risk ≥ 0.40 or net < 3.0) is
//     gone: it cancelled NORMALIZE always and the latency and maker rules in
//     the healthy zone. A healthy iteration now simply fires no rule; steady
//     state is handled by the freeze guard.
//   - NET_LOW (net below the target plus a 0.2 margin widens the spread) is
//     the iter_watcher-consistent direction; the analyzer's "tighten" advice
//     (§9.19) is not followed.
//   - RISK_MODERATE steps impact_cap_ratio by −0.01 (legacy −0.005) and
//     caps/floors other than the bounds table are dropped: the guards bound
//     the speed instead.
//   - SLIPPAGE shortens tail_age_ms (legacy lengthened it): older quotes are
//     what slips.
//   - Conflicts are explicit: when rules agree on a key's direction the
//     largest step is taken (not the sum); when they disagree the higher
//     priority rule keeps the key and the dropped proposal is a CONFLICT line
//     in the rationale (e.g. LATENCY_SOFT's tail +50 over SLIPPAGE's −30).
//   - A rule whose KPI is missing fires nothing and is listed in
//     Decision.Missing; a missing KPI is never zero.
//
// # Guards
//
// Guards run per key in this order; the first that applies skips the key
// and is recorded in its Outcome and in Decision.Guards. All thresholds are
// in Config (see DefaultConfig for the defaults).
//
//   - final_iteration: the soak's last iteration proposes but applies nothing.
//   - freeze: FreezeAfterSteady (3) consecutive steady iterations — all four
//     targets met — freeze all tuning for FreezeIters (4) iterations and set
//     freeze_ready, the evidence soak-gate asks for (legacy: never fired).
//   - partial_freeze: rebid keys (base_spread_bps_delta, replace_rate_per_min,
//     min_interval_ms), plus rescue_taker (rescue_*) when the cause is an
//     oscillation, are held while the partial freeze is active; edge keys
//     (impact_cap_ratio, tail_age_ms, engine.concurrency_limit,
//     max_delta_ratio) are never frozen. Its signal — hard latency or an
//     oscillation — goes through the debounce.
//   - debounce (hysteresis on the soak clock, Input.ClockMs or
//     Iteration×DurationMs): the signal must hold ≥ 2500 ms to open the
//     partial freeze and be absent ≥ 4000 ms to close it; the freeze lasts at
//     least 3000 ms. Recorded when it holds back an opening or a closing.
//     Each iteration is one observation, so a single bad iteration never
//     opens it.
//   - oscillation: a proposal that reverses the direction of the key's last
//     applied change within OscillationWindow (4) iterations — value A→B→A —
//     is skipped and the key held for OscillationHold (3) iterations.
//   - cooldown: a key whose applied step exceeded CooldownSpanFrac (15 %) of
//     its bounds span is held for CooldownIters (2) iterations.
//   - velocity: Σ|Δ| of a key over VelocityWindow (3) iterations, this
//     proposal included, may not exceed VelocityMaxSpanFrac (25 %) of its
//     span (e.g. three hard-latency tail steps of 75 ms against 150 ms).
//   - bounds: a key already at its bound is skipped; a step past it is
//     clamped and applied, and the outcome says so.
//   - latency_buffer: recorded when the soft band 330–360 ms fires
//     LATENCY_SOFT, which adds the spread buffer.
//
// # Closed loop
//
// With internal/sim at its defaults and any of seeds 1–10, a 24-iteration
// auto-tuned soak starts outside the targets (maker ≈ 0.76, p95 ≈ 348 ms,
// risk ≈ 0.46, net ≈ 1.7 bps) and its last-8 means end inside all four
// (maker ≈ 0.87, p95 ≈ 285 ms, risk ≈ 0.36, net ≈ 2.75 bps); without tuning
// the last-8 means stay outside all four. TestClosedLoopConverges pins it;
// the expected verdict of each sim scenario is documented in package sim and
// pinned by TestScenarioVerdicts.
package tuner
