package verdict

import (
	"errors"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

func covPolicy() *policy.Policy {
	return &policy.Policy{
		DefaultAction: policy.ActErrno,
		DefaultErrno:  policy.Errno(policy.ENOSYS),
		Arches:        []string{"x86_64"},
		Rules: []policy.Rule{
			{Names: []string{"read", "write", "exit_group"}, Action: policy.ActAllow},
			{Names: []string{"getpriority"}, Action: policy.ActErrno, Errno: policy.Errno(policy.EPERM)},
			{Names: []string{"socket"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Value: 1, Op: policy.OpEqualTo}}},
		},
	}
}

func covTrace(sc ...trace.Syscall) *trace.File {
	return &trace.File{Version: 1, Target: trace.Target{Command: []string{"x"}}, Syscalls: sc}
}

func TestCheckCoverage(t *testing.T) {
	a := covTrace(
		trace.Syscall{Arch: "x86_64", Nr: 0, Name: "read", Count: 3, First: "prog"},
		trace.Syscall{Arch: "x86_64", Nr: 1, Name: "write", Count: 1, First: "prog"},
		trace.Syscall{Arch: "x86_64", Nr: 140, Name: "getpriority", Count: 2, First: "prog"},
	)
	b := covTrace(
		trace.Syscall{Arch: "x86_64", Nr: 0, Name: "read", Count: 4, First: "other"},
		trace.Syscall{Arch: "x86_64", Nr: 41, Name: "socket", Count: 1},
		trace.Syscall{Arch: "x86_64", Nr: 470, Count: 1},
		trace.Syscall{Arch: "x86", Nr: 20, Name: "getpid", Count: 5, First: "i386"},
		trace.Syscall{Arch: "x86_64", Nr: 39, Name: "getpid", Count: 1, First: "prog"},
	)
	b.Lost = 2
	c, err := CheckCoverage(covPolicy(), a, b)
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		label   string
		count   uint64
		first   string
		covered bool
		reason  string
	}
	wants := []want{
		{"getpid", 5, "i386", false, ReasonArch},
		{"getpid", 1, "prog", false, ReasonDenied},
		{"getpriority", 2, "prog", false, ReasonDenied},
		{"read", 7, "prog", true, ""},
		{"socket", 1, "", true, ReasonConditional},
		{"write", 1, "prog", true, ""},
		{"#470", 1, "", false, ReasonUnknown},
	}
	if len(c.Entries) != len(wants) {
		t.Fatalf("got %d entries, want %d: %+v", len(c.Entries), len(wants), c.Entries)
	}
	for i, w := range wants {
		e := c.Entries[i]
		if e.Label() != w.label || e.Count != w.count || e.First != w.first || e.Covered != w.covered || e.Reason != w.reason {
			t.Errorf("entry %d = %+v, want %+v", i, e, w)
		}
	}
	if got := c.Entries[1]; got.Action != policy.ActErrno || got.Errno != policy.ENOSYS {
		t.Errorf("getpid verdict %s %d, want ENOSYS default", got.Action, got.Errno)
	}
	if got := c.Entries[2]; got.Errno != policy.EPERM || got.Explain(covPolicy()) != "profile answers SCMP_ACT_ERRNO(EPERM)" {
		t.Errorf("getpriority: %q", got.Explain(covPolicy()))
	}
	if c.OK() || len(c.Missing()) != 4 || c.Lost != 2 {
		t.Errorf("OK=%v missing=%d lost=%d", c.OK(), len(c.Missing()), c.Lost)
	}
}

func TestCheckCoverageAllCovered(t *testing.T) {
	c, err := CheckCoverage(covPolicy(), covTrace(trace.Syscall{Arch: "x86_64", Nr: 0, Name: "read", Count: 1}))
	if err != nil || !c.OK() {
		t.Fatalf("err=%v ok=%v", err, c != nil && c.OK())
	}
}

func TestCheckCoverageEmpty(t *testing.T) {
	_, err := CheckCoverage(covPolicy(), covTrace())
	if !errors.Is(err, ErrNoSyscalls) {
		t.Fatalf("err = %v, want ErrNoSyscalls", err)
	}
}

