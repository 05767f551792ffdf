// Package scmp is the one place seccomp-gen asks libseccomp for syscall
// tables: names and numbers per architecture, the native architecture, and
// the mapping between trace arch names (x86_64, x86, x32, aarch64, arm) and
// the SCMP_ARCH_* names of Docker and OCI profiles.
//
// It needs cgo and libseccomp. Packages that must stay pure (reduce, policy,
// trace) take a Resolver interface instead, which Tables implements.
package scmp
