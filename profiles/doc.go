// Package profiles holds the data seccomp-gen ships inside its binary:
// per-architecture baselines (the syscalls an OCI runtime issues between
// installing a container's filter and execve of its entrypoint, measured on
// a real host, and the syscalls every process may need but a short trace
// misses), the deny ceiling (syscalls a generated profile never allows
// unless the user says so with --allow) and the fallback table
// (fallbacks.yaml: newer syscalls that glibc, musl or Go replace with older
// ones on ENOSYS, each entry citing its source file and verified by
// internal/fallbacktest).
//
// commands/ is not embedded: it holds ready profiles for common programs,
// recorded by `make profiles` (bench/readyprofiles.go).
//
// The data are YAML files embedded with go:embed; each says how it was made.
// The reducer (package reduce) reads them through this package. Nothing here
// needs cgo or the kernel.
package profiles
