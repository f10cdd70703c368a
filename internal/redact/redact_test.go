package redact

import (
	"errors"
	"strings"
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
		// Issue 18 item 9: names the old rule missed.
		{"db_pass", true}, {"DB_PASS", true}, {"pwd", true}, {"passphrase", true}, {"jwt", true},
		{"hmac", true}, {"hmac_secret", true}, {"privkey", true}, {"mnemonic", true}, {"session_id", true},
		{"sessionId", true}, {"authorization", true}, {"Authorization", true}, {"bearer", true},
		{"X-Api-Key", true}, {"API-KEY", true}, {"APIKEY", true}, {"apiKey", true}, {"api_key_2", true},
		{"api_keys", true}, {"access_tokens", true}, {"database_dsn", true}, {"wallet.mnemonic", true},
		{"user_pw", true}, {"signing_key", true},
		// Quantities stay.
		{"tokens_per_second", false}, {"max_delta_ratio", false}, {"monkey_factor", false},
		{"tokenizer_depth", false}, {"key_count", false}, {"min_interval_ms", false}, {"", false},
		{"pass_count_last_n", false}, {"bypass_ms", false}, {"session_count", false}, {"keyframe_ms", false},
		{"passive_ratio", false}, {"hmac_enabled_count", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsCredentialName(tc.name); got != tc.want {
				t.Errorf("IsCredentialName(%q) = %v, want %v", tc.name, got, tc.want)
			}
		})
	}
}

