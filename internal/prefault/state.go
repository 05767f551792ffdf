package prefault

import "fmt"

// State is what the constructor chose for this process, and what it did.
type State struct {
	// Linked says the constructor is in this binary (Enabled).
	Linked bool
	// On says it advised the read-only segments MADV_POPULATE_READ.
	On bool
	// Forced says SECCOMP_GEN_PREFAULT (on or off) made the choice.
	Forced bool
	// FaultNs is what a page fault cost this process, as the constructor
	// measured it; -1 where it did not (Forced, or the probe failed).
	FaultNs int64
	// ThresholdNs is the cost from which it advises the segments.
	ThresholdNs int64
	// Advised is how many segments it advised, Refused how many of those
	// the kernel refused (before Linux 5.14: all).
	Advised, Refused int
}

// Describe says in a line whether the binary's code was mapped at the
// start and why, for `seccomp-gen version`.
func (st State) Describe() string {
	switch {
	case !st.Linked:
		return "code faulted in as it runs (built with -tags noprefault, or without cgo)"
	case st.On && st.Advised > 0 && st.Refused == st.Advised:
		return "code faulted in as it runs (the kernel refused MADV_POPULATE_READ: Linux before 5.14)"
	case st.Forced && st.On:
		return "code mapped at the start (SECCOMP_GEN_PREFAULT=on)"
	case st.Forced:
		return "code faulted in as it runs (SECCOMP_GEN_PREFAULT=off)"
	case st.On && st.FaultNs < 0:
		return "code mapped at the start (MADV_POPULATE_READ; the page fault probe failed; SECCOMP_GEN_PREFAULT=off overrides)"
	case st.On:
		return fmt.Sprintf("code mapped at the start (MADV_POPULATE_READ: a page fault costs %s here, %s or more; SECCOMP_GEN_PREFAULT=off overrides)", us(st.FaultNs), us(st.ThresholdNs))
	}
	return fmt.Sprintf("code faulted in as it runs (a page fault costs %s here, under the %s from which mapping it at the start pays; SECCOMP_GEN_PREFAULT=on overrides)", us(st.FaultNs), us(st.ThresholdNs))
}

// us says ns in microseconds, to a tenth.
func us(ns int64) string { return fmt.Sprintf("%.1f us", float64(ns)/1e3) }
