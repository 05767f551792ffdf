package recorder

// Privileged tests of the recorder through its Go API (Record). The
// test binary is its own command stub: trace's init hook runs in it too.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"

	"github.com/seccomp-gen/seccomp-gen/bpf"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

const recordTimeout = 3 * time.Minute

func recordOrFail(t *testing.T, opts Options) *Recording {
	t.Helper()
	testutil.RequireRoot(t)
	// A guard against a hang, not a timing: on a PVM guest with PTI and
	// no PCID, under load, a fork and exec took 5-25 ms, and the 5000
	// processes of TestProcessesCountedInBatches outlasted 30 s.
	ctx, cancel := context.WithTimeout(context.Background(), recordTimeout)
	defer cancel()
	if opts.Namer == nil {
		opts.Namer = scmp.Tables{}
	}
	rec, err := Record(ctx, opts)
	if err != nil {
		t.Fatalf("Record: %v", err)
	}
	if rec.Reason == "interrupted" && ctx.Err() != nil {
		t.Fatalf("Record did not end within %v", recordTimeout)
	}
	return rec
}

// lookup returns the entry for (arch, name), or nil.
func lookup(f *trace.File, arch, name string) *trace.Syscall {
	for i, s := range f.Syscalls {
		if s.Arch == arch && s.Name == name {
			return &f.Syscalls[i]
		}
	}
	return nil
}

func mustHave(t *testing.T, f *trace.File, arch, name string) *trace.Syscall {
	t.Helper()
	s := lookup(f, arch, name)
	if s == nil {
		t.Fatalf("trace lacks %s %s:\n%s", arch, name, dump(f))
	}
	return s
}

func dump(f *trace.File) string {
	var b strings.Builder
	_ = trace.Encode(&b, f)
	return b.String()
}

// compile builds a C program into the test's temp dir.
func compile(t *testing.T, name, src string, flags ...string) string {
	t.Helper()
	testutil.RequireTool(t, "gcc")
	dir := t.TempDir()
	c := filepath.Join(dir, name+".c")
	if err := os.WriteFile(c, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, name)
	args := append([]string{"-O2", "-o", bin, c}, flags...)
	if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc %s: %v\n%s", name, err, out)
	}
	return bin
}

func TestRecordCommand(t *testing.T) {
	testutil.RequireRoot(t)
	rec := recordOrFail(t, Options{Command: []string{"sh", "-c", "ls / >/dev/null; exit 3"}})
	f := rec.File
	if !rec.Exited || rec.ExitStatus != 3 || f.ExitCode == nil || *f.ExitCode != 3 {
		t.Errorf("exit: exited %v status %d, file %v; want 3", rec.Exited, rec.ExitStatus, f.ExitCode)
	}
	if f.Lost != 0 {
		t.Errorf("lost %d", f.Lost)
	}
	if f.Processes != 2 {
		t.Errorf("processes %d, want 2 (sh and ls)", f.Processes)
	}
	if got := strings.Join(f.Target.Command, " "); got != "sh -c ls / >/dev/null; exit 3" {
		t.Errorf("target %q", got)
	}
	if s := mustHave(t, f, "x86_64", "getdents64"); s.First != "ls" {
		t.Errorf("getdents64 first by %q, want ls", s.First)
	}
	// sh's execve (counted when the stub execs it) and ls's.
	if s := mustHave(t, f, "x86_64", "execve"); s.Count != 2 {
		t.Errorf("execve counted %d times, want 2", s.Count)
	}
	mustHave(t, f, "x86_64", "exit_group")
	// Nothing from the stub (a Go program named after the test binary) or
	// the tracer: only sh and ls ran.
	for _, s := range f.Syscalls {
		if s.First != "sh" && s.First != "ls" {
			t.Errorf("%s %s first issued by %q: not the command", s.Arch, s.Name, s.First)
		}
	}
	for _, n := range []string{"bpf", "seccomp", "clone3", "sigaltstack"} {
		if s := lookup(f, "x86_64", n); s != nil {
			t.Errorf("trace has %s (%d calls): the tracer's or the stub's Go runtime leaked in", n, s.Count)
		}
	}
	if f.Host.Arch != "x86_64" || f.Host.Kernel == "" || f.Version != trace.Version {
		t.Errorf("header: %+v version %d", f.Host, f.Version)
	}
}

func TestRecordExitStatuses(t *testing.T) {
	testutil.RequireRoot(t)
	rec := recordOrFail(t, Options{Command: []string{"sh", "-c", "kill -TERM $$"}})
	if rec.ExitStatus != 128+15 {
		t.Errorf("killed by SIGTERM: status %d, want 143", rec.ExitStatus)
	}
	_, err := Record(context.Background(), Options{Command: []string{"seccomp-gen-no-such-command"}})
	var ce *CommandError
	if !errors.As(err, &ce) || ce.Status != 127 || !errors.Is(err, ErrCommandNotFound) {
		t.Errorf("missing command: %v, want a CommandError with status 127", err)
	}
	_, err = Record(context.Background(), Options{Command: []string{"/etc/passwd"}})
	if !errors.As(err, &ce) || ce.Status != 126 {
		t.Errorf("non-executable command: %v, want status 126", err)
	}
	_, err = Record(context.Background(), Options{PID: 1 << 30})
	if !errors.Is(err, ErrNoProcess) {
		t.Errorf("missing pid: %v, want ErrNoProcess", err)
	}
	_, err = Record(context.Background(), Options{PID: os.Getpid()})
	if !errors.Is(err, ErrOptions) {
		t.Errorf("tracing the tracer: %v, want ErrOptions", err)
	}
	_, err = Record(context.Background(), Options{Cgroup: "/proc"})
	if !errors.Is(err, ErrNotCgroup2) {
		t.Errorf("/proc as cgroup: %v, want ErrNotCgroup2", err)
	}
}

// The storm (threads and int 0x80 at once, exact counts, lost 0) is the
// ground-truth workload testdata/workloads/storm.c (groundtruth_test.go).

const abiSrc = `
#include <sys/syscall.h>
#include <unistd.h>
int main(void) {
	for (int i = 0; i < 3; i++) {
		long r;
		__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory"); /* i386 getpid */
	}
	for (int i = 0; i < 2; i++)
		syscall(0x40000000 | 39); /* x32 getpid (ENOSYS without CONFIG_X86_X32_ABI) */
	long r;
	/* The x32 bit through int 0x80 is an i386 number (no syscall), not x32. */
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(0x40000000L | 20) : "memory");
	syscall(-1); /* -1 is x86_64's (the filters test it so), not x32's */
	return 0;
}
`

