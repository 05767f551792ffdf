package recorder

// Targets that can never give a trace, and a start that is cancelled:
// each gets a clear error before anything runs.

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/bpf"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// A zombie (exited, not reaped) and a kernel thread make no syscalls:
// --pid refuses them instead of writing an empty trace. Both are refused
// before the privilege check, so this runs as anyone.
func TestRecordRefusesDeadPIDs(t *testing.T) {
	z := exec.Command("true")
	if err := z.Start(); err != nil {
		t.Fatal(err)
	}
	defer z.Wait() // reaped only at the end: a zombie until then
	deadline := time.Now().Add(5 * time.Second)
	for procState(z.Process.Pid) != "Z" {
		if time.Now().After(deadline) {
			t.Fatalf("pid %d never became a zombie (state %q)", z.Process.Pid, procState(z.Process.Pid))
		}
		time.Sleep(5 * time.Millisecond)
	}
	_, err := Record(context.Background(), Options{PID: z.Process.Pid, Duration: time.Second})
	if !errors.Is(err, ErrNoProcess) || !strings.Contains(err.Error(), "zombie") {
		t.Errorf("zombie pid: %v, want ErrNoProcess saying it is a zombie", err)
	}

	// kthreadd is PID 2 outside a PID namespace.
	if comm, _ := os.ReadFile("/proc/2/comm"); strings.TrimSpace(string(comm)) != "kthreadd" {
		testutil.SkipOrFail(t, "pid 2 is not kthreadd here (a PID namespace?): no kernel thread to try")
		return
	}
	_, err = Record(context.Background(), Options{PID: 2, Duration: time.Second})
	if !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), "kernel thread (kthreadd)") {
		t.Errorf("kernel thread pid 2: %v, want ErrOptions naming the kernel thread", err)
	}
}

// A cgroup path that does not exist is the user's mistake (exit 2 in the
// CLI), not the machine's.
func TestRecordMissingCgroup(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-cgroup")
	for _, p := range []string{missing, filepath.Join(missing, "below")} {
		_, err := Record(context.Background(), Options{Cgroup: p, Duration: time.Second})
		if !errors.Is(err, ErrNotCgroup2) {
			t.Errorf("cgroup %s: %v, want ErrNotCgroup2", p, err)
		}
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Record(context.Background(), Options{Cgroup: filepath.Join(file, "below"), Duration: time.Second})
	if !errors.Is(err, ErrNotCgroup2) {
		t.Errorf("cgroup below a file: %v, want ErrNotCgroup2", err)
	}
}

// A leader thread that exited while its other threads run is a zombie in
// /proc, but its process lives: --pid traces it.
func TestRecordPIDLeaderExited(t *testing.T) {
	testutil.RequireRoot(t)
	bin := compile(t, "leaderexit", `
#include <pthread.h>
#include <unistd.h>
#include <sys/syscall.h>
static void *w(void *a) { (void)a; for (int i = 0; i < 40; i++) { syscall(SYS_getppid); usleep(25000); } return 0; }
int main(void) { pthread_t t; pthread_create(&t, 0, w, 0); pthread_exit(0); }
`, "-pthread")
	cmd := exec.Command(bin)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	go cmd.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for procState(cmd.Process.Pid) != "Z" {
		if time.Now().After(deadline) {
			t.Fatalf("the leader of pid %d never exited (state %q)", cmd.Process.Pid, procState(cmd.Process.Pid))
		}
		time.Sleep(5 * time.Millisecond)
	}
	rec := recordOrFail(t, Options{PID: cmd.Process.Pid})
	mustHave(t, rec.File, "x86_64", "getppid")
}

// Cancelling ctx before the command's gate opens (Ctrl-C during the start)
// does not run the command untraced: Record returns ErrInterrupted and the
// command never runs.
func TestRecordInterruptedBeforeStart(t *testing.T) {
	testutil.RequireRoot(t)
	marker := filepath.Join(t.TempDir(), "ran")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec, err := Record(ctx, Options{
		Command: []string{"touch", marker},
		Namer:   scmp.Tables{},
		OnPhase: func(phase string) {
			if phase == PhaseStubUp {
				cancel()
			}
		},
	})
	if !errors.Is(err, ErrInterrupted) {
		t.Errorf("Record: %v (reason %q), want ErrInterrupted", err, reasonOf(rec))
	}
	time.Sleep(200 * time.Millisecond)
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("the command ran although the recording was cancelled before it started")
	}
}

