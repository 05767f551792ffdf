//go:build linux && cgo && !noprefault

package prefault

/*
#include "prefault.h"
*/
import "C"

// Enabled says the constructor is linked into this binary.
const Enabled = true

// segments returns how many segments the constructor advised and how many
// of those calls the kernel refused, for the tests.
func segments() (advised, refused int) {
	return int(C.prefault_advised), int(C.prefault_refused)
}
