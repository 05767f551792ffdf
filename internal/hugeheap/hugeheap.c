//go:build linux && cgo && (amd64 || arm64) && !nohugeheap

// The linker's --wrap=mmap (hugeheap.go) sends every call of mmap in the
// binary here (the Go runtime's x_cgo_mmap; the C library's own code calls
// its internal __mmap, unwrapped); __real_mmap is the C library's.

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "hugeheap.h"

void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);

int hugeheap_advises(size_t len, int prot, int flags) {
	// The Go heap's growth (runtime.sysMap): anonymous, read-write, at a
	// fixed address, a whole huge page or more. Reservations (PROT_NONE)
	// and the runtime's metadata (mapped where the kernel likes) are not.
	return (flags & (MAP_ANONYMOUS | MAP_FIXED)) == (MAP_ANONYMOUS | MAP_FIXED) &&
	       prot == (PROT_READ | PROT_WRITE) && len >= HUGEHEAP_MIN;
}

// The virtio feature bit of free page reporting (virtio_balloon.h).
#define VIRTIO_BALLOON_F_REPORTING 5

// hugeheap_reporting_in says whether a device bound to the driver whose
// sysfs directory is dir negotiated free page reporting: its features file
// is a string of '0' and '1', bit i at index i. Only system calls, no
// malloc, no stdio: it runs inside the mmap wrapper, whose callers include
// malloc and the Go runtime before it has started.
int hugeheap_reporting_in(const char *dir) {
	size_t dlen = strlen(dir);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	char buf[4096];
	int found = 0;
	long n;
	while (!found && (n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
		for (long off = 0; off < n && !found;) {
			// struct linux_dirent64: d_ino, d_off, d_reclen, d_type, d_name.
			unsigned short reclen;
			memcpy(&reclen, buf + off + 16, sizeof reclen);
			if (reclen == 0)
				break;
			const char *name = buf + off + 19;
			off += reclen;
			if (strncmp(name, "virtio", 6) != 0)
				continue;
			char path[512];
			size_t nlen = strlen(name);
			if (dlen + 1 + nlen + sizeof "/features" > sizeof path)
				continue;
			memcpy(path, dir, dlen);
			path[dlen] = '/';
			memcpy(path + dlen + 1, name, nlen);
			memcpy(path + dlen + 1 + nlen, "/features", sizeof "/features");
			int f = open(path, O_RDONLY | O_CLOEXEC);
			if (f < 0)
				continue;
			char feat[128];
			ssize_t r = read(f, feat, sizeof feat);
			close(f);
			if (r > VIRTIO_BALLOON_F_REPORTING && feat[VIRTIO_BALLOON_F_REPORTING] == '1')
				found = 1;
		}
	}
	close(fd);
	return found;
}

static int mode = HUGEHEAP_ON;
static pthread_once_t mode_once = PTHREAD_ONCE_INIT;

static void mode_init(void) {
	const char *m = getenv("SECCOMP_GEN_HUGEHEAP");
	if (m && strcmp(m, "on") == 0)
		mode = HUGEHEAP_FORCED_ON;
	else if (m && strcmp(m, "off") == 0)
		mode = HUGEHEAP_FORCED_OFF;
	else if (hugeheap_reporting_in("/sys/bus/virtio/drivers/virtio_balloon"))
		mode = HUGEHEAP_OFF_REPORTING;
}

int hugeheap_mode(void) {
	int saved = errno; // the wrapper's caller's: the sysfs reads may set it
	pthread_once(&mode_once, mode_init);
	errno = saved;
	return mode;
}

static int use_huge(void) {
	int m = hugeheap_mode();
	return m == HUGEHEAP_ON || m == HUGEHEAP_FORCED_ON;
}

// The metadata arena: the runtime's off-heap metadata (runtime.sysAlloc:
// persistentalloc's 256 KiB chunks, which hold the span structures, span
// sets and itabs; the GC's bitmap arenas; the heap arena's metadata:
// anonymous read-write mappings at no fixed address, never unmapped but
// by the execution tracer) is served from one huge page's worth of memory
// (HUGEHEAP_ARENA), 2 MiB-aligned and advised MADV_HUGEPAGE,
// bump-allocated and never reused, so that touching it costs one fault and
// not one per 4 KiB page (~70 of a trace's start on the PVM machine, issue
// 13). A mapping the arena does not serve or no longer holds goes to the C
// library's mmap, as do all others; a region the runtime unmaps is gone
// from the arena too (the kernel splits the mapping) and is never handed
// out again, so memory served is always fresh (zero), as mmap's. Only
// where pages are 4 KiB (amd64; arm64 as Debian builds it), so that the
// huge page is HUGEHEAP_MIN and what is served is page-aligned.
static char *arena;
static size_t arena_off;
static pthread_once_t arena_once = PTHREAD_ONCE_INIT;

static void arena_init(void) {
	// Off with the heap's huge pages (GODEBUG=disablethp=1, doc.go): the
	// runtime reads GODEBUG only later, so it is read here.
	if (hugeheap_disabled(getenv("GODEBUG")) || sysconf(_SC_PAGESIZE) != 4096 || !use_huge())
		return;
	char *p = __real_mmap(NULL, HUGEHEAP_ARENA + HUGEHEAP_MIN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return;
	char *a = (char *)(((uintptr_t)p + HUGEHEAP_MIN - 1) & ~(uintptr_t)(HUGEHEAP_MIN - 1));
	if (a > p)
		munmap(p, a - p);
	if (a + HUGEHEAP_ARENA < p + HUGEHEAP_ARENA + HUGEHEAP_MIN)
		munmap(a + HUGEHEAP_ARENA, (p + HUGEHEAP_ARENA + HUGEHEAP_MIN) - (a + HUGEHEAP_ARENA));
	(void)madvise(a, HUGEHEAP_ARENA, MADV_HUGEPAGE);
	arena = a;
}

int hugeheap_disabled(const char *godebug) {
	// GODEBUG is name=value pairs separated by commas; the last setting
	// of a name wins, as in the runtime.
	int off = 0;
	const char *p = godebug;
	while (p && *p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n >= 11 && strncmp(p, "disablethp=", 11) == 0)
			off = n == 12 && p[11] == '1';
		p = e ? e + 1 : NULL;
	}
	return off;
}

size_t hugeheap_arena_used(void) {
	return __atomic_load_n(&arena_off, __ATOMIC_RELAXED);
}

void *hugeheap_arena_base(void) {
	return arena;
}

int hugeheap_arena_serves(uintptr_t addr, size_t len, int prot, int flags, int fd) {
	// What runtime.sysAllocOS asks for (mmap(nil, n, PROT_READ|PROT_WRITE,
	// MAP_ANON|MAP_PRIVATE, -1, 0)), up to HUGEHEAP_ARENA_MAX bytes (see
	// hugeheap.h); the heap itself is mapped at fixed addresses.
	return addr == 0 && fd == -1 && (flags & (MAP_ANONYMOUS | MAP_FIXED | MAP_SHARED)) == MAP_ANONYMOUS &&
	       prot == (PROT_READ | PROT_WRITE) && len > 0 && len <= HUGEHEAP_ARENA_MAX;
}

static void *arena_alloc(size_t len) {
	pthread_once(&arena_once, arena_init);
	if (!arena)
		return NULL;
	len = (len + 4095) & ~(size_t)4095;
	// A claim that does not fit is lost (arena_off passes the end and
	// stays there): the arena is full for every later caller too.
	size_t off = __atomic_fetch_add(&arena_off, len, __ATOMIC_RELAXED);
	if (off + len > HUGEHEAP_ARENA)
		return NULL;
	return arena + off;
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
	if (hugeheap_arena_serves((uintptr_t)addr, len, prot, flags, fd)) {
		void *a = arena_alloc(len);
		if (a)
			return a;
	}
	void *p = __real_mmap(addr, len, prot, flags, fd, off);
	if (p != MAP_FAILED && hugeheap_advises(len, prot, flags) && use_huge()) {
		// Advice only: a kernel without THP says EINVAL, and the mapping
		// is as good without it. errno is the caller's.
		int saved = errno;
		(void)madvise(p, len, MADV_HUGEPAGE);
		errno = saved;
	}
	return p;
}