// TestExplainFallback: a syscall the profile answers with an errno that a
// libc falls back from (the fallback table), to syscalls the profile
// allows, is covered (ReasonFallback), and the reason says where the
// program goes instead: a generated profile answers an observed clone3
// ENOSYS whenever clone is restricted, and check of a threaded program's
// own trace failed on it. With clone denied too, clone3 is missing.
func TestExplainFallback(t *testing.T) {
	clone := policy.Rule{Names: []string{"clone"}, Action: policy.ActAllow}
	condClone := policy.Rule{Names: []string{"clone"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Op: policy.OpMaskedEqual, Value: 0x7E020000, ValueTwo: 0}}}
	enosys := policy.Errno(policy.ENOSYS)
	clone3 := policy.Rule{Names: []string{"clone3"}, Action: policy.ActErrno, Errno: enosys}
	tr := &trace.File{Version: 1, Target: trace.Target{Command: []string{"app"}}, Syscalls: []trace.Syscall{
		{Arch: "x86_64", Nr: 435, Name: "clone3", Count: 1, First: "app"},
	}}
	for _, c := range []struct {
		name    string
		rules   []policy.Rule
		covered bool
		want    string
	}{
		{"clone allowed", []policy.Rule{clone, clone3}, true, "answered SCMP_ACT_ERRNO(ENOSYS); glibc 2.36 falls back to clone, which the profile allows"},
		{"clone conditional", []policy.Rule{condClone, clone3}, true, "answered SCMP_ACT_ERRNO(ENOSYS); glibc 2.36 falls back to clone, which the profile allows for some argument values"},
		{"clone denied", []policy.Rule{clone3}, false, "profile answers SCMP_ACT_ERRNO(ENOSYS)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := &policy.Policy{DefaultAction: policy.ActErrno, Arches: []string{"x86_64"}, Rules: c.rules}
			cov, err := CheckCoverage(p, tr)
			if err != nil {
				t.Fatal(err)
			}
			e := cov.Entries[0]
			if want := map[bool]string{true: ReasonFallback, false: ReasonDenied}[c.covered]; e.Covered != c.covered || e.Reason != want {
				t.Errorf("clone3: covered %v, reason %q: want covered %v, reason %q", e.Covered, e.Reason, c.covered, want)
			}
			if got := e.Explain(p); got != c.want {
				t.Errorf("Explain = %q, want %q", got, c.want)
			}
		})
	}
	// musl's pipe2 falls back to pipe and fcntl; glibc's does not, and
	// the verdict does not know the program's libc: missing, explained.
	pp := &policy.Policy{DefaultAction: policy.ActErrno, Arches: []string{"x86_64"}, Rules: []policy.Rule{
		{Names: []string{"pipe", "fcntl"}, Action: policy.ActAllow},
		{Names: []string{"pipe2"}, Action: policy.ActErrno, Errno: enosys}}}
	cov, err := CheckCoverage(pp, &trace.File{Version: 1, Target: trace.Target{Command: []string{"app"}}, Syscalls: []trace.Syscall{
		{Arch: "x86_64", Nr: 293, Name: "pipe2", Count: 1, First: "app"}}})
	if err != nil {
		t.Fatal(err)
	}
	if e := cov.Entries[0]; e.Covered || e.Reason != ReasonDenied || e.Explain(pp) != "profile answers SCMP_ACT_ERRNO(ENOSYS); musl 1.2.3 falls back to pipe, fcntl, all of which the profile allows" {
		t.Errorf("pipe2 (musl's fallback only): covered %v, reason %q, %q", e.Covered, e.Reason, e.Explain(pp))
	}
	// An EPERM answer is not one glibc falls back from.
	p := &policy.Policy{DefaultAction: policy.ActErrno, Arches: []string{"x86_64"}, Rules: []policy.Rule{clone}}
	e := Entry{Arch: "x86_64", Nr: 435, Name: "clone3", Reason: ReasonDenied, Action: policy.ActErrno, Errno: policy.EPERM}
	if got := e.Explain(p); got != "profile answers SCMP_ACT_ERRNO(EPERM)" {
		t.Errorf("EPERM: Explain = %q", got)
	}
}

