# soakline — build, test and demo. `make demo` and `make test` are all a
# newcomer needs; `make check` runs before every commit.

GO          ?= go
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS     := -X github.com/soakline/soakline/internal/cliutil.version=$(VERSION)
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
ACTIONLINT  := github.com/rhysd/actionlint/cmd/actionlint@v1.7.12
# The shell scripts shellcheck reads (the Debian package; .ci/run installs it).
SHELL_SCRIPTS = $(shell git ls-files '*.sh' .ci/run)
FUZZTIME    ?= 10s

.PHONY: all build test check demo fuzz bench crash clean

all: build

build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/ ./cmd/... ./examples/...

test:
	$(GO) test ./...

# check: -timeout 30m because -race slows the end-to-end scripts (./e2e/)
# several times, past go test's default 10 minutes on a busy 2-core
# machine; shellcheck is required (.ci/run installs it).
check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	@command -v shellcheck >/dev/null 2>&1 || { echo "make check: shellcheck not found; install it (apt-get install shellcheck, brew install shellcheck); .ci/run does" >&2; exit 1; }
	shellcheck $(SHELL_SCRIPTS)
	$(GO) run $(ACTIONLINT)
	$(GO) test -race -timeout 30m ./...
	cp go.mod /tmp/soakline.go.mod.bak; cp go.sum /tmp/soakline.go.sum.bak
	$(GO) mod tidy
	@if ! git diff --quiet -- go.mod go.sum; then git diff -- go.mod go.sum; cp /tmp/soakline.go.mod.bak go.mod; cp /tmp/soakline.go.sum.bak go.sum; echo "go mod tidy changes go.mod/go.sum"; exit 1; fi

demo: build
	./scripts/run_mini_soak_24.sh

# Each fuzz target for FUZZTIME (go test -fuzz takes one target at a time).
fuzz:
	./scripts/fuzz.sh $(FUZZTIME)

bench: build
	./bench/run.sh

# The long crash loops: soak-run killed with SIGKILL at random moments, then
# resumed; release-bundle killed at random moments, never a partial bundle that verifies.
crash:
	$(GO) test -run 'TestCrash' -count=1 -v -timeout 60m ./internal/cli/soakrun/ ./internal/cli/releasebundle/ -args -crash.long

clean:
	rm -rf bin artifacts release
