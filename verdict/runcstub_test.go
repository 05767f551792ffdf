package verdict_test

import (
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/trace"
	"github.com/seccomp-gen/seccomp-gen/verdict"
)

// TestCheckCoverageRuncStubX86: on x86 runc's ENOSYS stub answers the
// socket and ipc calls a profile allows when no other name it lists has a
// higher number (policy.(*Policy).HighestNamed leaves them out, as runc
// does), and replay --enforce answers as runc. check said covered (exit 0)
// for shmdt, 398 on x86, under a profile whose highest other x86 name is
// getuid (24) or rseq (386), where runc's loaded filter answers ENOSYS
// (internal/runtimetest TestRuncStubAsLoaded). Such an entry is denied with
// runc's answer and crun's in Crun; a name above it (clone3, 435) keeps it
// covered, and a default that allows means no stub.
func TestCheckCoverageRuncStubX86(t *testing.T) {
	tr := &trace.File{Version: 2, Target: trace.Target{Command: []string{"app"}}, Syscalls: []trace.Syscall{
		{Arch: "x86", Nr: 24, Name: "getuid", Count: 1, First: "app"},
		{Arch: "x86", Nr: 359, Name: "socket", Count: 1, First: "app", Args: []trace.ArgValues{{Index: 0, Values: []uint64{1}}}},
		{Arch: "x86", Nr: 398, Name: "shmdt", Count: 1, First: "app"},
		{Arch: "x86_64", Nr: 67, Name: "shmdt", Count: 1, First: "app"},
	}}
	unix := policy.Rule{Names: []string{"socket"}, Action: policy.ActAllow, Args: []policy.Arg{{Index: 0, Value: 1, Op: policy.OpEqualTo}}}
	arches := []string{"x86_64", "x86"}
	for _, c := range []struct {
		name    string
		p       *policy.Policy
		stubbed []string // the x86 names runc's stub answers
	}{
		{"getuid highest", pol(policy.ActErrno, nil, arches, allow("getuid", "shmdt"), unix), []string{"shmdt", "socket"}},
		{"rseq highest", pol(policy.ActErrno, nil, arches, allow("getuid", "shmdt", "rseq"), unix), []string{"shmdt"}},
		{"clone3 highest", pol(policy.ActErrno, nil, arches, allow("getuid", "shmdt", "clone3"), unix), nil},
		{"default ENOSYS", pol(policy.ActErrno, policy.Errno(policy.ENOSYS), arches, allow("getuid", "shmdt"), unix), []string{"shmdt", "socket"}},
		{"default allow", pol(policy.ActAllow, nil, arches, policy.Rule{Names: []string{"getpid"}, Action: policy.ActErrno, Errno: policy.Errno(policy.EPERM)}), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := verdict.NewPolicyAnswerer(c.p, scmp.Tables{})
			cov, err := verdict.CheckCoverageOf(a, tr)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range cov.Entries {
				// The verdict is runc's answer for the recorded values
				// (socket's domain 1), as replay --enforce gives it.
				if rv := a.RuntimeAnswers(e.Arch, e.Nr, [6]uint64{1}); (rv.Runc.Action == policy.ActAllow) != e.Covered {
					t.Errorf("%s %s: covered %v, runc answers %+v", e.Arch, e.Label(), e.Covered, rv.Runc)
				}
				stubbed := e.Arch == "x86" && strings.Contains(" "+strings.Join(c.stubbed, " ")+" ", " "+e.Name+" ")
				if !stubbed {
					if !e.Covered || e.Crun != nil {
						t.Errorf("%s %s: covered %v, crun %+v; want covered, the runtimes agreeing", e.Arch, e.Label(), e.Covered, e.Crun)
					}
					continue
				}
				if e.Covered || e.Reason != verdict.ReasonDenied || e.Action != policy.ActErrno || e.Errno != policy.ENOSYS || e.Crun == nil || e.Crun.Conditional != (e.Name == "socket") || e.Name != "socket" && e.Crun.Action != policy.ActAllow {
					t.Errorf("%s %s: covered %v reason %q %s crun %+v; want denied with ENOSYS, crun allowing (socket for some argument values)", e.Arch, e.Label(), e.Covered, e.Reason, verdict.ActionText(e.Action, e.Errno), e.Crun)
					continue
				}
				want := "profile answers SCMP_ACT_ERRNO(ENOSYS), as runc's ENOSYS stub does; crun answers SCMP_ACT_ALLOW"
				if e.Name == "socket" {
					want = "profile answers SCMP_ACT_ERRNO(ENOSYS), as runc's ENOSYS stub does; crun allows it for some argument values"
				}
				if got := e.Explain(c.p); got != want {
					t.Errorf("%s %s: Explain = %q, want %q", e.Arch, e.Label(), got, want)
				}
			}
			note := strings.Join(cov.Notes, "\n")
			if len(c.stubbed) > 0 && !strings.Contains(note, "runc and crun answer "+strings.Join(c.stubbed, ", ")+" on x86 differently: runc's ENOSYS stub answers every number above ") {
				t.Errorf("notes %q do not name %v", cov.Notes, c.stubbed)
			}
			if len(c.stubbed) == 0 && note != "" {
				t.Errorf("notes %q, want none", cov.Notes)
			}
			// CheckCoverage has no tables to number the profile's
			// names: crun's answers.
			if cov, err := verdict.CheckCoverage(c.p, tr); err != nil || !cov.OK() {
				t.Errorf("CheckCoverage: %v, missing %+v; want crun's answers, all covered", err, cov.Missing())
			}
		})
	}
}
