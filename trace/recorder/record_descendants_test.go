package recorder

import (
	"bufio"
	"fmt"
	"os/exec"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/internal/proctree"
	"github.com/seccomp-gen/seccomp-gen/internal/testutil"
)

// preforkSrc is a server that forked before anyone attached: the master
// forks a worker, which forks a grandworker; both say "ready" and block
// reading standard input (the gate), then issue one syscall of their own
// each and exit. The master only waits for them.
const preforkSrc = `#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static void gate(void) {
	char c;
	if (read(0, &c, 1) != 1) _exit(2);
}

int main(void) {
	pid_t w = fork();
	if (w == 0) {
		prctl(PR_SET_NAME, "worker");
		pid_t g = fork();
		if (g == 0) {
			prctl(PR_SET_NAME, "grandworker");
			write(1, "ready\n", 6);
			gate();
			sched_get_priority_max(SCHED_FIFO);
			_exit(0);
		}
		write(1, "ready\n", 6);
		gate();
		getpriority(PRIO_PROCESS, 0);
		waitpid(g, NULL, 0);
		_exit(0);
	}
	while (wait(NULL) > 0)
		;
	return 0;
}
`

// startPrefork starts the prefork server and returns it once both workers
// wait at the gate, with the gate's write end.
func startPrefork(t *testing.T) (*exec.Cmd, func(string)) {
	t.Helper()
	bin := compile(t, "prefork", preforkSrc)
	cmd := exec.Command(bin)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	r := bufio.NewReader(out)
	for i := 0; i < 2; i++ {
		if l, err := r.ReadString('\n'); err != nil || l != "ready\n" {
			t.Fatalf("prefork: %q, %v", l, err)
		}
	}
	if d := proctree.Descendants(cmd.Process.Pid); len(d) != 2 {
		t.Fatalf("prefork has descendants %v, want 2", d)
	}
	return cmd, func(s string) { fmt.Fprint(in, s) }
}

// TestRecordPIDDescendants: --pid of a server whose workers were forked
// before the recorder attached records the workers' syscalls too (their
// children included), and says how many it found.
func TestRecordPIDDescendants(t *testing.T) {
	testutil.RequireRoot(t)
	cmd, open := startPrefork(t)
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	var started Started
	rec := recordOrFail(t, Options{
		PID: cmd.Process.Pid,
		OnStart: func(s Started) {
			started = s
			open("ab")
		},
	})
	<-exited
	f := rec.File
	if rec.Descendants != 2 || started.Descendants != 2 {
		t.Errorf("descendants: recording %d, started %d; want 2", rec.Descendants, started.Descendants)
	}
	if s := mustHave(t, f, "x86_64", "getpriority"); s.First != "worker" || s.Count != 1 {
		t.Errorf("getpriority: %+v, want 1 call by worker", *s)
	}
	if s := mustHave(t, f, "x86_64", "sched_get_priority_max"); s.First != "grandworker" || s.Count != 1 {
		t.Errorf("sched_get_priority_max: %+v, want 1 call by grandworker", *s)
	}
	if f.Processes != 3 {
		t.Errorf("processes %d, want 3 (master, worker, grandworker)\n%s", f.Processes, dump(f))
	}
	if !rec.Exited || rec.Reason != "exit" {
		t.Errorf("exited %v reason %q", rec.Exited, rec.Reason)
	}
}

// TestRecordPIDForkStorm: a target that keeps forking while its existing
// children are marked: every child is counted once in the live-task count
// (marked from user space and followed from the fork at the same time), so
// the recording still ends when the target exits.
func TestRecordPIDForkStorm(t *testing.T) {
	testutil.RequireRoot(t)
	// Children that live a little, forked continuously; the parent stops
	// forking and exits when the gate opens.
	sh := exec.Command("bash", "-c", `i=0; while [ $i -lt 400 ]; do sleep 0.05 & i=$((i+1)); if read -t 0.001 x; then break; fi; done; wait`)
	in, exited := startGated(t, sh)
	rec := recordOrFail(t, Options{
		PID: sh.Process.Pid,
		OnStart: func(Started) {
			go func() {
				// Let it fork under the tracer for a while.
				<-time.After(300 * time.Millisecond)
				fmt.Fprintln(in, "stop")
			}()
		},
	})
	<-exited
	if rec.Reason != "exit" {
		t.Fatalf("reason %q, want exit", rec.Reason)
	}
	if s := lookup(rec.File, "x86_64", "clone"); s == nil && lookup(rec.File, "x86_64", "clone3") == nil {
		t.Errorf("no fork recorded:\n%s", dump(rec.File))
	}
}

// forkerSrc forks a child every 200 microseconds until its standard input
// closes or it has forked 3000; each child blocks reading standard input.
const forkerSrc = `#include <poll.h>
#include <signal.h>
#include <unistd.h>

int main(void) {
	signal(SIGCHLD, SIG_IGN);
	for (int i = 0; i < 3000; i++) {
		struct pollfd p = {0, POLLIN, 0};
		if (poll(&p, 1, 0) != 0) break; /* the gate: input or its end */
		if (fork() == 0) {
			char c;
			read(0, &c, 1);
			_exit(0);
		}
		usleep(200);
	}
	char c;
	read(0, &c, 1);
	return 0;
}
`

