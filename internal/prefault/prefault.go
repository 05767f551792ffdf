//go:build linux && cgo && !noprefault

package prefault

/*
#include <stdlib.h>
#include "prefault.h"
*/
import "C"

import "unsafe"

// Enabled says the constructor is linked into this binary.
const Enabled = true

// Current returns what the constructor chose for this process and did.
func Current() State {
	mode := C.prefault_mode
	return State{
		Linked:      true,
		On:          mode == C.PREFAULT_ON || mode == C.PREFAULT_FORCED_ON,
		Forced:      mode == C.PREFAULT_FORCED_ON || mode == C.PREFAULT_FORCED_OFF,
		FaultNs:     int64(C.prefault_fault_ns),
		ThresholdNs: int64(C.PREFAULT_THRESHOLD_NS),
		Advised:     int(C.prefault_advised),
		Refused:     int(C.prefault_refused),
	}
}

// choose is the constructor's choice for a value of SECCOMP_GEN_PREFAULT
// (set says whether it is set at all) and the probe's figure (-1: none):
// whether it advises the segments, and whether the variable decided.
func choose(env string, set bool, faultNs int64) (on, forced bool) {
	var cs *C.char
	if set {
		cs = C.CString(env)
		defer C.free(unsafe.Pointer(cs))
	}
	switch C.prefault_choose(cs, C.long(faultNs)) {
	case C.PREFAULT_FORCED_ON:
		return true, true
	case C.PREFAULT_FORCED_OFF:
		return false, true
	case C.PREFAULT_ON:
		return true, false
	}
	return false, false
}

// probe measures a page fault again, as the constructor did, for the
// tests.
func probe() int64 { return int64(C.prefault_probe_ns()) }

// thresholdNs is the constructor's threshold.
const thresholdNs = int64(C.PREFAULT_THRESHOLD_NS)
