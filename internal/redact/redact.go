// Package redact is soakline's one redactor: it decides what looks like a
// credential, so that soakline never writes one into a bundle, a report, a
// run record or a log. The same rules serve overrides files (JSON), a
// command line (Args), and free text such as a bot's stderr tail (Text).
//
// # Names
//
// A name is a credential name when, split into words at "_", "-", ".", "/",
// ":", spaces, digits-to-letters and lower-to-upper case changes, and
// lower-cased,
//
//   - one of its words, or two adjacent words written together, is one of
//     secret, secrets, password, passwords, passwd, pwd, passphrase,
//     credential, credentials, apikey, apikeys, privatekey, privkey,
//     accesskey, secretkey, jwt, hmac, mnemonic, authorization, bearer,
//     sessionid, sessiontoken, sessionkey, cookie, cookies (so api_key,
//     API-KEY, apiKey and APIKEY are all "apikey", and session_id is
//     "sessionid"); or
//   - its last word is token, tokens, key, keys, auth, pass, pw, dsn or
//     signature (authToken, secret.key, DB_PASS, X-Amz-Signature): a name that ends in the thing names
//     the thing, while tokens_per_second, key_count or pass_count_last_n
//     name a quantity.
//
// Words are matched whole, so monkey_factor, tokenizer_depth or bypass_ms is
// never a credential. In a JSON document the rule applies at every depth:
// under a credential name the whole value goes (an object, an array of
// secrets), and objects inside arrays are walked like any other object.
//
// # Values
//
// A string is a credential whatever its name when it holds
//
//   - a URL with user information (https://u:pw@host, redis://:pw@host,
//     https://TOKEN@host);
//   - an Authorization header value or a bearer token (Bearer x,
//     Authorization: Basic x; after Basic, Token or Digest a credential of
//     8 or more characters with a digit or symbol);
//   - a token with a well-known prefix: sk-, sk_live_, sk_test_, rk_live_,
//     rk_test_ (Stripe, OpenAI), ghp_, gho_, ghs_, ghu_, ghr_, github_pat_
//     (GitHub), glpat- (GitLab), xoxa-, xoxb-, xoxp-, xoxo-, xoxr-, xoxs-
//     (Slack), AKIA/ASIA + 16 (AWS access key ids), a JSON Web Token
//     (eyJ….eyJ….…);
//   - a Slack, Discord or Teams webhook URL;
//   - a PEM private key block;
//   - NAME=value, NAME: value or "NAME": "value" where NAME is a
//     credential name (the value is masked, the name kept).
//
// In an overrides file a string value is also a credential when it is long
// and random-looking (LooksRandom: 20 or more characters from a token
// alphabet, letters and digits mixed, at least 3.5 bits of entropy per
// character): an overrides file holds numbers, and such a string is a key.
//
// # What is done with them
//
// Text and Args replace the credential with <redacted> and keep the rest,
// so a log line stays readable. JSON removes the credential member (or the
// array element) and lists the removed paths, so that the document stays
// valid for the tools that read it. A JSON document with a duplicate key is
// refused (DuplicateKeyError): readers differ on which value wins, and a
// redactor that looked at the other one would ship the secret.
package redact

import (
	"math"
	"regexp"
	"strings"
	"unicode"
)

// Mask replaces a redacted value.
const Mask = "<redacted>"

var credentialWords = setOf(
	"secret", "secrets", "password", "passwords", "passwd", "pwd", "passphrase",
	"credential", "credentials", "apikey", "apikeys", "privatekey", "privkey", "accesskey",
	"secretkey", "jwt", "hmac", "mnemonic", "authorization", "bearer", "sessionid",
	"sessiontoken", "sessionkey", "cookie", "cookies",
)

var credentialLastWords = setOf("token", "tokens", "key", "keys", "auth", "pass", "pw", "dsn", "signature")

func setOf(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

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
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
		case i > 0 && unicode.IsUpper(r) && (unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1])):
			flush()
			cur = append(cur, r)
		case i > 0 && unicode.IsLetter(r) && unicode.IsDigit(rs[i-1]):
			flush()
			cur = append(cur, r)
		case i > 0 && unicode.IsDigit(r) && unicode.IsLetter(rs[i-1]):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
	}
	flush()
	// Digits are no words of their own: api_key_2 ends in "key".
	ws := out[:0]
	for _, w := range out {
		if strings.Trim(w, "0123456789") != "" {
			ws = append(ws, w)
		}
	}
	return ws
}

// IsCredentialName reports whether name names a credential.
func IsCredentialName(name string) bool {
	if len(name) > 256 {
		name = name[:256]
	}
	ws := words(name)
	if len(ws) == 0 {
		return false
	}
	for i, w := range ws {
		if credentialWords[w] {
			return true
		}
		if i+1 < len(ws) && credentialWords[w+ws[i+1]] {
			return true
		}
	}
	if credentialWords[strings.Join(ws, "")] {
		return true
	}
	return credentialLastWords[ws[len(ws)-1]]
}

