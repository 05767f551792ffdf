//go:build linux && cgo && !noprefault

// The constructor (see doc.go): every read-only PT_LOAD segment of the
// executable, MADV_POPULATE_READ, before the Go runtime starts.

#define _GNU_SOURCE
#include <errno.h>
#include <link.h>
#include <stddef.h>
#include <sys/mman.h>
#include <unistd.h>

#include "prefault.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 // Linux 5.14
#endif

int prefault_advised;
int prefault_refused;

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
	dl_iterate_phdr(prefault_segments, NULL);
	errno = saved;
}