// int 0x80 from a 64-bit program is recorded as x86, the x32 bit as x32.
func TestRecordABIs(t *testing.T) {
	testutil.RequireIA32(t)
	bin := compile(t, "abis", abiSrc)
	rec := recordOrFail(t, Options{Command: []string{bin}})
	f := rec.File
	if s := mustHave(t, f, "x86", "getpid"); s.Nr != 20 || s.Count != 3 {
		t.Errorf("x86 getpid: nr %d count %d, want nr 20 count 3", s.Nr, s.Count)
	}
	if s := mustHave(t, f, "x32", "getpid"); s.Nr != 0x40000000|39 || s.Count != 2 {
		t.Errorf("x32 getpid: nr %#x count %d, want %#x count 2", s.Nr, s.Count, 0x40000000|39)
	}
	if s := lookup(f, "x86_64", "getpid"); s != nil {
		t.Errorf("x86_64 getpid recorded %d times; the program never issued it natively", s.Count)
	}
	probes := map[string]bool{}
	for _, p := range rec.Probes {
		probes[fmt.Sprintf("%s %#x %d", p.Arch, p.Nr, p.Count)] = true
	}
	for _, want := range []string{"x86 0x40000014 1", "x86_64 -0x1 1"} {
		if !probes[want] {
			t.Errorf("no probe %q among %v", want, probes)
		}
	}
	for _, s := range append(f.Syscalls, rec.Probes...) {
		if s.Arch == "x32" && s.Nr != 0x40000000|39 {
			t.Errorf("x32 %#x recorded %d times: the program issued only getpid as x32", s.Nr, s.Count)
		}
	}
}

const unrelatedSrc = `
#include <sys/sysinfo.h>
int main(void) { struct sysinfo si; for (int i = 0; i < 5; i++) sysinfo(&si); return 0; }
`

// --pid: a running process that forks after tracing starts; a process
// that is not its descendant is not counted.
func TestRecordPID(t *testing.T) {
	testutil.RequireRoot(t)
	unrelated := compile(t, "unrelated", unrelatedSrc)
	target := exec.Command("sh", "-c", "read x; ls / >/dev/null; sleep 0.2")
	in, exited := startGated(t, target)
	rec := recordOrFail(t, Options{
		PID: target.Process.Pid,
		OnStart: func(Started) {
			if out, err := exec.Command(unrelated).CombinedOutput(); err != nil {
				t.Errorf("unrelated: %v %s", err, out)
			}
			fmt.Fprintln(in, "go")
		},
	})
	f := rec.File
	if f.Target.PID != target.Process.Pid {
		t.Errorf("target %+v", f.Target)
	}
	if s := mustHave(t, f, "x86_64", "getdents64"); s.First != "ls" {
		t.Errorf("getdents64 first by %q", s.First)
	}
	mustHave(t, f, "x86_64", "wait4")
	if f.Processes != 3 {
		t.Errorf("processes %d, want 3 (sh, ls, sleep)", f.Processes)
	}
	if s := lookup(f, "x86_64", "sysinfo"); s != nil {
		t.Errorf("an unrelated process's sysinfo was counted (%d)", s.Count)
	}
	if !rec.Exited || rec.Reason != "exit" {
		t.Errorf("exited %v reason %q", rec.Exited, rec.Reason)
	}
	<-exited
}

// --pid of the tracer's own parent: the tracer runs below its target, and
// it and what is below it (here a child that lists a directory while
// traced) are left out.
func TestRecordPIDAncestor(t *testing.T) {
	testutil.RequireRoot(t)
	comm, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Fatal(err)
	}
	self := strings.TrimSpace(string(comm))
	child := exec.Command("sh", "-c", "read x; ls / >/dev/null")
	in, err := child.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer child.Wait()
	defer child.Process.Kill()
	rec := recordOrFail(t, Options{
		PID:      os.Getppid(),
		Duration: 300 * time.Millisecond,
		OnStart:  func(Started) { fmt.Fprintln(in, "go") },
	})
	// The target is `go test` (or whatever ran this test binary), whose
	// other children (the linker, other packages' test binaries) are
	// traced and may list directories too: what must not be there is the
	// tracer's child, its ls (an exec the recorder would list) and its
	// syscalls.
	for _, e := range rec.File.Executables {
		if filepath.Base(e.Path) == "ls" {
			t.Errorf("the tracer's child's exec of %s was recorded", e.Path)
		}
	}
	if s := lookup(rec.File, "x86_64", "getdents64"); s != nil && (s.First == "ls" || s.First == "sh") {
		t.Errorf("getdents64 of the tracer's child counted (%d, first by %s)", s.Count, s.First)
	}
	if rec.Reason != "duration" {
		t.Errorf("reason %q, want duration", rec.Reason)
	}
	for _, s := range rec.File.Syscalls {
		if s.First == self {
			t.Errorf("%s %s first issued by %q: the tracer counted itself", s.Arch, s.Name, s.First)
		}
	}
	if s := lookup(rec.File, "x86_64", "bpf"); s != nil {
		t.Errorf("the tracer's bpf calls were counted (%d)", s.Count)
	}
}

// --pid of a process that makes no syscall while traced: the trace holds
// none, and the process is one all the same.
func TestRecordPIDIdle(t *testing.T) {
	testutil.RequireRoot(t)
	target := exec.Command("sh", "-c", "read x")
	in, err := target.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := target.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		in.Close()
		_ = target.Wait()
	}()
	for procState(target.Process.Pid) != "S" {
		time.Sleep(5 * time.Millisecond)
	}
	rec := recordOrFail(t, Options{PID: target.Process.Pid, Duration: 200 * time.Millisecond})
	f := rec.File
	if len(f.Syscalls) != 0 || f.Processes != 1 {
		t.Errorf("processes %d, syscalls %d; want 1 and none:\n%s", f.Processes, len(f.Syscalls), dump(f))
	}
	if rec.Exited || rec.Reason != "duration" {
		t.Errorf("exited %v reason %q, want duration", rec.Exited, rec.Reason)
	}
}

// recCgroup2Root returns where cgroup v2 is mounted.
func recCgroup2Root(t *testing.T) string {
	t.Helper()
	for _, root := range []string{"/sys/fs/cgroup/unified", "/sys/fs/cgroup"} {
		var fs syscall.Statfs_t
		if err := syscall.Statfs(root, &fs); err == nil && fs.Type == 0x63677270 {
			return root
		}
	}
	testutil.SkipOrFail(t, "no cgroup v2 mount at /sys/fs/cgroup/unified or /sys/fs/cgroup")
	return ""
}

func mkCgroup(t *testing.T, name string) string {
	t.Helper()
	cg := filepath.Join(recCgroup2Root(t), fmt.Sprintf("seccomp-gen-%s-%d", name, os.Getpid()))
	if err := os.Mkdir(cg, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(cg) })
	return cg
}

