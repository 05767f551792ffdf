// Package prefault maps the read-only part of the binary that imports it
// (its code and read-only data) into the process at its start, in one
// madvise(MADV_POPULATE_READ) per segment, rather than one page fault per
// 64 KiB (the kernel's fault-around) as the code runs, on a machine where
// a page fault costs enough for that to pay (measured at the start: see
// below). Import it for its side effect, from package main:
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
// Only where a page fault costs enough. On issue 13's second machine class
// (a Firecracker guest on AMD EPYC with hardware nested paging,
// 6.18.44-fc-v1098) a fault costs ~1 us, the faults the advice saves are
// few (perf stat, page-faults: 381 -> 373 per `seccomp-gen --version`,
// 920 -> 888 per `trace -- /bin/true`, the binary installed by cp), and
// the advice itself (~2700 pages, ~0.2 us each) costs more than they do:
// `--version` took 5.03 ms median against 4.44 for -tags noprefault (200
// interleaved rounds; 5.01 against 4.43 in a second run of 200).
//
// So the constructor first measures a fault (prefault_probe_ns): it maps
// 4 anonymous pages (the system call, not mmap(3), which
// internal/hugeheap wraps), times a read of each with
// clock_gettime(CLOCK_MONOTONIC) (the vDSO: no system call), takes the
// cheapest (an interrupt or a preemption lengthens one touch, rarely all
// four) less the cheapest of two clock readings back to back, and unmaps
// them: ~7 us on that machine. It advises the segments only where that
// figure is PREFAULT_THRESHOLD_NS (5 us) or more. A read of a fresh
// anonymous page maps the kernel's zero page: nothing allocated or
// cleared, the fault itself timed (the exception, the walk, one page table
// entry written), which is what a fault on code the page cache holds pays
// too, plus the entries of the 64 KiB around it: there it measures
// 0.6-0.9 us against 1.2-1.9 us for such a file fault and 1.3-1.8 us for a
// write to a fresh anonymous page (64 of each, 3 runs). In a guest with
// shadow page tables (the PVM class) every fault, anonymous or not, first
// exits to the host, which fills its shadow entry and, for a fault the
// guest must see, injects it and traps the guest's page table write: the
// exits are most of the 11-15 us that internal/hugeheap's doc gives for a
// first touch there, and the probe pays them as a text fault does (an
// argument: the probe has not been run there). There it costs ~4 faults
// and two system calls, ~60-80 us, against the ~2 ms the advice saves. Either
// way the probe reads no more than a text fault costs: it errs towards
// leaving the advice off. The threshold: the advice's ~0.6 ms here,
// against the ~100 faults it saves at most (a binary whose page cache is
// in small folios: see above), pays from ~6 us a fault; 5 us is over 5x
// this class's figure and under half of a first touch on the PVM class,
// where the advice was measured to pay. Where the probe cannot run (no mapping) the segments are advised,
// as before there was a probe; where the clock is too coarse to see a
// fault, its figure is 0 and they are not.
//
// Measured on the Firecracker class against the revision before (a938903,
// which always advised), the build with this choice (which advises nothing
// there) and -tags noprefault, the three taking turns: `--version` 5.03,
// 4.40 and 4.44 ms median (200 rounds; 0.87x the revision before), again
// 5.01, 4.30 and 4.43 (0.86x); the bench's attach section (`go run ./bench
// -only attach -baseline`, 31 rounds, on a machine other work kept busy,
// load 3-5): the tracer's process start 0.92x and 0.91x the revision
// before's (4.23 -> 3.89, 4.02 -> 3.64 ms), launch to the command's main
// 1.03x and 0.94x (9.02 -> 9.29, 8.55 -> 8.05 ms); against -tags
// noprefault 0.97x process start (3.51 -> 3.40 ms) and 1.05x launch to
// main (7.21 -> 7.56 ms): the same within the noise, as it should be.
//
// SECCOMP_GEN_PREFAULT=on or =off overrides the choice, and the probe is
// then not run; any other value says nothing, as for SECCOMP_GEN_HUGEHEAP.
// `seccomp-gen version` says which was made and the figure ("prefault:";
// Current).
//
// The recorder's stub (the traced command's process until it execs the
// command, cmd/seccomp-gen/stub_fast.go) maps almost nothing of the binary:
// its constructor has the higher priority (101 against this one's 102), so
// it execs the command before this one runs.
//
// Off for good: build with -tags noprefault. Kernels before 5.14 refuse
// the advice (EINVAL) and the binary starts as without it. The package does something
// only on Linux with cgo (a C constructor, before the Go runtime starts);
// elsewhere it is empty.
package prefault
