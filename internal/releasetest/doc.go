// Package releasetest tests the binaries `make release` writes to dist/:
// they are static, the amd64 one works in a container whose rootfs holds
// only busybox and itself (no libseccomp, no libc), and the arm64 one, run
// under qemu-user-static, gives byte for byte what the amd64 one gives.
// `make test` builds the release first; without dist/ the tests skip loudly
// (and fail when SECCOMP_GEN_REQUIRE_PRIVILEGED=1, as in CI).
//
// It also tests the rest of what a user installs from: `make deps` (run
// with fakes of dpkg and apt-get, never the real ones) and `make man`.
package releasetest