// --cgroup: every task moved into a fresh cgroup v2 directory.
func TestRecordCgroup(t *testing.T) {
	testutil.RequireRoot(t)
	cg := mkCgroup(t, "test")
	rec := recordOrFail(t, Options{
		Cgroup:   cg,
		Duration: 20 * time.Second,
		OnStart: func(Started) {
			cmd := exec.Command("sh", "-c", `echo $$ > "$1/cgroup.procs" && exec ls /`, "sh", cg)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("workload: %v\n%s", err, out)
			}
		},
	})
	f := rec.File
	if rec.Reason != "empty" {
		t.Errorf("reason %q, want empty (the cgroup emptied)", rec.Reason)
	}
	if s := mustHave(t, f, "x86_64", "getdents64"); s.First != "ls" {
		t.Errorf("getdents64 first by %q", s.First)
	}
	mustHave(t, f, "x86_64", "execve")
	if f.Target.Cgroup != cg || f.Processes != 1 {
		t.Errorf("target %+v processes %d", f.Target, f.Processes)
	}
	if s := lookup(f, "x86_64", "bpf"); s != nil {
		t.Errorf("the tracer's bpf calls were counted (%d)", s.Count)
	}
}

// --cgroup counts what runs in the cgroup: a task that joined it and then
// moved to a sibling cgroup, and the child it forked there, are not counted
// while outside, and what it exec'd there is not one of the trace's
// executables. (Their marks stayed for life: a supervisor moving workers
// between sibling cgroups widened the profile with their work.)
func TestRecordCgroupLeft(t *testing.T) {
	testutil.RequireRoot(t)
	parent := mkCgroup(t, "left")
	in, out := filepath.Join(parent, "in"), filepath.Join(parent, "out")
	for _, d := range []string{in, out} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Remove(d) })
	}
	uname, err := exec.LookPath("uname")
	if err != nil {
		t.Skip("no uname")
	}
	rec := recordOrFail(t, Options{
		Cgroup:   in,
		Duration: 20 * time.Second,
		OnStart: func(Started) {
			// The keeper holds the cgroup populated while the other
			// task comes and goes, then lists / inside it.
			keeper := exec.Command("sh", "-c", `echo $$ > "$1/cgroup.procs" && sleep 1.5 && exec ls /`, "sh", in)
			if err := keeper.Start(); err != nil {
				t.Error(err)
				return
			}
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				if b, _ := os.ReadFile(filepath.Join(in, "cgroup.procs")); len(b) > 0 {
					break
				}
			}
			leaver := exec.Command("sh", "-c", `echo $$ > "$1/cgroup.procs" && echo $$ > "$2/cgroup.procs" && "$3" >/dev/null && exec "$3" -r`, "sh", in, out, uname)
			if b, err := leaver.CombinedOutput(); err != nil {
				t.Errorf("leaver: %v\n%s", err, b)
			}
			if err := keeper.Wait(); err != nil {
				t.Errorf("keeper: %v", err)
			}
		},
	})
	f := rec.File
	if s := lookup(f, "x86_64", "uname"); s != nil {
		t.Errorf("uname, made only outside the cgroup, counted %d times (first %q)", s.Count, s.First)
	}
	mustHave(t, f, "x86_64", "getdents64") // the keeper's ls, inside
	for _, e := range f.Executables {
		if filepath.Base(e.Path) == "uname" {
			t.Errorf("executable %s, exec'd outside the cgroup, listed: %+v", e.Path, e)
		}
	}
}

