package recorder

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/bpf"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// sys_enter's per-CPU note of the task it looked up last (recorder.c,
// cpu_task) is keyed by the task's pt_regs address, which a new task gets
// again when it reuses the stack of one that exited. The note must not be
// trusted after a traced fork (the child may reuse an untraced task's
// stack), a traced task's exit (an untraced one may reuse its stack) or a
// traced exec (the task's answer changes). The programs are run with
// BPF_PROG_TEST_RUN on CPU 0, as this test's thread (pinned there), with a made-up
// pt_regs address: the same address stands for the task before and after.
// First the test shows the note is used (a stale note answers), then that
// each event makes sys_enter look again.
//
// Both places sys_enter may ask the note (cfg_note_first, record_note.go)
// are run, whichever this machine picks: first, where a task without task
// storage (untraced) is noted too, and after the storage test, where it
// must not be (the point of that mode: no per-CPU page touched for it).
func TestCPUTaskNoteInvalidated(t *testing.T) {
	// After the storage test first: a task storage element this thread had
	// in the first subtest's map may outlive the map for a while.
	for _, first := range []bool{false, true} {
		t.Run(fmt.Sprintf("note_first=%v", first), func(t *testing.T) {
			defer func(was *bool) { noteFirstOverride = was }(noteFirstOverride)
			noteFirstOverride = &first
			testCPUTaskNoteInvalidated(t, first)
		})
	}
}

// lockThreadAffinity locks the test's goroutine to its thread, whose CPU
// affinity the test may then change: both are undone when the test ends.
// It returns the affinity the thread had.
func lockThreadAffinity(t *testing.T) unix.CPUSet {
	t.Helper()
	runtime.LockOSThread()
	var was unix.CPUSet
	if err := unix.SchedGetaffinity(0, &was); err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		unix.SchedSetaffinity(0, &was)
		runtime.UnlockOSThread()
	})
	return was
}

