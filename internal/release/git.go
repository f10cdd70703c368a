package release

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Git runs git in a working directory, never through a shell: arguments go
// to the process as they are, messages go through standard input.
type Git struct {
	Dir string // "" is the current directory
	// Env is added to the environment (e.g. GIT_* settings in tests).
	Env []string
}

// GitError is a git command that failed, with its stderr.
type GitError struct {
	Args   []string
	Stderr string
	Err    error
}

func (e *GitError) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if msg == "" {
		msg = e.Err.Error()
	}
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return "git " + subcommand(e.Args) + ": " + msg
}

// subcommand is the git command in args, after any -c settings.
func subcommand(args []string) string {
	for i := 0; i < len(args); i++ {
		switch {
		case args[i] == "-c":
			i++
		case !strings.HasPrefix(args[i], "-"):
			return args[i]
		}
	}
	return "git"
}

func (e *GitError) Unwrap() error { return e.Err }

// safeConfig is given to every git command: the repository's own
// configuration cannot make it run a program (an fsmonitor hook, a hook,
// a pager, an external diff or text conversion) or sign with a key it did
// not ask for. Command-line -c settings override every configuration file.
var safeConfig = []string{
	"--no-pager",
	"-c", "core.fsmonitor=false",
	"-c", "core.hooksPath=/dev/null",
	"-c", "core.pager=cat",
	"-c", "core.untrackedCache=false",
	"-c", "diff.external=",
	"-c", "protocol.ext.allow=never",
	"-c", "tag.gpgSign=false",
	"-c", "log.showSignature=false",
}

// safeEnv is added to git's environment: no optional locks (git status
// does not rewrite the index: a dry run writes nothing under .git), no
// pager, no prompt for credentials (a push that needs them fails instead
// of waiting), no askpass program.
var safeEnv = []string{
	"GIT_OPTIONAL_LOCKS=0",
	"GIT_PAGER=cat",
	"PAGER=cat",
	"GIT_TERMINAL_PROMPT=0",
	"GIT_ASKPASS=",
	"GIT_EXTERNAL_DIFF=",
}

// Run runs git args with stdin (nil: none) and returns its stdout. Every
// command gets safeConfig and safeEnv.
func (g Git) Run(ctx context.Context, stdin io.Reader, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", append(append([]string{}, safeConfig...), args...)...)
	cmd.Dir = g.Dir
	cmd.Env = append(append(cmd.Environ(), safeEnv...), g.Env...)
	cmd.Stdin = stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.Bytes(), &GitError{Args: args, Stderr: errb.String(), Err: err}
	}
	return out.Bytes(), nil
}

func (g Git) line(ctx context.Context, args ...string) (string, error) {
	out, err := g.Run(ctx, nil, args...)
	return strings.TrimSpace(string(out)), err
}

// ErrNoGit is returned when git is not installed.
var ErrNoGit = errors.New("git is not installed")

// InRepo reports whether Dir is inside a git working tree.
func (g Git) InRepo(ctx context.Context) (bool, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return false, nil
	}
	out, err := g.line(ctx, "rev-parse", "--is-inside-work-tree")
	if err != nil {
		return false, nil
	}
	return out == "true", nil
}

// TopLevel returns the root of the working tree.
func (g Git) TopLevel(ctx context.Context) (string, error) {
	return g.line(ctx, "rev-parse", "--show-toplevel")
}

