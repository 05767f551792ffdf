// Package policy is the in-memory seccomp profile model that every emitter
// writes and every reader produces: a default action, the architectures the
// profile covers, and rules that map syscall names to actions (with room for
// argument conditions). It is pure Go with no kernel or cgo dependency.
//
// Pipeline: trace -> reduce -> policy.Policy -> emit (Docker, OCI, SPO, BPF).
package policy
