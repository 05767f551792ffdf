//go:build linux && cgo && (amd64 || arm64) && !nohugeheap

package hugeheap

/*
#cgo LDFLAGS: -Wl,--wrap=mmap
#include <stdlib.h>
#include <sys/mman.h>
#include "hugeheap.h"
*/
import "C"

import "unsafe"

// Enabled says the wrapper is linked into this binary.
const Enabled = true

// offReason says why this process's heap is not in huge pages by choice:
// "reporting" (the host takes free memory back, see doc.go), "env"
// (SECCOMP_GEN_HUGEHEAP=off), or "" (it is, where the kernel has them).
func offReason() string {
	switch C.hugeheap_mode() {
	case C.HUGEHEAP_OFF_REPORTING:
		return "reporting"
	case C.HUGEHEAP_FORCED_OFF:
		return "env"
	}
	return ""
}

// reportingIn is the test of offReason's "reporting" against a driver's
// sysfs directory.
func reportingIn(dir string) bool {
	cs := C.CString(dir)
	defer C.free(unsafe.Pointer(cs))
	return C.hugeheap_reporting_in(cs) != 0
}

// advises is the wrapper's choice for a mapping of len bytes with prot and
// flags, for the tests.
func advises(len uintptr, prot, flags int) bool {
	return C.hugeheap_advises(C.size_t(len), C.int(prot), C.int(flags)) != 0
}

// arenaServes is the wrapper's choice of the mappings the metadata arena
// serves, for the tests.
func arenaServes(addr uintptr, len uintptr, prot, flags, fd int) bool {
	return C.hugeheap_arena_serves(C.uintptr_t(addr), C.size_t(len), C.int(prot), C.int(flags), C.int(fd)) != 0
}

// disabled says whether a GODEBUG value turns the huge pages off.
func disabled(godebug string) bool {
	cs := C.CString(godebug)
	defer C.free(unsafe.Pointer(cs))
	return C.hugeheap_disabled(cs) != 0
}

// arenaState returns where the metadata arena is (0: not made) and how
// many of its bytes were handed out.
func arenaState() (base, used uintptr) {
	used = uintptr(C.hugeheap_arena_used())
	if used > uintptr(C.HUGEHEAP_ARENA) {
		used = uintptr(C.HUGEHEAP_ARENA)
	}
	return uintptr(C.hugeheap_arena_base()), used
}

// Flags the tests pass to advises, from the C library's headers.
const (
	protRead  = int(C.PROT_READ)
	protWrite = int(C.PROT_WRITE)
	protNone  = int(C.PROT_NONE)
	mapAnon   = int(C.MAP_ANONYMOUS)
	mapFixed  = int(C.MAP_FIXED)
	mapPriv   = int(C.MAP_PRIVATE)
	minLen    = uintptr(C.HUGEHEAP_MIN)
	arenaLen  = uintptr(C.HUGEHEAP_ARENA)
	arenaMax  = uintptr(C.HUGEHEAP_ARENA_MAX)
	mapShared = int(C.MAP_SHARED)
)
