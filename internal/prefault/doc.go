// Package prefault maps the read-only part of the binary that imports it
// (its code and read-only data) into the process at its start, in one
// madvise(MADV_POPULATE_READ) per segment, rather than one page fault per
// 64 KiB (the kernel's fault-around) as the code runs. Import it for its
// side effect, from package main:
//
//	import _ "github.com/seccomp-gen/seccomp-gen/internal/prefault"
//
// Why: a trace's start runs code and reads tables (the Go runtime's
// pclntab, type data) spread over most of seccomp-gen's ~10 MiB of text
// and read-only data. How many faults that takes depends on the page
// cache's folios of the binary file: a binary written with large writes
// (some linkers, dd bs=4M) sits in folios of up to 2 MiB, which a fault
// maps whole; one copied by cp or install (64 KiB writes) or read back
// after a reboot (the kernel's read-around: 16 KiB folios) does not, and
// took ~100 more faults per `trace -- /bin/true` on the machine class
// issue 13 is measured on (a PVM guest, where a fault costs 10-30 us):
// launch to the command's main 25.6 ms for a freshly linked binary against
// 29.4 ms for a cp'd copy of the same file (15 interleaved rounds). With
// the segments populated first, a cp'd copy reached the command's main in
// 0.93x the time (25.8 -> 23.9 ms, 21 rounds; 28.6 -> 25.9 ms, 0.91x, in
// 31 rounds of the version committed), one read back after its eviction
// 0.93x too (30.5 -> 28.3 ms, 31 rounds), a freshly linked one the same
// (1.00x). The
// cost: ~0.1-0.2 us per page mapped (~0.5 ms for the lot, most of which
// the faults it replaces paid), and a resident size that counts the whole
// file-backed text (page cache, shared; +10 MiB of RssFile).
//
// The recorder's stub (the traced command's process until it execs the
// command, cmd/seccomp-gen/stub_fast.go) maps almost nothing of the binary:
// its constructor has the higher priority (101 against this one's 102), so
// it execs the command before this one runs.
//
// Off: build with -tags noprefault. Kernels before 5.14 refuse the advice
// (EINVAL) and the binary starts as without it. The package does something
// only on Linux with cgo (a C constructor, before the Go runtime starts);
// elsewhere it is empty.
package prefault
