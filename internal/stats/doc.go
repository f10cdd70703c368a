// Package stats holds the statistics soakline judges with.
package stats
