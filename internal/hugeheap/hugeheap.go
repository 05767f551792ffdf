//go:build linux && cgo && (amd64 || arm64) && !nohugeheap

package hugeheap

/*
#cgo LDFLAGS: -Wl,--wrap=mmap
#include <sys/mman.h>
#include "hugeheap.h"
*/
import "C"

// Enabled says the wrapper is linked into this binary.
const Enabled = true

// advises is the wrapper's choice for a mapping of len bytes with prot and
// flags, for the tests.
func advises(len uintptr, prot, flags int) bool {
	return C.hugeheap_advises(C.size_t(len), C.int(prot), C.int(flags)) != 0
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
)