// Cancelling the context (Ctrl-C, SIGTERM in the CLI) still returns the
// trace; the command keeps running.
func TestRecordInterrupt(t *testing.T) {
	testutil.RequireRoot(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var pid int
	rec, err := Record(ctx, Options{
		Command: []string{"sleep", "10"},
		Namer:   scmp.Tables{},
		OnStart: func(s Started) {
			pid = s.PID
			testutil.Hold(t, pid) // killed at the end, through a pidfd
			time.AfterFunc(300*time.Millisecond, cancel)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Reason != "interrupted" || rec.Exited || rec.File.ExitCode != nil {
		t.Errorf("reason %q exited %v", rec.Reason, rec.Exited)
	}
	mustHave(t, rec.File, "x86_64", "execve")
	mustHave(t, rec.File, "x86_64", "clock_nanosleep")
	if st := procState(pid); st != "S" {
		t.Errorf("command state %q after the trace ended, want S (sleeping)", st)
	}
}

// procState returns the state letter of /proc/PID/stat.
func procState(pid int) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "gone"
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+3 > len(s) {
		return "?"
	}
	return s[i+2 : i+3]
}

// helperEnv turns TestHelperTracer into a tracer process that the SIGKILL
// test can kill.
const helperEnv = "SECCOMP_GEN_TEST_HELPER_TRACER"

func TestHelperTracer(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("helper process for TestRecordSIGKILL")
	}
	_, err := Record(context.Background(), Options{
		Command: []string{"sleep", "30"},
		OnStart: func(s Started) {
			ids := make([]string, len(s.LinkIDs))
			for i, id := range s.LinkIDs {
				ids[i] = strconv.Itoa(int(id))
			}
			fmt.Printf("READY %d %s\n", s.PID, strings.Join(ids, ","))
		},
	})
	fmt.Println("Record returned:", err)
	os.Exit(3)
}

// A tracer killed with SIGKILL leaves no BPF link attached and the command
// running (not stopped).
func TestRecordSIGKILL(t *testing.T) {
	testutil.RequireRoot(t)
	helper := exec.Command(os.Args[0], "-test.run=^TestHelperTracer$")
	helper.Env = append(os.Environ(), helperEnv+"=1")
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	defer helper.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "READY ") {
		t.Fatalf("helper: %q %v", line, err)
	}
	fields := strings.Fields(line)
	pid, _ := strconv.Atoi(fields[1])
	testutil.Hold(t, pid) // killed at the end, through a pidfd
	var ids []link.ID
	for _, s := range strings.Split(fields[2], ",") {
		n, _ := strconv.Atoi(s)
		ids = append(ids, link.ID(n))
	}
	// sys_enter, exec, exit, and one fork program (sched_process_fork_btf
	// where the kernel has its tracepoint's BTF type, else the raw_tp one);
	// both beyond forkVoidMaxCPUs possible CPUs (cfg_fork_void).
	ncpu, err := ebpf.PossibleCPU()
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 4 && (len(ids) != 5 || uint32(ncpu) <= forkVoidMaxCPUs) {
		t.Fatalf("helper attached %d links, want 4 (5 only beyond %d possible CPUs; %d here)", len(ids), forkVoidMaxCPUs, ncpu)
	}
	for _, id := range ids {
		l, err := link.NewFromID(id)
		if err != nil {
			t.Fatalf("link %d not attached while tracing: %v", id, err)
		}
		l.Close()
	}
	if err := helper.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = helper.Wait()
	deadline := time.Now().Add(3 * time.Second)
	for _, id := range ids {
		for {
			l, err := link.NewFromID(id)
			if err != nil {
				break
			}
			l.Close()
			if time.Now().After(deadline) {
				t.Fatalf("BPF link %d still exists after the tracer was SIGKILLed", id)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if st := procState(pid); st != "S" && st != "R" {
		t.Errorf("command (pid %d) state %q after the tracer died, want S or R: never stopped, still running", pid, st)
	}
}

// A wrapper runs before the command and is not counted: counting starts at
// the wrapper's execve of the command.
func TestRecordWrapper(t *testing.T) {
	testutil.RequireRoot(t)
	rec := recordOrFail(t, Options{
		Wrapper: []string{"/bin/sh", "-c", `cat /etc/hostname >/dev/null; exec "$@"`, "wrapper"},
		Command: []string{"ls", "/"},
		Stdout:  nil,
	})
	f := rec.File
	if s := mustHave(t, f, "x86_64", "execve"); s.Count != 1 || s.First != "ls" {
		t.Errorf("execve %d times, first by %q; want once, by ls", s.Count, s.First)
	}
	for _, s := range f.Syscalls {
		if s.First != "ls" {
			t.Errorf("%s first issued by %q: the wrapper (or its children) leaked in", s.Name, s.First)
		}
	}
	if lookup(f, "x86_64", "wait4") != nil || lookup(f, "x86_64", "clone") != nil {
		t.Errorf("the wrapper's fork/wait were counted")
	}
	if f.Processes != 1 || strings.Join(f.Target.Command, " ") != "ls /" {
		t.Errorf("processes %d target %v", f.Processes, f.Target.Command)
	}
	if !rec.Exited || rec.ExitStatus != 0 {
		t.Errorf("exited %v status %d", rec.Exited, rec.ExitStatus)
	}
}

// A PID that a traced process used and the kernel reuses for an unrelated
// process is not traced: the mark lives with the task, not the number.
func TestRecordPIDReuse(t *testing.T) {
	testutil.RequireRoot(t)
	unrelated := compile(t, "unrelated", unrelatedSrc)
	withPID := compile(t, "withpid", withPIDSrc)
	pidFile := filepath.Join(t.TempDir(), "pid")
	done := make(chan string, 1)
	rec := recordOrFail(t, Options{
		// A traced child exits; its PID is published; the tracer waits.
		Command: []string{"sh", "-c", `sh -c 'exit 0' & wait $!; echo $! > "$1"; sleep 1.5`, "sh", pidFile},
		OnStart: func(Started) {
			go func() {
				done <- reusePID(pidFile, withPID, unrelated)
			}()
		},
	})
	msg := <-done
	if msg != "" {
		testutil.SkipOrFail(t, "could not arrange PID reuse: "+msg)
	}
	if s := lookup(rec.File, "x86_64", "sysinfo"); s != nil {
		t.Errorf("a process that reused a traced PID was counted (sysinfo %d)", s.Count)
	}
	if rec.File.Processes != 3 {
		t.Errorf("processes %d, want 3 (sh, its child, sleep)", rec.File.Processes)
	}
}

// withPIDSrc runs argv[2] as a child whose PID is argv[1], with clone3's
// set_tid (Linux 5.5; root): the PID is taken exactly, or not at all
// (exit 17: another process has it). Setting ns_last_pid and forking was
// a race with every other fork on the machine: on a loaded CI run, 20
// tries all lost it. It exits with the child's status.
const withPIDSrc = `
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv) {
	if (argc < 3) return 2;
	pid_t want = atoi(argv[1]);
	struct clone_args a;
	memset(&a, 0, sizeof a);
	a.exit_signal = SIGCHLD;
	a.set_tid = (uint64_t)(uintptr_t)&want;
	a.set_tid_size = 1;
	long pid = syscall(SYS_clone3, &a, sizeof a);
	if (pid < 0) return errno == EEXIST ? 17 : 3;
	if (pid == 0) {
		execv(argv[2], argv + 2);
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid) return 4;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 5;
}
`

// reusePID waits for the PID in file, then runs bin under that PID
// (withPIDSrc, compiled as withPID). It returns "" on success.
func reusePID(file, withPID, bin string) string {
	var pid int
	for i := 0; i < 100 && pid == 0; i++ {
		data, _ := os.ReadFile(file)
		pid, _ = strconv.Atoi(strings.TrimSpace(string(data)))
		if pid == 0 {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if pid == 0 {
		return "the traced child never published its PID"
	}
	err := exec.Command(withPID, strconv.Itoa(pid), bin).Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee) && ee.ExitCode() == 17:
		return fmt.Sprintf("pid %d was taken by another process before it could be reused", pid)
	case err != nil:
		return fmt.Sprintf("run %s under pid %d: %v", bin, pid, err)
	}
	return ""
}

const oddSrc = `
#include <sys/syscall.h>
#include <unistd.h>
int main(void) {
	syscall(462); /* newer than Debian 12's libseccomp 2.5.4 (it stops at 456) */
	syscall(462);
	syscall(5000); /* beyond every table: a probe, kept by number */
	for (long i = 0; i < 70; i++)
		syscall(6000 + i); /* 71 distinct probes: 64 kept, 7 lost */
	return 0;
}
`

// A number libseccomp cannot name is still recorded, by number, and
// reported; so is one beyond the counters' range (a program's probe, such
// as syscall(5000): it was counted in lost, and the trace was incomplete
// for good), up to 64 distinct ones; beyond those, in lost.
func TestRecordUnknownAndLost(t *testing.T) {
	bin := compile(t, "odd", oddSrc)
	rec := recordOrFail(t, Options{Command: []string{bin}})
	f := rec.File
	var got *trace.Syscall
	for i, s := range f.Syscalls {
		if s.Arch == "x86_64" && s.Nr == 462 {
			got = &f.Syscalls[i]
		}
	}
	if got == nil || got.Count != 2 {
		t.Fatalf("x86_64 462 not recorded twice:\n%s", dump(f))
	}
	if name, ok := scmp.Name("x86_64", 462); ok {
		if got.Name != name {
			t.Errorf("462 named %q, libseccomp says %q", got.Name, name)
		}
	} else {
		if got.Name != "" {
			t.Errorf("462 named %q although libseccomp does not know it", got.Name)
		}
		if len(rec.Unknown) != 1 || rec.Unknown[0].Nr != 462 {
			t.Errorf("Unknown = %+v, want x86_64 462", rec.Unknown)
		}
	}
	var p *trace.Syscall
	for i, s := range f.Syscalls {
		if s.Arch == "x86_64" && s.Nr == 5000 {
			p = &f.Syscalls[i]
		}
	}
	if p == nil || p.Count != 1 || p.First != "odd" {
		t.Errorf("syscall 5000 not recorded once by number: %+v\n%s", p, dump(f))
	}
	if len(rec.Probes) != MaxProbes || rec.Probes[0].Nr < 5000 {
		t.Errorf("%d probes recorded, want %d (the map's capacity): %+v", len(rec.Probes), MaxProbes, rec.Probes)
	}
	if f.Lost != 7 {
		t.Errorf("lost %d, want 7 (71 distinct probes, 64 kept)", f.Lost)
	}
	if f.Complete() {
		t.Errorf("a trace with lost syscalls says it is complete")
	}
}

// A cgroup that contains the tracer: the tracer's own syscalls are never
// counted, the workloads it starts are.
func TestRecordCgroupWithTracer(t *testing.T) {
	testutil.RequireRoot(t)
	cg := mkCgroup(t, "self")
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	var home string
	for _, line := range strings.Split(string(data), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			home = filepath.Join(recCgroup2Root(t), p)
		}
	}
	if home == "" {
		t.Fatalf("no cgroup v2 line in /proc/self/cgroup:\n%s", data)
	}
	// The Go runtime checks clone(CLONE_PIDFD) at its first process start
	// with a child that exits at once (syscall.checkClonePidfd): started
	// in the cgroup, that child was one more process of the trace when
	// this test ran alone.
	if err := exec.Command("true").Run(); err != nil {
		t.Fatal(err)
	}
	self := []byte(strconv.Itoa(os.Getpid()))
	if err := os.WriteFile(filepath.Join(cg, "cgroup.procs"), self, 0o644); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := os.WriteFile(filepath.Join(home, "cgroup.procs"), self, 0o644); err != nil {
			t.Errorf("move the test back to %s: %v", home, err)
		}
	}()
	// With ExecJoins the tasks in the cgroup at the start are marked from
	// user space: the tracer's threads, ignored, keep their mark.
	for _, joins := range []bool{false, true} {
		rec := recordOrFail(t, Options{
			Cgroup:    cg,
			ExecJoins: joins,
			Duration:  500 * time.Millisecond,
			OnStart: func(Started) {
				if out, err := exec.Command("ls", "/").CombinedOutput(); err != nil {
					t.Errorf("ls: %v %s", err, out)
				}
			},
		})
		f := rec.File
		if s := mustHave(t, f, "x86_64", "getdents64"); s.First != "ls" {
			t.Errorf("ExecJoins %v: getdents64 first by %q", joins, s.First)
		}
		for _, n := range []string{"bpf", "epoll_pwait", "nanosleep"} {
			if s := lookup(f, "x86_64", n); s != nil {
				t.Errorf("ExecJoins %v: the tracer's own %s was counted (%d, first by %s)", joins, n, s.Count, s.First)
			}
		}
		if f.Processes != 1 {
			t.Errorf("ExecJoins %v: processes %d, want 1 (ls):\n%s", joins, f.Processes, dump(f))
		}
	}
}

// --cgroup with ExecJoins (a container found through its runtime): a task
// in the cgroup at the start, and what it forks, are counted at once; a
// task that joins from outside later is counted from its next execve on
// (its chdir before it is not).
func TestRecordCgroupExecJoins(t *testing.T) {
	testutil.RequireRoot(t)
	cg := mkCgroup(t, "joins")
	inside := exec.Command("sh", "-c", "read x; ls / >/dev/null")
	in, err := inside.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := inside.Start(); err != nil {
		t.Fatal(err)
	}
	defer inside.Wait()
	defer inside.Process.Kill()
	if err := os.WriteFile(filepath.Join(cg, "cgroup.procs"), []byte(strconv.Itoa(inside.Process.Pid)), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := recordOrFail(t, Options{
		Cgroup:    cg,
		ExecJoins: true,
		Populated: true,
		Duration:  20 * time.Second,
		OnStart: func(Started) {
			joiner := exec.Command("sh", "-c", `echo $$ > "$1/cgroup.procs" && cd / && exec uname`, "sh", cg)
			if out, err := joiner.CombinedOutput(); err != nil {
				t.Errorf("joiner: %v\n%s", err, out)
			}
			fmt.Fprintln(in, "go")
		},
	})
	f := rec.File
	if rec.Reason != "empty" {
		t.Errorf("reason %q, want empty", rec.Reason)
	}
	if s := mustHave(t, f, "x86_64", "wait4"); s.First != "sh" {
		t.Errorf("wait4 first by %q, want sh (the task in the cgroup at the start)", s.First)
	}
	if s := mustHave(t, f, "x86_64", "getdents64"); s.First != "ls" {
		t.Errorf("getdents64 first by %q, want ls", s.First)
	}
	if s := mustHave(t, f, "x86_64", "uname"); s.First != "uname" {
		t.Errorf("uname first by %q, want uname", s.First)
	}
	if s := lookup(f, "x86_64", "chdir"); s != nil {
		t.Errorf("the joiner's chdir before its execve was counted (%d, first by %s)", s.Count, s.First)
	}
	if f.Processes != 3 {
		t.Errorf("processes %d, want 3 (sh, ls, uname)", f.Processes)
	}
}

// The stub never runs the command when the tracer went away before arming
// it (the gate pipe closed without a byte).
func TestStubWithoutTracer(t *testing.T) {
	// Raw fds: runStub closes the ends it is given.
	var gate, ready [2]int
	if err := syscall.Pipe2(gate[:], syscall.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Pipe2(ready[:], syscall.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	readyR := os.NewFile(uintptr(ready[0]), "ready")
	defer readyR.Close()
	syscall.Close(gate[1]) // the tracer died
	marker := filepath.Join(t.TempDir(), "ran")
	fds := fmt.Sprintf("%d,%d", gate[0], ready[1])
	// A stub that runs the command execs it in place of this test binary:
	// the command then exits 1 for the run to fail (touch would exit 0,
	// and the run pass with every failure before it).
	script := `touch "$0"; echo "the stub ran the command without a tracer" >&2; exit 1`
	if code := runStub(fds, []string{"stub", "/bin/sh", "sh", "-c", script, marker}); code != 125 {
		t.Errorf("stub returned %d, want 125", code)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("the stub ran the command without a tracer")
	}
	var b [1]byte
	if n, _ := readyR.Read(b[:]); n != 1 {
		t.Errorf("the stub did not say it was ready")
	}
}

// A script without a "#!" line cannot be exec'd, nor one whose
// interpreter is missing: the error says what is missing (a shell would
// have run the first itself), with a shell's status; the stub says
// nothing on the command's stderr (it passed its errno to the recorder).
func TestRecordScriptWithoutShebang(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	for _, c := range []struct {
		name, content string
		status        int
		why           string
	}{
		{"script", "echo no shebang\n", 126, "command could not be executed: exec format error" + noExecHint},
		{"badinterp", "#!/nonexistent/interpreter\necho\n", 127, "command could not be executed: its interpreter was not found (the #! line of a script, or the loader of a program for another libc)"},
	} {
		script := filepath.Join(dir, c.name)
		if err := os.WriteFile(script, []byte(c.content), 0o755); err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		_, err := Record(context.Background(), Options{Command: []string{script}, Stderr: &stderr})
		var ce *CommandError
		if !errors.As(err, &ce) || ce.Status != c.status || ce.Reported || !errors.Is(err, ErrCommandNotRun) || err.Error() != script+": "+c.why {
			t.Errorf("%s: %v (%#v), want status %d and %q", c.name, err, ce, c.status, script+": "+c.why)
		}
		if stderr.Len() != 0 {
			t.Errorf("%s: stderr %q, want nothing (the error says why)", c.name, stderr.String())
		}
	}
}

// A stub killed before its execve (replay --timeout, a second Ctrl-C) is
// said as such, not as a command that "could not be executed (exit status
// 137)"; a stub that wrote an errno is said by it. No privileges needed:
// the recorder's state is made by hand.
func TestExecFailureKilled(t *testing.T) {
	victim := exec.Command("sleep", "10")
	if err := victim.Start(); err != nil {
		t.Fatal(err)
	}
	victim.Process.Kill()
	victim.Wait()
	for _, c := range []struct {
		written []byte
		want    string
	}{
		{nil, "true: command could not be executed: killed by SIGKILL before it started"},
		{[]byte{byte(syscall.EACCES)}, "true: command could not be executed: permission denied"},
	} {
		readyR, readyW, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		readyW.Write(c.written)
		readyW.Close()
		r := &recorder{opts: Options{Command: []string{"true"}}, path: "/bin/true", cmd: &stubProc{Process: victim.Process, ProcessState: victim.ProcessState, cmd: victim}, ready: readyR}
		ce := r.execFailure()
		readyR.Close()
		if ce.Error() != c.want || ce.Reported || ce.Status != 137 || !errors.Is(ce, ErrCommandNotRun) {
			t.Errorf("written %v: %q (reported %v, status %d), want %q", c.written, ce.Error(), ce.Reported, ce.Status, c.want)
		}
	}
}

// procs holds the processes alive at once, not all of a trace's: each
// leaves it at its exit (counted apart), so a trace of more processes than
// it holds, one after the other, counts each exactly once, threads
// included (a thread of a process that procs could not hold would count
// it again).
func TestRecordProcsCapacity(t *testing.T) {
	testutil.RequireRoot(t)
	threads := compile(t, "threads", mustRead(t, "../../testdata/workloads/threads.c"), "-pthread")
	old := procsEntriesHook
	procsEntriesHook = 4
	t.Cleanup(func() { procsEntriesHook = old })
	rec := recordOrFail(t, Options{Command: []string{"sh", "-c", `i=0; while [ $i -lt 12 ]; do "$0" || exit 1; i=$((i+1)); done`, threads}})
	if rec.File.Processes != 13 || rec.File.Lost != 0 {
		t.Errorf("processes %d lost %d, want 13 (sh and 12 runs of threads) and 0", rec.File.Processes, rec.File.Lost)
	}
	if s := mustHave(t, rec.File, "x86_64", "sched_getaffinity"); s.Count != 12 {
		t.Errorf("sched_getaffinity %d times, want 12 (one per worker thread)", s.Count)
	}
}

// Beyond procs' capacity, processes alive at once are counted once each,
// by their leader: not once per thread (a process of 4 counting threads
// that procs could not hold counted 4 before the nineteenth session).
func TestRecordProcsCapacityConcurrent(t *testing.T) {
	testutil.RequireRoot(t)
	// Four threads: the main one and three that read their standard input
	// (a FIFO) until its writer closes it, so that every process is alive,
	// all its threads counting, when the shell closes it.
	readers := compile(t, "readers", `#include <pthread.h>
#include <unistd.h>
static void *w(void *a) { char c; (void)a; while (read(0, &c, 1) > 0) ; return 0; }
int main(void) {
	pthread_t t[3];
	for (int i = 0; i < 3; i++) if (pthread_create(&t[i], 0, w, 0)) return 1;
	for (int i = 0; i < 3; i++) pthread_join(t[i], 0);
	return 0;
}
`, "-pthread")
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// The test holds the writing end (read-write: the open does not wait
	// for a reader) and closes it once 8 readers run 4 threads each.
	w, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	go func() {
		defer w.Close()
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if countProcs(readers, 4) == 8 {
				return
			}
		}
	}()
	old := procsEntriesHook
	procsEntriesHook = 4
	t.Cleanup(func() { procsEntriesHook = old })
	script := `for i in 1 2 3 4 5 6 7 8; do "$0" < "$1" & done; wait`
	rec := recordOrFail(t, Options{Command: []string{"bash", "-c", script, readers, fifo}})
	if rec.File.Processes != 9 || rec.File.Lost != 0 {
		t.Errorf("processes %d lost %d, want 9 (bash and 8 readers, 4 threads each, alive at once) and 0", rec.File.Processes, rec.File.Lost)
	}
}

// countProcs counts the processes running exe with the given number of
// threads.
func countProcs(exe string, threads int) int {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	n := 0
	for _, d := range dirs {
		if p, err := os.Readlink(d + "/exe"); err != nil || p != exe {
			continue
		}
		if tasks, _ := filepath.Glob(d + "/task/*"); len(tasks) == threads {
			n++
		}
	}
	return n
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// A cgroup known to have been populated before Record (a running container
// that its runtime named) ends the recording as soon as it is empty, even
// when it emptied before the links were attached: without
// Options.Populated the recorder waited for it to be populated again. Not
// known so, an empty cgroup is waited for, and Started says it is empty.
func TestRecordCgroupPopulatedBefore(t *testing.T) {
	testutil.RequireRoot(t)
	cg := mkCgroup(t, "populated")
	start := time.Now()
	rec := recordOrFail(t, Options{Cgroup: cg, Populated: true, Duration: 20 * time.Second})
	if rec.Reason != "empty" || time.Since(start) > 10*time.Second {
		t.Errorf("reason %q after %s, want empty at once (the cgroup was populated before)", rec.Reason, time.Since(start))
	}
	var empty bool
	rec = recordOrFail(t, Options{Cgroup: cg, Duration: 300 * time.Millisecond, OnStart: func(s Started) { empty = s.Empty }})
	if rec.Reason != "duration" || !empty {
		t.Errorf("not known to be populated: reason %q, Started.Empty %v; want duration, true", rec.Reason, empty)
	}
}

// Two runs recorded at the same time are two runs: their start times differ
// (to the nanosecond), so generate and check do not take one for a copy of
// the other. Truncated to the second, replicas traced in parallel gave
// identical files, counted as one run for --min-runs.
func TestRecordParallelRunsDiffer(t *testing.T) {
	testutil.RequireRoot(t)
	var recs [2]*Recording
	var wg sync.WaitGroup
	for i := range recs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec, err := Record(context.Background(), Options{Command: []string{"true"}, Namer: scmp.Tables{}})
			if err != nil {
				t.Error(err)
				return
			}
			recs[i] = rec
		}()
	}
	wg.Wait()
	if recs[0] == nil || recs[1] == nil {
		t.FailNow()
	}
	var a, b bytes.Buffer
	if err := trace.Encode(&a, recs[0].File); err != nil {
		t.Fatal(err)
	}
	if err := trace.Encode(&b, recs[1].File); err != nil {
		t.Fatal(err)
	}
	if recs[0].File.Started.Equal(recs[1].File.Started) || a.String() == b.String() {
		t.Errorf("two runs, one start time %s:\n%s", recs[0].File.Started, a.String())
	}
}

// MaxProbes, which trace's lost warning names, is the beyond map's size.
func TestMaxProbesIsTheMapSize(t *testing.T) {
	spec, err := bpf.LoadRecorderLean()
	if err != nil {
		t.Fatal(err)
	}
	if m := spec.Maps["beyond"]; m == nil || m.MaxEntries != MaxProbes {
		t.Fatalf("beyond map %+v, want %d entries", m, MaxProbes)
	}
}

// Progress sees the counts so far: a command that made 1000 getppid and
// now waits has made at least 1000 syscalls plus one of each other kind.
func TestRecordProgressStats(t *testing.T) {
	testutil.RequireRoot(t)
	bin := compile(t, "getppids", `#include <sys/syscall.h>
#include <unistd.h>
int main(void) { char c; for (int i = 0; i < 1000; i++) syscall(SYS_getppid); return read(0, &c, 1) < 0; }
`)
	stdin, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	defer w.Close()
	var (
		pid            int
		waiting, ticks int
		snap           Stats
	)
	rec := recordOrFail(t, Options{
		Command:          []string{bin},
		Stdin:            stdin,
		OnStart:          func(s Started) { pid = s.PID },
		ProgressInterval: 20 * time.Millisecond,
		Progress: func(s Stats) {
			ticks++
			if ticks == 3000 {
				w.Close() // a guard against a hang: never waiting in read
			}
			if waiting > 2 {
				return
			}
			if procState(pid) == "S" {
				waiting++
			}
			if waiting > 2 {
				// Waiting in read for two ticks: the counts are settled.
				snap = s
				w.Close()
			}
		},
	})
	if snap.Distinct < 2 || snap.Syscalls < 1000+uint64(snap.Distinct)-1 || snap.Processes != 1 || snap.Lost != 0 {
		t.Errorf("progress saw %+v; want at least 1000 syscalls (and one more for each other kind), 1 process, none lost", snap)
	}
	if s := mustHave(t, rec.File, "x86_64", "getppid"); s.Count != 1000 {
		t.Errorf("getppid %d times, want 1000", s.Count)
	}
}

// Record detaches before it returns: no link of the recording is left
// attached (every syscall of the machine pays for them).
func TestRecordDetaches(t *testing.T) {
	testutil.RequireRoot(t)
	var ids []uint32
	recordOrFail(t, Options{Command: []string{"true"}, OnStart: func(s Started) { ids = s.LinkIDs }})
	if len(ids) == 0 {
		t.Fatal("Started has no link IDs")
	}
	linksGone(t, ids, "after Record returned")
}

// linksGone fails t for each of ids that is still a BPF link.
func linksGone(t *testing.T, ids []uint32, when string) {
	t.Helper()
	for _, id := range ids {
		if l, err := link.NewFromID(link.ID(id)); err == nil {
			l.Close()
			t.Errorf("link %d still attached %s", id, when)
		}
	}
}

// With ReleaseLater, Record returns a full recording, and once Release
// returns no link of it is left attached (the next trace's helper started:
// TestPooledRecord). Release is a no-op without it, and on nil.
func TestRecordReleaseLater(t *testing.T) {
	testutil.RequireRoot(t)
	var ids []uint32
	rec := recordOrFail(t, Options{Command: []string{"sh", "-c", "getppid() { :; }; exit 3"}, ReleaseLater: true, OnStart: func(s Started) { ids = s.LinkIDs }})
	if rec.released == nil {
		t.Fatal("ReleaseLater: Record returned a Recording with nothing to wait for")
	}
	if !rec.Exited || rec.ExitStatus != 3 || len(rec.File.Syscalls) == 0 {
		t.Errorf("recording: exited %v status %d, %d syscalls", rec.Exited, rec.ExitStatus, len(rec.File.Syscalls))
	}
	rec.Release()
	if len(ids) == 0 {
		t.Fatal("Started has no link IDs")
	}
	linksGone(t, ids, "after Release returned")
	rec.Release() // twice: still returns
	plain := recordOrFail(t, Options{Command: []string{"true"}})
	if plain.released != nil {
		t.Error("without ReleaseLater, Record left something to release")
	}
	plain.Release()
	(*Recording)(nil).Release()
}

// recorderBSS opens the .bss map of the recorder whose links a trace's
// OnStart gave.
func recorderBSS(t *testing.T, linkIDs []uint32) *ebpf.Map {
	t.Helper()
	for _, id := range linkIDs {
		l, err := link.NewFromID(link.ID(id))
		if err != nil {
			continue
		}
		info, err := l.Info()
		l.Close()
		if err != nil {
			continue
		}
		p, err := ebpf.NewProgramFromID(info.Program)
		if err != nil {
			continue
		}
		pi, err := p.Info()
		p.Close()
		if err != nil {
			continue
		}
		ids, _ := pi.MapIDs()
		for _, mid := range ids {
			m, err := ebpf.NewMapFromID(mid)
			if err != nil {
				continue
			}
			if mi, err := m.Info(); err == nil && strings.HasSuffix(mi.Name, ".bss") && m.ValueSize() == bssSize {
				return m
			}
			m.Close()
		}
	}
	t.Fatal("no .bss map among the recorder's programs")
	return nil
}

// TestStrandedLiveTasks: a trace whose live_tasks counts a task more than
// there are (a lost decrement, as the whole-value .bss update once caused)
// ends a second after its command, with the count in Stranded and its
// counts intact, instead of waiting for good; and a descendant that
// outlives the command for longer than that is waited for (no false
// alarm).
func TestStrandedLiveTasks(t *testing.T) {
	testutil.RequireRoot(t)
	var bss *ebpf.Map
	defer func() {
		if bss != nil {
			bss.Close()
		}
	}()
	// The command waits on its stdin while OnStart (on Record's goroutine,
	// this test's) counts it once more, then lets it exit: nothing else
	// changes live_tasks meanwhile, so the read and write cannot lose one.
	stdin, release, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	defer release.Close()
	var bumpErr error
	t0 := time.Now()
	rec := recordOrFail(t, Options{
		Command: []string{"sh", "-c", "read x; exit 0"},
		Stdin:   stdin,
		OnStart: func(s Started) {
			defer release.Close()
			bss, bumpErr = bumpLiveTasks(t, s.LinkIDs)
		},
	})
	took := time.Since(t0)
	if bumpErr != nil {
		t.Fatalf("live_tasks: %v", bumpErr)
	}
	if rec.Stranded != 1 || rec.Reason != "exit" || !rec.Exited || rec.ExitStatus != 0 {
		t.Errorf("stranded %d, reason %q, exited %v status %d; want 1, exit, true 0", rec.Stranded, rec.Reason, rec.Exited, rec.ExitStatus)
	}
	if took < strandedAfter {
		t.Errorf("ended %v after the start, before strandedAfter (%v)", took, strandedAfter)
	}
	if len(rec.File.Syscalls) == 0 || rec.File.Lost != 0 {
		t.Errorf("%d syscalls, lost %d", len(rec.File.Syscalls), rec.File.Lost)
	}

	// No false alarm: a descendant alive twice strandedAfter is waited for.
	t0 = time.Now()
	rec = recordOrFail(t, Options{Command: []string{"sh", "-c", "sleep 2.5 & exit 0"}})
	if took := time.Since(t0); rec.Stranded != 0 || took < 2500*time.Millisecond {
		t.Errorf("a live descendant: stranded %d, the trace ended after %v (the sleep takes 2.5s)", rec.Stranded, took)
	}
}

// startGated starts cmd (not traced: a --pid target) with a pipe to its
// standard input, kills it when the test ends, and reaps it (Record
// watches a --pid target through a pidfd): exited is closed then.
func startGated(t *testing.T, cmd *exec.Cmd) (in io.WriteCloser, exited <-chan struct{}) {
	t.Helper()
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	return in, done
}

// bumpLiveTasks adds one to the recorder's live_tasks once it counts the
// one task of a target that waits (on Record's goroutine, in OnStart:
// nothing else changes live_tasks meanwhile, so the read and the write
// cannot lose one). The caller closes the .bss map it returns.
func bumpLiveTasks(t *testing.T, linkIDs []uint32) (*ebpf.Map, error) {
	bss := recorderBSS(t, linkIDs)
	vars, err := bssVars(bss)
	if err != nil {
		return bss, err
	}
	var v int64
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		if err := vars.liveTasks.Get(&v); err != nil {
			return bss, err
		}
		if v == 1 || time.Now().After(deadline) {
			break
		}
	}
	if v != 1 {
		return bss, fmt.Errorf("live_tasks %d while the target waits, want 1", v)
	}
	return bss, vars.liveTasks.Set(v + 1)
}

// TestStrandedLiveTasksPID is TestStrandedLiveTasks for a --pid target:
// once it exited with live_tasks counting a task that cannot exist, the
// trace ends a second later (Stranded 1); a process it left running (in
// procs: it was counted from its fork on) is waited for.
func TestStrandedLiveTasksPID(t *testing.T) {
	testutil.RequireRoot(t)
	// The target reads a line once attached: a process marked at the
	// attach counts (live_tasks) from its first syscall on.
	target := exec.Command("sh", "-c", "read x; read y; exit 0")
	in, exited := startGated(t, target)
	var bss *ebpf.Map
	var bumpErr error
	t0 := time.Now()
	rec := recordOrFail(t, Options{
		PID: target.Process.Pid,
		OnStart: func(s Started) {
			defer in.Close() // the second read ends
			if _, err := io.WriteString(in, "go\n"); err != nil {
				bumpErr = err
				return
			}
			bss, bumpErr = bumpLiveTasks(t, s.LinkIDs)
		},
	})
	took := time.Since(t0)
	if bss != nil {
		bss.Close()
	}
	<-exited
	if bumpErr != nil {
		t.Fatalf("live_tasks: %v", bumpErr)
	}
	if rec.Stranded != 1 || rec.Reason != "exit" || len(rec.File.Syscalls) == 0 {
		t.Errorf("stranded %d, reason %q, %d syscalls; want 1, exit, some", rec.Stranded, rec.Reason, len(rec.File.Syscalls))
	}
	if took < strandedAfter {
		t.Errorf("ended %v after the start, before strandedAfter (%v)", took, strandedAfter)
	}

	// No false alarm: the sleep outlives the target by twice
	// strandedAfter.
	target = exec.Command("sh", "-c", "read x; sleep 2.5 & exit 0")
	in, exited = startGated(t, target)
	t0 = time.Now()
	rec = recordOrFail(t, Options{PID: target.Process.Pid, OnStart: func(Started) {
		_, _ = io.WriteString(in, "go\n")
		in.Close()
	}})
	<-exited
	if took := time.Since(t0); rec.Stranded != 0 || took < 2500*time.Millisecond {
		t.Errorf("a process the target left running: stranded %d, the trace ended after %v (the sleep takes 2.5s)", rec.Stranded, took)
	}
}

// The command runs in Options.Dir, with Options' standard streams.
func TestRecordDirAndStreams(t *testing.T) {
	testutil.RequireRoot(t)
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	recordOrFail(t, Options{
		Command: []string{"sh", "-c", `pwd; read x; echo "$x" >&2`},
		Dir:     dir,
		Stdin:   strings.NewReader("in\n"),
		Stdout:  &stdout,
		Stderr:  &stderr,
	})
	if stdout.String() != dir+"\n" || stderr.String() != "in\n" {
		t.Errorf("stdout %q stderr %q, want %q and %q", stdout.String(), stderr.String(), dir+"\n", "in\n")
	}
}