func testCPUTaskNoteInvalidated(t *testing.T, first bool) {
	testutil.RequireRoot(t)
	// On CPU 0 itself: a test run on another CPU runs in an interrupt
	// there, as whatever task was running.
	lockThreadAffinity(t)
	pin(t, 0)

	r := &recorder{opts: Options{Command: []string{"true"}}}
	defer r.close()
	info, err := kernelTypes()
	if err != nil {
		t.Fatal(err)
	}
	if !info.ids.Known() {
		t.Skip("no bpf_rdonly_cast on this kernel: sys_enter keeps no per-CPU note")
	}
	// The raw_tp fork program, which a test run can run (with made-up
	// arguments); TestForkBTFVoidsNotes runs the tp_btf one on a real fork.
	defer func(old func(btf.TypeID) btf.TypeID) { forkBTFHook = old }(forkBTFHook)
	forkBTFHook = func(btf.TypeID) btf.TypeID { return 0 }
	types := make(chan typesResult, 1)
	types <- typesResult{info, nil}
	r.types = types
	if err := r.load(); err != nil {
		t.Fatal(err)
	}
	var id uint32
	if err := r.objs.CfgTaskBtfId.Get(&id); err != nil {
		t.Fatal(err)
	}
	if id == 0 {
		t.Skip("sys_enter was loaded without the kernel's BTF IDs (SECCOMP_GEN_TEST_KERNEL_IDS, or the kernel refused the kfunc): it keeps no per-CPU note")
	}

	const regs = 0xffff8880deadb000 // a made-up pt_regs address
	const getpid = 39
	run := func(p *ebpf.Program, args ...uint64) {
		t.Helper()
		if _, err := p.Run(&ebpf.RunOptions{Context: args, CPU: 0, Flags: unix.BPF_F_TEST_RUN_ON_CPU}); err != nil {
			t.Fatalf("test run: %v", err)
		}
	}
	counted := func() uint64 {
		t.Helper()
		c, err := r.readCounts()
		if err != nil {
			t.Fatal(err)
		}
		return c[uint32(getpid)]
	}
	tid := unix.Gettid()
	fd, err := unix.PidfdOpen(tid, unix.PIDFD_THREAD)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	setState := func(state uint32) {
		t.Helper()
		if err := r.objs.Tasks.Update(int32(fd), bpf.RecorderTaskMark{State: state}, ebpf.UpdateAny); err != nil {
			t.Fatal(err)
		}
	}
	counting := uint32(bpf.RecorderTaskStateTASK_COUNTING)

	var noteFirstVar uint32
	if err := r.objs.CfgNoteFirst.Get(&noteFirstVar); err != nil {
		t.Fatal(err)
	}
	if (noteFirstVar == 1) != first {
		t.Fatalf("cfg_note_first is %d, want note first %v", noteFirstVar, first)
	}
	// Untraced, without task storage: noted where the note comes first,
	// not where the storage test does. This thread may still have an
	// element of an earlier test's task storage map (a test thread traced
	// as a member of a cgroup, say): the kernel frees a closed map's
	// elements in a workqueue, later on a loaded machine, and until then
	// the thread has storage, which sys_enter notes as it should (the
	// fresh-clone CI of e68acee, run beside four other test jobs, saw
	// it). Such an element goes; a program that notes a task without
	// storage notes it every time: wait up to 10 s for the first.
	want := map[bool]uint64{true: regs, false: 0}[first]
	for deadline := time.Now().Add(10 * time.Second); ; {
		run(r.objs.SysEnter, regs, getpid)
		got := note(t, r, 0)
		if got == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("untraced task without storage: CPU 0's note is for %#x, want %#x", got, want)
		}
		voidNote(t, r, 0)
		time.Sleep(20 * time.Millisecond)
	}
	if n := counted(); n != 0 {
		t.Fatalf("untraced syscall counted %d times", n)
	}
	if first {
		// Void it for what follows (as a traced fork would).
		run(r.objs.SchedProcessFork, 0, 0)
	}
	// Untraced with storage (a mark that is not counting, as another
	// task storage map's element would leave it too): noted either
	// way, on CPU 0 and on the last CPU.
	setState(0)
	last := runtime.NumCPU() - 1
	if last > 0 {
		pin(t, last)
		if _, err := r.objs.SysEnter.Run(&ebpf.RunOptions{Context: []uint64{regs + 4096, getpid}, CPU: uint32(last), Flags: unix.BPF_F_TEST_RUN_ON_CPU}); err != nil {
			t.Fatal(err)
		}
		if note(t, r, last) != regs+4096 {
			t.Fatalf("no note on CPU %d", last)
		}
		pin(t, 0)
	}
	run(r.objs.SysEnter, regs, getpid)
	if n := counted(); n != 0 {
		t.Fatalf("untraced syscall counted %d times", n)
	}
	if note(t, r, 0) != regs {
		t.Fatal("untraced task with storage: no note on CPU 0")
	}
	// A traced task with the same pt_regs (a new task on that stack) is
	// answered by the note: a stale note is trusted, which is why the
	// events below must make sys_enter look again.
	setState(counting)
	run(r.objs.SysEnter, regs, getpid)
	if n := counted(); n != 0 {
		t.Fatalf("the note was not used (counted %d): this test shows nothing", n)
	}

	// A traced fork: its child may reuse an untraced task's stack, and
	// run on any CPU: every CPU's note goes.
	// sched_process_fork's parent is the current task (traced now); the
	// child pointer is not a task (its pid reads as 0), enough to take
	// the traced-fork path.
	run(r.objs.SchedProcessFork, 0, 0)
	if note(t, r, 0) != 0 || note(t, r, last) != 0 {
		t.Fatal("a traced fork left a note in place")
	}
	run(r.objs.SysEnter, regs, getpid)
	if n := counted(); n != 1 {
		t.Fatalf("after a traced fork: counted %d, want 1 (the stale untraced note was trusted)", n)
	}

	// A traced exec: the task's executable (or state) changes. Noted as
	// counting with executable 0 above; now the mark says executable 7.
	if err := r.objs.Tasks.Update(int32(fd), bpf.RecorderTaskMark{State: counting, Exe: 7}, ebpf.UpdateAny); err != nil {
		t.Fatal(err)
	}
	run(r.objs.SysEnter, regs, getpid) // noted counting, executable 0
	if n := counted(); n != 2 {
		t.Fatalf("counted %d, want 2", n)
	}
	if note(t, r, 0) != regs {
		t.Fatal("no note on CPU 0")
	}
	run(r.objs.SchedProcessExec, 0, 0, 0)
	if note(t, r, 0) != 0 {
		t.Fatal("a traced exec left the note in place")
	}

	// A traced task's exit: an untraced task may reuse its stack.
	run(r.objs.SysEnter, regs, getpid) // noted counting
	if n := counted(); n != 3 {
		t.Fatalf("counted %d, want 3", n)
	}
	run(r.objs.SchedProcessExit, 0)
	setState(0) // the stack's new task: untraced
	run(r.objs.SysEnter, regs, getpid)
	if n := counted(); n != 3 {
		t.Fatalf("after a traced exit: counted %d, want 3 (the stale counting note was trusted)", n)
	}
}

