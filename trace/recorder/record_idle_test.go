package recorder

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// switches counts this process's context switches so far (every thread's,
// voluntary and not).
func switches(t *testing.T) int {
	t.Helper()
	tasks, err := filepath.Glob("/proc/self/task/*/status")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range tasks {
		data, err := os.ReadFile(p)
		if err != nil {
			continue // a thread gone
		}
		for _, l := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.HasSuffix(k, "ctxt_switches") {
				c, _ := strconv.Atoi(strings.TrimSpace(v))
				n += c
			}
		}
	}
	return n
}

// idleSwitches runs record on a goroutine, counts this process's context
// switches in the second from half a second after its start, and returns
// them with record's Recording once it returned.
func idleSwitches(t *testing.T, record func() (*Recording, error)) (int, *Recording) {
	t.Helper()
	type result struct {
		rec *Recording
		err error
	}
	done := make(chan result, 1)
	go func() {
		rec, err := record()
		done <- result{rec, err}
	}()
	time.Sleep(500 * time.Millisecond)
	before := switches(t)
	time.Sleep(time.Second)
	n := switches(t) - before
	res := <-done
	if res.err != nil {
		t.Fatal(res.err)
	}
	t.Logf("%d context switches in a second", n)
	return n, res.rec
}

// TestIdleTracerSleeps: while the command runs and does nothing, the
// tracer does next to nothing either. It polled for the end every 10 ms,
// which also kept the Go runtime's sysmon sleeping 20 us at a time: ~2000
// context switches a second, each a few syscalls through the recorder's
// sys_enter on a CPU of the machine it shares. The executables' scan
// still ticks (10 a second); the bound leaves room for the Go runtime's
// own.
func TestIdleTracerSleeps(t *testing.T) {
	testutil.RequireRoot(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, _ := idleSwitches(t, func() (*Recording, error) {
		return Record(ctx, Options{Command: []string{"sleep", "2"}})
	})
	if n > 300 {
		t.Errorf("the tracer switched context %d times in a second of an idle command (want at most 300)", n)
	}
}

// TestIdleTracerSleepsPID: so does a --pid trace of an idle process: its
// exit is told by its pidfd, not polled for every 10 ms (463 context
// switches in the second here when it was, 109 now), and the trace still
// ends with it.
func TestIdleTracerSleepsPID(t *testing.T) {
	testutil.RequireRoot(t)
	target := exec.Command("sleep", "2")
	if err := target.Start(); err != nil {
		t.Fatal(err)
	}
	reaped := make(chan struct{})
	go func() { _ = target.Wait(); close(reaped) }()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n, rec := idleSwitches(t, func() (*Recording, error) {
		return Record(ctx, Options{PID: target.Process.Pid})
	})
	<-reaped
	if rec.Reason != "exit" || !rec.Exited {
		t.Errorf("the trace ended with %q (exited %v), want exit", rec.Reason, rec.Exited)
	}
	if n > 300 {
		t.Errorf("the tracer switched context %d times in a second of an idle --pid target (want at most 300)", n)
	}
}

// TestIdleTracerSleepsCgroup: and a --cgroup trace of an idle workload:
// the cgroup's emptying is told by inotify on its cgroup.events (and a
// poll every half second), not by a poll every 10 ms (1165 context
// switches in the second here when it was, 150 now); the trace still ends
// when the cgroup empties.
func TestIdleTracerSleepsCgroup(t *testing.T) {
	testutil.RequireRoot(t)
	cg := mkCgroup(t, "idle")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	started := make(chan error, 1)
	n, rec := idleSwitches(t, func() (*Recording, error) {
		return Record(ctx, Options{Cgroup: cg, OnStart: func(Started) {
			cmd := exec.Command("sh", "-c", `echo $$ > "$1/cgroup.procs" && exec sleep 2`, "sh", cg)
			err := cmd.Start()
			started <- err
			if err == nil {
				go func() { _ = cmd.Wait() }()
			}
		}})
	})
	if err := <-started; err != nil {
		t.Fatal(err)
	}
	if rec.Reason != "empty" || rec.File.Processes != 1 {
		t.Errorf("the trace ended with %q, %d processes; want empty, 1", rec.Reason, rec.File.Processes)
	}
	if n > 300 {
		t.Errorf("the tracer switched context %d times in a second of an idle --cgroup workload (want at most 300)", n)
	}
}