// ResolveCommit returns the full hash of the commit rev names.
func (g Git) ResolveCommit(ctx context.Context, rev string) (string, error) {
	if strings.HasPrefix(rev, "-") {
		return "", fmt.Errorf("revision %q cannot start with \"-\"", rev)
	}
	out, err := g.line(ctx, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil || out == "" {
		return "", fmt.Errorf("%q does not name a commit", rev)
	}
	return out, nil
}

// HasCommits reports whether HEAD points to a commit (false in a fresh
// repository).
func (g Git) HasCommits(ctx context.Context) bool {
	_, err := g.ResolveCommit(ctx, "HEAD")
	return err == nil
}

// Dirty reports whether tracked files have staged or unstaged changes.
// Untracked files (a bundle built into the working tree) do not count.
// git status runs no clean filter the repository's configuration defines
// (a filter is a program: it runs whenever a file's stat data changed).
func (g Git) Dirty(ctx context.Context) (bool, error) {
	args := append(g.repoFilters(ctx), "status", "--porcelain", "--untracked-files=no")
	out, err := g.line(ctx, args...)
	if err != nil {
		return false, err
	}
	return out != "", nil
}

// repoFilters returns -c settings that turn off every filter driver the
// repository's own configuration (.git/config, config.worktree and what
// they include) defines: empty clean, smudge and process commands, not
// required. Drivers of the user's system and global configuration (such
// as git-lfs) are kept.
func (g Git) repoFilters(ctx context.Context) []string {
	out, _ := g.Run(ctx, nil, "config", "--show-scope", "--includes", "--get-regexp", `^filter\..+\.(clean|smudge|process|required)$`)
	seen := map[string]bool{}
	var args []string
	for _, line := range strings.Split(string(out), "\n") {
		scope, rest, ok := strings.Cut(line, "\t")
		if !ok || scope != "local" && scope != "worktree" {
			continue
		}
		key, _, _ := strings.Cut(rest, " ")
		driver := strings.TrimPrefix(key[:strings.LastIndexByte(key, '.')], "filter.")
		if seen[driver] {
			continue
		}
		seen[driver] = true
		for _, sub := range []string{"clean=", "smudge=", "process=", "required=false"} {
			args = append(args, "-c", "filter."+driver+"."+sub)
		}
	}
	return args
}

// CommitTime returns the committer time of rev.
func (g Git) CommitTime(ctx context.Context, rev string) (time.Time, error) {
	out, err := g.line(ctx, "log", "-1", "--no-show-signature", "--format=%ct", "--end-of-options", rev, "--")
	if err != nil {
		return time.Time{}, err
	}
	sec, err := strconv.ParseInt(out, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("git log: unexpected commit time %q", out)
	}
	return time.Unix(sec, 0).UTC(), nil
}

// Describe returns `git describe --tags --always` of HEAD.
func (g Git) Describe(ctx context.Context) (string, error) {
	return g.line(ctx, "describe", "--tags", "--always")
}

// PreviousTag returns the nearest tag reachable from rev, skipping the tag
// named skip (the release being built, when it is already tagged); "" when
// there is none. The name is only for display: a tag name is whatever
// someone pushed ("--output=/x" included), so git is given commit hashes
// and refs/tags/ names, never the name alone.
func (g Git) PreviousTag(ctx context.Context, rev, skip string) string {
	for i := 0; i < 2; i++ {
		t, err := g.line(ctx, "describe", "--tags", "--abbrev=0", "--end-of-options", rev)
		if err != nil || t == "" {
			return ""
		}
		if t != skip {
			return t
		}
		h, err := g.ResolveCommit(ctx, "refs/tags/"+t)
		if err != nil {
			return ""
		}
		rev = h + "^"
	}
	return ""
}

// resolveRev resolves Log's from, a tag name: first as refs/tags/<name>
// (a tag may be named like an option), else as given.
func (g Git) resolveRev(ctx context.Context, rev string) (string, error) {
	if h, err := g.ResolveCommit(ctx, "refs/tags/"+rev); err == nil {
		return h, nil
	}
	return g.ResolveCommit(ctx, rev)
}

// Log returns the non-merge commits reachable from to and not from from
// ("" from: all of them), newest first; from is a tag name (PreviousTag),
// to a revision such as HEAD. Both are resolved to commit hashes first, so
// that neither can reach git as an option.
func (g Git) Log(ctx context.Context, from, to string) ([]Commit, error) {
	rng, err := g.ResolveCommit(ctx, to)
	if err != nil {
		return nil, err
	}
	if from != "" {
		f, err := g.resolveRev(ctx, from)
		if err != nil {
			return nil, err
		}
		rng = f + ".." + rng
	}
	out, err := g.Run(ctx, nil, "log", "--no-merges", "--no-show-signature", "--no-ext-diff", "--no-textconv",
		"--format=%H%x00%s%x00%b%x1e", "--end-of-options", rng, "--")
	if err != nil {
		return nil, err
	}
	var cs []Commit
	for _, rec := range strings.Split(string(out), "\x1e") {
		rec = strings.TrimLeft(rec, "\n")
		if rec == "" {
			continue
		}
		f := strings.SplitN(rec, "\x00", 3)
		if len(f) != 3 {
			return nil, fmt.Errorf("git log: unexpected output")
		}
		cs = append(cs, Commit{Hash: f[0], Subject: f[1], Body: strings.TrimSpace(f[2])})
	}
	return cs, nil
}

// TagExists reports whether refs/tags/name exists.
func (g Git) TagExists(ctx context.Context, name string) (bool, error) {
	_, err := g.Run(ctx, nil, "show-ref", "--verify", "--quiet", "refs/tags/"+name)
	if err == nil {
		return true, nil
	}
	var ge *GitError
	var ee *exec.ExitError
	if errors.As(err, &ge) && errors.As(ge.Err, &ee) && ee.ExitCode() == 1 {
		return false, nil
	}
	return false, err
}

// CheckRefFormat asks git whether refs/tags/name is a valid ref name.
func (g Git) CheckRefFormat(ctx context.Context, name string) bool {
	_, err := g.Run(ctx, nil, "check-ref-format", "refs/tags/"+name)
	return err == nil
}

// CreateTag creates the annotated (signed with sign) tag name at commit
// with message, passed on standard input and kept verbatim.
func (g Git) CreateTag(ctx context.Context, name, commit, message string, sign bool) error {
	mode := "--annotate"
	if sign {
		mode = "--sign"
	}
	if err := CheckTagName(name); err != nil {
		return err
	}
	args := []string{"tag", mode, "--cleanup=verbatim", "--file=-", "--end-of-options", name, commit}
	if sign {
		args = append(g.userPrograms(ctx, signingPrograms), args...)
	}
	_, err := g.Run(ctx, strings.NewReader(message), args...)
	return err
}

// userProgram is a configuration key that names a program git runs, and
// the program git runs when no configuration names one.
type userProgram struct{ key, def string }

var (
	signingPrograms = []userProgram{
		{"gpg.program", "gpg"}, {"gpg.openpgp.program", "gpg"}, {"gpg.x509.program", "gpgsm"}, {"gpg.ssh.program", "ssh-keygen"},
	}
	pushPrograms = []userProgram{{"core.sshCommand", "ssh"}, {"credential.helper", ""}}
)

// userPrograms returns -c settings so that the programs a signed tag or a
// push needs are the user's (system and global configuration), never ones
// the repository's own .git/config names: for each key the repository
// sets, its value is replaced by the user's, or by git's default. Reading
// configuration runs nothing.
func (g Git) userPrograms(ctx context.Context, keys []userProgram) []string {
	var args []string
	for _, k := range keys {
		local, _ := g.Run(ctx, nil, "config", "--local", "--get-all", k.key)
		if len(bytes.TrimSpace(local)) == 0 {
			continue
		}
		var values []string
		for _, scope := range []string{"--system", "--global"} {
			out, _ := g.Run(ctx, nil, "config", scope, "--get-all", k.key)
			for _, v := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				if v != "" {
					values = append(values, v)
				}
			}
		}
		if k.key == "credential.helper" {
			// A multi-valued list: an empty value resets it, then the
			// user's helpers are added back in order.
			args = append(args, "-c", "credential.helper=")
			for _, v := range values {
				args = append(args, "-c", "credential.helper="+v)
			}
			continue
		}
		v := k.def
		if len(values) > 0 {
			v = values[len(values)-1]
		}
		args = append(args, "-c", k.key+"="+v)
	}
	return args
}