// counts holds one block per possible CPU, each CPU's sys_enter counting
// in the block of its number (recorder.c, counts_here): a CPU beyond
// max_entries would count nothing but lost. Run on the last possible
// CPU that is online and allowed here, sys_enter counts the traced
// thread's syscall in that CPU's block, and readCounts finds it.
func TestCountsBlockPerCPU(t *testing.T) {
	testutil.RequireRoot(t)
	was := lockThreadAffinity(t)
	ncpu, err := ebpf.PossibleCPU()
	if err != nil {
		t.Fatal(err)
	}
	last := -1
	for c := 0; c < ncpu; c++ {
		if was.IsSet(c) {
			last = c
		}
	}
	if last < 0 {
		t.Fatal("no possible CPU in this thread's affinity")
	}
	pin(t, last)

	r := &recorder{opts: Options{Command: []string{"true"}}}
	defer r.close()
	info, err := kernelTypes()
	if err != nil {
		t.Fatal(err)
	}
	types := make(chan typesResult, 1)
	types <- typesResult{info, nil}
	r.types = types
	if err := r.load(); err != nil {
		t.Fatal(err)
	}
	if got := r.objs.Counts.MaxEntries(); got != uint32(ncpu) {
		t.Fatalf("counts has %d blocks, want one per possible CPU (%d)", got, ncpu)
	}
	fd, err := unix.PidfdOpen(unix.Gettid(), unix.PIDFD_THREAD)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := r.objs.Tasks.Update(int32(fd), bpf.RecorderTaskMark{State: uint32(bpf.RecorderTaskStateTASK_COUNTING)}, ebpf.UpdateAny); err != nil {
		t.Fatal(err)
	}
	const regs, getpid = 0xffff8880deadb000, 39
	if _, err := r.objs.SysEnter.Run(&ebpf.RunOptions{Context: []uint64{regs, getpid}, CPU: uint32(last), Flags: unix.BPF_F_TEST_RUN_ON_CPU}); err != nil {
		t.Fatalf("test run: %v", err)
	}
	var block bpf.RecorderCountsBlock
	if err := r.objs.Counts.Lookup(uint32(last), &block); err != nil {
		t.Fatal(err)
	}
	if n := block.N[getpid] & countMask; n != 1 {
		t.Errorf("CPU %d's block counted getpid %d times, want 1", last, n)
	}
	c, err := r.readCounts()
	if err != nil {
		t.Fatal(err)
	}
	if c[getpid] != 1 {
		t.Errorf("readCounts: getpid counted %d times, want 1", c[getpid])
	}
	var lost uint64
	if err := r.objs.Lost.Get(&lost); err != nil {
		t.Fatal(err)
	}
	if lost != 0 {
		t.Errorf("lost %d, want 0", lost)
	}
}

// pin moves the calling thread to cpu.
func pin(t *testing.T, cpu int) {
	t.Helper()
	var one unix.CPUSet
	one.Set(cpu)
	if err := unix.SchedSetaffinity(0, &one); err != nil {
		t.Fatal(err)
	}
}

// note is the pt_regs address CPU cpu's note is for (0: none).
func note(t *testing.T, r *recorder, cpu int) uint64 {
	t.Helper()
	var block bpf.RecorderCountsBlock
	if err := r.objs.Counts.Lookup(uint32(cpu), &block); err != nil {
		t.Fatal(err)
	}
	return block.Cur.Regs
}

// voidNote clears sys_enter's note of cpu, as a traced fork voids it.
func voidNote(t *testing.T, r *recorder, cpu int) {
	t.Helper()
	var block bpf.RecorderCountsBlock
	if err := r.objs.Counts.Lookup(uint32(cpu), &block); err != nil {
		t.Fatal(err)
	}
	block.Cur.Regs, block.Cur.Task = 0, 0
	if err := r.objs.Counts.Update(uint32(cpu), &block, ebpf.UpdateExist); err != nil {
		t.Fatal(err)
	}
}

