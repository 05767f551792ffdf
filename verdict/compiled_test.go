package verdict_test

import (
	"testing"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/trace"
	"github.com/seccomp-gen/seccomp-gen/verdict"
)

// TestFallbackCompiled: a raw filter ('generate --format bpf') gets the
// fallback verdict of the policy it was compiled from, with the same
// explanation (report.FromCoverage explains a filter's entries without a
// policy). The fallback verdict asked the policy only, so check -p
// app.bpf failed every threaded glibc program on clone3, answered ENOSYS,
// that check -p app.json passed, and the kernel ran. With clone denied,
// or allowed only for flags glibc does not pass (fork's: pthread_create
// then failed under runc and crun while both called clone3 covered),
// clone3 is missing from both; with clone allowed for glibc's flags and a
// stack, covered by both (the filter's probes, one argument at a time,
// found it denied). musl's pipe2 fallback is explained, not counted, by
// both.
func TestFallbackCompiled(t *testing.T) {
	clone := allow("clone")
	condClone := policy.Rule{Names: []string{"clone"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Op: policy.OpMaskedEqual, Value: 0x7E020000, ValueTwo: 0}}}
	// glibc's pthread_create flags only: the answer for all arguments
	// zero denies clone, a probe finds it allowed.
	threadClone := policy.Rule{Names: []string{"clone"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Op: policy.OpEqualTo, Value: 0x3d0f00}}}
	// fork's flags only (SIGCHLD): clone is allowed for some argument
	// values, none glibc passes when clone3 says ENOSYS.
	forkClone := policy.Rule{Names: []string{"clone"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Op: policy.OpEqualTo, Value: 17}}}
	// glibc's pthread_create flags with a stack: one probe at a time (flags
	// or stack) finds the filter's clone denied.
	stackClone := policy.Rule{Names: []string{"clone"}, Action: policy.ActAllow, Args: []policy.Arg{
		{Index: 0, Op: policy.OpEqualTo, Value: 0x3d0f00}, {Index: 1, Op: policy.OpNotEqual, Value: 0}}}
	enosys := policy.Errno(policy.ENOSYS)
	clone3 := policy.Rule{Names: []string{"clone3"}, Action: policy.ActErrno, Errno: enosys}
	pipe2 := policy.Rule{Names: []string{"pipe2"}, Action: policy.ActErrno, Errno: enosys}
	base := allow("read", "write", "exit_group")
	for _, c := range []struct {
		name    string
		rules   []policy.Rule
		call    trace.Syscall
		covered bool
		want    string
	}{
		{"clone allowed", []policy.Rule{base, clone, clone3}, trace.Syscall{Arch: "x86_64", Nr: 435, Name: "clone3", Count: 1}, true,
			"answered SCMP_ACT_ERRNO(ENOSYS); glibc 2.36 falls back to clone, which the profile allows"},
		{"clone conditional", []policy.Rule{base, condClone, clone3}, trace.Syscall{Arch: "x86_64", Nr: 435, Name: "clone3", Count: 1}, true,
			"answered SCMP_ACT_ERRNO(ENOSYS); glibc 2.36 falls back to clone, which the profile allows for some argument values"},
		{"clone for one flags value", []policy.Rule{base, threadClone, clone3}, trace.Syscall{Arch: "x86_64", Nr: 435, Name: "clone3", Count: 1}, true,
			"answered SCMP_ACT_ERRNO(ENOSYS); glibc 2.36 falls back to clone, which the profile allows for some argument values"},
		{"clone for flags glibc does not pass", []policy.Rule{base, forkClone, clone3}, trace.Syscall{Arch: "x86_64", Nr: 435, Name: "clone3", Count: 1}, false,
			"profile answers SCMP_ACT_ERRNO(ENOSYS)"},
		{"clone for glibc's flags with a stack", []policy.Rule{base, stackClone, clone3}, trace.Syscall{Arch: "x86_64", Nr: 435, Name: "clone3", Count: 1}, true,
			"answered SCMP_ACT_ERRNO(ENOSYS); glibc 2.36 falls back to clone, which the profile allows for some argument values"},
		{"clone denied", []policy.Rule{base, clone3}, trace.Syscall{Arch: "x86_64", Nr: 435, Name: "clone3", Count: 1}, false,
			"profile answers SCMP_ACT_ERRNO(ENOSYS)"},
		{"musl's pipe2", []policy.Rule{base, allow("pipe", "fcntl"), pipe2}, trace.Syscall{Arch: "x86_64", Nr: 293, Name: "pipe2", Count: 1}, false,
			"profile answers SCMP_ACT_ERRNO(ENOSYS); musl 1.2.3 falls back to pipe, fcntl, all of which the profile allows"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := pol(policy.ActErrno, nil, x64, c.rules...)
			tr := &trace.File{Version: 1, Target: trace.Target{Command: []string{"app"}}, Syscalls: []trace.Syscall{
				{Arch: "x86_64", Nr: 0, Name: "read", Count: 1}, c.call}}
			var got []verdict.Entry
			for _, a := range []verdict.Answerer{pa(p), compiled(t, p)} {
				cov, err := verdict.CheckCoverageOf(a, tr)
				if err != nil {
					t.Fatal(err)
				}
				var e verdict.Entry
				for _, x := range cov.Entries {
					if x.Nr == c.call.Nr {
						e = x
					}
				}
				why := e.Explain(verdict.PolicyOf(a)) // as report.FromCoverage explains it
				if want := map[bool]string{true: verdict.ReasonFallback, false: verdict.ReasonDenied}[c.covered]; e.Covered != c.covered || e.Reason != want || why != c.want {
					t.Errorf("%T: %s covered %v, reason %q, %q; want covered %v, reason %q, %q", a, c.call.Name, e.Covered, e.Reason, why, c.covered, want, c.want)
				}
				if cov.OK() != c.covered {
					t.Errorf("%T: OK %v, want %v", a, cov.OK(), c.covered)
				}
				got = append(got, e)
			}
			if got[0].Action != got[1].Action || got[0].Errno != got[1].Errno {
				t.Errorf("policy answers %s(%d), filter %s(%d)", got[0].Action, got[0].Errno, got[1].Action, got[1].Errno)
			}
		})
	}
}

// TestArchCompiled: a syscall on an ABI a raw filter does not cover is
// explained as for the policy it was compiled from, naming the ABIs the
// filter covers (it said "ABI x86 not covered by the profile" only).
func TestArchCompiled(t *testing.T) {
	p := pol(policy.ActErrno, nil, x64, allow("read", "write", "exit_group"))
	tr := &trace.File{Version: 1, Target: trace.Target{Command: []string{"app"}}, Syscalls: []trace.Syscall{
		{Arch: "x86_64", Nr: 0, Name: "read", Count: 1}, {Arch: "x86", Nr: 20, Name: "getpid", Count: 1}}}
	for _, a := range []verdict.Answerer{pa(p), compiled(t, p)} {
		cov, err := verdict.CheckCoverageOf(a, tr)
		if err != nil {
			t.Fatal(err)
		}
		m := cov.Missing()
		if want := "ABI x86 not covered by the profile (covers x86_64)"; len(m) != 1 || m[0].Reason != verdict.ReasonArch || m[0].Explain(verdict.PolicyOf(a)) != want {
			t.Errorf("%T: missing %+v, want getpid on x86 explained %q", a, m, want)
		}
	}
}
