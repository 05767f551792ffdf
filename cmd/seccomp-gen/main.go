// Command seccomp-gen turns real syscall traces into least-privilege seccomp
// profiles: trace a workload with eBPF, generate Docker/OCI/Kubernetes/BPF
// profiles from the traces, and replay runs against a profile in CI.
package main

import (
	"fmt"
	"os"

	"github.com/seccomp-gen/seccomp-gen/scmp"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	// Under qemu-user (no seccomp(2)) filters still compile as on a real
	// kernel, so an emulated arm64 build gives the same answers.
	scmp.PinAPIWithoutSeccomp()
	root := newRootCmd()
	root.SetArgs(args)
	code, err := exitStatus(root.Execute())
	if err != nil {
		fmt.Fprintf(os.Stderr, "seccomp-gen: %v\n", err)
	}
	return code
}
