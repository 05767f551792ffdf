package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// calls32 makes the calls whose 32-bit names differ from the 64-bit ones:
// mmap2, _llseek, fcntl64, getuid32, ugetrlimit and socketcall(SYS_SOCKET)
// in a static i386 build.
const calls32 = `#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
int main(int argc, char **argv) {
	struct stat st;
	struct rlimit rl;
	int fd = open(argv[0], O_RDONLY);
	if (fd < 0 || fstat(fd, &st) != 0 || lseek(fd, 1, SEEK_SET) != 1 || fcntl(fd, F_GETFD) < 0)
		return 1;
	if (mmap(0, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED || socket(AF_UNIX, SOCK_STREAM, 0) < 0)
		return 2;
	(void)getuid();
	return getrlimit(RLIMIT_NOFILE, &rl) != 0;
}
`

// A program built for i386 and for x86_64, each traced: the aarch64
// profile from the i386 trace allows what the one from the x86_64 trace
// allows (the 32-bit names mapped to the 64-bit ones), but for statx, which
// 32-bit glibc uses where 64-bit glibc uses newfstatat.
func TestGenerate32BitTraceForAnotherMachine(t *testing.T) {
	testutil.RequireRoot(t)
	if runtime.GOARCH != "amd64" {
		t.Skipf("gcc -m32 builds i386 programs on x86_64 hosts; this is %s", runtime.GOARCH)
	}
	testutil.RequireIA32(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "calls.c"), []byte(calls32), 0o644); err != nil {
		t.Fatal(err)
	}
	allowed := map[string][]string{}
	for _, build := range []struct{ name, flag string }{{"calls32", "-m32"}, {"calls64", "-m64"}} {
		if out, err := exec.Command("gcc", build.flag, "-static", "-O1", "-o", filepath.Join(dir, build.name), filepath.Join(dir, "calls.c")).CombinedOutput(); err != nil {
			testutil.SkipOrFail(t, "gcc "+build.flag+" -static does not build (gcc-multilib missing?): "+strings.TrimSpace(string(out)))
		}
		tr := build.name + ".yaml"
		if _, stderr, code := sg(t, dir, "trace", "-o", tr, "--", "./"+build.name); code != 0 {
			t.Fatalf("trace %s: exit %d: %s", build.name, code, stderr)
		}
		out, stderr, code := sg(t, dir, "generate", "--baseline", "none", "--no-arg-rules", "--arch", "aarch64", tr)
		if code != 0 {
			t.Fatalf("generate %s: exit %d: %s", tr, code, stderr)
		}
		var p struct {
			Syscalls []struct {
				Names  []string
				Action string
			}
		}
		if err := json.Unmarshal([]byte(out), &p); err != nil {
			t.Fatal(err)
		}
		for _, s := range p.Syscalls {
			if s.Action == "SCMP_ACT_ALLOW" {
				allowed[build.name] = append(allowed[build.name], s.Names...)
			}
		}
		if build.name == "calls32" {
			for _, m := range []string{"mmap2 does not exist there, allowed as mmap", "_llseek does not exist there, allowed as lseek",
				"socketcall does not exist there, allowed as socket", "getuid32 does not exist there, allowed as getuid"} {
				if !strings.Contains(stderr, "generate: aarch64: "+m) {
					t.Errorf("report lacks %q:\n%s", m, stderr)
				}
			}
		}
	}
	for _, n := range allowed["calls64"] {
		if !slices.Contains(allowed["calls32"], n) && n != "newfstatat" {
			t.Errorf("the aarch64 profile of the x86_64 build allows %s, the one of the i386 build does not (it allows %v)", n, allowed["calls32"])
		}
	}
	for _, n := range []string{"mmap", "lseek", "fcntl", "getuid", "socket", "prlimit64"} {
		if !slices.Contains(allowed["calls64"], n) {
			t.Errorf("the x86_64 build did not call %s (the test no longer checks its mapping): %v", n, allowed["calls64"])
		}
	}
}