func reasonOf(rec *Recording) string {
	if rec == nil {
		return ""
	}
	return rec.Reason
}

// Without PATH, a command name is looked up in a default path, never in
// the current directory (an empty PATH element would mean it).
func TestLookPathWithoutPATH(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile(filepath.Join(dir, "seccomp-gen-test-cwd"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := lookPath("seccomp-gen-test-cwd", []string{"HOME=/"})
	if !errors.Is(err, ErrCommandNotFound) {
		t.Errorf("PATH unset: %v, want ErrCommandNotFound (not ./seccomp-gen-test-cwd)", err)
	}
	if p, err := lookPath("sh", []string{"HOME=/"}); err != nil || !strings.HasPrefix(p, "/") {
		t.Errorf("PATH unset: sh found at %q, %v; want it in the default path", p, err)
	}
	// An explicit empty element is the current directory, as in a shell.
	if p, err := lookPath("seccomp-gen-test-cwd", []string{"PATH=/nonexistent:"}); err != nil || p != "./seccomp-gen-test-cwd" {
		t.Errorf("PATH=/nonexistent: found %q, %v; want ./seccomp-gen-test-cwd", p, err)
	}
}

// A thread that exits between the tracer's pidfd_open and its task storage
// update (threads are released as they exit) fails the update with ENOENT
// on this kernel, or ESRCH: threadGone takes both for "gone", so --pid of a
// busy multi-threaded target does not fail the whole trace.
func TestTaskStorageUpdateOfExitedTask(t *testing.T) {
	testutil.RequireRoot(t)
	spec, err := bpf.LoadRecorder()
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := ebpf.NewMap(spec.Maps[bpf.RecorderMapTasks])
	if err != nil {
		t.Fatal(err)
	}
	defer tasks.Close()
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	fd, err := unix.PidfdOpen(cmd.Process.Pid, unix.PIDFD_THREAD)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := tasks.Update(int32(fd), bpf.RecorderTaskMark{State: taskUserMarked}, ebpf.UpdateNoExist); err != nil {
		t.Fatalf("update of a running task: %v", err)
	}
	cmd.Process.Kill()
	cmd.Wait() // reaped: nothing is behind the pidfd now
	err = tasks.Update(int32(fd), bpf.RecorderTaskMark{State: taskUserMarked}, ebpf.UpdateAny)
	if err == nil || !threadGone(err) {
		t.Errorf("update of an exited task: %v, want ESRCH or ENOENT", err)
	}
}

// Inconsistent Options are refused before anything runs, with ErrOptions.
// The PIDs do not exist: a check that let one through fails with
// ErrNoProcess rather than tracing a process.
func TestRecordRefusesInconsistentOptions(t *testing.T) {
	for _, c := range []struct {
		name string
		opts Options
	}{
		{"no target", Options{}},
		{"two targets", Options{Command: []string{"true"}, PID: 1 << 30}},
		{"negative pid", Options{PID: -2}},
		{"negative duration", Options{Command: []string{"true"}, Duration: -time.Second}},
		{"ExecJoins without a cgroup", Options{PID: 1 << 30, ExecJoins: true}},
		{"Populated without a cgroup", Options{PID: 1 << 30, Populated: true}},
		{"FromExec with a command", Options{Command: []string{"true"}, FromExec: true}},
		{"a wrapper without a command", Options{PID: 1 << 30, Wrapper: []string{"/bin/sh"}}},
	} {
		if _, err := Record(context.Background(), c.opts); !errors.Is(err, ErrOptions) {
			t.Errorf("%s: %v, want ErrOptions", c.name, err)
		}
	}
}