// TestText: each leak of issue 18 item 9 in a stderr line, and lines that
// must stay as they are.
func TestText(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		secret   string // must not survive; "" = the line must stay as it is
	}{
		{"error: auth failed with key sk-live-4f9a8b7c6d5e4f3a2b1c", "error: auth failed with key <redacted>", "4f9a8b7c6d5e"},
		{"connecting to https://u:pw@exchange.example/api", "connecting to https://<redacted>@exchange.example/api", "u:pw"},
		{"GITHUB_TOKEN is ghp_AbCdEf0123456789AbCdEf0123456789abcd", "GITHUB_TOKEN is <redacted>", "AbCdEf0123456789"},
		{"cache at redis://:hunter2@cache.internal:6379/0", "cache at redis://<redacted>@cache.internal:6379/0", "hunter2"},
		{"clone https://ghp_x1y2z3@github.com/o/r", "clone https://<redacted>@github.com/o/r", "x1y2z3"},
		{"DB_PASS=hunter22 ./bot", "DB_PASS=<redacted> ./bot", "hunter22"},
		{`config {"api_key": "S3CR3T", "rate": 5}`, `config {"api_key": "<redacted>", "rate": 5}`, "S3CR3T"},
		{"Authorization: Bearer eyJhbGciOi.eyJzdWIiOi.sig", "Authorization: <redacted>", "eyJzdWIiOi"},
		{"sent header authorization=Basic dXNlcjpwYXNz", "sent header authorization=<redacted>", "dXNlcjpwYXNz"},
		{"using Bearer abcdefgh12345678", "using Bearer <redacted>", "abcdefgh12345678"},
		{"X-Api-Key: k-123456", "X-Api-Key: <redacted>", "k-123456"},
		{"posting to https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXX", "posting to https://hooks.slack.com/<redacted>", "XXXXXXXXXXXX"},
		{"slack xoxb-1234-5678-abcdef", "slack <redacted>", "abcdef"},
		{"aws AKIAABCDEFGHIJKLMNOP here", "aws <redacted> here", "AKIAABCDEFGHIJKLMNOP"},
		{"key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\nok", "key:\n<redacted>\nok", "MIIEow"},
		{"jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", "jwt <redacted>", "c2lnbmF0dXJl"},
		{"GET /feed?token=abc123&depth=5", "GET /feed?token=<redacted>&depth=5", "abc123"},
		{"password: 'p4ss w'", "password: '<redacted>'", "p4ss"},
		{"password: correct horse battery", "password: <redacted>", "horse"},
		{"token: abc123 rate=5", "token: <redacted> rate=5", "abc123"},
		{"PASS=abc def", "PASS=<redacted> def", "abc"},
		{"user: bob password=hunter22 ok", "user: bob password=<redacted> ok", "hunter22"},
		{"url=x token=abc123 n=1", "url=x token=<redacted> n=1", "abc123"},
		{"GET /o?X-Amz-Credential=AK%2F1&X-Amz-Signature=f00d1234", "GET /o?X-Amz-Credential=<redacted>&X-Amz-Signature=<redacted>", "f00d1234"},
		// Stays.
		{"fakebot: simulated crash in iteration 2", "fakebot: simulated crash in iteration 2", ""},
		{"token bucket refilled; basic settings loaded", "token bucket refilled; basic settings loaded", ""},
		{"tokens_per_second=5 key_count=3 risk-free", "tokens_per_second=5 key_count=3 risk-free", ""},
		{"see https://example.com/docs and task-list", "see https://example.com/docs and task-list", ""},
		{"error: key not found", "error: key not found", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got := Text(tc.in)
			if got != tc.want {
				t.Errorf("Text(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
			if tc.secret != "" && strings.Contains(got, tc.secret) {
				t.Errorf("Text(%q) kept %q", tc.in, tc.secret)
			}
			if again := Text(got); again != got {
				t.Errorf("not idempotent: %q -> %q", got, again)
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
		{"url with password", []string{"./bot", "--db=postgres://u:pw@host/db"}, []string{"./bot", "--db=postgres://<redacted>@host/db"}},
		{"program named like a flag is kept", []string{"--key"}, []string{"--key"}},
		{"nil", nil, nil},
		// Issue 18 item 9.
		{"DB_PASS", []string{"env", "DB_PASS=hunter2", "./bot"}, []string{"env", "DB_PASS=<redacted>", "./bot"}},
		{"curl -u", []string{"curl", "-u", "user:pw", "https://x"}, []string{"curl", "-u", "user:<redacted>", "https://x"}},
		{"curl -uuser:pw", []string{"curl", "-uuser:pw"}, []string{"curl", "-uuser:<redacted>"}},
		{"--user=", []string{"curl", "--user=bob:pw"}, []string{"curl", "--user=bob:<redacted>"}},
		{"-u without a password", []string{"curl", "-u", "bob"}, []string{"curl", "-u", "bob"}},
		{"--header=X-Api-Key:", []string{"./bot", "--header=X-Api-Key:abc123"}, []string{"./bot", "--header=X-Api-Key:<redacted>"}},
		{"-H Authorization: Bearer", []string{"curl", "-H", "Authorization: Bearer tok123456789"}, []string{"curl", "-H", "Authorization: <redacted>"}},
		{"--header Authorization", []string{"curl", "--header", "Authorization: Bearer tok123456789"}, []string{"curl", "--header", "Authorization: <redacted>"}},
		{"-H other header kept", []string{"curl", "-H", "Accept: text/plain"}, []string{"curl", "-H", "Accept: text/plain"}},
		{"bare Authorization argument", []string{"./bot", "Authorization: Bearer abcdefgh1234"}, []string{"./bot", "Authorization: <redacted>"}},
		{"--passphrase", []string{"./bot", "--passphrase", "correct horse"}, []string{"./bot", "--passphrase", "<redacted>"}},
		{"slack webhook", []string{"./bot", "--notify", "https://hooks.slack.com/services/T1/B2/abc"}, []string{"./bot", "--notify", "https://hooks.slack.com/<redacted>"}},
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

func TestLooksRandom(t *testing.T) {
	for s, want := range map[string]bool{
		"q8Zr2LmV9xT4kP7wN3bH5jY1": true, "dGhpcyBpcyBhIHNlY3JldCBrZXkx": true,
		"aaaaaaaaaaaaaaaaaaaaaaaa1": false, "maker_bias_uplift_v1": false, "short1": false,
		"0123456789012345678901234567890": false, "has spaces 1234567890 abc": false,
	} {
		if got := LooksRandom(s); got != want {
			t.Errorf("LooksRandom(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestTree: the overrides leaks of issue 18 item 9.
func TestTree(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		removed  []string
		secrets  []string
	}{
		{"array of secrets", `{"api_keys":["S1","S2"],"rate":1}`, []string{"api_keys"}, []string{"S1", "S2"}},
		{"secret strings in an array", `{"endpoints":["https://a.example","redis://:pw@host"]}`, []string{"endpoints[1]"}, []string{":pw@"}},
		{"objects in arrays", `{"accounts":[{"name":"a","api_key":"S1"},{"name":"b","passphrase":"S2"}]}`, []string{"accounts[0].api_key", "accounts[1].passphrase"}, []string{"S1", "S2"}},
		{"redis url without user", `{"cache":"redis://:hunter2@cache:6379"}`, []string{"cache"}, []string{"hunter2"}},
		{"names", `{"db_pass":"a1","pwd":"a2","passphrase":"a3","jwt":"a4","hmac":"a5","privkey":"a6","mnemonic":"a7","session_id":"a8","authorization":"a9","x":1}`,
			[]string{"authorization", "db_pass", "hmac", "jwt", "mnemonic", "passphrase", "privkey", "pwd", "session_id"}, []string{"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9"}},
		{"bearer value", `{"header":"Bearer abcdefgh12345678"}`, []string{"header"}, []string{"abcdefgh12345678"}},
		{"slack webhook", `{"alerts":{"url":"https://hooks.slack.com/services/T0/B0/zzzzzz"}}`, []string{"alerts.url"}, []string{"zzzzzz"}},
		{"random string", `{"note":"q8Zr2LmV9xT4kP7wN3bH5jY1"}`, []string{"note"}, []string{"q8Zr2LmV9xT4kP7wN3bH5jY1"}},
		{"section under a credential name", `{"credentials":{"user":"u","pw":"p"}}`, []string{"credentials"}, []string{`"p"`}},
		{"nothing", `{"min_interval_ms":60,"engine":{"rate":2},"tags":["a","b"],"api_key":""}`, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := ParseJSON([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			out, removed := Tree(v)
			if diff := cmp.Diff(tc.removed, removed); diff != "" {
				t.Errorf("removed (-want +got):\n%s", diff)
			}
			s := marshal(t, out)
			for _, sec := range tc.secrets {
				if strings.Contains(s, sec) {
					t.Errorf("%q survived: %s", sec, s)
				}
			}
		})
	}
}

func TestParseJSON(t *testing.T) {
	for _, tc := range []struct {
		in   string
		path string // duplicate
		line int
		bad  bool
	}{
		{in: `{"api_key":"S","api_key":""}`, path: "api_key", line: 1},
		{in: "{\n\"a\": {\n\"token\": 1,\n\"token\": 2}}", path: "a.token", line: 4},
		{in: `{"l":[{"k":1,"k":2}]}`, path: "l[0].k", line: 1},
		{in: `{"a":1} {"api_key":"S"}`, bad: true},
		{in: `{"a":NaN,"b":-Infinity}`},
		{in: `{"a":`, bad: true},
		{in: strings.Repeat("[", MaxDepth+2) + strings.Repeat("]", MaxDepth+2), bad: true},
	} {
		_, err := ParseJSON([]byte(tc.in))
		var de *DuplicateKeyError
		var se *SyntaxError
		switch {
		case tc.path != "":
			if !errors.As(err, &de) || de.Path != tc.path || de.Line != tc.line {
				t.Errorf("ParseJSON(%q) = %v, want duplicate %s at line %d", tc.in, err, tc.path, tc.line)
			}
		case tc.bad:
			if !errors.As(err, &se) {
				t.Errorf("ParseJSON(%q) = %v, want a syntax error", tc.in, err)
			}
		case err != nil:
			t.Errorf("ParseJSON(%q): %v", tc.in, err)
		}
	}
}
