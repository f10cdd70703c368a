package e2e_test

import (
	"flag"
	"path/filepath"
)

var update = flag.Bool("update", false, "rewrite golden files and testscript cmp outputs")

// repoRoot is the repository's root, seen from this package's directory
// (go test runs a package's tests in its own directory).
const repoRoot = ".."

// repoFile is the path of a file of the repository, given relative to its
// root ("scripts/run_mini_soak_24.sh").
func repoFile(rel string) string { return filepath.Join(repoRoot, filepath.FromSlash(rel)) }
