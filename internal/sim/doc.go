// Package sim is soakline's seeded, deterministic market simulator: the
// built-in system under test of soak-run --mock. One call of Run simulates
// one iteration of a market maker quoting into a stochastic market and emits
// its events (orders with latency, fills with PnL components, blocked
// actions, websocket lag samples) in time order.
//
// Unlike the legacy mock (spec §6), which replayed a fixed curve whatever the
// tuner did, the simulated market responds to the parameters, so tuning is a
// real closed loop.
//
// # Determinism
//
// Iteration n of a soak draws from math/rand/v2's PCG seeded with
// (Config.Seed, n): every iteration is reproducible on its own, which is what
// --resume needs, and the same seed, iteration and parameters give the same
// events. Event fields are rounded (bps and prices to 1e-4, milliseconds to
// 0.01) so that their JSON is compact and stable.
//
// # Parameters
//
// The bot reads the canonical keys (Keys) and nothing else; Resolve fills in
// the legacy "best cell" Defaults. Like a bot under soak-run --exec, Run
// reports the values it runs with (Effective) in an effective_params record
// before the first market event, so soak-run can check that the overrides
// were adopted. Their effects, each with its direction:
//
//   - base_spread_bps_delta (default 0.05 bps) widens the quoted spread
//     (BaseSpreadBps + delta): a wider spread means fewer fills
//     (fill share ∝ exp(−Δs/1.0)), fewer rescue (taker) fills
//     (taker share 0.24·exp(−Δs/0.25)·vol), so a higher maker share, and a
//     larger half-spread captured per maker fill.
//   - min_interval_ms (60) and replace_rate_per_min (300): a longer interval
//     or a lower replace rate lowers the quote-update load
//     (load = rr/300 · √(60/mi) · (600/tail)^0.3), so less own queueing
//     latency and fewer cancels and concurrency blocks, but the quotes are
//     older when filled (mean age 0.5·tail·(mi/60)^0.3·(300/rr)^0.3), which
//     means more slippage; a longer interval also means more min-interval
//     blocks, and a higher replace rate more throttle blocks.
//   - tail_age_ms (600): the age past which the bot refreshes a quote; a
//     longer tail means fewer refreshes (lower load) but older quotes, so
//     more slippage (per fill −1.0·vol·√(age/300)·|N|).
//   - impact_cap_ratio (0.10) and max_delta_ratio (0.15) size and skew
//     orders: smaller values mean fewer risk blocks (weight
//     1.7·(ic/0.10)²·(md/0.15)·vol²) and less adverse selection (mean cost
//     1.3·vol·√(ic/0.10)·√(md/0.15) bps per maker fill).
//   - engine.concurrency_limit (10): more in-flight orders mean more own
//     queueing (mean 70 ms·load·(cc/10)^0.7 on top of the exchange's
//     log-normal latency), fewer in-flight orders mean more concurrency blocks
//     (weight 0.8·load·10/cc). Latency against concurrency blocks.
//
// Volatility (the regime's, see Scenario) raises risk blocks, adverse
// selection, slippage and rescue fills.
//
// # PnL of a fill
//
// Every fill carries signed components in bps of its notional, costs
// negative, and they add up exactly: net = gross + fees + slippage + adverse +
// inventory. A maker fill earns the half spread (gross) and the maker rebate
// (+0.2), loses slippage from its quote's age and an exponential adverse
// selection cost, and carries inventory mark-to-market (mean −0.1). A taker
// fill — a rescue that sheds inventory by crossing — pays the market's half
// spread (gross −1.0), the taker fee (−2.0), slippage over its own latency
// and a small adverse cost.
//
// # Calibration
//
// At the defaults the steady market sits outside the soak targets (maker
// share ≈ 0.76 < 0.83, p95 latency ≈ 348 ms > 340, risk ≈ 0.46 > 0.40, net ≈
// 1.7 bps < 2.5); the tuner's rule table (internal/tuner) brings it inside in
// about six iterations. The calibration is pinned by tests here and by the
// closed-loop test in internal/tuner.
//
// # Scenarios
//
// Config.Scenario picks a market regime as a function of the iteration and
// the planned total (see RegimeAt). Expected verdicts of a default 24-iteration
// auto-tuned soak under the default gate (means of the last 8 iterations
// against maker ≥ 0.83, p95 ≤ 340 ms, risk ≤ 0.40, net ≥ 2.5), for every
// seed we tried:
//
//   - steady: PASS with tuning; FAIL without (all four outside).
//   - latency-spike: FAIL on p95 latency (≈ 550 ms) even with tuning.
//   - regime-shift: FAIL on net bps (≈ 2.0–2.4) with tuning, which contains
//     the risk but cannot win the edge back; FAIL on maker, risk and net
//     without.
//   - slow-degradation: FAIL on p95 latency (≈ 360–380 ms) in the last 8,
//     while the whole-run mean p95 stays under 340 ms.
//   - flaky-iteration: PASS: the one bad iteration (p95 ≈ 640 ms, net ≈ 1.9)
//     moves the last-8 means but not past a target, and a sustained rule
//     (k of n) forgives it outright.
package sim
