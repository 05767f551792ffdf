package cbpf_test

import (
	"fmt"

	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// Compile a policy and ask the filter, in userspace, what it answers.
func ExampleCompile() {
	p := &policy.Policy{
		DefaultAction: policy.ActErrno,
		DefaultErrno:  policy.Errno(policy.ENOSYS),
		Arches:        []string{"x86_64"},
		Rules: []policy.Rule{
			{Names: []string{"read", "write", "exit_group"}, Action: policy.ActAllow},
			{Names: []string{"ptrace"}, Action: policy.ActErrno, Errno: policy.Errno(policy.EPERM)},
		},
	}
	prog, err := cbpf.Compile(p, cbpf.Options{Arch: "x86_64"})
	if err != nil {
		fmt.Println(err)
		return
	}
	write, _ := scmp.Number("x86_64", "write")
	ptrace, _ := scmp.Number("x86_64", "ptrace")
	for _, d := range []cbpf.Data{
		{Nr: int32(write), Arch: cbpf.AuditArchX86_64},
		{Nr: int32(ptrace), Arch: cbpf.AuditArchX86_64},
		{Nr: 999, Arch: cbpf.AuditArchX86_64},                           // newer than the table
		{Nr: 4, Arch: cbpf.AuditArchI386},                               // i386 write: ABI not listed
		{Nr: int32(cbpf.X32SyscallBit) | 1, Arch: cbpf.AuditArchX86_64}, // x32 write
	} {
		r, err := prog.Run(d)
		fmt.Println(r, err)
	}
	// Output:
	// SCMP_ACT_ALLOW <nil>
	// SCMP_ACT_ERRNO(1) <nil>
	// SCMP_ACT_ERRNO(38) <nil>
	// SCMP_ACT_KILL_PROCESS <nil>
	// SCMP_ACT_KILL_PROCESS <nil>
}
