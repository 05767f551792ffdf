package runtimetest_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/internal/runtimetest"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// TestContainersCommonProfileUnderRuncAndCrun: podman's default profile
// (containers-common's seccomp.json, with defaultErrno, errno names and
// conditional entries) as seccomp-gen reads it, for Docker's default
// capabilities, is loaded by runc and crun, and the probe gets the answers
// the policy says: the runtimes are the oracle of what it means.
func TestContainersCommonProfileUnderRuncAndCrun(t *testing.T) {
	requireRuntimes(t)
	sg := buildSG(t)
	b := newBundle(t)
	traceProbe(t, sg, b) // builds /probe
	p, _, err := emit.Read(filepath.Join("..", "..", "testdata", "profiles", "containers-common-0.50.1.json"))
	if err != nil {
		t.Fatal(err)
	}
	obj, err := emit.OCI(p)
	if err != nil {
		t.Fatal(err)
	}
	// The probe calls syscall(nr, 1, 0, 0, 0, 0, 0). What the kernel says
	// when the filter lets a call through, chosen to differ from every
	// answer the filter gives.
	kernel := map[string]string{
		"write":       "ok",       // write(1, NULL, 0)
		"getpriority": "ok",       // getpriority(PRIO_PGRP, 0)
		"chroot":      "errno 14", // chroot((char *)1): EFAULT; kept for CAP_SYS_CHROOT
		"unshare":     "errno 22", // unshare(1): EINVAL; containers-common allows unshare
	}
	// personality(1): only 0, 8, 0x20000, 0x20008, 0xffffffff are allowed,
	// so the default (defaultErrno ENOSYS) answers; userfaultfd and kcmp:
	// the EPERM rule (errno "EPERM"; kcmp's allow needs CAP_SYS_PTRACE).
	names := []string{"write", "getpriority", "chroot", "unshare", "personality", "userfaultfd", "kcmp"}
	var args []string
	var want strings.Builder
	for _, n := range names {
		nr, err := scmp.Number("x86_64", n)
		if err != nil {
			t.Fatal(err)
		}
		args = append(args, fmt.Sprint(nr))
		v := p.EvalArch("x86_64", n, [6]uint64{1})
		switch {
		case v.Action == policy.ActAllow:
			k, ok := kernel[n]
			if !ok {
				t.Fatalf("%s: allowed by the policy; the test has no kernel answer for it", n)
			}
			fmt.Fprintf(&want, "%d: %s\n", nr, k)
		case v.Action == policy.ActErrno && v.Errno == 1:
			fmt.Fprintf(&want, "%d: EPERM\n", nr)
		case v.Action == policy.ActErrno && v.Errno == 38:
			fmt.Fprintf(&want, "%d: ENOSYS\n", nr)
		default:
			fmt.Fprintf(&want, "%d: errno %d\n", nr, v.Errno)
		}
	}
	if !strings.Contains(want.String(), "ENOSYS") || !strings.Contains(want.String(), "EPERM") {
		t.Fatalf("the policy's answers %q lack ENOSYS or EPERM: the profile was not read as podman reads it", want.String())
	}
	ctx := context.Background()
	for _, rt := range runtimetest.Runtimes {
		for _, nnp := range []bool{true, false} {
			b.SetNoNewPrivileges(nnp)
			b.SetSeccomp(obj)
			b.SetArgs(append([]string{"/probe"}, args...)...)
			res, err := b.Run(ctx, rt)
			if err != nil || res.ExitCode != 0 || res.Stdout != want.String() {
				t.Errorf("%s nnp=%v: %v %v\nwant stdout %q", rt, nnp, res, err, want.String())
			}
		}
	}
	// Without a profile personality and userfaultfd succeed: the test can
	// tell a filter's answer from the kernel's.
	b.SetSeccomp(nil)
	b.SetArgs("/probe", "135", "323")
	if res, err := b.Run(ctx, "runc"); err != nil || res.Stdout != "135: ok\n323: ok\n" {
		t.Errorf("without a profile: %v %v", res, err)
	}
}
