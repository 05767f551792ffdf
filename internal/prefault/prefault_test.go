//go:build linux && cgo && !noprefault

package prefault

import "testing"

// The constructor's choice: SECCOMP_GEN_PREFAULT=on or =off decides; any
// other value, or none, leaves it to the measured cost of a page fault
// against the threshold; without a figure (the probe failed) it
// prefaults, as before there was a probe.
func TestChoose(t *testing.T) {
	for _, c := range []struct {
		env        string
		set        bool
		faultNs    int64
		on, forced bool
	}{
		{"", false, 700, false, false},             // this machine class: an EPT guest
		{"", false, 1400, false, false},            // its 4 KiB write fault
		{"", false, thresholdNs - 1, false, false}, // just under
		{"", false, thresholdNs, true, false},      // the threshold
		{"", false, 12000, true, false},            // the PVM guest
		{"", false, 0, false, false},               // a clock too coarse to see a fault
		{"", false, -1, true, false},               // no figure
		{"on", true, 700, true, true},              // forced on where cheap
		{"off", true, 12000, false, true},          // forced off where dear
		{"on", true, -1, true, true},               // not measured
		{"off", true, -1, false, true},             // not measured
		{"", true, 700, false, false},              // set but empty: says nothing
		{"ON", true, 700, false, false},            // case matters, as for SECCOMP_GEN_HUGEHEAP
		{"1", true, 12000, true, false},            // neither on nor off
		{"off ", true, 12000, true, false},         // trailing space
	} {
		on, forced := choose(c.env, c.set, c.faultNs)
		if on != c.on || forced != c.forced {
			t.Errorf("SECCOMP_GEN_PREFAULT=%q (set %v), a fault %d ns: on %v forced %v, want on %v forced %v",
				c.env, c.set, c.faultNs, on, forced, c.on, c.forced)
		}
	}
}

// The constructor measured a page fault (unless SECCOMP_GEN_PREFAULT
// chose) and chose by its threshold; measuring again gives a figure of
// the same kind: more than nothing, far less than a millisecond.
func TestProbe(t *testing.T) {
	if !Enabled {
		t.Skip("built without the constructor (-tags noprefault, or no cgo): nothing to test")
	}
	st := Current()
	t.Logf("constructor: %+v", st)
	if st.Forced {
		if st.FaultNs != -1 {
			t.Errorf("SECCOMP_GEN_PREFAULT chose, yet the constructor measured a fault: %+v", st)
		}
	} else {
		if st.FaultNs < 0 {
			t.Fatalf("the constructor's probe failed: %+v", st)
		}
		if want := st.FaultNs >= thresholdNs; st.On != want {
			t.Errorf("a fault cost %d ns (threshold %d ns): prefaulted %v, want %v", st.FaultNs, thresholdNs, st.On, want)
		}
	}
	for range 3 {
		ns := probe()
		t.Logf("probe: %d ns", ns)
		if ns <= 0 || ns > 1e6 {
			t.Errorf("probe: a page fault costs %d ns", ns)
		}
	}
}
