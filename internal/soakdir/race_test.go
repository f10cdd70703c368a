//go:build race

package soakdir

// raceEnabled skips the tests that push tens of megabytes through byte
// loops: under the race detector they take a minute and prove nothing more.
const raceEnabled = true
