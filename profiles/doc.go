// Package profiles holds the data seccomp-gen ships inside its binary:
// per-architecture baselines (the syscalls an OCI runtime issues between
// installing a container's filter and execve of its entrypoint, measured on
// a real host, and the syscalls every process may need but a short trace
// misses) and the deny ceiling (syscalls a generated profile never allows
// unless the user says so with --allow).
//
// The data are YAML files embedded with go:embed; each says how it was made.
// The reducer (package reduce) reads them through this package. Nothing here
// needs cgo or the kernel.
package profiles
