// Package stats holds the statistics soakline judges with: descriptive
// statistics, quantiles and selection, a least-squares trend, and the
// Mann-Whitney U test with the Hodges-Lehmann shift estimate for comparing a
// baseline run with a current one (the approach of benchstat and Kayenta).
//
// Conventions shared by every function here:
//
//   - Empty input (or input too short for the statistic) yields NaN, never 0,
//     so callers can treat the result as missing rather than as a real zero.
//   - No function modifies its input unless its name ends in InPlace.
//   - Inputs are assumed free of NaN; with NaN present results are
//     unspecified (but the functions do not panic or loop forever).
//
// The package uses only the standard library.
package stats
