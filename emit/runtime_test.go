package emit

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/runtimetest"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// probeSource prints what three kinds of syscalls answer: a known one the
// profile does not allow (getpriority), a number just beyond libseccomp's
// table (a syscall this kernel has but the profile cannot know), and, with
// "int80" or "x32", an i386 or x32 syscall.
const probeSource = `#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
static long int80(long nr) { long r; __asm__ volatile("int $0x80" : "=a"(r) : "a"(nr) : "memory"); return r; }
int main(int argc, char **argv) {
	if (argc > 2 && strcmp(argv[1], "x32") == 0) {
		printf("before\n");
		fflush(stdout);
		syscall(0x40000000 | SYS_getpid);
		printf("after\n");
		return 0;
	}
	if (argc > 2 && strcmp(argv[1], "int80") == 0) {
		printf("before\n");
		fflush(stdout);
		int80(20);
		printf("after\n");
		return 0;
	}
	long beyond = atol(argv[1]);
	errno = 0;
	long r = syscall(SYS_getpriority, 0, 0);
	int e1 = r < 0 ? errno : 0;
	errno = 0;
	r = syscall(beyond, 0, 0, 0, 0);
	int e2 = r < 0 ? errno : 0;
	printf("getpid=%s getpriority=%d beyond=%d\n", getpid() > 0 ? "ok" : "bad", e1, e2);
	return 0;
}
`

// TestRuntimesEnforceOCI runs a probe in a busybox bundle under runc and
// crun, with linux.seccomp set by SetOCIConfig from a reducer-style policy,
// in both noNewPrivileges modes: known-but-unobserved syscalls get EPERM
// and syscalls newer than the profile get ENOSYS under both runtimes (runc
// adds no stub because defaultErrnoRet is ENOSYS; crun never does), and an
// i386 or x32 syscall kills the container (neither ABI is listed).
func TestRuntimesEnforceOCI(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireTool(t, "runc", "crun", "gcc", "unshare")
	if runtime.GOARCH != "amd64" {
		t.Skip("the probe is x86_64 code")
	}
	if testing.Short() {
		t.Skip("runs containers; skipped with -short")
	}
	dir := t.TempDir()
	probe := filepath.Join(dir, "probe")
	src := probe + ".c"
	if err := os.WriteFile(src, []byte(probeSource), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("gcc", "-static", "-O1", "-o", probe, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc -static: %v\n%s", err, out)
	}
	max, err := scmp.MaxNr("x86_64")
	if err != nil {
		t.Fatal(err)
	}
	beyond := fmt.Sprint(max + 1)

	// The policy: every syscall libseccomp knows except getpriority is
	// allowed (so both runtimes start in both modes); getpriority is known
	// but unobserved.
	names, _ := scmp.Names("x86_64")
	var allow []string
	for _, n := range names {
		if n != "getpriority" {
			allow = append(allow, n)
		}
	}
	p := &policy.Policy{
		DefaultAction: policy.ActErrno, DefaultErrno: policy.Errno(policy.ENOSYS), Arches: []string{"x86_64"},
		Rules: []policy.Rule{
			{Names: allow, Action: policy.ActAllow},
			{Names: []string{"getpriority"}, Action: policy.ActErrno, Errno: policy.Errno(policy.EPERM)},
		},
	}

	b, err := runtimetest.NewBundle(filepath.Join(dir, "bundle"))
	if err != nil {
		t.Fatal(err)
	}
	if err := runtimetest.CopyFile(probe, filepath.Join(b.Rootfs, "bin", "probe"), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// Without a profile: the probe's syscalls work (or fail for reasons of
	// their own), so the answers below come from the profile.
	b.SetSeccomp(nil)
	b.SetArgs("/bin/probe", beyond)
	res, err := b.Run(ctx, "runc")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("without a profile: %v", res)
	if !strings.Contains(res.Stdout, "getpriority=0 ") || strings.Contains(res.Stdout, "beyond=38") {
		t.Fatalf("without a profile: %v (want getpriority=0 and beyond != ENOSYS on this kernel)", res)
	}

	// Set linux.seccomp through SetOCIConfig on the bundle's config.json.
	if err := b.Write(); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(b.Dir, "config.json")
	if err := SetOCIConfig(cfg, p); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b.Config = nil
	if err := json.Unmarshal(data, &b.Config); err != nil {
		t.Fatal(err)
	}

	want := fmt.Sprintf("getpid=ok getpriority=%d beyond=%d\n", policy.EPERM, policy.ENOSYS)
	for _, rt := range runtimetest.Runtimes {
		for _, nnp := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/noNewPrivileges=%v", rt, nnp), func(t *testing.T) {
				b.SetNoNewPrivileges(nnp)
				b.SetArgs("/bin/probe", beyond)
				res, err := b.Run(ctx, rt)
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("%v", res)
				if res.ExitCode != 0 || res.Stdout != want {
					t.Errorf("%v\nwant stdout %q", res, want)
				}
				t.Run("int80", func(t *testing.T) {
					testutil.RequireIA32(t)
					b.SetArgs("/bin/probe", "int80", "x")
					res, err := b.Run(ctx, rt)
					if err != nil {
						t.Fatal(err)
					}
					t.Logf("%v", res)
					if res.Stdout != "before\n" || res.ExitCode != 128+31 {
						t.Errorf("i386 syscall: %v, want killed by SIGSYS (exit 159) after \"before\"", res)
					}
				})
				b.SetArgs("/bin/probe", "x32", "x")
				res, err = b.Run(ctx, rt)
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("%v", res)
				if res.Stdout != "before\n" || res.ExitCode != 128+31 {
					t.Errorf("x32 syscall: %v, want killed by SIGSYS (exit 159) after \"before\"", res)
				}
			})
		}
	}
}
