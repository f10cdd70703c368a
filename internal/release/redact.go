package release

import (
	"errors"
	"strings"

	"github.com/soakline/soakline/internal/legacy"
	"github.com/soakline/soakline/internal/redact"
	"github.com/soakline/soakline/pkg/artifact"
	"github.com/soakline/soakline/pkg/fileerr"
)

// The redaction rule for the overrides profile a bundle ships is
// internal/redact's, the one redactor soakline has (its package doc lists
// the credential names and value patterns): a member whose name is a
// credential name and that has a value (not null, not "", not empty) goes
// whole, at any depth, arrays and objects inside arrays included; a
// string member or array element that holds a credential (URL user
// information, a bearer token, a well-known token prefix, a webhook URL, a
// PEM key, NAME=secret) or a long random-looking string goes too. A file
// with a duplicate key is refused (exit 2): which value a reader takes
// differs, and the bundle must not ship the one it did not look at.
//
// Removing, rather than masking, keeps the profile valid for the tools that
// read it; the removed paths (dotted, arrays as [i]) are listed in the
// manifest's "redacted" and the rollback plan says to restore them from the
// secret store.

// IsCredentialName reports whether a parameter name names a credential
// under the rule above (the value is judged separately).
func IsCredentialName(name string) bool { return redact.IsCredentialName(name) }

// IsCredentialValue reports whether a string looks like a credential
// whatever its name.
func IsCredentialValue(s string) bool { return redact.IsCredentialValue(s) }

// RedactProfile returns the overrides file data with every credential
// removed and the removed paths (sorted). When nothing is removed, the
// bytes are returned unchanged, so that the profile's SHA-256 still
// matches the state hashes the soak's ledger recorded. Otherwise the file
// is re-encoded: ours through artifact.Overrides (envelope first), a legacy
// file as sorted, indented JSON (its NaN and Infinity literals as the
// strings the lenient reader takes for them).
func RedactProfile(file string, data []byte) ([]byte, []string, error) {
	env, err := legacy.PeekEnvelope(file, data)
	if err != nil {
		return nil, nil, err
	}
	root, err := redact.ParseJSON(data)
	if err != nil {
		var de *redact.DuplicateKeyError
		var se *redact.SyntaxError
		switch {
		case errors.As(err, &de):
			return nil, nil, fileerr.Errorf(file, de.Line, "%v", de)
		case errors.As(err, &se):
			// The reader's own error names the place best.
			if _, derr := legacy.Overrides(file, data); derr != nil {
				return nil, nil, derr
			}
			return nil, nil, fileerr.Errorf(file, se.Line, "%s", se.Msg)
		}
		return nil, nil, fileerr.Errorf(file, 0, "%v", err)
	}
	if _, ok := root.(map[string]any); !ok {
		return nil, nil, fileerr.Errorf(file, 1, "want a JSON object")
	}
	// The lenient reader must accept the file too: the bundle ships only
	// what the later stages read.
	if _, err := legacy.Overrides(file, data); err != nil {
		return nil, nil, err
	}
	out, removed := redact.Tree(root)
	if len(removed) == 0 {
		return data, nil, nil
	}
	m := out.(map[string]any)
	if env.Kind != "" {
		o, err := legacy.Overrides(file, data)
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
		enc, err := artifact.Marshal(o)
		return enc, removed, err
	}
	enc, err := artifact.Marshal(m)
	return enc, removed, err
}
