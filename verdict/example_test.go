package verdict_test

import (
	"fmt"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/trace"
	"github.com/seccomp-gen/seccomp-gen/verdict"
)

// CheckCoverage says, for every (ABI, syscall) of a run, whether a profile
// lets it run, and why not.
func ExampleCheckCoverage() {
	p := &policy.Policy{
		DefaultAction: policy.ActErrno,
		Arches:        []string{"x86_64"},
		Rules:         []policy.Rule{{Names: []string{"read", "write", "exit_group"}, Action: policy.ActAllow}},
	}
	run := &trace.File{Syscalls: []trace.Syscall{
		{Arch: "x86_64", Nr: 0, Name: "read", Count: 4, First: "app"},
		{Arch: "x86_64", Nr: 140, Name: "getpriority", Count: 1, First: "app"},
		{Arch: "x86", Nr: 20, Name: "getpid", Count: 1, First: "legacy"},
	}}
	cov, err := verdict.CheckCoverage(p, run)
	if err != nil {
		panic(err)
	}
	for _, e := range cov.Missing() {
		fmt.Printf("%s/%s (first: %s): %s\n", e.Arch, e.Label(), e.First, e.Explain(p))
	}
	// Output:
	// x86/getpid (first: legacy): ABI x86 not covered by the profile (covers x86_64)
	// x86_64/getpriority (first: app): profile answers SCMP_ACT_ERRNO(EPERM)
}