// The same program built for x86_64 and for i386: the x86 profile generated
// from the x86_64 build's trace lets the i386 build run under the filter
// (replay --enforce): it allows fcntl64, _llseek, getuid32, mmap2, statx,
// utimensat_time64, set_thread_area, sigreturn ... beside the 64-bit names.
// clone3 gets ENOSYS by design (glibc falls back to clone).
func TestGenerateX86From64BitTrace(t *testing.T) {
	testutil.RequireRoot(t)
	if runtime.GOARCH != "amd64" {
		t.Skipf("gcc -m32 builds i386 programs on x86_64 hosts; this is %s", runtime.GOARCH)
	}
	testutil.RequireIA32(t)
	dir := t.TempDir()
	src, err := filepath.Abs(filepath.Join("testdata", "abi32.c"))
	if err != nil {
		t.Fatal(err)
	}
	for _, build := range []struct{ name, flag string }{{"abi32", "-m32"}, {"abi64", "-m64"}} {
		if out, err := exec.Command("gcc", build.flag, "-static", "-O1", "-pthread", "-D_FILE_OFFSET_BITS=64", "-D_TIME_BITS=64",
			"-o", filepath.Join(dir, build.name), src).CombinedOutput(); err != nil {
			testutil.SkipOrFail(t, "gcc "+build.flag+" -static does not build (gcc-multilib missing?): "+strings.TrimSpace(string(out)))
		}
	}
	if _, stderr, code := sg(t, dir, "trace", "-o", "abi64.yaml", "--", "./abi64"); code != 0 {
		t.Fatalf("trace: exit %d: %s", code, stderr)
	}
	if _, stderr, code := sg(t, dir, "generate", "--baseline", "none", "--arch", "x86", "-o", "x86.json", "abi64.yaml"); code != 0 {
		t.Fatalf("generate: exit %d: %s", code, stderr)
	} else if !strings.Contains(stderr, "generate: x86: fcntl also allowed as fcntl64, the name a 32-bit build calls") {
		t.Errorf("generate does not report the 32-bit names:\n%s", stderr)
	}
	out, stderr, code := sg(t, dir, "replay", "--enforce", "--profile", "x86.json", "--", "./abi32")
	if !strings.Contains(out+stderr, "abi ok") {
		t.Errorf("the i386 build failed under the x86 profile (exit %d):\n%s%s", code, out, stderr)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "denied by the filter") && !strings.HasPrefix(line, "clone3 ") {
			t.Errorf("denied: %s", line)
		}
	}
}

// TestGenerateNativeUnlistedSaidOnce: a profile covering x86 but not the
// host's x86_64 is explained once, by the lint of the written file, not
// again by a note of generate's own.
func TestGenerateNativeUnlistedSaidOnce(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("the native ABI left out is x86_64's; this is %s", runtime.GOARCH)
	}
	dir := t.TempDir()
	_, stderr, code := sg(t, dir, "generate", "--arch", "x86", "-o", "x86.json", genTrace(t, "busybox-ls-l.yaml"))
	if code != 0 {
		t.Fatalf("generate: exit %d: %s", code, stderr)
	}
	var said []string
	for _, line := range strings.Split(stderr, "\n") {
		if strings.Contains(line, "x86_64") && strings.Contains(line, "they are not killed") {
			said = append(said, line)
		}
	}
	if len(said) != 1 || !strings.Contains(said[0], "[native-abi-unlisted]") {
		t.Errorf("the unlisted native ABI is explained %d times, want once by lint [native-abi-unlisted]:\n%s", len(said), strings.Join(said, "\n"))
	}
}

// TestGenerateBPFForAnotherMachineSaid: --format bpf of a profile covering
// x86 alone is a filter for a 32-bit x86 kernel (as --help says), which
// kills every x86_64 syscall on this machine; generate said only, through
// the lint of the profile, that x86_64 calls "are not killed" (true of the
// JSON under runc and crun, not of the filter written). It says so now,
// and not for a filter of this machine (x32 alone is one: x86_64's) or of
// a foreign one (aarch64).
func TestGenerateBPFForAnotherMachineSaid(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("the compat ABI is x86_64's; this is %s", runtime.GOARCH)
	}
	dir := t.TempDir()
	for _, c := range []struct {
		arch string
		said bool
	}{{"x86", true}, {"x86,x86_64", false}, {"aarch64", false}, {"x32", false}} {
		_, stderr, code := sg(t, dir, "generate", "--format", "bpf", "--arch", c.arch, "-o", "f.bpf", genTrace(t, "busybox-ls-l.yaml"))
		if code != 0 {
			t.Fatalf("--arch %s: exit %d: %s", c.arch, code, stderr)
		}
		said := strings.Contains(stderr, "generate: --format bpf: the filter is for a ")
		if said && !strings.Contains(stderr, "generate: --format bpf: the filter is for a x86 machine (the profile covers x86 only); loaded on this x86_64 machine it kills every x86_64 syscall: add --arch x86_64") {
			t.Errorf("--arch %s: not the words expected:\n%s", c.arch, stderr)
		}
		if said != c.said {
			t.Errorf("--arch %s: the other machine said %v, want %v:\n%s", c.arch, said, c.said, stderr)
		}
	}
}