// TagMessage returns the message of the annotated tag name, and the commit
// it points to. A lightweight tag is an error.
func (g Git) TagMessage(ctx context.Context, name string) (message, commit string, err error) {
	ref := "refs/tags/" + name
	typ, err := g.line(ctx, "cat-file", "-t", ref)
	if err != nil {
		return "", "", fmt.Errorf("tag %s does not exist", name)
	}
	if typ != "tag" {
		return "", "", fmt.Errorf("tag %s is a lightweight tag: it carries no message", name)
	}
	out, err := g.Run(ctx, nil, "for-each-ref", "--format=%(contents)", ref)
	if err != nil {
		return "", "", err
	}
	commit, err = g.ResolveCommit(ctx, ref)
	return string(out), commit, err
}

// Push pushes refs/tags/name to remote, with the user's ssh command and
// credential helpers (not ones the repository's .git/config names) and
// git-receive-pack on the remote side (not remote.<name>.receivepack,
// which for a local remote is a local command line).
func (g Git) Push(ctx context.Context, remote, name string) error {
	if strings.HasPrefix(remote, "-") {
		return fmt.Errorf("remote %q cannot start with \"-\"", remote)
	}
	args := append(g.userPrograms(ctx, pushPrograms), "push", "--no-verify", "--no-recurse-submodules", "--receive-pack=git-receive-pack", "--", remote, "refs/tags/"+name)
	_, err := g.Run(ctx, nil, args...)
	return err
}
