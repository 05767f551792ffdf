// Package bpf holds seccomp-gen's eBPF recorder: the C source (recorder.c),
// the pinned libbpf headers it includes, and the bpf2go output (Go bindings
// and the compiled .o for amd64 and arm64), committed so that `go build`
// needs no clang. `make generate` regenerates it with the pinned compiler
// (clang-14, through BPF_CLANG) and `make check-generate` fails on drift.
//
// The trace package loads and attaches these programs; see trace/doc.go.
package bpf

//go:generate go tool bpf2go -cflags "-O2 -g -Wall -Werror -mcpu=v3" -type slot_layout -type abi_slot -type task_state -type argmask_bits -type arg_pseudo_index -target amd64,arm64 -go-package bpf Recorder recorder.c -- -I.
