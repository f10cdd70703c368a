// Package livetest holds the end-to-end tests of soakline against the real
// thing: examples/fakebot processes in live mode (--run-for) serving the
// metrics contract, the real prometheus binary scraping them
// (internal/promtest), and the stages that read it: release-tag canary
// (PROMOTE, and ROLLBACK of a canary started with --degrade-after) and
// soak-run --kpi-source prometheus (which must reach the gate verdict the
// events-file soak of the same seed reaches, with KPIs within the
// tolerances of kpiTolerance). The tests skip only where prometheus is not
// installed. It has no code of its own.
package livetest
