package reduce_test

import (
	"fmt"
	"os"

	"github.com/seccomp-gen/seccomp-gen/profiles"
	"github.com/seccomp-gen/seccomp-gen/reduce"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// Reduce two recorded runs of busybox ls into a policy, dropping what only
// one run used, with the default runtime baselines.
func ExampleReduce() {
	var inputs []reduce.Input
	for _, path := range []string{"../testdata/traces/busybox-ls.yaml", "../testdata/traces/busybox-ls-l.yaml"} {
		f, err := trace.ReadFile(path)
		if err != nil {
			fmt.Println(err)
			return
		}
		inputs = append(inputs, reduce.Input{Path: path, File: f})
	}
	baselines, err := profiles.Resolve(profiles.DefaultBaselines, os.ReadFile)
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := reduce.Reduce(inputs, reduce.Options{
		Native:    "x86_64",
		Baselines: baselines,
		MinRuns:   2,
	}, scmp.Tables{})
	if err != nil {
		fmt.Println(err)
		return
	}
	p := res.Policy
	fmt.Println(p.Arches, p.DefaultAction, *p.DefaultErrno)
	fmt.Println("getdents64:", p.Lookup("getdents64").Action)
	fmt.Println("ptrace:", p.Lookup("ptrace").Action, p.Lookup("ptrace").Errno)
	for _, d := range res.Dropped {
		fmt.Printf("dropped %s: %s (baseline allows it: %v)\n", d.Name, d.Why, d.ByBaseline)
	}
	// Output:
	// [x86_64] SCMP_ACT_ERRNO 38
	// getdents64: SCMP_ACT_ALLOW
	// ptrace: SCMP_ACT_ERRNO 1
	// dropped lseek: below --min-runs 2 (baseline allows it: false)
	// dropped read: below --min-runs 2 (baseline allows it: true)
}
