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
// # The market model
//
// The bot keeps one quote on the book and an inventory q, counted in
// position limits (|q| = 1 is the hard limit). Time is quoted time plus the
// gaps in which the book is empty. Rates are per ms of quoted time; δ is the
// half spread (BaseSpreadBps + base_spread_bps_delta)/2 and δ₀ the
// default's. Every formula is NewModel's; Model exposes its values.
//
//   - Fills (Avellaneda–Stoikov): maker fills arrive at λ(δ) =
//     FillIntensityA·exp(−FillDecayK·(δ−δ₀)) per ms quoted. A wider spread
//     earns more per fill and gets fewer fills, so PnL per hour has an
//     interior optimum in the spread (near base_spread_bps_delta 0.5–0.7
//     at the other defaults: ≈ 19,000 an hour against ≈ 14,300 at 0.05
//     and ≈ 11,700 at 2.5), while net_bps keeps rising past it.
//   - Adverse selection (Glosten–Milgrom flavour): a share π(δ) =
//     InformedShare0·exp(−(δ−δ₀)/InformedScaleBps)·vol·adverse multiple of
//     the fills is informed. Informed fills build the inventory and cost
//     more (informedAdverse × the mean); the mean adverse cost per maker
//     fill is adverseMeanBps·vol·√(ic/0.10)·exp(−(δ−δ₀)/(2·InformedScaleBps))
//     — it falls as the spread widens and rises with order size.
//   - Inventory: each maker fill moves q by stepPerQty·qty, qty =
//     (0.5 + Exp(1))·ic/0.10 (impact_cap_ratio sizes orders, so smaller
//     orders earn less per hour); the quotes lean against the inventory,
//     so the reducing fill is likelier by skewPull·q/R. When |q| reaches
//     the rescue level R = 0.55 + 2·max_delta_ratio (0.85 at the
//     defaults) the bot sheds half of it with a taker fill (a rescue):
//     taker share comes from the inventory, not from a formula in the
//     spread. Inventory also costs mark-to-market: inventory_bps has mean
//     InventoryDrift − 0.3·vol·|q|/R.
//   - Risk: a quote update is refused by the risk check with probability
//     riskBlockMax·x²·(ic/0.10)^1.5, x = (|q| − 0.3)/0.7 above 30 % of
//     the limit (0 below): risk blocks come from inventory near its
//     limit and from order size. The risk check is drawn on each quote
//     update independently of the other checks, so the KPI risk_ratio
//     (risk blocks per attempted action, internal/kpi) moves with the
//     inventory and the sizing, not with min_interval_ms or the
//     concurrency limit.
//   - Load and latency: load = rr/300·√(60/mi)·(600/tail)^0.3; an order's
//     latency is log-normal exchange latency plus exponential own queueing
//     with mean 70 ms·load·(cc/10)^0.7: more concurrency, more queueing.
//   - Throughput: the bot pulls its quote (the book empties) at
//     cancelPerMs·√(600/tail) per ms quoted. The re-place waits for the
//     minimum interval (about 1.5·min_interval_ms; attempts meanwhile are
//     min_interval blocks), then for an in-flight slot (mean
//     40 ms·load·(10/cc)^1.5; concurrency blocks), and the quote is live
//     once acknowledged (the place event carries the ack time). Expected
//     uptime is 1/(1 + pull rate × gap): a low concurrency limit or a long
//     minimum interval costs quoted time, so fills and PnL per hour
//     (concurrency 1: uptime ≈ 80 % against ≈ 93 % at 10).
//   - Quote updates: a sent update is a replace (age drawn around
//     0.5·tail·(mi/60)^0.3·(300/rr)^0.3: older quotes slip more, −1.0·vol·
//     √(age/300)·|N| bps); each update may be refused: min_interval with
//     probability 0.035·(mi/60)·√(rr/300), concurrency 0.025·load·10/cc,
//     throttle 0.006·(rr/300)³, risk as above. Blocks are therefore not a
//     fixed share of the events.
//
// Volatility (the regime's, see Scenario) raises the informed share,
// adverse selection, slippage and inventory cost.
//
// # Parameters
//
// The bot reads the canonical keys (Keys) and nothing else; Resolve fills in
// the legacy "best cell" Defaults. Like a bot under soak-run --exec, Run
// reports the values it runs with (Effective) in an effective_params record
// before the first market event, so soak-run can check that the overrides
// were adopted. Directions (pinned by TestParameterDirections and
// TestTradeOffs):
//
//   - base_spread_bps_delta (0.05): wider → fewer fills, less adverse
//     selection, fewer rescues (higher maker share), higher net_bps; PnL
//     per hour peaks in between.
//   - impact_cap_ratio (0.10): smaller → smaller orders: less inventory
//     risk and adverse selection, less PnL per hour.
//   - max_delta_ratio (0.15): smaller → earlier, smaller rescues: fewer
//     risk blocks, more taker fills.
//   - min_interval_ms (60), replace_rate_per_min (300), tail_age_ms (600):
//     quote-update load (latency) against quote age (slippage); a longer
//     interval also means longer gaps (uptime) and more min-interval
//     blocks.
//   - engine.concurrency_limit (10): more → more queueing latency; fewer →
//     more concurrency blocks and longer gaps (uptime, fills, PnL per hour).
//
// # PnL of a fill
//
// Every fill carries signed components in bps of its notional, costs
// negative, and they add up exactly: net = gross + fees + slippage + adverse +
// inventory. A maker fill earns the half spread (gross) and the maker rebate
// (+0.2), loses slippage from its quote's age and adverse selection, and
// carries inventory mark-to-market. A taker fill — a rescue that sheds
// inventory by crossing — pays the market's half spread (gross −1.0), the
// taker fee (−2.0), slippage over its own latency and a small adverse cost.
//
// # Calibration
//
// At the defaults the steady market sits outside the soak targets (maker
// share ≈ 0.78 < 0.83, p95 latency ≈ 348 ms > 340, risk ≈ 0.065 > 0.05, net ≈
// 1.85 bps < 2.5); the tuner's rule table (internal/tuner) brings it inside.
// The calibration is pinned by tests here and by the closed-loop test in
// internal/tuner.
//
// # Scenarios
//
// Config.Scenario picks a market regime as a function of the iteration and
// the planned total (see RegimeAt). Verdicts of 24-iteration soaks under the
// default gate (means of the last 8 iterations against maker ≥ 0.83, p95 ≤
// 340 ms, risk ≤ 0.05, net ≥ 2.5), measured over seeds 1–100 by
// bench/scenarios.sh (TESTING.md section 7 has the distributions):
//
//   - steady: PASS with tuning (100/100; maker ≈ 0.86, p95 ≈ 285 ms, risk
//     ≈ 0.043, net ≈ 2.8 bps); FAIL without (100/100, all four outside).
//   - latency-spike: FAIL on p95 latency (≈ 545 ms) even with tuning
//     (100/100).
//   - regime-shift: FAIL on maker share (≈ 0.81) and net (≈ 1.8 bps) with
//     tuning (100/100): after the shift no parameters within the tuner's
//     bounds meet all four targets (TestRegimeShiftOutOfReach).
//   - slow-degradation: FAIL on p95 latency (≈ 357 ms) in the last 8, and
//     on net in most seeds (100/100), while the whole-run mean p95 stays
//     under 340 ms.
//   - flaky-iteration: PASS with tuning (100/100): the one bad iteration
//     (p95 ≈ 630 ms, net ≈ 1.8) moves the last-8 means but not past a target, and a
//     sustained rule (k of n) forgives it outright.
package sim
