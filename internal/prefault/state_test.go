package prefault

import "testing"

func TestDescribe(t *testing.T) {
	const th = 5000
	for _, c := range []struct {
		st   State
		want string
	}{
		{State{FaultNs: -1}, "code faulted in as it runs (built with -tags noprefault, or without cgo)"},
		{State{Linked: true, On: true, FaultNs: 12345, ThresholdNs: th, Advised: 2},
			"code mapped at the start (MADV_POPULATE_READ: a page fault costs 12.3 us here, 5.0 us or more; SECCOMP_GEN_PREFAULT=off overrides)"},
		{State{Linked: true, FaultNs: 640, ThresholdNs: th},
			"code faulted in as it runs (a page fault costs 0.6 us here, under the 5.0 us from which mapping it at the start pays; SECCOMP_GEN_PREFAULT=on overrides)"},
		{State{Linked: true, On: true, Forced: true, FaultNs: -1, ThresholdNs: th, Advised: 2}, "code mapped at the start (SECCOMP_GEN_PREFAULT=on)"},
		{State{Linked: true, Forced: true, FaultNs: -1, ThresholdNs: th}, "code faulted in as it runs (SECCOMP_GEN_PREFAULT=off)"},
		{State{Linked: true, On: true, FaultNs: -1, ThresholdNs: th, Advised: 2},
			"code mapped at the start (MADV_POPULATE_READ; the page fault probe failed; SECCOMP_GEN_PREFAULT=off overrides)"},
		{State{Linked: true, On: true, FaultNs: 12000, ThresholdNs: th, Advised: 2, Refused: 2},
			"code faulted in as it runs (the kernel refused MADV_POPULATE_READ: Linux before 5.14)"},
		{State{Linked: true, On: true, Forced: true, FaultNs: -1, ThresholdNs: th, Advised: 2, Refused: 2},
			"code faulted in as it runs (the kernel refused MADV_POPULATE_READ: Linux before 5.14)"},
	} {
		if got := c.st.Describe(); got != c.want {
			t.Errorf("%+v:\n got %q\nwant %q", c.st, got, c.want)
		}
	}
}
