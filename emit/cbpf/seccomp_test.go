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
	argsEnv   = "SECCOMP_GEN_CBPF_ARGS"
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
	if mode == "load" {
		return loadRaw(strings.Split(os.Getenv(filterEnv), string(os.PathListSeparator)))
	}
	if mode == "words" {
		return kernelWords(os.Getenv(filterEnv), os.Getenv(argsEnv))
	}
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

// loadRaw hands each file's bytes to seccomp(2) as they are, without Check,
// and prints one line per file: "accepted" or the errno. Every program it
// is given returns SCMP_ACT_ALLOW on every path, so the filters it stacks
// change nothing for the child.
func loadRaw(paths []string) int {
	runtime.LockOSThread() // no_new_privs and the filters are per thread
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	for _, path := range paths {
		raw, err := os.ReadFile(path)
		if err != nil || len(raw) == 0 || len(raw)%InstructionSize != 0 {
			fmt.Fprintln(os.Stderr, path, err)
			return 3
		}
		filter := make([]unix.SockFilter, len(raw)/InstructionSize)
		for i := range filter {
			o := i * InstructionSize
			filter[i] = unix.SockFilter{Code: uint16(raw[o]) | uint16(raw[o+1])<<8, Jt: raw[o+2], Jf: raw[o+3],
				K: uint32(raw[o+4]) | uint32(raw[o+5])<<8 | uint32(raw[o+6])<<16 | uint32(raw[o+7])<<24}
		}
		prog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
		if err := load(&prog, 0); err != nil {
			fmt.Println(errors.Unwrap(err))
		} else {
			fmt.Println("accepted")
		}
	}
	return 0
}

