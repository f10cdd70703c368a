// Package e2e holds soakline's end-to-end tests: the testscripts under
// testdata/script, which run the five binaries as a user does and pin their
// exit codes, stderr and outputs, and the Go tests that need real processes
// or the repository's files (the lock under concurrent runs, redaction and
// output modes across the pipeline, the shell wrappers, the CI workflow, no
// shell in Go sources, shellcheck). The package has no code of its own; run
// it with
//
//	go test ./e2e/
//	go test ./e2e/ -run 'TestScripts/gate_exact'
//	go test ./e2e/ -run 'TestScripts/gate_exact' -update
package e2e