// Comma-list flags are read item by item without the spaces around them,
// and empty items are left out: --arch " x86_64, x86" is x86_64 and x86,
// --allow "ptrace,,bpf," is ptrace and bpf. (They were taken as they were:
// unknown architecture " x86", and an empty --allow item reported as
// "syscall number 0 is unknown".)
func TestGenerateCommaListsTrimmed(t *testing.T) {
	dir := t.TempDir()
	tr := genTrace(t, "busybox-ls-l.yaml")
	_, stderr, code := sg(t, dir, "generate", "--baseline", "none", "--arch", " x86_64, x86 ", "--drop-arch", "x32,",
		"--allow", "ptrace,, bpf,", "-o", "p.json", tr)
	if code != 0 {
		t.Fatalf("generate: exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(filepath.Join(dir, "p.json"))
	if err != nil {
		t.Fatal(err)
	}
	// (--allow items that were not trimmed stop generate: exit 2.)
	for _, want := range []string{`"SCMP_ARCH_X86_64"`, `"SCMP_ARCH_X86"`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the profile lacks %s:\n%s", want, data)
		}
	}
}

// TestGenerateX32FromX86_64Trace: --arch x32 from an x86_64 trace is a
// profile for the x32 build of the program, which calls the x86_64 names
// (x32 is the x86_64 table with the x32 bit, plus numbers of its own from
// 512 for calls that pass structures, such as writev). Its x32 calls are
// covered by name; one the trace lacks is not. The x86_64 trace itself is
// covered too: runc and crun always add the native ABI, and generate's lint
// says so. (This kernel runs no x32 code, but its filters see x32 numbers.)
func TestGenerateX32FromX86_64Trace(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, lines ...string) string {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(traceYAML(lines...)), 0o644); err != nil {
			t.Fatal(err)
		}
		return name
	}
	tr := write("64.yaml", "  - {arch: x86_64, nr: 0, name: read, count: 1}", "  - {arch: x86_64, nr: 20, name: writev, count: 1}",
		"  - {arch: x86_64, nr: 231, name: exit_group, count: 1}")
	out, stderr, code := sg(t, dir, "generate", "--baseline", "none", "--arch", "x32", "-o", "x32.json", tr)
	if code != 0 || !strings.Contains(stderr, "x86_64 is not listed, but runc and crun never remove the native ABI") {
		t.Fatalf("generate --arch x32: exit %d\n%s%s", code, out, stderr)
	}
	data, err := os.ReadFile(filepath.Join(dir, "x32.json"))
	if err != nil || !strings.Contains(string(data), `"SCMP_ARCH_X32"`) || strings.Contains(string(data), `"SCMP_ARCH_X86_64"`) {
		t.Fatalf("profile: %v\n%s", err, data)
	}
	x32 := write("x32.yaml", "  - {arch: x32, nr: 1073741824, name: read, count: 1}", "  - {arch: x32, nr: 1073742340, name: writev, count: 1}",
		"  - {arch: x32, nr: 1073742055, name: exit_group, count: 1}")
	for _, tc := range []struct {
		trace string
		code  int
	}{
		{x32, 0},
		{tr, 0},
		{write("uname.yaml", "  - {arch: x32, nr: 1073741887, name: uname, count: 1}"), exitNotCovered},
	} {
		if out, stderr, code := sg(t, dir, "check", "-p", "x32.json", tc.trace); code != tc.code {
			t.Errorf("check %s: exit %d, want %d\n%s%s", tc.trace, code, tc.code, out, stderr)
		}
	}
}
