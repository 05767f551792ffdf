// Package hugeheap backs the Go heap of the binary that imports it with
// transparent huge pages, for a start that does not pay a page fault per
// 4 KiB of heap. Import it for its side effect, from package main:
//
//	import _ "github.com/seccomp-gen/seccomp-gen/internal/hugeheap"
//
// Why: a trace's start touches some 500 pages of fresh Go heap (the
// runtime's own start, the flags, the programs' ELF and BTF, the verifier's
// log), one first-touch fault each. On the machine class issue 13 is
// measured on (a PVM guest: shadow page tables, PTI without PCID) one such
// fault costs 11-15 us, the heap's ~6 ms of a ~36 ms start; a 2 MiB huge
// page costs ~100 us once, and the 512 pages in it none. Measured there
// (BENCHMARKS.md, Attach time, against the revision before, in the same
// rounds): page faults per `trace -- /bin/true` 909 -> 316, the tracer's
// process start 0.65x, the programs' ELF read 0.31x, launch to the
// command's main 0.73x, `trace -- /bin/true` 0.78x. Where a fault costs
// ~1 us the gain is that much smaller; the cost everywhere is the heap's
// resident size rounded up to 2 MiB pages (+2 to 4 MiB for a trace).
//
// How: the Go runtime of a cgo binary maps memory through the C library's
// mmap (runtime/cgo's x_cgo_mmap, there so that sanitizers can intercept
// it), and the heap is grown by mapping arena space read-write at a fixed
// address (runtime.sysMap: MAP_FIXED, 4 MiB at a time or more). The linker
// wraps mmap (-Wl,--wrap=mmap, set here); the wrapper (hugeheap.c)
// advises such mappings MADV_HUGEPAGE, which is what the kernel's default
// THP mode ("madvise", as on Debian) asks for. Nothing else is advised:
// the runtime's sparse metadata (reserved, or mapped at no fixed address)
// would only grow by it. Go itself stopped advising the heap in 1.21.1,
// for long-lived servers whose fragmented heaps khugepaged kept collapsing;
// this binary's heap is a few MiB.
//
// The runtime's off-heap metadata too: span structures, span sets, itabs,
// the GC's bitmaps (runtime.sysAlloc: mappings at no fixed address, up to
// 256 KiB each, never unmapped) took ~70 first-touch faults of a trace's
// start in 4 KiB pages. The wrapper serves such mappings from one huge
// page's worth of memory of its own (the metadata arena, hugeheap.c),
// bump-allocated and never reused, and passes everything else, and what no
// longer fits, to the C library's mmap. Measured against the binary
// without it (31 interleaved rounds, both installed as cp installs them):
// page faults per `trace -- /bin/true` 420 -> 349, launch to the command's
// main 28.1 -> 25.0 ms (0.89x; 0.96x in an earlier run of a first version).
// The cost: up to 2 MiB resident for ~1 MiB of metadata.
//
// Not where the host takes free memory back. A guest whose virtio balloon
// negotiated free page reporting (VIRTIO_BALLOON_F_REPORTING: Firecracker
// and QEMU can ask for it) hands free blocks of 2 MiB and more to the host,
// which drops them; the next huge page the kernel gives out is likely such
// a block, and its first touch (the kernel zeroing it) faults in 512 host
// pages. Measured on issue 13's second machine class (a Firecracker guest,
// 6.18.44-fc-v1098; twenty-eighth session): a fresh 2 MiB page took
// 4.5-4.9 ms to fault, 40-300 us when it was one just freed; a 4 KiB fault
// 1.4 us. A trace's start faults 3-4 huge pages. With traces 3 s apart
// (25 interleaved rounds, the same binary built with and without huge
// pages), launch to the tracer's main took 13.5 ms median with them
// against 4.1 without, and `trace -- /bin/true` 30.3 against 17.5 ms; an
// hour later (12 rounds, the default against this choice) 4.4 against 4.2
// and 17.7 against 17.0 ms: how much depends on what the host has taken
// back, never in favour of the huge pages. The bench's warm starts, 50 ms
// apart, reuse the blocks the last trace freed and hide this: there both
// builds reached the command's main alike (10.78 vs 10.74 ms) and
// /bin/true took 1.6 ms longer without them (more 4 KiB faults). So
// the wrapper finds out once, at the first mapping it sees, whether such a
// device is bound (hugeheap_reporting_in: the features of the devices of
// /sys/bus/virtio/drivers/virtio_balloon), and advises nothing, and makes
// no arena, where one is. SECCOMP_GEN_HUGEHEAP=on or =off overrides that
// choice; `seccomp-gen version` says which was made ("heap:").
//
// Off: GODEBUG=disablethp=1 (the runtime then advises each heap mapping
// MADV_NOHUGEPAGE, after the wrapper, and the wrapper makes no metadata
// arena), or build with -tags nohugeheap. With
// THP disabled ("never") or absent the advice changes nothing. The package
// does something only on linux/amd64 and linux/arm64 with cgo, where the
// runtime maps through the C library; elsewhere it is empty.
package hugeheap
