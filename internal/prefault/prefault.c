//go:build linux && cgo && !noprefault

// The constructor (see doc.go): measure what a page fault costs here and,
// where it costs enough, advise every read-only PT_LOAD segment of the
// executable MADV_POPULATE_READ, before the Go runtime starts.

#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "prefault.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 // Linux 5.14
#endif

int prefault_mode;
long prefault_fault_ns = -1;
int prefault_advised;
int prefault_refused;

int prefault_choose(const char *env, long fault_ns) {
	if (env && strcmp(env, "on") == 0)
		return PREFAULT_FORCED_ON;
	if (env && strcmp(env, "off") == 0)
		return PREFAULT_FORCED_OFF;
	// Any other value says nothing, as SECCOMP_GEN_HUGEHEAP's. Without a
	// figure, as before there was one: on.
	if (fault_ns < 0 || fault_ns >= PREFAULT_THRESHOLD_NS)
		return PREFAULT_ON;
	return PREFAULT_OFF;
}

// The probe's first touches: enough that one of them misses the
// interrupts and preemptions that would lengthen it, few enough to cost
// little where a fault costs much (4 faults: ~60 us on the PVM guest).
#define PROBE_PAGES 4

static long ns_between(const struct timespec *a, const struct timespec *b) {
	return (b->tv_sec - a->tv_sec) * 1000000000L + (b->tv_nsec - a->tv_nsec);
}

long prefault_probe_ns(void) {
	long page = sysconf(_SC_PAGESIZE);
	if (page <= 0)
		return -1;
	// The system call, not mmap(3): internal/hugeheap has the linker wrap
	// mmap, and its wrapper would serve this from its huge-page arena.
#ifdef SYS_mmap2
	long r = syscall(SYS_mmap2, NULL, PROBE_PAGES * page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
#else
	long r = syscall(SYS_mmap, NULL, PROBE_PAGES * page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
#endif
	if (r == -1)
		return -1;
	volatile char *p = (volatile char *)r;
	long touch = LONG_MAX, clock = LONG_MAX;
	for (int i = 0; i < PROBE_PAGES; i++) {
		struct timespec t0, t1, t2;
		if (clock_gettime(CLOCK_MONOTONIC, &t0) != 0 || clock_gettime(CLOCK_MONOTONIC, &t1) != 0)
			break;
		// A read: the kernel maps its zero page, no memory allocated or
		// cleared, so what is timed is the fault itself (the exception,
		// the walk, a page table entry written), as in a fault on the
		// binary's code that the page cache holds.
		(void)p[i * page];
		if (clock_gettime(CLOCK_MONOTONIC, &t2) != 0)
			break;
		long c = ns_between(&t0, &t1), d = ns_between(&t1, &t2);
		if (c < clock)
			clock = c;
		if (d < touch)
			touch = d;
	}
	munmap((void *)r, PROBE_PAGES * page);
	if (touch == LONG_MAX)
		return -1;
	// Less the clock's own cost (a system call where the clock source has
	// no vDSO reading).
	return touch > clock ? touch - clock : 0;
}

static int prefault_segments(struct dl_phdr_info *info, size_t size, void *data) {
	(void)size;
	(void)data;
	unsigned long page = (unsigned long)sysconf(_SC_PAGESIZE);
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		// Code and read-only data only: a writable segment's pages
		// would be mapped read-only and copied at their first write
		// anyway, and its bss is anonymous memory the runtime may never
		// touch.
		if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W) || ph->p_memsz == 0)
			continue;
		unsigned long start = (info->dlpi_addr + ph->p_vaddr) & ~(page - 1);
		unsigned long end = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
		prefault_advised++;
		if (madvise((void *)start, end - start, MADV_POPULATE_READ) != 0)
			prefault_refused++;
	}
	return 1; // the first object is the executable: the others are not ours
}

// Priority 102: after the stub's constructor (101, cmd/seccomp-gen), which
// execs the traced command in a process that is the stub.
__attribute__((constructor(102))) static void prefault_start(void) {
	int saved = errno;
	const char *env = getenv("SECCOMP_GEN_PREFAULT");
	int mode = prefault_choose(env, 0);
	if (mode != PREFAULT_FORCED_ON && mode != PREFAULT_FORCED_OFF) {
		prefault_fault_ns = prefault_probe_ns();
		mode = prefault_choose(env, prefault_fault_ns);
	}
	prefault_mode = mode;
	if (mode == PREFAULT_ON || mode == PREFAULT_FORCED_ON)
		dl_iterate_phdr(prefault_segments, NULL);
	errno = saved;
}