// TestRecordPIDWalkFastForker: --pid of a process that forks all the time
// takes two rounds of its tree: children it forks after its own mark are
// marked by the kernel at their fork, and finding them is no reason for
// another round. Before, every round that found a child forked meanwhile
// started another one, up to 100 (11 s of attach, seen on a tree forking
// every millisecond). Only what the walk marked itself counts as
// "already below at attach".
func TestRecordPIDWalkFastForker(t *testing.T) {
	testutil.RequireRoot(t)
	bin := compile(t, "forker", forkerSrc)
	cmd := exec.Command(bin)
	in, exited := startGated(t, cmd)
	t.Cleanup(func() { _ = in.Close() })
	// Let it have forked some before the attach.
	deadline := time.Now().Add(10 * time.Second)
	for len(proctree.Children(cmd.Process.Pid)) < 20 {
		if time.Now().After(deadline) {
			t.Fatal("the forker did not fork 20 children in 10 s")
		}
		time.Sleep(time.Millisecond)
	}
	rounds := 0
	walkRounds = func(n int) { rounds = n }
	t.Cleanup(func() { walkRounds = nil })
	rec := recordOrFail(t, Options{
		PID: cmd.Process.Pid,
		OnStart: func(s Started) {
			// The children live until the gate closes: all of them
			// are still there.
			if children := len(proctree.Children(cmd.Process.Pid)); s.Descendants < 20 || s.Descendants > children {
				t.Errorf("descendants %d: want at least the 20 forked before the attach, at most the %d children now", s.Descendants, children)
			}
			_ = in.Close() // the forker and its children end
		},
	})
	<-exited
	if rounds < 1 || rounds > 2 {
		t.Errorf("the walk took %d rounds; want at most 2 (one marking, one finding nothing the kernel had not marked)", rounds)
	}
	if rec.Reason != "exit" {
		t.Errorf("reason %q, want exit", rec.Reason)
	}
	if s := lookup(rec.File, "x86_64", "read"); s == nil {
		t.Errorf("no read recorded:\n%s", dump(rec.File))
	}
}

// --pid: the traced process exiting does not end the recording while a
// process it forked still runs; what that process does after the exit is
// counted.
func TestRecordPIDOutlivedByChild(t *testing.T) {
	testutil.RequireRoot(t)
	target := exec.Command("sh", "-c", `read x; (sleep 0.3; ls / >/dev/null) & exit 0`)
	in, _ := startGated(t, target)
	rec := recordOrFail(t, Options{
		PID:     target.Process.Pid,
		OnStart: func(Started) { fmt.Fprintln(in, "go") },
	})
	if s := mustHave(t, rec.File, "x86_64", "getdents64"); s.First != "ls" {
		t.Errorf("getdents64 first by %q, want ls", s.First)
	}
	if !rec.Exited || rec.Reason != "exit" {
		t.Errorf("exited %v reason %q, want the recording to end at the last exit", rec.Exited, rec.Reason)
	}
}

// TestRecordPIDOutlivedByIdleChild: processes already below the target at
// the attach, asleep then (a subshell waiting for its sleep), are marked
// but counted only from their next syscall; the target exiting first does
// not end the recording while they run, and what they do after it is
// counted (the subshell's ls, a second after the target's exit).
func TestRecordPIDOutlivedByIdleChild(t *testing.T) {
	testutil.RequireRoot(t)
	target := exec.Command("sh", "-c", `(sleep 1; ls / >/dev/null) & read x; exit 0`)
	in, exited := startGated(t, target)
	// Both the subshell and its sleep asleep before the attach.
	var below []int
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		below = below[:0]
		for _, c := range proctree.Children(target.Process.Pid) {
			below = append(below, c)
			below = append(below, proctree.Children(c)...)
		}
		asleep := len(below) == 2
		for _, p := range below {
			asleep = asleep && procState(p) == "S"
		}
		if asleep {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the subshell and its sleep are not both asleep below pid %d: %v", target.Process.Pid, below)
		}
	}
	rec := recordOrFail(t, Options{
		PID:     target.Process.Pid,
		OnStart: func(Started) { fmt.Fprintln(in, "go") },
	})
	<-exited
	if rec.Descendants != 2 {
		t.Errorf("%d processes found below the target at the attach, want 2 (%v)", rec.Descendants, below)
	}
	if s := mustHave(t, rec.File, "x86_64", "getdents64"); s.First != "ls" {
		t.Errorf("getdents64 first by %q, want ls", s.First)
	}
	if !rec.Exited || rec.Reason != "exit" {
		t.Errorf("exited %v reason %q, want the recording to end at the last exit", rec.Exited, rec.Reason)
	}
}
