package release

import (
	"fmt"
	"strings"
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
