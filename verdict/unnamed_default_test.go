package verdict

import (
	"slices"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// TestUnnamedNumberUnderPermissiveDefault: a number libseccomp cannot name
// (mseal, 462, for libseccomp 2.5.4) runs under a profile whose default
// action lets syscalls run (SCMP_ACT_ALLOW, SCMP_ACT_LOG): runc adds no
// ENOSYS stub then, crun's filter answers it with the default, and replay
// --enforce's filter lets it run. It is covered; under a default that
// denies it stays missing (ReasonUnknown). Before, it was missing under
// every profile ("no profile can allow it"), so replay and check exited 3
// where replay --enforce and runc ran it (found by an audit).
func TestUnnamedNumberUnderPermissiveDefault(t *testing.T) {
	for _, c := range []struct {
		def     policy.Action
		covered bool
	}{{policy.ActAllow, true}, {policy.ActLog, true}, {policy.ActErrno, false}, {policy.ActKillProcess, false}} {
		p := &policy.Policy{
			DefaultAction: c.def,
			Arches:        []string{"x86_64"},
			Rules: []policy.Rule{
				{Names: []string{"read"}, Action: policy.ActAllow},
				{Names: []string{"getpriority"}, Action: policy.ActErrno, Errno: policy.Errno(policy.EPERM)},
			},
		}
		cov, err := CheckCoverage(p, covTrace(
			trace.Syscall{Arch: "x86_64", Nr: 0, Name: "read", Count: 1},
			trace.Syscall{Arch: "x86_64", Nr: 462, Count: 1},
		))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range cov.Entries {
			if e.Nr != 462 {
				continue
			}
			if e.Covered != c.covered || (!c.covered && e.Reason != ReasonUnknown) {
				t.Errorf("default %s: #462 covered %v (reason %q), want %v", c.def, e.Covered, e.Reason, c.covered)
			}
		}
	}
}

// TestConditionalWithoutRecordedValues: a profile that allows umask only
// for mask 022 denies umask(077) under runc and replay --enforce, but the
// recorder keeps no values of umask's argument: the entry is covered
// conditionally and Unchecked (argument 0), so that replay and check do
// not pass such a run as proven (they call it incomplete). Values recorded
// in full are checked, and leave nothing unchecked; values that overflowed
// the recorder's bound are not all known. Before, the entry passed with a
// note only (found by an audit).
func TestConditionalWithoutRecordedValues(t *testing.T) {
	p := &policy.Policy{
		DefaultAction: policy.ActErrno,
		DefaultErrno:  policy.Errno(policy.EPERM),
		Arches:        []string{"x86_64"},
		Rules: []policy.Rule{
			{Names: []string{"read"}, Action: policy.ActAllow},
			{Names: []string{"umask"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Value: 0o22, Op: policy.OpEqualTo}}},
		},
	}
	for _, c := range []struct {
		name      string
		args      []trace.ArgValues
		unchecked bool
	}{
		{"no values", nil, true},
		{"values of another argument", []trace.ArgValues{{Index: 1, Values: []uint64{5}}}, true},
		{"all values", []trace.ArgValues{{Index: 0, Values: []uint64{0o22}}}, false},
		{"overflowed values", []trace.ArgValues{{Index: 0, Values: []uint64{0o22}, Overflow: true}}, true},
	} {
		cov, err := CheckCoverage(p, covTrace(
			trace.Syscall{Arch: "x86_64", Nr: 0, Name: "read", Count: 1},
			trace.Syscall{Arch: "x86_64", Nr: 95, Name: "umask", Count: 1, Args: c.args},
		))
		if err != nil {
			t.Fatal(err)
		}
		un := cov.Unchecked()
		if got := len(un) == 1 && un[0].Name == "umask" && slices.Equal(un[0].UncheckedArgs, []int{0}); got != c.unchecked {
			t.Errorf("%s: unchecked %+v, want umask argument 0 unchecked: %v", c.name, un, c.unchecked)
		}
		if !cov.OK() {
			t.Errorf("%s: not OK: umask(022) is allowed", c.name)
		}
	}
	// A value recorded and denied is missing, not unchecked.
	cov, err := CheckCoverage(p, covTrace(trace.Syscall{Arch: "x86_64", Nr: 95, Name: "umask", Count: 1, Args: []trace.ArgValues{{Index: 0, Values: []uint64{0o77}}}}))
	if err != nil {
		t.Fatal(err)
	}
	if cov.OK() || len(cov.Unchecked()) != 0 {
		t.Errorf("umask(077) recorded: OK %v, unchecked %+v; want missing", cov.OK(), cov.Unchecked())
	}
}