// TestCheckAgreesWithKernel hands programs at the edges of what seccomp
// filters may hold to the kernel (seccomp(2) in a child with no_new_privs,
// no root needed) and to Check: Check must accept exactly those the kernel
// loads. The kernel's seccomp_check_filter allows fewer opcodes than
// classic BPF (no mod, no neg with an X operand, no code of 0x100 or more),
// and its check_load_and_stores refuses a load from a scratch word that is
// not stored on every path to it.
func TestCheckAgreesWithKernel(t *testing.T) {
	allow := ret(RetAllow)
	alu := func(op, src uint16, k uint32) Instruction { return Instruction{Code: clsALU | op | src, K: k} }
	long := func(n int) Program {
		p := make(Program, n)
		for i := range p {
			p[i] = ldAbs(offNr)
		}
		p[n-1] = allow
		return p
	}
	cases := []struct {
		name string
		prog Program
	}{
		{"ret", Program{allow}},
		{"4096 instructions", long(MaxInstructions)},
		{"4097 instructions", long(MaxInstructions + 1)},
		{"ja to the last", Program{ja(0), allow}},
		{"ja past the end", Program{ja(1), allow}},
		{"jeq to the last", Program{jeq(0, 0, 0), allow}},
		{"jeq jt past the end", Program{jeq(0, 1, 0), allow}},
		{"jeq jf past the end", Program{jeq(0, 0, 1), allow}},
		{"no return at the end", Program{allow, ldAbs(offNr)}},
		{"ld nr", Program{ldAbs(offNr), allow}},
		{"add k", Program{alu(aluADD, srcK, 1), allow}},
		{"xor x", Program{alu(aluXOR, srcX, 0), allow}},
		{"div k", Program{alu(aluDIV, srcK, 3), allow}},
		{"div x", Program{{Code: clsLDX | modeIMM, K: 2}, alu(aluDIV, srcX, 0), allow}}, // X = 0 would kill the thread
		{"div k 0", Program{alu(aluDIV, srcK, 0), allow}},
		{"lsh k 31", Program{alu(aluLSH, srcK, 31), allow}},
		{"rsh k 32", Program{alu(aluRSH, srcK, 32), allow}},
		{"neg", Program{alu(aluNEG, srcK, 0), allow}},
		{"neg x", Program{alu(aluNEG, srcX, 0), allow}},
		{"mod k", Program{alu(aluMOD, srcK, 3), allow}},
		{"mod x", Program{alu(aluMOD, srcX, 0), allow}},
		{"alu 0xb0", Program{alu(0xb0, srcK, 1), allow}},
		{"ld len", Program{{Code: clsLD | szW | modeLEN}, {Code: clsLDX | szW | modeLEN}, allow}},
		{"jeq x", Program{{Code: clsJMP | jmpJEQ | srcX}, allow}},
		{"ja x", Program{{Code: clsJMP | jmpJA | srcX}, allow}},
		{"add with 0x100", Program{{Code: 0x100 | clsALU | aluADD, K: 1}, allow}},
		{"jeq with 0x100", Program{{Code: 0x100 | clsJMP | jmpJEQ}, allow}},
		{"ld with 0x8000", Program{{Code: 0x8000 | clsLD | szW | modeABS}, allow}},
		{"ret with 0x100", Program{{Code: 0x100 | clsRET, K: RetAllow}}},
		{"st M[15]", Program{{Code: clsST, K: 15}, allow}},
		{"st M[16]", Program{{Code: clsST, K: 16}, allow}},
		{"st then ld", Program{{Code: clsST, K: 3}, {Code: clsLD | modeMEM, K: 3}, allow}},
		{"stx then ldx", Program{{Code: clsSTX, K: 0}, {Code: clsLDX | modeMEM, K: 0}, allow}},
		{"ld never stored", Program{{Code: clsLD | modeMEM, K: 3}, allow}},
		{"ldx other word", Program{{Code: clsST, K: 2}, {Code: clsLDX | modeMEM, K: 3}, allow}},
		// stored on the false path only
		{"ld stored on one path", Program{jeq(0, 1, 0), {Code: clsST, K: 0}, {Code: clsLD | modeMEM, K: 0}, allow}},
		// stored on the true path only
		{"ld stored on the other path", Program{jeq(0, 0, 1), {Code: clsST, K: 0}, {Code: clsLD | modeMEM, K: 0}, allow}},
		// The load (5) is reached only from 2, after the store; the
		// path through 3 does not store but its ja jumps past the load,
		// and the kernel starts afresh after a jump.
		{"ld after a ja elsewhere", Program{jeq(0, 0, 2), {Code: clsST, K: 0}, jeq(0, 2, 2), ja(2), allow, {Code: clsLD | modeMEM, K: 0}, allow}},
		// stored before the jump: valid on both paths
		{"ld stored before a jump", Program{{Code: clsST, K: 0}, jeq(0, 1, 0), ldAbs(offNr), {Code: clsLD | modeMEM, K: 0}, allow}},
		// stored on both paths
		{"ld stored on both paths", Program{jeq(0, 2, 0), {Code: clsST, K: 1}, ja(1), {Code: clsSTX, K: 1}, {Code: clsLD | modeMEM, K: 1}, allow}},
		// stored on one path only, the other jumps over with ja
		{"ld after ja over the store", Program{ja(1), {Code: clsST, K: 1}, {Code: clsLD | modeMEM, K: 1}, allow}},
		// after a return the kernel does not reset what is stored: the
		// load is unreachable, and accepted
		{"ld after a return", Program{{Code: clsST, K: 4}, allow, {Code: clsLD | modeMEM, K: 4}, allow}},
	}
	dir := t.TempDir()
	var paths []string
	for i, c := range cases {
		path := filepath.Join(dir, fmt.Sprintf("%d.bpf", i))
		if err := os.WriteFile(path, c.prog.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=load", filterEnv+"="+strings.Join(paths, string(os.PathListSeparator)))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v: %s", err, stderr.String())
	}
	kernel := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(kernel) != len(cases) {
		t.Fatalf("child printed %q for %d programs", out, len(cases))
	}
	for i, c := range cases {
		accepted := kernel[i] == "accepted"
		if !accepted && kernel[i] != unix.EINVAL.Error() {
			t.Errorf("%s: the kernel says %q", c.name, kernel[i])
			continue
		}
		err := c.prog.Check()
		if err != nil && !errors.Is(err, ErrBadProgram) {
			t.Errorf("%s: Check: %v, not ErrBadProgram", c.name, err)
		}
		if (err == nil) != accepted {
			t.Errorf("%s: kernel accepted %v, Check says %v\n%s", c.name, accepted, err, disasm(c.prog))
		}
	}
}

