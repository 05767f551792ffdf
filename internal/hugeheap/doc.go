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
// Off: GODEBUG=disablethp=1 (the runtime then advises each heap mapping
// MADV_NOHUGEPAGE, after the wrapper, and the wrapper makes no metadata
// arena), or build with -tags nohugeheap. With
// THP disabled ("never") or absent the advice changes nothing. The package
// does something only on linux/amd64 and linux/arm64 with cgo, where the
// runtime maps through the C library; elsewhere it is empty.
package hugeheap