// A number no syscall has (a program's syscall(-1) or syscall(5000) probe)
// that the profile answers ENOSYS is covered (no-syscall): the kernel gives
// the same answer without any profile. It was "not covered" (no rule can
// name it), so a program that probes could never pass replay or check. A
// number libseccomp cannot name that a newer kernel has (462) stays
// missing, and so does a probe a profile answers otherwise (EPERM).
//
// A trace default is ENOSYS too: the kernel answers SCMP_ACT_TRACE so when
// no tracer is attached (runc and crun attach none: the runtimetest case
// default-trace), as replay --enforce did where check called the probe
// missing.
func TestNoSyscallCovered(t *testing.T) {
	for _, c := range []struct {
		def     policy.Action
		errno   uint
		covered map[int]bool
	}{
		{policy.ActErrno, policy.ENOSYS, map[int]bool{-1: true, 5000: true, 462: false}},
		{policy.ActErrno, policy.EPERM, map[int]bool{-1: false, 5000: false, 462: false}},
		{policy.ActTrace, policy.EPERM, map[int]bool{-1: true, 5000: true, 462: false}},
		{policy.ActKillProcess, 0, map[int]bool{-1: false, 5000: false, 462: false}},
	} {
		var errno *uint
		if c.def != policy.ActKillProcess {
			errno = policy.Errno(c.errno)
		}
		p := &policy.Policy{DefaultAction: c.def, DefaultErrno: errno, Arches: []string{"x86_64"},
			Rules: []policy.Rule{{Names: []string{"read"}, Action: policy.ActAllow}}}
		cov, err := CheckCoverage(p, covTrace(
			trace.Syscall{Arch: "x86_64", Nr: 0, Name: "read", Count: 1},
			trace.Syscall{Arch: "x86_64", Nr: -1, Count: 1},
			trace.Syscall{Arch: "x86_64", Nr: 5000, Count: 1},
			trace.Syscall{Arch: "x86_64", Nr: 462, Count: 1},
		))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range cov.Entries {
			want, ok := c.covered[e.Nr]
			if !ok {
				continue
			}
			if e.Covered != want || want && e.Reason != ReasonNoSyscall {
				t.Errorf("%s errno %d: #%d covered %v (%s: %s), want %v", c.def, c.errno, e.Nr, e.Covered, e.Reason, e.Explain(p), want)
			}
		}
	}
}

