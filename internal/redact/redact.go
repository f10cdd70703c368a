// Package redact decides what looks like a credential, so that soakline
// never writes one into a bundle, a report, a run record or a log.
//
// A name is a credential name when, split into words at "_", "-", ".",
// spaces and lower-to-upper case changes, it contains one of secret,
// secrets, password, passwd, passphrase, credential, credentials, apikey,
// privatekey, accesskey; or when its last word is token, key, auth or
// cookie (api_key, authToken, secret.key): a name that ends in the thing
// names the thing, while tokens_per_second, key_count or max_delta_ratio
// name a quantity. Words are matched whole, so monkey_factor or
// tokenizer_depth is never a credential.
//
// A value is a credential whatever its name when it looks like one: a PEM
// private key, a URL with a password, or a token with a well-known prefix
// (AWS AKIA…, GitHub ghp_/gho_/ghs_/github_pat_, GitLab glpat-, Slack
// xox?-, Stripe/OpenAI sk_/sk-).
package redact

import (
	"regexp"
	"strings"
	"unicode"
)

// Mask replaces a redacted value.
const Mask = "<redacted>"

var credentialWords = map[string]bool{
	"secret": true, "secrets": true, "password": true, "passwd": true, "passphrase": true,
	"credential": true, "credentials": true, "apikey": true, "privatekey": true, "accesskey": true,
}

var credentialLastWords = map[string]bool{"token": true, "key": true, "auth": true, "cookie": true}

var credentialValue = regexp.MustCompile(`^(AKIA[0-9A-Z]{16}|ghp_|gho_|ghs_|github_pat_|glpat-|xox[abposr]-|sk-|sk_live_|sk_test_|rk_live_)|-----BEGIN [A-Z ]*PRIVATE KEY-----|^[a-zA-Z][a-zA-Z0-9+.-]*://[^/@\s:]+:[^/@\s]+@`)

// words splits a name into lower-case words.
func words(name string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(name)
	for i, r := range rs {
		switch {
		case r == '_' || r == '-' || r == '.' || r == ' ':
			flush()
		case unicode.IsUpper(r) && i > 0 && unicode.IsLower(rs[i-1]):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
	}
	flush()
	return out
}

// IsCredentialName reports whether name names a credential.
func IsCredentialName(name string) bool {
	ws := words(name)
	if len(ws) == 0 {
		return false
	}
	for _, w := range ws {
		if credentialWords[w] {
			return true
		}
	}
	return credentialLastWords[ws[len(ws)-1]]
}

// IsCredentialValue reports whether s looks like a credential whatever its
// name.
func IsCredentialValue(s string) bool { return credentialValue.MatchString(s) }

// Args returns a copy of a command line with credentials masked: the value
// of NAME=value and --name=value when NAME is a credential name, the
// argument after a --name flag that is one (--password hunter2), and any
// argument whose value looks like a credential. Other arguments are kept.
func Args(argv []string) []string {
	if argv == nil {
		return nil
	}
	out := make([]string, len(argv))
	maskNext := false
	for i, a := range argv {
		switch {
		case maskNext:
			out[i] = Mask
			maskNext = false
		case IsCredentialValue(a):
			out[i] = Mask
		default:
			out[i] = a
			name, value, hasEq := strings.Cut(a, "=")
			flag := strings.HasPrefix(name, "-")
			name = strings.TrimLeft(name, "-")
			switch {
			case hasEq && value != "" && IsCredentialName(name):
				out[i] = strings.Repeat("-", len(a)-len(strings.TrimLeft(a, "-"))) + name + "=" + Mask
			case hasEq && IsCredentialValue(value):
				out[i] = a[:len(a)-len(value)] + Mask
			case !hasEq && flag && i > 0 && IsCredentialName(name):
				maskNext = true
			}
		}
	}
	return out
}

// Redacted reports whether argv holds a masked value.
func Redacted(argv []string) bool {
	for _, a := range argv {
		if strings.Contains(a, Mask) {
			return true
		}
	}
	return false
}
