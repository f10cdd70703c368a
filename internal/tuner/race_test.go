//go:build race

package tuner

// raceEnabled trims the seed sweeps: the race detector makes each 24-iteration
// soak about ten times slower, and the sweeps exercise no concurrency.
const raceEnabled = true
