//go:build !race

package soakdir

const raceEnabled = false