// wordsNr is the syscall number on which wordsFilter runs its body: none
// on x86_64, and the filter answers it before the kernel would look.
const wordsNr = 999

// wordsFilter wraps body so that the kernel reports what it leaves in A:
// for syscall wordsNr it starts with A = args[0] and X = args[1] (low
// words), runs body, and returns ERRNO with 12 bits of A, from bit args[2]
// on (errno is at most 4095); every other syscall is allowed.
func wordsFilter(body Program) Program {
	prog := Program{ldAbs(offNr), jeq(wordsNr, 0, 0), ldAbs(offArgs + 8), {Code: clsMISC | miscTAX}, ldAbs(offArgs)}
	prog = append(prog, body...)
	prog = append(prog,
		Instruction{Code: clsST, K: 15},
		ldAbs(offArgs+16),
		Instruction{Code: clsMISC | miscTAX},
		Instruction{Code: clsLD | modeMEM, K: 15},
		Instruction{Code: clsALU | aluRSH | srcX},
		Instruction{Code: clsALU | aluAND | srcK, K: 0xfff},
		Instruction{Code: clsALU | aluOR | srcK, K: RetErrno},
		Instruction{Code: clsRET | retA},
		ret(RetAllow))
	prog[1].Jf = uint8(len(prog) - 3)
	return prog
}

