// Package tuner is soakline's auto-tuner: after each soak iteration it reads
// the iteration's KPIs, proposes parameter deltas from one rule table, runs
// the guards and returns the new parameters with a record of every decision.
// It is pure logic: Decide takes the State it left last time and an Input and
// returns a Decision; the caller persists State (JSON) between iterations so a
// resumed soak continues exactly.
//
// # Targets
//
// The tuner tunes toward the policy soak-gate judges by (TargetsFromPolicy:
// soak-run --policy FILE, --strict, USE_MOCK=1, as for soak-gate): per KPI
// the strictest level of the policy's rules on it — the fail level, or the
// warn level under --strict, where a WARN fails. A KPI the policy does not
// judge keeps the built-in target (and soak-run says so). The rule
// thresholds are these levels plus fixed margins (Margin*, Room*): a
// protective rule fires a margin inside the target, a give-back rule only
// when the KPI beats the target by the larger room margin; in between
// nothing fires (the hysteresis band).
//
// # Rule table
//
// DefaultRules(t), highest priority first (print it with Config.WriteRules);
// T is the target of the KPI, the numbers those of the built-in policy.
// Each step is ADDED to the current value (Step, or Frac × current), rounded
// to Config.Decimals and clamped to the one bounds table (DefaultBounds, the
// bot's RUNTIME_LIMITS; concurrency 1..64, whole numbers).
//
//	1 LATENCY_HARD     p95 > T+20 (360)                    engine.concurrency_limit −15 %, tail_age_ms +75
//	2 RISK_AGGRESSIVE  risk ≥ 1.5×T (0.075)                impact_cap_ratio −0.01, max_delta_ratio −0.01
//	3 ADVERSE          adverse_bps_p95 > T (3.5)           impact_cap_ratio −0.01, max_delta_ratio −0.01
//	4 LATENCY_SOFT     T−10 ≤ p95 ≤ T+20 (330–360)         engine.concurrency_limit −10 %, tail_age_ms +50,
//	                   (records latency_buffer)            base_spread_bps_delta +0.01
//	5 RISK_MODERATE    T ≤ risk < 1.5×T (0.05–0.075)       impact_cap_ratio −0.01
//	6 SLIPPAGE         slippage_bps_p95 > T (2.5)          base_spread_bps_delta +0.02, tail_age_ms −30
//	7 MAKER_BOOST      maker < T+0.02 (0.85)               base_spread_bps_delta +0.03, replace_rate_per_min −5 %
//	8 NET_LOW          net < T+0.2 (2.7)                   base_spread_bps_delta +0.02
//
// Give-back rules (the return leg of the two-way rules): each moves its keys
// back toward their defaults by at most the step, never past the default,
// and only keys no protective rule proposed in the same iteration:
//
//	9  GIVE_BACK_CONCURRENCY   p95 ≤ T−50 (290)                    engine.concurrency_limit by 1
//	10 GIVE_BACK_TAIL_AGE      p95 ≤ T−50, slippage ≤ T−0.2 (2.3)   tail_age_ms by 25
//	11 GIVE_BACK_SIZE          risk ≤ 0.75×T (0.0375), adverse ≤ T−0.25 (3.25)
//	                                                              impact_cap_ratio and max_delta_ratio by 0.005
//	12 GIVE_BACK_MIN_INTERVAL  p95 ≤ T−50                          min_interval_ms by 3
//	13 GIVE_BACK_SPREAD        maker ≥ T+0.05 (0.88), net ≥ T+0.5 (3.0)
//	                                                              base_spread_bps_delta by 0.01
//	14 GIVE_BACK_REPLACE_RATE  maker ≥ T+0.05, p95 ≤ T−50          replace_rate_per_min by 5
//
// Integer keys step by at least 1 (−10 % of a concurrency of 10 is −1).
//
// No rule raises min_interval_ms on risk: risk_ratio is risk-limit hits per
// attempted action, which a longer interval does not lower (the legacy
// risk blocks / blocks fell when min-interval blocks rose, so the legacy
// R1's min_interval +5 "lowered risk" without touching the sizing). The
// risk margins are factors of the target (risk_ratio's scale is the bot's).
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
//   - RISK_NORMALIZE (risk < 0.35 and net ≥ 3: impact cap +0.005, min
//     interval −3, past the defaults up to the bounds) is replaced by the
//     give-back rules, one per parameter, which stop at the default.
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
// and is recorded in its Outcome and in Decision.Guards. Every threshold is
// in Config, counted in iterations (NewConfig documents the defaults).
//
//   - final_iteration: the soak's last iteration proposes but applies nothing.
//   - freeze: FreezeAfterSteady (3) consecutive steady iterations — all four
//     targets met and no rule proposing anything — freeze all tuning for
//     FreezeIters (4) iterations and set freeze_ready. A breach of any of
//     the policy's fail levels during the freeze breaks it at once: the
//     rationale says FREEZE_BROKEN with the breaches (Decision.FreezeBroken),
//     freeze_ready is cleared, and the rules apply in the same iteration. A
//     new freeze needs a new streak.
//   - partial_freeze: rebid keys (base_spread_bps_delta, replace_rate_per_min,
//     min_interval_ms), plus rescue_taker (rescue_*) when the cause is an
//     oscillation, are held while the partial freeze is active; edge keys
//     (impact_cap_ratio, tail_age_ms, engine.concurrency_limit,
//     max_delta_ratio) are never frozen. Its signal — hard latency or an
//     oscillation — goes through the debounce.
//   - debounce (hysteresis in iterations): the signal must be seen in
//     DebounceOpenIters (2) consecutive iterations to open the partial
//     freeze and be absent in DebounceCloseIters (2) to close it; the
//     partial freeze lasts at least PartialFreezeMinIters (3). Recorded when
//     it holds back an opening or a closing, so a single bad iteration never
//     opens it. (The legacy millisecond thresholds, 2500/4000/3000 ms, were
//     shorter than one iteration.)
//   - oscillation: a give-back reverses the protective step before it by
//     design and is never an oscillation. A protective step that undoes
//     the key's last give-back within OscillationWindow (4) iterations
//     applies, and holds the key's give-backs for OscillationHold (4)
//     iterations (the give-back was premature). A protective step that
//     reverses another protective step within the window (two rules
//     pulling one key, A→B→A) holds the key for OscillationHold iterations.
//   - cooldown: a give-back waits CooldownIters (3) iterations after the
//     key's last protective step, so that the step's effect is seen before
//     any of it is given back.
//   - velocity: Σ|Δ| of a key over VelocityWindow (3) iterations, this
//     proposal included, may not exceed VelocityMaxSpanFrac (25 %) of its
//     span (e.g. three hard-latency tail steps of 75 ms against 150 ms).
//   - bounds: a key already at its bound is skipped; a step past it is
//     clamped and applied, and the outcome says so.
//   - latency_buffer: recorded when the soft band fires LATENCY_SOFT (the
//     rule's Guard field), which adds the spread buffer.
//
// # Closed loop
//
// With internal/sim at its defaults and any of seeds 1–10, a 24-iteration
// auto-tuned soak starts outside the targets (maker ≈ 0.78, p95 ≈ 350 ms,
// risk ≈ 0.065, net ≈ 1.85 bps) and its last-8 means end inside all four
// (maker ≈ 0.86, p95 ≈ 285 ms, risk ≈ 0.043, net ≈ 2.8 bps); without tuning
// the last-8 means stay outside all four. TestClosedLoopConverges pins it;
// the expected verdict of each sim scenario is documented in package sim and
// pinned by TestScenarioVerdicts.
package tuner
