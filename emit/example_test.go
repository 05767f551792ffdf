package emit_test

import (
	"fmt"
	"os"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/policy"
)

// A reducer-style policy: what the workload used is allowed, a known syscall
// it did not use gets EPERM, anything newer than the profile ENOSYS.
func ExampleDocker() {
	p := &policy.Policy{
		DefaultAction: policy.ActErrno,
		DefaultErrno:  policy.Errno(policy.ENOSYS),
		Arches:        []string{"x86_64"},
		Rules: []policy.Rule{
			{Names: []string{"write", "exit_group"}, Action: policy.ActAllow, Comment: "observed"},
			{Names: []string{"ptrace"}, Action: policy.ActErrno, Errno: policy.Errno(policy.EPERM)},
		},
	}
	data, err := emit.Docker(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	os.Stdout.Write(data)
	// Output:
	// {
	//   "defaultAction": "SCMP_ACT_ERRNO",
	//   "defaultErrnoRet": 38,
	//   "architectures": [
	//     "SCMP_ARCH_X86_64"
	//   ],
	//   "syscalls": [
	//     {
	//       "names": [
	//         "exit_group",
	//         "write"
	//       ],
	//       "action": "SCMP_ACT_ALLOW",
	//       "comment": "observed"
	//     },
	//     {
	//       "names": [
	//         "ptrace"
	//       ],
	//       "action": "SCMP_ACT_ERRNO",
	//       "errnoRet": 1
	//     }
	//   ]
	// }
}

// Parse detects the format and refuses what would silently mean "no
// seccomp".
func ExampleParse() {
	p, format, err := emit.Parse("app.yaml", []byte(`apiVersion: security-profiles-operator.x-k8s.io/v1beta1
kind: SeccompProfile
metadata:
  name: app
spec:
  defaultAction: SCMP_ACT_ERRNO
  architectures: [SCMP_ARCH_X86_64]
  syscalls:
  - names: [read, write, exit_group]
    action: SCMP_ACT_ALLOW
`))
	fmt.Println(format, err, p.Allows("write"), p.Allows("ptrace"))

	_, _, err = emit.Parse("empty.json", []byte(`{}`))
	fmt.Println(err)
	// Output:
	// k8s <nil> true false
	// empty.json: invalid profile: no defaultAction (an empty profile would mean no seccomp at all)
}