// A traced program and an untraced one take turns on one CPU (both pinned
// there, yielding), so that sys_enter's per-CPU note changes hands at
// every switch, while the traced program's threads come and go (each a
// traced fork): every getppid of the traced program is counted, none of
// the untraced one's.
func TestRecordExactSharingACPU(t *testing.T) {
	testutil.RequireRoot(t)
	const src = `#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
static long n;
static void pin(void) { cpu_set_t s; CPU_ZERO(&s); CPU_SET(0, &s); sched_setaffinity(0, sizeof s, &s); }
static void *loop(void *a) {
	for (long i = 1; i <= n; i++) {
		syscall(SYS_getppid);
		if (i % 64 == 0)
			sched_yield();
	}
	return a;
}
int main(int argc, char **argv) {
	n = atol(argv[1]);
	int threads = atoi(argv[2]);
	pin();
	if (n < 0) { n = -n; for (;;) loop(0); }
	for (int r = 0; r < 4; r++) {
		pthread_t t[8];
		for (int i = 0; i < threads; i++)
			pthread_create(&t[i], 0, loop, 0);
		loop(0);
		for (int i = 0; i < threads; i++)
			pthread_join(t[i], 0);
	}
	return 0;
}
`
	bin := compile(t, "turns", src, "-pthread")
	other := exec.Command(bin, "-1000", "0") // untraced, forever
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { other.Process.Kill(); other.Wait() }()
	const n, threads = 20000, 3
	// Both places sys_enter may ask the note (record_note.go).
	for _, first := range []bool{true, false} {
		t.Run(fmt.Sprintf("note_first=%v", first), func(t *testing.T) {
			defer func(was *bool) { noteFirstOverride = was }(noteFirstOverride)
			noteFirstOverride = &first
			rec := recordOrFail(t, Options{Command: []string{bin, fmt.Sprint(n), fmt.Sprint(threads)}})
			if rec.File.Lost != 0 {
				t.Fatalf("lost %d", rec.File.Lost)
			}
			want := uint64(4 * (threads + 1) * n)
			if s := mustHave(t, rec.File, "x86_64", "getppid"); s.Count != want {
				t.Errorf("getppid counted %d times, want %d", s.Count, want)
			}
		})
	}
}

// The machine's answer to "does every syscall flush the kernel's TLB?"
// (record_note.go, from CPUID and the kernel's Meltdown status) is the
// kernel's own: PTI on and no "pcid" among /proc/cpuinfo's flags.
func TestTLBFlushedEverySyscall(t *testing.T) {
	cpuinfo, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Skipf("no /proc/cpuinfo: %v", err)
	}
	meltdown, err := os.ReadFile("/sys/devices/system/cpu/vulnerabilities/meltdown")
	if err != nil {
		t.Skipf("no Meltdown status from the kernel: %v", err)
	}
	pcid := false
	for _, line := range strings.Split(string(cpuinfo), "\n") {
		if strings.HasPrefix(line, "flags") {
			pcid = slices.Contains(strings.Fields(line), "pcid")
			break
		}
	}
	pti := strings.HasPrefix(string(meltdown), "Mitigation: PTI")
	want := pti && !pcid && runtime.GOARCH == "amd64"
	if got := tlbFlushedEverySyscall(); got != want {
		t.Errorf("tlbFlushedEverySyscall() = %v, want %v (Meltdown status %q, pcid flag %v)", got, want, strings.TrimSpace(string(meltdown)), pcid)
	}
	t.Logf("this machine: PTI %v, PCID %v: sys_enter asks its note first: %v", pti, pcid, noteFirst())
}

// Where sched_process_fork_btf follows the fork, the per-CPU notes are
// voided by it (a bounded loop, not bpf_loop; the raw_tp program is not
// attached) or, beyond forkVoidMaxCPUs possible CPUs, by the raw_tp
// program attached after it: either way, after a traced task's fork no
// CPU's note stands, and after an untraced task's fork every CPU's still
// does. Real forks by a shell (marked counting from user space, or not) of
// a subshell that blocks: neither exec's nor exits, which void the notes
// too, so the notes are read while only the fork has happened.
func TestForkBTFVoidsNotes(t *testing.T) {
	for _, rawVoids := range []bool{false, true} {
		t.Run(fmt.Sprintf("raw_tp_voids=%v", rawVoids), func(t *testing.T) {
			if rawVoids {
				defer func(old uint32) { forkVoidMaxCPUs = old }(forkVoidMaxCPUs)
				forkVoidMaxCPUs = 0
			}
			testForkBTFVoidsNotes(t, rawVoids)
		})
	}
}

