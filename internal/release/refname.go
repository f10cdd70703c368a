package release

import (
	"fmt"
	"strings"

	"github.com/soakline/soakline/internal/safetext"
)

// CheckTagName applies git's ref-name rules (git-check-ref-format(1)) to
// refs/tags/<name>, and git tag's own rule that a tag name cannot start
// with "-". The error says which rule the name breaks.
func CheckTagName(name string) error {
	bad := func(why string) error { return fmt.Errorf("invalid tag name %q: %s", name, why) }
	switch {
	case name == "":
		return bad("empty")
	case name == "@":
		return bad(`cannot be "@"`)
	case strings.HasPrefix(name, "-"):
		return bad(`cannot start with "-"`)
	case strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/"):
		return bad(`cannot start or end with "/"`)
	case strings.Contains(name, "//"):
		return bad(`cannot contain "//"`)
	case strings.HasSuffix(name, "."):
		return bad(`cannot end with "."`)
	case strings.Contains(name, ".."):
		return bad(`cannot contain ".."`)
	case strings.Contains(name, "@{"):
		return bad(`cannot contain "@{"`)
	}
	for _, r := range name {
		switch {
		case r < 0x20 || r == 0x7f:
			return bad("cannot contain control characters")
		case r == ' ':
			return bad("cannot contain spaces")
		case strings.ContainsRune(`~^:?*[\`, r):
			return bad(fmt.Sprintf("cannot contain %q", r))
		}
	}
	for _, part := range strings.Split(name, "/") {
		if strings.HasPrefix(part, ".") {
			return bad(`no component can start with "."`)
		}
		if strings.HasSuffix(part, ".lock") {
			return bad(`no component can end with ".lock"`)
		}
	}
	return nil
}

// ReleaseNameChars is the documented safe set of a release version and a
// tag name: they are written unquoted into the shell steps of
// rollback_plan.md and CANARY_CHECKLIST.md, into file names and into the
// tag message, so nothing a shell, Markdown or git reads specially may be
// in them.
const ReleaseNameChars = "letters A-Z a-z, digits 0-9 and . _ + - /"

// CheckReleaseName refuses a version or tag name (kind says which, as in
// "tag name" or "release name") that has a character outside
// ReleaseNameChars, starts with "-" or breaks git's ref-name rules
// (CheckTagName).
func CheckReleaseName(kind, name string) error {
	for i, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._+-/", r)) {
			return fmt.Errorf("invalid %s %q: character %q at byte %d is not allowed (only %s)", kind, name, r, i, ReleaseNameChars)
		}
	}
	if err := CheckTagName(name); err != nil {
		return fmt.Errorf("invalid %s%s", kind, strings.TrimPrefix(err.Error(), "invalid tag name"))
	}
	// Names git resolves to something else first: HEAD, FETCH_HEAD and the
	// like, and full ref paths, would make "git log PREV..HEAD" or a
	// rollback step's "git checkout NAME" mean another commit.
	if strings.HasPrefix(name, "refs/") || strings.HasSuffix(name, "HEAD") && strings.ToUpper(name) == name {
		return fmt.Errorf("invalid %s %q: git reads it as a symbolic ref or a full ref path, not as a release", kind, name)
	}
	return nil
}

// CheckShellPath refuses a path (what names its flag) that cannot be
// written as one quoted word on one line of a document's shell steps: a
// control character or a line break in it.
func CheckShellPath(what, path string) error {
	if !safetext.OneLine(path) {
		return fmt.Errorf("%s %q: a path with control characters or line breaks cannot be written into the documents' shell steps", what, path)
	}
	return nil
}
