// Package soakrun is the soak-run stage: it runs a soak — N iterations of
// the system under test, the built-in simulator (--mock, the default) or
// the user's bot (--exec -- CMD ARGS...) — and writes the soak directory the
// later stages judge. Run soak-run --help for the manual.
//
// # The soak directory
//
//	ITER_SUMMARY_<n>.json   one per finished iteration (KPIs, tuning entry, timing, status)
//	TUNING_REPORT.json      the ledger: the tuning entries of all finished iterations
//	runtime_overrides.json  the parameters the system under test reads
//	RUN.json                the run record: settings, state, tuner state for --resume
//	iter/<n>/               --exec: the command's events.jsonl or EDGE_REPORT.json,
//	                        stdout.log and stderr.log; --mock --keep-events: events.jsonl
//	.soak-run.lock          while a soak-run writes the directory
//	.soak-run.files         the ownership log: what soak-run wrote here (OwnFile)
//
// soak-run deletes or replaces only what the ownership log proves it wrote,
// follows no symbolic link under --out, and refuses (exit 2) a non-empty
// --out without the log; see OwnFile. --resume never runs a command stored
// in RUN.json: an --exec soak resumes with the command on the command line.
//
// Simulated events are not kept by default: 24 iterations of 30,000 events
// are about 60 MB, and they are reproducible from the seed. --keep-events
// keeps them.
//
// # Order of writes and the commit point
//
// Per iteration: (1) check that runtime_overrides.json holds what soak-run
// last wrote (restore it if not); (2) create an empty iter/<n>/ if needed;
// (3) run the iteration and compute its KPIs (internal/kpi); (4) the tuner
// decides (internal/tuner); (5) if it applied changes, write
// runtime_overrides.json atomically, read it back and compare value by
// value; (6) write ITER_SUMMARY_<n>.json atomically — the iteration's
// commit point; (7) rewrite TUNING_REPORT.json and RUN.json (tuner state,
// next parameters, iterations done); (8) stop if --max-failed-iterations is
// reached; (9) sleep.
//
// A kill at any moment is recoverable by --resume: RUN.json describes
// iteration n or n-1, where n is the last summary; the tuner is
// deterministic, so the decisions of the summaries after RUN.json's
// checkpoint are replayed from them (and must match what they recorded);
// an overrides file rewritten by an uncommitted iteration is restored from
// RUN.json; the uncommitted iteration's iter/<n>/ and temporary files are
// removed; the next iteration is n+1. SIGINT and SIGTERM stop the soak
// between writes: the current iteration is abandoned (an --exec command's
// process group gets SIGTERM, then SIGKILL after --kill-grace), RUN.json
// says interrupted, exit 130, and the command that resumes is printed.
//
// # Timeouts of an --exec iteration
//
// At --iteration-timeout (default DefaultIterationTimeout; 0: none) the
// command's process group gets SIGTERM, --kill-grace (DefaultKillGrace) to
// flush and exit, then SIGKILL. The iteration is failed with a reason
// starting "timeout:"; what the command left is read within the grace,
// kept in iter/<n>/ and counted in the reason, not judged.
//
// # Clocks
//
// A mock soak has no wall clock in its files: its soak clock starts at
// SOURCE_DATE_EPOCH (default 2026-01-01T00:00:00Z) and each iteration lasts
// its simulated market time (60 s), so the same seed and flags give
// byte-identical directories. An --exec soak records wall-clock times. The
// tuner's debounce runs on the soak clock. --run-isolated names its
// directory RUN_<wall-clock epoch ms>.
package soakrun
