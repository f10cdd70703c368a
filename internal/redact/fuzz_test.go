package redact

import (
	"encoding/json"
	"strings"
	"testing"
)

func marshal(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// templates put a secret where a leak was seen; %s is the secret.
var templates = []string{
	"error: key sk-live-%s rejected",
	"dial https://user:%s@example.com/x",
	"redis://:%s@cache:6379",
	"token ghp_%s",
	"DB_PASS=%s ./bot",
	`{"api_key": "%s"}`,
	"Authorization: Bearer %s",
	"X-Api-Key: %s",
	"https://hooks.slack.com/services/T0/B0/%s",
	"xoxb-%s",
	"password=%s",
}

// secretOK keeps the fuzzed secrets to a token alphabet (what the
// templates claim to hide) of a length that cannot appear by accident in
// the template itself.
func secretOK(s string) bool {
	if len(s) < 6 || len(s) > 200 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// FuzzText: Text never panics, is idempotent, and a secret put where a
// known leak was never survives.
func FuzzText(f *testing.F) {
	for _, s := range []string{"hunter22", "4f9a8b7c6d5e", "AbCdEf0123456789", "x"} {
		f.Add(s, "free text: "+s)
	}
	f.Fuzz(func(t *testing.T, secret, free string) {
		if len(free) > 8<<10 {
			free = free[:8<<10] // Text is linear; what it is given is a 2 KB tail or an argument
		}
		got := Text(free)
		if Text(got) != got {
			t.Fatalf("not idempotent: %q -> %q -> %q", free, got, Text(got))
		}
		if !secretOK(secret) {
			return
		}
		for _, tpl := range templates {
			in := strings.ReplaceAll(tpl, "%s", secret)
			if out := Text(in); strings.Contains(out, secret) {
				t.Errorf("Text(%q) = %q keeps the secret", in, out)
			}
			argv := []string{"./bot", in}
			for _, a := range Args(argv) {
				if strings.Contains(a, secret) {
					t.Errorf("Args(%q) keeps the secret: %q", argv, a)
				}
			}
		}
	})
}

// FuzzJSON: ParseJSON and Tree never panic; a secret under a credential
// name, at any depth and in arrays, never survives.
func FuzzJSON(f *testing.F) {
	f.Add([]byte(`{"a":{"b":[{"c":1}]}}`), "hunter22")
	f.Add([]byte(`{"api_key":"S","api_key":""}`), "s3cr3tvalue")
	f.Add([]byte(`[NaN, -Infinity, "x"]`), "zzzzzzzz")
	f.Fuzz(func(t *testing.T, doc []byte, secret string) {
		if v, err := ParseJSON(doc); err == nil {
			Tree(v)
		}
		if !secretOK(secret) {
			return
		}
		for _, tpl := range []string{
			`{"api_key":"%s"}`, `{"x":{"db_pass":"%s"}}`, `{"l":[{"session_id":"%s"}]}`,
			`{"tokens":["%s"]}`, `{"u":"redis://:%s@h"}`, `{"h":"Bearer %s"}`,
		} {
			in := strings.ReplaceAll(tpl, "%s", secret)
			v, err := ParseJSON([]byte(in))
			if err != nil {
				t.Fatal(err)
			}
			out, _ := Tree(v)
			if s := marshal(t, out); strings.Contains(s, secret) {
				t.Errorf("Tree(%s) = %s keeps the secret", in, s)
			}
		}
	})
}