func testForkBTFVoidsNotes(t *testing.T, rawVoids bool) {
	testutil.RequireRoot(t)
	// A cache of its own: a refusal another start noted in the machine's
	// (/run/seccomp-gen) would load the raw_tp fork program alone.
	useCacheDir(t)
	info, err := kernelTypes()
	if err != nil {
		t.Fatal(err)
	}
	if info.ids.ForkTP == 0 || !info.ids.Known() {
		testutil.SkipOrFail(t, "the kernel's BTF has no btf_trace_sched_process_fork or no bpf_rdonly_cast: sched_process_fork_btf is not used here")
	}
	if kernelIDsHook != nil {
		t.Skip("SECCOMP_GEN_TEST_KERNEL_IDS: the recorder is loaded without the kernel's IDs, so without sched_process_fork_btf")
	}
	r := loadedRecorder(t, info)
	if r.objs.SchedProcessForkBtf == nil || (r.objs.SchedProcessFork != nil) != rawVoids {
		t.Fatalf("fork programs loaded: tp_btf %v, raw_tp %v; want tp_btf, and raw_tp %v", r.objs.SchedProcessForkBtf != nil, r.objs.SchedProcessFork != nil, rawVoids)
	}
	if err := r.attachTasks(); err != nil {
		t.Fatal(err)
	}
	ncpu, err := ebpf.PossibleCPU()
	if err != nil {
		t.Fatal(err)
	}
	const regs = 0xffff8880deadb000 // a made-up pt_regs address
	setNotes := func() {
		t.Helper()
		for cpu := 0; cpu < ncpu; cpu++ {
			var block bpf.RecorderCountsBlock
			if err := r.objs.Counts.Lookup(uint32(cpu), &block); err != nil {
				t.Fatal(err)
			}
			block.Cur.Regs = regs + uint64(cpu)
			block.Cur.Mode = 1
			if err := r.objs.Counts.Update(uint32(cpu), &block, ebpf.UpdateExist); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A shell that waits for a line, then forks a subshell that waits for
	// another; returns once the subshell exists.
	forkOnce := func(traced bool) {
		t.Helper()
		cmd := exec.Command("/bin/sh", "-c", "read go; (read x); exit 0")
		in, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() {
			in.Close() // both reads see EOF
			cmd.Wait()
		}()
		if traced {
			fd, err := unix.PidfdOpen(cmd.Process.Pid, unix.PIDFD_THREAD)
			if err != nil {
				t.Fatal(err)
			}
			defer unix.Close(fd)
			if err := r.objs.Tasks.Update(int32(fd), bpf.RecorderTaskMark{State: uint32(bpf.RecorderTaskStateTASK_COUNTING)}, ebpf.UpdateAny); err != nil {
				t.Fatal(err)
			}
		}
		setNotes()
		if _, err := in.Write([]byte("go\n")); err != nil {
			t.Fatal(err)
		}
		children := fmt.Sprintf("/proc/%d/task/%d/children", cmd.Process.Pid, cmd.Process.Pid)
		for deadline := time.Now().Add(10 * time.Second); ; {
			b, err := os.ReadFile(children)
			if err != nil {
				t.Fatal(err)
			}
			// The subshell is listed before the fork's tracepoint has
			// run (kernel_clone fires it after copy_process, before it
			// wakes the child): wait until the subshell has run and
			// sleeps in its read, which it does only after. Checking at
			// the listing failed once in a fresh-clone CI run.
			if kids := strings.Fields(string(b)); len(kids) > 0 {
				if st, err := os.ReadFile("/proc/" + kids[0] + "/stat"); err == nil {
					if i := strings.LastIndexByte(string(st), ')'); i > 0 && i+2 < len(st) && st[i+2] == 'S' {
						break
					}
				}
			}
			if time.Now().After(deadline) {
				t.Fatal("the shell forked no subshell that sleeps in its read in 10 s")
			}
			time.Sleep(time.Millisecond)
		}
		for cpu := 0; cpu < ncpu; cpu++ {
			got, want := note(t, r, cpu), uint64(regs)+uint64(cpu)
			if traced {
				want = 0
			}
			if got != want {
				t.Errorf("after a fork by a shell traced %v, CPU %d's note is %#x, want %#x", traced, cpu, got, want)
			}
		}
	}
	forkOnce(false)
	forkOnce(true)
}
