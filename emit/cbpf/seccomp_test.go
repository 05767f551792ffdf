package cbpf

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// The seccomp tests re-execute the test binary as a child that installs a
// compiled filter (no_new_privs, no root needed) and then makes syscalls.
const (
	childEnv  = "SECCOMP_GEN_CBPF_CHILD"
	filterEnv = "SECCOMP_GEN_CBPF_FILTER"
	execEnv   = "SECCOMP_GEN_CBPF_EXEC"
	beyondEnv = "SECCOMP_GEN_CBPF_BEYOND"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(child(mode))
	}
	EnableFilterVerification() // as the commands do
	os.Exit(m.Run())
}

// child runs in the re-executed test binary.
func child(mode string) int {
	prog, err := ReadFile(os.Getenv(filterEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	pid := os.Getpid()
	ppid := os.Getppid()
	beyond, _ := strconv.Atoi(os.Getenv(beyondEnv))
	runtime.LockOSThread() // the filter applies to this thread (and what it execs)
	if err := Install(prog, 0); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	switch mode {
	case "syscalls":
		r, _, e := unix.RawSyscall(unix.SYS_GETPID, 0, 0, 0)
		fmt.Printf("getpid=%v/%d\n", int(r) == pid, e)
		r, _, e = unix.RawSyscall(unix.SYS_GETPPID, 0, 0, 0)
		fmt.Printf("getppid=%v/%d\n", int(r) == ppid, e)
		_, _, e = unix.RawSyscall(uintptr(beyond), 0, 0, 0)
		fmt.Printf("beyond=%d\n", e)
		_, _, e = unix.RawSyscall(1000, 0, 0, 0)
		fmt.Printf("nr1000=%d\n", e)
		return 0
	case "x32":
		fmt.Println("installed")
		unix.RawSyscall(uintptr(X32SyscallBit|unix.SYS_GETPID), 0, 0, 0)
		fmt.Println("survived the x32 syscall")
		return 0
	case "exec":
		path := os.Getenv(execEnv)
		err := syscall.Exec(path, []string{path}, os.Environ())
		fmt.Fprintln(os.Stderr, "exec:", err)
		return 4
	}
	return 5
}

// allBut allows every syscall libseccomp knows on arches except deny.
func allBut(t testing.TB, arches []string, deny ...string) []string {
	var out []string
	for _, a := range arches {
		names, err := scmp.Names(a)
		if err != nil {
			t.Fatal(err)
		}
	next:
		for _, n := range names {
			for _, d := range deny {
				if n == d {
					continue next
				}
			}
			out = append(out, n)
		}
	}
	return out
}

// runChild compiles p, starts the child in mode and returns its stdout and
// wait status.
func runChild(t *testing.T, p *policy.Policy, mode, execPath string) (string, syscall.WaitStatus) {
	t.Helper()
	if runtime.GOARCH != "amd64" {
		t.Skipf("the seccomp child tests are written for x86_64, not %s", runtime.GOARCH)
	}
	prog, err := Compile(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	filter := filepath.Join(dir, "filter.bpf")
	if err := os.WriteFile(filter, prog.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	max, _ := scmp.MaxNr("x86_64")
	cmd := exec.Command(self, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode, filterEnv+"="+filter, execEnv+"="+execPath,
		beyondEnv+"="+strconv.Itoa(max+1))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("child: %v", err)
	}
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Exited() && ws.ExitStatus() >= 3 {
		t.Fatalf("child could not run (status %d): %s%s", ws.ExitStatus(), out, stderr.String())
	}
	t.Logf("child %s: %q, %v, stderr %q", mode, out, ws, stderr.String())
	return string(out), ws
}

// TestSeccompEnforced loads the compiled filter in a child with
// no_new_privs: allowed syscalls work, a known-but-unobserved one gets
// EPERM, numbers beyond the table get ENOSYS.
func TestSeccompEnforced(t *testing.T) {
	arches := []string{"x86_64"}
	p := reducerPolicy(t, arches, allBut(t, arches, "getppid"))
	out, ws := runChild(t, p, "syscalls", "")
	if !ws.Exited() || ws.ExitStatus() != 0 {
		t.Fatalf("child status %v", ws)
	}
	want := fmt.Sprintf("getpid=true/0\ngetppid=false/%d\nbeyond=%d\nnr1000=%d\n", unix.EPERM, unix.ENOSYS, unix.ENOSYS)
	if out != want {
		t.Errorf("child printed\n%s\nwant\n%s", out, want)
	}
}

// TestSeccompX32Killed: an x32 syscall on an x86_64-only profile gets the
// bad-arch action: the process dies of SIGSYS.
func TestSeccompX32Killed(t *testing.T) {
	arches := []string{"x86_64"}
	p := reducerPolicy(t, arches, allBut(t, arches, "getppid"))
	out, ws := runChild(t, p, "x32", "")
	if !strings.Contains(out, "installed") || strings.Contains(out, "survived") {
		t.Errorf("child printed %q", out)
	}
	if !ws.Signaled() || ws.Signal() != syscall.SIGSYS {
		t.Errorf("child status %v, want killed by SIGSYS", ws)
	}
}

// int80 issues i386 syscalls with int $0x80 from a 64-bit program.
const int80Source = `#include <stdio.h>
#include <unistd.h>
static long int80(long nr) { long r; __asm__ volatile("int $0x80" : "=a"(r) : "a"(nr) : "memory"); return r; }
int main(void) {
	printf("started\n");
	fflush(stdout);
	long pid = int80(20);  /* i386 getpid */
	long ppid = int80(64); /* i386 getppid: 0 below means it worked, else -errno */
	printf("getpid=%s getppid=%ld\n", pid == (long)getpid() ? "ok" : "bad", ppid > 0 ? 0L : ppid);
	return 0;
}
`

func buildInt80(t *testing.T) string {
	t.Helper()
	testutil.RequireTool(t, "gcc")
	dir := t.TempDir()
	src := filepath.Join(dir, "int80.c")
	bin := filepath.Join(dir, "int80")
	if err := os.WriteFile(src, []byte(int80Source), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("gcc", "-O1", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	// without a filter the program works (the kernel runs i386 syscalls)
	out, err := exec.Command(bin).Output()
	if err != nil || !strings.Contains(string(out), "getpid=ok getppid=0") {
		t.Fatalf("int80 without a filter: %v %q (kernel without IA32 emulation?)", err, out)
	}
	return bin
}

// TestSeccompI386 execs a program under the filter (the filter survives
// execve, as replay --enforce needs) that issues i386 syscalls with
// int 0x80: killed on an x86_64-only profile; answered from the i386 table
// when the profile lists x86.
func TestSeccompI386(t *testing.T) {
	testutil.RequireIA32(t)
	bin := buildInt80(t)
	t.Run("x86_64 only: killed", func(t *testing.T) {
		arches := []string{"x86_64"}
		p := reducerPolicy(t, arches, allBut(t, arches, "getppid"))
		out, ws := runChild(t, p, "exec", bin)
		if out != "started\n" {
			t.Errorf("child printed %q, want only %q", out, "started\n")
		}
		if !ws.Signaled() || ws.Signal() != syscall.SIGSYS {
			t.Errorf("child status %v, want killed by SIGSYS", ws)
		}
	})
	t.Run("x86 listed: own table", func(t *testing.T) {
		arches := []string{"x86_64", "x86"}
		p := reducerPolicy(t, arches, allBut(t, arches, "getppid"))
		out, ws := runChild(t, p, "exec", bin)
		if want := fmt.Sprintf("started\ngetpid=ok getppid=%d\n", -int(unix.EPERM)); out != want {
			t.Errorf("child printed %q, want %q", out, want)
		}
		if !ws.Exited() || ws.ExitStatus() != 0 {
			t.Errorf("child status %v", ws)
		}
	})
}

func TestInstallRefusesBadProgram(t *testing.T) {
	if err := Install(Program{ldAbs(3), ret(RetAllow)}, 0); !errors.Is(err, ErrBadProgram) {
		t.Errorf("got %v", err)
	}
}
