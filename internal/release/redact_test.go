package release

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/soakline/soakline/internal/legacy"
)

// TestRedactProfileLeaks: the overrides leaks of issue 18 item 9, through
// the function the bundle calls.
func TestRedactProfileLeaks(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      string
		removed []string
		secrets []string
		keep    []string
	}{
		{"array of secrets", `{"api_keys":["S3CR3T1","S3CR3T2"],"min_interval_ms":60}`, []string{"api_keys"}, []string{"S3CR3T1", "S3CR3T2"}, []string{"min_interval_ms"}},
		{"objects in arrays", `{"accounts":[{"name":"a","api_key":"S3CR3T1"}],"min_interval_ms":60}`, []string{"accounts[0].api_key"}, []string{"S3CR3T1"}, []string{"min_interval_ms", `"name": "a"`}},
		{"redis url", `{"cache":"redis://:S3CR3T1@host:6379","min_interval_ms":60}`, []string{"cache"}, []string{"S3CR3T1"}, []string{"min_interval_ms"}},
		{"names", `{"db_pass":"S1x","pwd":"S2x","passphrase":"S3x","jwt":"S4x","hmac":"S5x","privkey":"S6x","mnemonic":"S7x","session_id":"S8x","authorization":"S9x","rate":1}`,
			[]string{"authorization", "db_pass", "hmac", "jwt", "mnemonic", "passphrase", "privkey", "pwd", "session_id"},
			[]string{"S1x", "S2x", "S3x", "S4x", "S5x", "S6x", "S7x", "S8x", "S9x"}, []string{"rate"}},
		{"bearer value", `{"header":"Bearer S3CR3Tabc","rate":1}`, []string{"header"}, []string{"S3CR3Tabc"}, []string{"rate"}},
		{"slack webhook", `{"alert_url":"https://hooks.slack.com/services/T0/B0/S3CR3Tabc","rate":1}`, []string{"alert_url"}, []string{"S3CR3Tabc"}, []string{"rate"}},
		{"legacy NaN file is still redacted", `{"min_interval_ms":NaN,"api_key":"S3CR3T1"}`, []string{"api_key"}, []string{"S3CR3T1"}, []string{"min_interval_ms"}},
		{"ours", `{"schema_version":1,"kind":"runtime_overrides","min_interval_ms":60,"exchange":{"hmac":5}}`, []string{"exchange.hmac"}, nil, []string{"min_interval_ms"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, removed, err := RedactProfile("overrides.json", []byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.removed, removed); diff != "" {
				t.Errorf("removed (-want +got):\n%s", diff)
			}
			for _, s := range tc.secrets {
				if bytes.Contains(out, []byte(s)) {
					t.Errorf("%q shipped:\n%s", s, out)
				}
			}
			for _, k := range tc.keep {
				if !bytes.Contains(out, []byte(k)) {
					t.Errorf("lost %q:\n%s", k, out)
				}
			}
			if _, err := legacy.Overrides("out.json", out); err != nil {
				t.Errorf("the redacted profile does not read back: %v", err)
			}
		})
	}
}

// TestRedactProfileDuplicateKeys: {"api_key":"S","api_key":""} shipped the
// raw file (the decoder kept the empty value, nothing was removed, the
// bytes went out unchanged). Now it is refused, naming the key and line.
func TestRedactProfileDuplicateKeys(t *testing.T) {
	for _, in := range []string{
		`{"api_key":"S3CR3T","api_key":""}`,
		"{\"min_interval_ms\": 60,\n \"exchange\": {\"token\": \"S3CR3T\",\n \"token\": null}}",
		`{"schema_version":1,"kind":"runtime_overrides","a":1,"a":2}`,
	} {
		out, _, err := RedactProfile("ov.json", []byte(in))
		if err == nil {
			t.Errorf("%s: accepted, shipped %s", in, out)
			continue
		}
		if !strings.Contains(err.Error(), "ov.json") || !strings.Contains(err.Error(), "duplicate key") {
			t.Errorf("%s: %v", in, err)
		}
	}
}

func FuzzRedactProfile(f *testing.F) {
	f.Add([]byte(`{"api_key":"S","x":{"y":[{"token":"t"}]}}`))
	f.Add([]byte(`{"schema_version":1,"kind":"runtime_overrides","a":1}`))
	f.Add([]byte(`{"a":NaN}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, removed, err := RedactProfile("f.json", data)
		if err != nil {
			return
		}
		if len(removed) == 0 && !bytes.Equal(out, data) {
			t.Fatalf("nothing removed but the bytes changed")
		}
		// What it returns needs no more redaction.
		if _, again, err := RedactProfile("f.json", out); err != nil || len(again) > 0 {
			t.Fatalf("redacted output %s: %v, still %v", out, err, again)
		}
	})
}