// TestLibseccompX32Range: x86_64's numbers with bit 31 set and the x32 bit
// clear (syscall(0x80000005)) are x86_64's to runc's stub, the recorder and
// the kernel, but libseccomp's filter, which crun loads as is, takes them
// for x32's: under a profile without x32 it kills (crun killed such a
// probe that check called covered, no-syscall, from the profile's ENOSYS
// default), under one with x32 they meet x32's default. -1 stays native.
func TestLibseccompX32Range(t *testing.T) {
	for _, c := range []struct {
		arches  []string
		covered map[int]bool
	}{
		{[]string{"x86_64"}, map[int]bool{-1: true, int(int32(-0x7ffffffb)): false, int(int32(-0x40000001)): false}},
		{[]string{"x86_64", "x32"}, map[int]bool{-1: true, int(int32(-0x7ffffffb)): true, int(int32(-0x40000001)): true}},
	} {
		p := &policy.Policy{DefaultAction: policy.ActErrno, DefaultErrno: policy.Errno(policy.ENOSYS), Arches: c.arches,
			Rules: []policy.Rule{{Names: []string{"read"}, Action: policy.ActAllow}}}
		var calls []trace.Syscall
		for nr := range c.covered {
			calls = append(calls, trace.Syscall{Arch: "x86_64", Nr: nr, Count: 1})
		}
		cov, err := CheckCoverage(p, covTrace(calls...))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range cov.Entries {
			want := c.covered[e.Nr]
			if e.Covered != want {
				t.Errorf("%v: #%#x covered %v (%s: %s), want %v", c.arches, uint32(e.Nr), e.Covered, e.Reason, e.Explain(p), want)
			}
			if !want && (e.Action != policy.ActKill || !strings.Contains(e.Explain(p), "for an x32 number")) {
				t.Errorf("%v: #%#x: %s %q, want killed, with why", c.arches, uint32(e.Nr), e.Action, e.Explain(p))
			}
		}
		// replay --enforce's runc and crun answers.
		rv := p.RuntimesBelow("x86_64", int(int32(-0x7ffffffb)), "", [6]uint64{}, 456)
		if rv.Runc != (policy.Verdict{Action: policy.ActErrno, Errno: policy.ENOSYS}) {
			t.Errorf("%v: runc %+v, want ENOSYS", c.arches, rv.Runc)
		}
		if want := !slices.Contains(c.arches, "x32"); rv.Crun.Action == policy.ActKill != want {
			t.Errorf("%v: crun %+v, killed want %v", c.arches, rv.Crun, want)
		}
	}
}

// TestMarkNoSyscallsEnforced: replay --enforce records runc's answer, with
// crun's where it differs. A probe of a number no syscall has is covered
// when both answer ENOSYS, as the kernel does without a profile; where crun
// answers otherwise (the default EPERM, runc's stub ENOSYS) the run meets
// another answer under crun, and it stays missing.
func TestMarkNoSyscallsEnforced(t *testing.T) {
	eperm := &policy.Verdict{Action: policy.ActErrno, Errno: policy.EPERM}
	for _, c := range []struct {
		name    string
		e       Entry
		covered bool
	}{
		{"enforced ENOSYS", Entry{Reason: ReasonEnforced, Action: policy.ActErrno, Errno: policy.ENOSYS}, true},
		{"unknown ENOSYS", Entry{Reason: ReasonUnknown, Action: policy.ActErrno, Errno: policy.ENOSYS}, true},
		{"crun answers EPERM", Entry{Reason: ReasonEnforced, Action: policy.ActErrno, Errno: policy.ENOSYS, Crun: eperm}, false},
		{"enforced EPERM", Entry{Reason: ReasonEnforced, Action: policy.ActErrno, Errno: policy.EPERM}, false},
		{"would kill", Entry{Reason: ReasonWouldKill, Action: policy.ActKillProcess}, false},
		{"ABI not covered", Entry{Reason: ReasonArch, Action: policy.ActErrno, Errno: policy.ENOSYS}, false},
	} {
		for _, nr := range []int{-1, 5000} {
			e := c.e
			e.Arch, e.Nr, e.Count = "x86_64", nr, 1
			es := []Entry{e}
			MarkNoSyscalls(es)
			if es[0].Covered != c.covered || c.covered && es[0].Reason != ReasonNoSyscall {
				t.Errorf("%s: #%d covered %v (%s), want %v", c.name, nr, es[0].Covered, es[0].Reason, c.covered)
			}
		}
	}
	// A number a syscall has (read) is not a probe.
	es := []Entry{{Arch: "x86_64", Nr: 0, Count: 1, Reason: ReasonEnforced, Action: policy.ActErrno, Errno: policy.ENOSYS}}
	if MarkNoSyscalls(es); es[0].Covered {
		t.Errorf("#0 (read) answered ENOSYS covered as no-syscall")
	}
}