// kernelWords installs the filter and makes syscall wordsNr with each line
// of argument words in argsFile, printing the errno it gets.
func kernelWords(filterFile, argsFile string) int {
	prog, err := ReadFile(filterFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	lines, err := os.ReadFile(argsFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	runtime.LockOSThread()
	if err := Install(prog, 0); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	var out strings.Builder
	for _, line := range strings.Fields(string(lines)) {
		var a [3]uint64
		if _, err := fmt.Sscanf(line, "%x,%x,%x", &a[0], &a[1], &a[2]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 3
		}
		r, _, e := unix.RawSyscall6(wordsNr, uintptr(a[0]), uintptr(a[1]), uintptr(a[2]), 0, 0, 0)
		if e == 0 && int64(r) < 0 {
			// Go takes -4095 for a result, not an error (its
			// errors are -4094..-1); the kernel returns -errno
			// for every errno up to 4095.
			e = unix.Errno(-int64(r))
		}
		fmt.Fprintf(&out, "%d\n", int(e))
	}
	fmt.Print(out.String())
	return 0
}

// TestInterpreterAgreesWithKernel runs every instruction a seccomp filter
// may hold (loads, stores, the ALU operations with constant and X operands,
// the jumps) in the kernel and in the interpreter, on argument words around
// the edges (0, 1, the constants, 31 to 33 for shifts, the sign bit, all
// ones) and compares the result in A, 12 bits at a time (wordsFilter).
// libseccomp's filters use only ld, jeq, jgt, jge, jset, and and ret, so the
// other instructions are met only in raw filters (disasm, check and replay
// take them); for those the kernel is the only reference.
func TestInterpreterAgreesWithKernel(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("syscall %d is free on x86_64, not known on %s", wordsNr, runtime.GOARCH)
	}
	alu := func(op, src uint16, k uint32) Instruction { return Instruction{Code: clsALU | op | src, K: k} }
	// cond leaves 0x111 in A where the jump is taken, else 0x222.
	cond := func(j Instruction) Program {
		j.Jt, j.Jf = 0, 2
		return Program{j, {Code: clsLD | modeIMM, K: 0x111}, ja(1), {Code: clsLD | modeIMM, K: 0x222}}
	}
	jmp := func(op, src uint16, k uint32) Instruction { return Instruction{Code: clsJMP | op | src, K: k} }
	bodies := []struct {
		name     string
		body     Program
		xNonZero bool // divides by X: X = 0 would kill the thread
	}{
		{"nothing", nil, false},
		{"add k", Program{alu(aluADD, srcK, 0x7fffffff)}, false},
		{"add x", Program{alu(aluADD, srcX, 0)}, false},
		{"sub k", Program{alu(aluSUB, srcK, 5)}, false},
		{"sub x", Program{alu(aluSUB, srcX, 0)}, false},
		{"mul k", Program{alu(aluMUL, srcK, 0x10001)}, false},
		{"mul x", Program{alu(aluMUL, srcX, 0)}, false},
		{"div k", Program{alu(aluDIV, srcK, 7)}, false},
		{"div x", Program{alu(aluDIV, srcX, 0)}, true},
		{"or k", Program{alu(aluOR, srcK, 0x0f0f0f0f)}, false},
		{"or x", Program{alu(aluOR, srcX, 0)}, false},
		{"and k", Program{alu(aluAND, srcK, 0xff00ff00)}, false},
		{"and x", Program{alu(aluAND, srcX, 0)}, false},
		{"xor k", Program{alu(aluXOR, srcK, 0x0f0f0f0f)}, false},
		{"xor x", Program{alu(aluXOR, srcX, 0)}, false},
		{"lsh k", Program{alu(aluLSH, srcK, 5)}, false},
		{"lsh x", Program{alu(aluLSH, srcX, 0)}, false}, // X of 32 and more too
		{"rsh k", Program{alu(aluRSH, srcK, 5)}, false},
		{"rsh x", Program{alu(aluRSH, srcX, 0)}, false},
		{"neg", Program{alu(aluNEG, srcK, 0)}, false},
		{"ld len", Program{{Code: clsLD | szW | modeLEN}}, false},
		{"ldx len", Program{{Code: clsLDX | szW | modeLEN}, {Code: clsMISC | miscTXA}}, false},
		{"ld imm", Program{{Code: clsLD | modeIMM, K: 0xabcdef12}}, false},
		{"ldx imm", Program{{Code: clsLDX | modeIMM, K: 0xabcdef12}, {Code: clsMISC | miscTXA}}, false},
		{"tax", Program{{Code: clsMISC | miscTAX}, {Code: clsLD | modeIMM, K: 0}, {Code: clsMISC | miscTXA}}, false},
		{"txa", Program{{Code: clsMISC | miscTXA}}, false},
		{"st ld", Program{{Code: clsST, K: 3}, {Code: clsLD | modeIMM, K: 0}, {Code: clsLD | modeMEM, K: 3}}, false},
		{"stx ldx", Program{{Code: clsSTX, K: 5}, {Code: clsLDX | modeIMM, K: 0}, {Code: clsLDX | modeMEM, K: 5}, {Code: clsMISC | miscTXA}}, false},
		{"ld seccomp_data", Program{ldAbs(offArch)}, false},
		{"jeq k", cond(jmp(jmpJEQ, srcK, 5)), false},
		{"jeq x", cond(jmp(jmpJEQ, srcX, 0)), false},
		{"jgt k", cond(jmp(jmpJGT, srcK, 5)), false},
		{"jgt x", cond(jmp(jmpJGT, srcX, 0)), false},
		{"jge k", cond(jmp(jmpJGE, srcK, 5)), false},
		{"jge x", cond(jmp(jmpJGE, srcX, 0)), false},
		{"jset k", cond(jmp(jmpJSET, srcK, 0x80000004)), false},
		{"jset x", cond(jmp(jmpJSET, srcX, 0)), false},
	}
	words := []uint64{0, 1, 4, 5, 6, 31, 32, 33, 0x7fffffff, 0x80000000, 0x80000004, 0xfffffffe, 0xffffffff, 0x12345678}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for i, b := range bodies {
		prog := wordsFilter(b.body)
		var args [][3]uint64
		var lines strings.Builder
		for _, a0 := range words {
			for _, a1 := range words {
				if a1 == 0 && b.xNonZero {
					continue
				}
				for _, w := range []uint64{0, 12, 24} {
					// high words the filter must not read
					a := [3]uint64{a0 | 0xa5a5a5a5<<32, a1 | 0x5a5a5a5a<<32, w}
					args = append(args, a)
					fmt.Fprintf(&lines, "%x,%x,%x\n", a[0], a[1], a[2])
				}
			}
		}
		filter := filepath.Join(dir, fmt.Sprintf("%d.bpf", i))
		argsFile := filepath.Join(dir, fmt.Sprintf("%d.args", i))
		if err := os.WriteFile(filter, prog.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(argsFile, []byte(lines.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(self, "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"=words", filterEnv+"="+filter, argsEnv+"="+argsFile)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: child: %v: %s", b.name, err, stderr.String())
		}
		kernel := strings.Fields(string(out))
		if len(kernel) != len(args) {
			t.Fatalf("%s: child printed %d answers for %d calls", b.name, len(kernel), len(args))
		}
		failures := 0
		for j, a := range args {
			r, err := prog.Run(Data{Nr: wordsNr, Arch: AuditArchX86_64, Args: [6]uint64{a[0], a[1], a[2]}})
			if err != nil {
				t.Fatalf("%s: %v", b.name, err)
			}
			got := fmt.Sprint(r.Data)
			if r.Action != policy.ActErrno {
				got = r.String()
			}
			if got != kernel[j] {
				if failures++; failures <= 5 {
					t.Errorf("%s: A=%#x X=%#x, bits %d..%d of A: interpreter %s, kernel %s", b.name, uint32(a[0]), uint32(a[1]), a[2], a[2]+11, got, kernel[j])
				}
			}
		}
	}
}

// divSource makes syscall wordsNr with X = 5, then with X = 0, under
// divFilter.
const divSource = `#include <errno.h>
#include <stdio.h>
#include <unistd.h>
int main(void) {
	long r = syscall(999, 5L);
	printf("x=5: %ld %d\n", r, errno);
	fflush(stdout);
	syscall(999, 0L);
	printf("x=0: survived\n");
	return 0;
}
`

// TestDivisionByZeroKills: a division by an X of 0 ends the filter with 0
// (SECCOMP_RET_KILL_THREAD) in the kernel, which Check cannot refuse ahead
// of time as it does a constant 0. A single-threaded program (gcc, exec'd
// under the filter) dies of SIGSYS; the interpreter must answer kill.
func TestDivisionByZeroKills(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("syscall %d is free on x86_64, not known on %s", wordsNr, runtime.GOARCH)
	}
	testutil.RequireTool(t, "gcc")
	dir := t.TempDir()
	src, bin := filepath.Join(dir, "div.c"), filepath.Join(dir, "div")
	if err := os.WriteFile(src, []byte(divSource), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("gcc", "-O1", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	// for syscall wordsNr: ERRNO(500 / args[0]); everything else runs
	prog := Program{
		ldAbs(offNr),
		jeq(wordsNr, 0, 6),
		ldAbs(offArgs),
		{Code: clsMISC | miscTAX},
		{Code: clsLD | modeIMM, K: 500},
		{Code: clsALU | aluDIV | srcX},
		{Code: clsALU | aluOR | srcK, K: RetErrno},
		{Code: clsRET | retA},
		ret(RetAllow),
	}
	filter := filepath.Join(dir, "div.bpf")
	if err := os.WriteFile(filter, prog.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=exec", filterEnv+"="+filter, execEnv+"="+bin)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, _ := cmd.Output()
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	t.Logf("child: %q, %v, stderr %q", out, ws, stderr.String())

	five, err := prog.Run(Data{Nr: wordsNr, Arch: AuditArchX86_64, Args: [6]uint64{5}})
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("x=5: -1 %d\n", five.Data); five.Action != policy.ActErrno || !strings.HasPrefix(string(out), want) {
		t.Fatalf("X = 5: interpreter %v, kernel printed %q", five, out)
	}
	zero, err := prog.Run(Data{Nr: wordsNr, Arch: AuditArchX86_64})
	if err != nil {
		t.Fatal(err)
	}
	kernelKilled := ws.Signaled() && ws.Signal() == syscall.SIGSYS && !strings.Contains(string(out), "survived")
	if killing(zero.Action) != kernelKilled {
		t.Errorf("X = 0: interpreter %v, kernel killed %v (status %v, output %q)", zero, kernelKilled, ws, out)
	}
}
