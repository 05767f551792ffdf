# seccomp-gen. `make demo` and `make test` do all the set-up on a fresh Debian 12
# machine (as root): `make deps` apt-installs what is missing and says so.
SHELL := /bin/bash
GO ?= go
BIN := bin/seccomp-gen
# Debian packages the build, the tests, the demo and the benchmarks need.
# Installing docker.io and nginx-light starts their services (Debian's
# default); the tests and benchmarks start their own nginx on a free port.
DEB_PACKAGES := libseccomp-dev pkg-config gcc libc6-dev clang llvm libbpf-dev bpftool \
	runc crun strace busybox-static util-linux \
	podman docker.io xz-utils sqlite3
# The fallback tests (internal/fallbacktest) build with musl-gcc; the
# generalization benchmark and the ready profiles run these programs.
DEB_PACKAGES += musl-tools python3 git curl tar openssl ffmpeg nginx-light
# What `make release` adds on an amd64 host: arm64's static libseccomp
# (multiarch: `make deps` adds the arm64 architecture to dpkg first), the
# arm64 libc, libgcc and binutils that clang cross-links against, and qemu
# to run the arm64 binary in the tests. Not gcc-aarch64-linux-gnu: Debian's
# gcc-multilib (gcc -m32, for the i386 and x32 workloads, x86_64 only: arm64
# Debian has no such package) conflicts with every cross gcc.
ifeq ($(shell uname -m),x86_64)
DEB_PACKAGES += gcc-multilib libseccomp-dev:arm64 libc6-dev-arm64-cross libgcc-12-dev-arm64-cross \
	binutils-aarch64-linux-gnu qemu-user-static
endif
# The compiler bpf2go is pinned to (Debian 12's clang).
BPF_CLANG ?= clang-14
TEST_TIMEOUT ?= 30m

# make release: static binaries per architecture, into dist/.
DIST := dist
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
RELEASE_ARCHES ?= amd64 arm64
RELEASE_FLAGS := -trimpath -buildvcs=false -tags osusergo,netgo \
	-ldflags '-s -w -X main.version=$(VERSION) -linkmode external -extldflags "-static"'
MAN_DIR ?= $(DIST)/man
# arm64 is cross-compiled with clang (see DEB_PACKAGES). Debian 12's seccomp.h
# (2.5.4) lacks four architecture tokens, which libseccomp-golang then defines
# as one value; gcc accepts its switch over them, clang's cgo does not. Give
# them their real values (those of later seccomp.h); libseccomp 2.5.4 rejects
# those architectures either way.
ARM64_CGO_CFLAGS := -O2 -g -DSCMP_ARCH_SH=AUDIT_ARCH_SHEL -DSCMP_ARCH_SHEB=AUDIT_ARCH_SH \
	-DSCMP_ARCH_LOONGARCH64=AUDIT_ARCH_LOONGARCH64 -DSCMP_ARCH_M68K=AUDIT_ARCH_M68K

.PHONY: all deps build test test-short fuzz demo generate check-generate bench bench-short bench-generalization profiles check-profiles lint clean release man

all: build

# make deps: Go first (not a Debian package: Debian 12's is too old), then the
# Debian packages above that are not installed, with apt-get. It stops with
# one line, before changing anything, where it cannot do that (no root, no
# dpkg or apt-get), and at the first step that fails.
GO_MIN := $(shell sed -n 's/^go //p' go.mod)
deps:
	@command -v $(GO) >/dev/null || { echo "make deps: Go is not installed (need Go $(GO_MIN) or later on PATH, as go.mod says; https://go.dev/dl)" >&2; exit 1; }
	@set -e; \
	command -v dpkg-query >/dev/null || { echo "make deps: dpkg-query not found: make deps installs Debian packages; elsewhere install the equivalents of: $(DEB_PACKAGES)" >&2; exit 1; }; \
	missing=""; for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "make deps: all $(words $(DEB_PACKAGES)) Debian packages present"; exit 0; fi; \
	echo "make deps: installing missing Debian packages (for the build, the tests, the demo and the benchmarks: see DEB_PACKAGES in the Makefile):$$missing"; \
	[ "$$(id -u)" = 0 ] || { echo "make deps: need root to apt-get install:$$missing" >&2; exit 1; }; \
	command -v apt-get >/dev/null || { echo "make deps: apt-get not found: install by hand:$$missing" >&2; exit 1; }; \
	for a in $$(printf '%s\n' $$missing | sed -n 's/.*:\(.*\)/\1/p' | sort -u); do \
		dpkg --print-foreign-architectures | grep -qx "$$a" && continue; \
		echo "make deps: dpkg --add-architecture $$a (for$$(printf '%s\n' $$missing | grep ":$$a$$" | sed 's/^/ /' | tr -d '\n'))"; \
		dpkg --add-architecture $$a || { echo "make deps: dpkg --add-architecture $$a failed" >&2; exit 1; }; \
	done; \
	apt-get update -qq || { echo "make deps: apt-get update failed" >&2; exit 1; }; \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || { echo "make deps: apt-get install failed:$$missing" >&2; exit 1; }; \
	echo "make deps: installed:$$missing"

