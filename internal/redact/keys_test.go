package redact_test

import (
	"testing"

	"github.com/soakline/soakline/internal/redact"
	"github.com/soakline/soakline/internal/sim"
	"github.com/soakline/soakline/internal/tuner"
)

// TestTunedKeysAreNotCredentials: the parameters soak-run tunes are never
// redacted out of a bundle's profile.
func TestTunedKeysAreNotCredentials(t *testing.T) {
	for _, k := range sim.Keys {
		if redact.IsCredentialName(k) {
			t.Errorf("%s", k)
		}
	}
	for k := range tuner.DefaultBounds() {
		if redact.IsCredentialName(k) {
			t.Errorf("%s", k)
		}
	}
}
