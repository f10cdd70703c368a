package release

import (
	"context"
	"fmt"
	"strings"
)

// RemoteTag asks remote (a remote's name or a URL) whether it holds
// refs/tags/name, before anything is created: a remote that does not exist
// or cannot be reached is an error (git's first line of stderr). It runs
// git ls-remote as Push runs git push: the user's ssh command and
// credential helpers (not ones the repository's .git/config names), and
// git-upload-pack on the remote side (not remote.<name>.uploadpack, which
// for a local remote is a local command line); no prompt, no hook.
func (g Git) RemoteTag(ctx context.Context, remote, name string) (bool, error) {
	if strings.HasPrefix(remote, "-") {
		return false, fmt.Errorf("remote %q cannot start with \"-\"", remote)
	}
	if err := CheckTagName(name); err != nil {
		return false, err
	}
	ref := "refs/tags/" + name
	args := append(g.userPrograms(ctx, pushPrograms), "ls-remote", "--refs", "--upload-pack=git-upload-pack", "--", remote, ref)
	out, err := g.Run(ctx, nil, args...)
	if err != nil {
		return false, err
	}
	for _, line := range strings.Split(string(out), "\n") {
		if _, r, ok := strings.Cut(strings.TrimSuffix(line, "\r"), "\t"); ok && r == ref {
			return true, nil
		}
	}
	return false, nil
}
