# seccomp-gen. `make demo` and `make test` do all the set-up on a fresh Debian 12
# machine (as root): `make deps` apt-installs what is missing and says so.
SHELL := /bin/bash
GO ?= go
BIN := bin/seccomp-gen
# Debian packages the build, the tests, the demo and the benchmarks need.
DEB_PACKAGES := libseccomp-dev pkg-config gcc libc6-dev clang llvm libbpf-dev bpftool \
	runc crun strace busybox-static util-linux gcc-multilib
# The compiler bpf2go is pinned to (Debian 12's clang).
BPF_CLANG ?= clang-14
TEST_TIMEOUT ?= 30m

.PHONY: all deps build test test-short fuzz demo generate check-generate bench bench-short lint clean

all: build

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "make deps: installing missing Debian packages:$$missing"; \
		if [ "$$(id -u)" != 0 ]; then echo "make deps: need root to apt-get install:$$missing" >&2; exit 1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else echo "make deps: all Debian packages present"; fi
	@command -v $(GO) >/dev/null || { echo "make deps: Go is not installed (need Go >= 1.24 on PATH)" >&2; exit 1; }

build:
	$(GO) build -o $(BIN) ./cmd/seccomp-gen

test: deps
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./...

test-short:
	$(GO) test -short ./...

# Run every fuzz target of every package for FUZZTIME each (their seed
# corpora, testdata/fuzz/, also run in plain `go test`). New failing inputs
# land in the package's testdata/fuzz/; commit them with the fix.
FUZZTIME ?= 30s
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list 'Fuzz.*' $$pkg | grep '^Fuzz' || true); do \
			echo "make fuzz: $$pkg $$f ($(FUZZTIME))"; \
			$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

# Trace a bundled workload, generate a profile from it, replay it traced and
# enforced. Writes everything to demo/.
demo: deps build
	./testdata/demo.sh $(BIN)

# Regenerate the committed bpf2go output with the pinned compiler.
generate:
	@command -v $(BPF_CLANG) >/dev/null || { echo "make generate: $(BPF_CLANG) not found (apt-get install clang-14; the committed objects are built with it)" >&2; exit 1; }
	cd bpf && GOPACKAGE=bpf BPF_CLANG=$(BPF_CLANG) $(GO) generate ./...
	cd bench/ringbuf && GOPACKAGE=ringbuf BPF_CLANG=$(BPF_CLANG) $(GO) generate ./...

# Fail when the committed eBPF objects do not match their source.
check-generate: generate
	git diff --exit-code -- bpf/ bench/ringbuf/
	@untracked=$$(git ls-files --others --exclude-standard -- bpf/ bench/ringbuf/); [ -z "$$untracked" ] || { echo "check-generate: untracked generated files: $$untracked" >&2; exit 1; }

bench: deps build
	$(GO) run ./bench -o BENCHMARKS.md

bench-short: build
	$(GO) run ./bench -short -o -

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); [ -z "$$out" ] || { echo "gofmt:"; echo "$$out"; exit 1; }
	$(GO) vet ./...
	@if command -v golangci-lint >/dev/null; then golangci-lint run ./...; fi

clean:
	rm -rf bin demo