// The value patterns, each matched anywhere in a text.
var (
	// scheme://userinfo@ : the user information of a URL.
	urlCreds = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.\-]{0,31}://)([^\s/@"'<>]*@)`)
	// Well-known token prefixes.
	prefixed = regexp.MustCompile(`\b(?:sk-|sk_live_|sk_test_|rk_live_|rk_test_|ghp_|gho_|ghs_|ghu_|ghr_|github_pat_|glpat-|xox[abposr]-)[A-Za-z0-9_\-]+|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b|\beyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*`)
	// Webhook URLs carry their secret in the path.
	webhook = regexp.MustCompile(`(?i)\bhttps?://(?:hooks\.slack\.com/(?:services|workflows|triggers)|(?:[a-z0-9\-]+\.)?discord(?:app)?\.com/api/webhooks|[a-z0-9\-]+\.webhook\.office\.com)/[^\s"'<>]*`)
	// A PEM private key, to its END line or the end of the text.
	pemKey = regexp.MustCompile(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?s:.*?)(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\z)`)
	// Authorization: <anything to the end of the line or quote>.
	authHeader = regexp.MustCompile(`(?i)\b((?:proxy-)?authorization["']?\s*[:=]\s*["']?)([^\r\n"']+)`)
	// Bearer/Basic/Token <credential>.
	bearer = regexp.MustCompile(`(?i)\b(bearer|basic|token|digest)(\s+)([A-Za-z0-9\-._~+/]+=*)`)
	// NAME=value, NAME: value, "NAME": "value" (the name is checked in code).
	// After "NAME:" an unquoted value runs on over the following words
	// ("password: correct horse battery") up to a delimiter or a word
	// with "=" or ":" (the next field); after "NAME=" it is one word.
	assignment = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_.\-]{0,127})(["']?\s*[:=]\s*)("[^"\r\n]*"|'[^'\r\n]*'|[^\s"',;&<>)}\]]+(?:[ \t]+[^\s"',;&<>)}\]=:]+)*)`)
)

// Text returns s with every credential the value patterns or a credential
// name finds replaced by Mask. Text is idempotent and never grows a
// credential: what it keeps was in s outside any match.
func Text(s string) string {
	if s == "" {
		return s
	}
	s = pemKey.ReplaceAllString(s, Mask)
	s = webhook.ReplaceAllStringFunc(s, func(m string) string {
		i := strings.Index(m, "://")
		host := m[i+3:]
		if j := strings.IndexByte(host, '/'); j >= 0 {
			host = host[:j]
		}
		return m[:i+3] + host + "/" + Mask
	})
	s = urlCreds.ReplaceAllString(s, "${1}"+Mask+"@")
	s = authHeader.ReplaceAllString(s, "${1}"+Mask)
	s = bearer.ReplaceAllStringFunc(s, func(m string) string {
		sub := bearer.FindStringSubmatch(m)
		if sub[3] == Mask || strings.HasPrefix(sub[3], Mask) {
			return m
		}
		// "token bucket", "basic settings": ordinary words are no tokens.
		if strings.EqualFold(sub[1], "bearer") || len(sub[3]) >= 8 && hasDigitOrSymbol(sub[3]) {
			return sub[1] + sub[2] + Mask
		}
		return m
	})
	s = prefixed.ReplaceAllString(s, Mask)
	return maskAssignments(s)
}

// maskAssignments masks the value of every NAME=value, NAME: value and
// "NAME": "value" whose NAME is a credential name. A match whose name is
// not one gives back its value, which is scanned again (user: bob
// password=x).
func maskAssignments(s string) string {
	var b strings.Builder
	pos := 0
	for pos < len(s) {
		loc := assignment.FindStringSubmatchIndex(s[pos:])
		if loc == nil {
			break
		}
		for i := range loc {
			if loc[i] >= 0 {
				loc[i] += pos
			}
		}
		name, sep := s[loc[2]:loc[3]], s[loc[4]:loc[5]]
		valStart, valEnd := loc[6], loc[7]
		if !IsCredentialName(name) {
			b.WriteString(s[pos:valStart])
			pos = valStart
			continue
		}
		val := s[valStart:valEnd]
		quoted := val[0] == '"' || val[0] == '\''
		if !quoted {
			switch {
			case !strings.Contains(sep, ":"):
				// NAME=value: one word, as a shell reads it.
				if i := strings.IndexAny(val, " \t"); i >= 0 {
					val = val[:i]
				}
			case valEnd < len(s) && (s[valEnd] == '=' || s[valEnd] == ':'):
				// The last word names the next field (token: x rate=5).
				if i := strings.LastIndexAny(val, " \t"); i >= 0 {
					val = strings.TrimRight(val[:i], " \t")
				}
			}
			valEnd = valStart + len(val)
		}
		b.WriteString(s[pos:valStart])
		switch inner := strings.Trim(val, `"'`); {
		case inner == "" || inner == Mask || strings.HasPrefix(val, "//"):
			b.WriteString(val)
		case quoted && len(val) >= 2:
			b.WriteString(val[:1] + Mask + val[:1])
		default:
			b.WriteString(Mask)
		}
		pos = valEnd
	}
	b.WriteString(s[pos:])
	return b.String()
}

