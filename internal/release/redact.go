package release

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"

	"github.com/soakline/soakline/internal/redact"
	"github.com/soakline/soakline/pkg/artifact"
)

// The redaction rule for the overrides profile a bundle ships.
//
// A parameter is a credential, and is removed from the bundle's profile,
// when it has a value (not null, not "") and
//
//   - its name, split into words at "_", "-", "." and lower-to-upper case
//     changes, contains one of secret, secrets, password, passwd,
//     passphrase, credential, credentials, apikey, privatekey, accesskey;
//     or
//   - its last word is token, key, auth or cookie (api_key, authToken,
//     secret.key): a name that ends in the thing names the thing, while
//     tokens_per_second, key_count or max_delta_ratio name a quantity; or
//   - its value is a string that looks like a credential whatever its
//     name: a PEM private key, a URL with a password, or a token with a
//     well-known prefix (AWS AKIA…, GitHub ghp_/gho_/github_pat_, GitLab
//     glpat-, Slack xox?-, Stripe/OpenAI sk_/sk-).
//
// Words are matched whole, so "monkey_factor" or "tokenizer_depth" is never
// a credential. Removing, rather than masking, keeps the profile valid for
// the tools that read it; the removed names are listed in the manifest and
// the rollback plan says to restore them from the secret store.

// IsCredentialName reports whether a parameter name names a credential
// under the rule above (the value is judged separately).
func IsCredentialName(name string) bool { return redact.IsCredentialName(name) }

// IsCredentialValue reports whether a string looks like a credential
// whatever its name.
func IsCredentialValue(s string) bool { return redact.IsCredentialValue(s) }

func hasValue(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case map[string]any, []any:
		return false // a section is judged by its members
	}
	return true
}

// RedactProfile returns the overrides file data with every credential
// removed and the dotted names removed (sorted). When nothing is removed,
// the bytes are returned unchanged, so that the profile's SHA-256 still
// matches the state hashes the soak's ledger recorded. Otherwise the file
// is re-encoded: ours through artifact.Overrides (envelope first), a legacy
// file as sorted, indented JSON.
func RedactProfile(file string, data []byte) ([]byte, []string, error) {
	env, err := artifact.PeekEnvelope(file, data)
	if err != nil {
		return nil, nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(artifact.TrimBOM(data)))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		// The legacy toolkit wrote NaN literals; the lenient reader copes.
		if _, derr := artifact.DecodeOverrides(file, data); derr != nil {
			return nil, nil, derr
		}
		return data, nil, nil
	}
	m, ok := root.(map[string]any)
	if !ok {
		return nil, nil, artifact.Errorf(file, 1, "want a JSON object")
	}
	var removed []string
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			if prefix == "" && env.Kind != "" && (k == "schema_version" || k == "kind") {
				continue
			}
			if sub, ok := v.(map[string]any); ok {
				if IsCredentialName(k) && len(sub) > 0 {
					delete(m, k)
					removed = append(removed, prefix+k)
					continue
				}
				walk(prefix+k+".", sub)
				continue
			}
			s, isStr := v.(string)
			if hasValue(v) && (IsCredentialName(k) || isStr && IsCredentialValue(s)) {
				delete(m, k)
				removed = append(removed, prefix+k)
			}
		}
	}
	walk("", m)
	if len(removed) == 0 {
		return data, nil, nil
	}
	sort.Strings(removed)
	if env.Kind != "" {
		o, err := artifact.DecodeOverrides(file, data)
		if err != nil {
			return nil, nil, err
		}
		for k := range o.Params {
			for _, r := range removed {
				if k == r || strings.HasPrefix(k, r+".") {
					delete(o.Params, k)
				}
			}
		}
		out, err := o.Encode()
		return out, removed, err
	}
	out, err := artifact.Marshal(m)
	return out, removed, err
}
