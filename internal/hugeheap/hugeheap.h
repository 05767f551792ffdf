#ifndef SECCOMP_GEN_HUGEHEAP_H
#define SECCOMP_GEN_HUGEHEAP_H

#include <stddef.h>
#include <stdint.h>

// HUGEHEAP_MIN is the smallest mapping advised: one PMD-sized huge page on
// amd64 and on arm64 with 4 KiB pages. (A larger huge page size only means
// the kernel finds no aligned huge page inside a small mapping.)
#define HUGEHEAP_MIN ((size_t)2 << 20)

// HUGEHEAP_ARENA is the size of the metadata arena (hugeheap.c), one huge
// page, and HUGEHEAP_ARENA_MAX the largest mapping it serves:
// persistentalloc's chunk (runtime.persistentChunkSize). A trace's start
// asks for ~1 MiB of such mappings: three chunks, the GC's first two
// bitmap arenas (64 KiB) and the heap arena's metadata (68 KiB). Larger
// ones are sparse tables the runtime touches a few pages of (the page
// allocator's 1 MiB index blocks, which it advises MADV_NOHUGEPAGE, and
// the memory profiler's 1.4 MiB hash table): they stay 4 KiB pages.
#define HUGEHEAP_ARENA ((size_t)2 << 20)
#define HUGEHEAP_ARENA_MAX ((size_t)256 << 10)

// hugeheap_mode's answers: huge pages (HUGEHEAP_ON; HUGEHEAP_FORCED_ON by
// SECCOMP_GEN_HUGEHEAP=on) or not (HUGEHEAP_FORCED_OFF by
// SECCOMP_GEN_HUGEHEAP=off; HUGEHEAP_OFF_REPORTING where a virtio balloon
// reports free pages to the host, see doc.go).
#define HUGEHEAP_ON 0
#define HUGEHEAP_FORCED_ON 1
#define HUGEHEAP_FORCED_OFF 2
#define HUGEHEAP_OFF_REPORTING 3

int hugeheap_mode(void);
int hugeheap_reporting_in(const char *dir);
int hugeheap_advises(size_t len, int prot, int flags);
int hugeheap_arena_serves(uintptr_t addr, size_t len, int prot, int flags, int fd);
int hugeheap_disabled(const char *godebug);
size_t hugeheap_arena_used(void);
void *hugeheap_arena_base(void);

#endif