# make build links bin/seccomp-gen statically, as make release does, when
# the static libseccomp and libc are installed (Debian's libseccomp-dev and
# libc6-dev ship them): no dynamic loader at each start, ~0.2-0.4 ms less of
# every seccomp-gen command and of the stub trace starts (issue 13).
# Elsewhere it links dynamically. STATIC=0 forces the dynamic build.
BUILD_TRIPLET := $(shell $(or $(CC),gcc) -print-multiarch 2>/dev/null)
STATIC ?= $(if $(and $(wildcard /usr/lib/$(BUILD_TRIPLET)/libseccomp.a),$(wildcard /usr/lib/$(BUILD_TRIPLET)/libc.a)),1,0)
# Both carry the version, as the release does (the VCS stamp is missing
# where GOFLAGS has -buildvcs=false, and in a tarball).
STATIC_FLAGS := -tags osusergo,netgo -ldflags '-X main.version=$(VERSION) -linkmode external -extldflags "-static"'
BUILD_FLAGS := $(if $(filter 1,$(STATIC)),$(STATIC_FLAGS),-ldflags '-X main.version=$(VERSION)')

build:
	$(GO) build $(BUILD_FLAGS) -o $(BIN) ./cmd/seccomp-gen

# The release tests (internal/release) run the binaries in dist/, so the
# suite builds them first (Go's build cache keeps that to the link step).
test: deps release
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./...

# Static binaries for linux/amd64 and linux/arm64 (cgo, Debian's static
# libseccomp, the eBPF objects embedded) and their SHA-256 sums, in dist/.
release:
	@mkdir -p $(DIST)
	@set -e; for arch in $(RELEASE_ARCHES); do \
		case $$arch in \
		amd64) cc=x86_64-linux-gnu-gcc; triplet=x86_64-linux-gnu; cflags="-O2 -g" ;; \
		arm64) cc="clang --target=aarch64-linux-gnu"; triplet=aarch64-linux-gnu; cflags="$(ARM64_CGO_CFLAGS)" ;; \
		*) echo "make release: unknown architecture $$arch" >&2; exit 1 ;; \
		esac; \
		command -v $${cc%% *} >/dev/null || { echo "make release: $${cc%% *} not found (make deps installs it)" >&2; exit 1; }; \
		[ -f /usr/lib/$$triplet/libseccomp.a ] || { echo "make release: /usr/lib/$$triplet/libseccomp.a not found (make deps installs libseccomp-dev:$$arch)" >&2; exit 1; }; \
		echo "make release: $(DIST)/seccomp-gen-linux-$$arch ($(VERSION))"; \
		CGO_ENABLED=1 GOOS=linux GOARCH=$$arch CC="$$cc" CGO_CFLAGS="$$cflags" \
			PKG_CONFIG_LIBDIR=/usr/lib/$$triplet/pkgconfig:/usr/share/pkgconfig \
			$(GO) build $(RELEASE_FLAGS) -o $(DIST)/seccomp-gen-linux-$$arch.tmp ./cmd/seccomp-gen; \
		mv $(DIST)/seccomp-gen-linux-$$arch.tmp $(DIST)/seccomp-gen-linux-$$arch; \
	done
	cd $(DIST) && sha256sum $(addprefix seccomp-gen-linux-,$(RELEASE_ARCHES)) > SHA256SUMS

# Man pages (section 1) for every command, from the same text as --help,
# marked with the release's VERSION; pages of commands that are gone are
# removed first.
man:
	@mkdir -p $(MAN_DIR)
	rm -f $(MAN_DIR)/seccomp-gen.1 $(MAN_DIR)/seccomp-gen-*.1
	SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct 2>/dev/null || date +%s) $(GO) run -tags man -ldflags '-X main.version=$(VERSION)' ./cmd/seccomp-gen __man $(MAN_DIR)

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

# Only the generalization section (issue 11), printed, not written.
bench-generalization: deps build
	$(GO) run ./bench -only generalization -o -

# Ready profiles (profiles/commands/NAME.json and NAME.md) recorded from the
# training runs of bench/generalization/programs.yaml and widened from what the
# executables import (PROFILE_FLAGS, default --widen); a profile that fails one
# of the program's test runs is refused.
PROFILE_FLAGS ?= --widen
profiles: deps build
	$(GO) run ./bench -make-profiles profiles/commands -profile-flags '$(PROFILE_FLAGS)'

# Replay the test runs under the ready profiles with replay --enforce; fails
# naming the syscall a new toolchain needs. Needs no eBPF.
check-profiles: deps build
	$(GO) run ./bench -check-profiles profiles/commands

# golangci-lint, pinned, built into bin/ on first use (from the Go module
# proxy; about a minute once, then cached). Its configuration is .golangci.yml.
GOLANGCI_VERSION := v2.15.0
GOLANGCI := bin/golangci-lint-$(GOLANGCI_VERSION)

$(GOLANGCI):
	@echo "make lint: building golangci-lint $(GOLANGCI_VERSION) into bin/ (once)"
	@mkdir -p bin/.golangci && GOBIN=$(CURDIR)/bin/.golangci $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VERSION)
	@mv bin/.golangci/golangci-lint $@ && rmdir bin/.golangci

lint: $(GOLANGCI)
	@out=$$(gofmt -l $$(git ls-files '*.go')); [ -z "$$out" ] || { echo "gofmt:"; echo "$$out"; exit 1; }
	$(GO) vet ./...
	$(GOLANGCI) run ./...

clean:
	rm -rf bin demo $(DIST)
