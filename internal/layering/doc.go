// Package layering has no code: its test holds the build boundaries of
// seccomp-gen's packages in place.
//
// The packages that only read or transform traces and profiles (the trace
// file model, reduce, report, policy, profiles) are pure Go: they build
// for any GOOS with cgo off. The packages that need libseccomp (scmp,
// emit, lint, enforce) are Linux and cgo, but never link the eBPF recorder.
// Only the recorder (trace/recorder), package bpf and the commands that
// record (cmd/seccomp-gen, internal/doctor, bench) link cilium/ebpf.
package layering