func hasDigitOrSymbol(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// IsCredentialValue reports whether s holds something Text would mask.
func IsCredentialValue(s string) bool { return Text(s) != s }

// LooksRandom reports whether s is a long, random-looking token: at least
// 20 characters from [A-Za-z0-9+/=_.-]; letters and digits mixed (upper
// and lower case and digits, or digits in at least 15% of the places); and
// at least 3.5 bits of Shannon entropy per character.
func LooksRandom(s string) bool {
	if len(s) < 20 || len(s) > 4096 {
		return false
	}
	var lower, upper bool
	var digits int
	var counts [128]int
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= 'A' && c <= 'Z':
			upper = true
		case c >= '0' && c <= '9':
			digits++
		case strings.IndexByte("+/=_.-", c) >= 0:
		default:
			return false
		}
		counts[c]++
	}
	// Letters and digits mixed: all three classes, or digits in at least
	// 15% of the places (hex); maker_bias_uplift_v1 is a name.
	if !(lower || upper) || digits == 0 || !(lower && upper) && digits*100 < 15*len(s) {
		return false
	}
	var h float64
	n := float64(len(s))
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h >= 3.5
}

// userFlags take user:password as their value (curl -u, --user,
// --proxy-user).
var userFlags = setOf("u", "user", "proxy-user", "U")

// headerFlags take an HTTP header as their value.
var headerFlags = setOf("H", "header", "proxy-header")

// Args returns a copy of a command line with credentials masked: every
// argument through Text (NAME=value, --name=value, URLs with passwords,
// prefixed tokens, "Authorization: Bearer x", "X-Api-Key: v"); the argument
// after a --name flag that is a credential name (--password hunter2); the
// password of -u/--user/--proxy-user user:password (also --user=user:pw
// and -uuser:pw); and a header given after -H/--header (--header=NAME:value
// included) whose name is a credential name. Other arguments are kept.
func Args(argv []string) []string {
	if argv == nil {
		return nil
	}
	out := make([]string, len(argv))
	next := "" // how the next argument is masked: "all", "user", "header"
	for i, a := range argv {
		kind := next
		next = ""
		switch kind {
		case "all":
			out[i] = Mask
			continue
		case "user":
			out[i] = maskUser(a)
			continue
		case "header":
			out[i] = maskHeader(a)
			continue
		}
		out[i] = Text(a)
		if i == 0 || !strings.HasPrefix(a, "-") || a == "-" || a == "--" {
			continue
		}
		dashes := len(a) - len(strings.TrimLeft(a, "-"))
		name, value, hasEq := strings.Cut(a[dashes:], "=")
		switch {
		case dashes == 1 && len(name) > 1 && userFlags[name[:1]] && strings.Contains(name[1:], ":") && !hasEq:
			out[i] = a[:2] + maskUser(a[2:]) // -uuser:pw
		case dashes == 1 && len(name) > 1 && headerFlags[name[:1]] && !hasEq:
			out[i] = a[:2] + maskHeader(a[2:]) // -HX-Api-Key:v
		case userFlags[name] && hasEq:
			out[i] = a[:len(a)-len(value)] + maskUser(value)
		case headerFlags[name] && hasEq:
			out[i] = a[:len(a)-len(value)] + maskHeader(value)
		case userFlags[name]:
			next = "user"
		case headerFlags[name]:
			next = "header"
		case !hasEq && IsCredentialName(name):
			next = "all"
		}
	}
	return out
}

// maskUser masks the password of user:password.
func maskUser(s string) string {
	u, pw, ok := strings.Cut(s, ":")
	if !ok || pw == "" || pw == Mask {
		return Text(s)
	}
	return u + ":" + Mask
}

// maskHeader masks the value of "Name: value" or "Name:value" when Name is
// a credential name, else it goes through Text.
func maskHeader(s string) string {
	name, val, ok := strings.Cut(s, ":")
	if ok && IsCredentialName(strings.TrimSpace(name)) && strings.TrimSpace(val) != "" && strings.TrimSpace(val) != Mask {
		lead := val[:len(val)-len(strings.TrimLeft(val, " \t"))]
		return name + ":" + lead + Mask
	}
	return Text(s)
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
