//go:build linux && cgo && (amd64 || arm64) && !nohugeheap

// The linker's --wrap=mmap (hugeheap.go) sends every call of mmap in the
// binary here (the Go runtime's x_cgo_mmap; the C library's own code calls
// its internal __mmap, unwrapped); __real_mmap is the C library's.

#include <errno.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/types.h>

#include "hugeheap.h"

void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);

int hugeheap_advises(size_t len, int prot, int flags) {
	// The Go heap's growth (runtime.sysMap): anonymous, read-write, at a
	// fixed address, a whole huge page or more. Reservations (PROT_NONE)
	// and the runtime's metadata (mapped where the kernel likes) are not.
	return (flags & (MAP_ANONYMOUS | MAP_FIXED)) == (MAP_ANONYMOUS | MAP_FIXED) &&
	       prot == (PROT_READ | PROT_WRITE) && len >= HUGEHEAP_MIN;
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
	void *p = __real_mmap(addr, len, prot, flags, fd, off);
	if (p != MAP_FAILED && hugeheap_advises(len, prot, flags)) {
		// Advice only: a kernel without THP says EINVAL, and the mapping
		// is as good without it. errno is the caller's.
		int saved = errno;
		(void)madvise(p, len, MADV_HUGEPAGE);
		errno = saved;
	}
	return p;
}