// On x86, CheckCoverage judges a syscall as libseccomp builds its rules
// there (policy.EvalArch): a mask of upper bits only is no condition, so
// the rule it was in decides (measured: internal/runtimetest's
// x86-high-mask-is-unconditional), and socketcall receives the rules of
// the socket calls it multiplexes (x86-socket-rules-on-socketcall). The
// 64-bit reading called x86's getgid allowed where the runtimes answer
// errno 13, and socketcall(SYS_SOCKET) denied where they let it run.
func TestCheckCoverageX86(t *testing.T) {
	p := &policy.Policy{DefaultAction: policy.ActErrno, Arches: []string{"x86_64", "x86"}, Rules: []policy.Rule{
		{Names: []string{"getgid"}, Action: policy.ActErrno, Errno: policy.Errno(13), Args: []policy.Arg{{Index: 0, Op: policy.OpMaskedEqual, Value: 1 << 32}}},
		{Names: []string{"getgid"}, Action: policy.ActAllow},
		{Names: []string{"socket"}, Action: policy.ActAllow},
	}}
	tr := covTrace(
		trace.Syscall{Arch: "x86", Nr: 47, Name: "getgid", Count: 1},
		trace.Syscall{Arch: "x86", Nr: 102, Name: "socketcall", Count: 1, Args: []trace.ArgValues{{Index: 0, Values: []uint64{1}}}},
		trace.Syscall{Arch: "x86_64", Nr: 104, Name: "getgid", Count: 1},
	)
	c, err := CheckCoverage(p, tr)
	if err != nil {
		t.Fatal(err)
	}
	wants := []struct {
		arch, label string
		covered     bool
		reason      string
		errno       uint
	}{
		{"x86", "getgid", false, ReasonDenied, 13},
		{"x86", "socketcall", true, ReasonConditional, policy.EPERM},
		{"x86_64", "getgid", true, "", policy.EPERM},
	}
	if len(c.Entries) != len(wants) {
		t.Fatalf("got %d entries, want %d: %+v", len(c.Entries), len(wants), c.Entries)
	}
	for i, w := range wants {
		e := c.Entries[i]
		if e.Arch != w.arch || e.Label() != w.label || e.Covered != w.covered || e.Reason != w.reason || e.Errno != w.errno {
			t.Errorf("entry %d = %s %s covered %v reason %q errno %d, want %+v", i, e.Arch, e.Label(), e.Covered, e.Reason, e.Errno, w)
		}
	}
	// socketcall with a call number no rule allows (SYS_BIND) is denied.
	tr.Syscalls[1].Args[0].Values = []uint64{2}
	if c, err = CheckCoverage(p, tr); err != nil {
		t.Fatal(err)
	}
	if e := c.Entries[1]; e.Covered || e.Reason != ReasonArgument {
		t.Errorf("socketcall(SYS_BIND): covered %v reason %q, want denied for its argument", e.Covered, e.Reason)
	}
}

// Under a default that allows, a syscall with a conditional deny rule is
// covered for the values the rule does not match (ReasonConditional) and
// denied for those it does.
func TestCheckCoverageDefaultAllowConditionalDeny(t *testing.T) {
	p := &policy.Policy{DefaultAction: policy.ActAllow, Arches: []string{"x86_64"}, Rules: []policy.Rule{
		{Names: []string{"getuid"}, Action: policy.ActErrno, Errno: policy.Errno(13), Args: []policy.Arg{{Index: 0, Value: 1, Op: policy.OpEqualTo}}}}}
	for _, c := range []struct {
		value   uint64
		covered bool
		reason  string
	}{{0, true, ReasonConditional}, {1, false, ReasonArgument}} {
		cov, err := CheckCoverage(p, covTrace(trace.Syscall{Arch: "x86_64", Nr: 102, Name: "getuid", Count: 1,
			Args: []trace.ArgValues{{Index: 0, Values: []uint64{c.value}}}}))
		if err != nil {
			t.Fatal(err)
		}
		if e := cov.Entries[0]; e.Covered != c.covered || e.Reason != c.reason {
			t.Errorf("getuid(%d): covered %v reason %q, want %v %q", c.value, e.Covered, e.Reason, c.covered, c.reason)
		}
	}
}
