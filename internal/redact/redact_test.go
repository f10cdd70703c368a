package redact

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestIsCredentialName(t *testing.T) {
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"api_key", true}, {"authToken", true}, {"secret.key", true}, {"DB_PASSWORD", true},
		{"exchange.apikey", true}, {"session-cookie", true},
		{"tokens_per_second", false}, {"max_delta_ratio", false}, {"monkey_factor", false},
		{"tokenizer_depth", false}, {"key_count", false}, {"min_interval_ms", false}, {"", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsCredentialName(tc.name); got != tc.want {
				t.Errorf("IsCredentialName(%q) = %v, want %v", tc.name, got, tc.want)
			}
		})
	}
}

func TestArgs(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []string
		want []string
	}{
		{"nothing to hide", []string{"./bot", "--paper", "--symbols=BTC"}, []string{"./bot", "--paper", "--symbols=BTC"}},
		{"env assignment", []string{"/usr/bin/env", "EXCHANGE_API_TOKEN=abc123", "./bot"}, []string{"/usr/bin/env", "EXCHANGE_API_TOKEN=<redacted>", "./bot"}},
		{"flag with equals", []string{"./bot", "--api-token=abc"}, []string{"./bot", "--api-token=<redacted>"}},
		{"flag then value", []string{"./bot", "--password", "hunter2", "--paper"}, []string{"./bot", "--password", "<redacted>", "--paper"}},
		{"value that looks like a token", []string{"./bot", "ghp_0123456789abcdef"}, []string{"./bot", "<redacted>"}},
		{"url with password", []string{"./bot", "--db=postgres://u:pw@host/db"}, []string{"./bot", "--db=<redacted>"}},
		{"program named like a flag is kept", []string{"--key"}, []string{"--key"}},
		{"nil", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Args(tc.in)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Args(%q) (-want +got):\n%s", tc.in, diff)
			}
			if Redacted(got) != (cmp.Diff(tc.in, got) != "") {
				t.Errorf("Redacted(%q) = %v", got, Redacted(got))
			}
		})
	}
}
