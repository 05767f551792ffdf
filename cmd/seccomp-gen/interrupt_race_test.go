package main

import (
	"context"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/seccomp-gen/seccomp-gen/internal/proctree"
	"github.com/seccomp-gen/seccomp-gen/trace/recorder"
)

// TestSignalAfterStartNotTakenForBefore: when the command's start and a
// signal are both waiting for the policy, the start comes first. select
// took either, so a Ctrl-C or SIGTERM just after the command started was
// taken, about one time in two, for one before it: the recording stopped
// at once and the command was reported "not run" while it ran on (a
// loaded CI machine: TestReplaySignalTwice saw replay end with no "Ctrl-C
// again kills" message).
func TestSignalAfterStartNotTakenForBefore(t *testing.T) {
	for i := range 200 {
		s, stopped := stopRecorded()
		s.ensureEnded()
		s.started <- struct{}{}
		s.sigs <- syscall.SIGINT // from a terminal: not passed on by the policy
		runUntilCaught(t, s)
		if stopped.Load() {
			t.Fatalf("round %d: a signal after the start stopped the recording as one before it", i)
		}
	}
}

// stopRecorded is a policy for the tests, its stop recorded in stopped.
func stopRecorded() (s *interrupts, stopped *atomic.Bool) {
	stopped = new(atomic.Bool)
	s = &interrupts{name: "test", stop: func() { stopped.Store(true) }, sigs: make(chan os.Signal, 2)}
	s.started = make(chan struct{}, 1)
	return s, stopped
}

// runUntilCaught runs the policy s until it has taken in a signal, then
// stops it and waits for it: run handles one event at a time, so what the
// signal made it do (stop, say) is done when it returns. It fails t if no
// signal is taken in within 10 s (a hang guard). A fixed sleep let a test
// pass without the signal handled on a slow moment.
func runUntilCaught(t *testing.T, s *interrupts) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.run(ctx)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if caught, _, _ := s.result(); caught != 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Error("the policy took in no signal within 10s")
			break
		}
		time.Sleep(100 * time.Microsecond)
	}
	cancel()
	<-done
}

// TestSignalAfterGateIsAfterStart: the command's start is the gate's
// phase (the recorder opening the stub's gate), not the later OnStart. A
// signal in between (the command running; the recorder noting its root
// and starting its scan of executables) was taken for one before the
// start: the recording stopped, and the command ran on untraced
// (TestReplaySignalTwice failed so on a loaded CI run). A --timeout runs
// from the gate, and OnStart's second word does not restart it.
func TestSignalAfterGateIsAfterStart(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGQUIT} {
		s, stopped := stopRecorded()
		s.phases(nil)(recorder.PhaseGate)
		s.sigs <- sig // from a terminal: not passed on by the policy
		runUntilCaught(t, s)
		if stopped.Load() {
			t.Errorf("%v after the gate's phase stopped the recording as one before the start", sig)
		}
		if caught, _, _ := s.result(); caught != sig {
			t.Errorf("caught %v, want %v", caught, sig)
		}
	}
	// Without the gate's phase the same signal is one before the start.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopped := make(chan struct{})
	s := &interrupts{name: "test", stop: func() { close(stopped) }, sigs: make(chan os.Signal, 2)}
	s.started = make(chan struct{}, 1)
	s.phases(nil)(recorder.PhaseMaps)
	s.sigs <- syscall.SIGINT
	go s.run(ctx)
	select {
	case <-stopped:
	case <-time.After(10 * time.Second): // a hang guard
		t.Fatal("a signal before the gate did not stop the recording")
	}
}

// TestTimeoutFromFirstStart: the start said twice (the gate's phase, then
// OnStart) starts --timeout's clock once, at the first: a second start
// restarted it, and a run could go on for up to twice its timeout.
func TestTimeoutFromFirstStart(t *testing.T) {
	var starts atomic.Int32
	never := make(chan time.Time)
	s := &interrupts{name: "test", timeout: time.Hour, stop: func() {}, sigs: make(chan os.Signal, 1),
		after: func(time.Duration) <-chan time.Time { starts.Add(1); return never }}
	s.started = make(chan struct{}, 1)
	s.ensureEnded()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.run(ctx)
	}()
	// Each word is sent once the one before was taken (the channel holds
	// one; a full one drops the word). run handles one at a time, so when
	// the third is taken the second's handling is over.
	taken := func() {
		deadline := time.Now().Add(10 * time.Second) // a hang guard
		for len(s.started) > 0 && time.Now().Before(deadline) {
			time.Sleep(100 * time.Microsecond)
		}
	}
	s.phases(nil)(recorder.PhaseGate)
	taken()
	s.commandStarted() // OnStart
	taken()
	s.commandStarted()
	taken()
	cancel()
	<-done
	if n := starts.Load(); n != 1 {
		t.Errorf("the timeout's clock was started %d times, want once", n)
	}
}

// TestTimeoutAfterExitIsNoTimeout: a --timeout that fires when nothing of
// the command's tree runs any more (the command exited, the recorder not
// yet done) cut nothing short. It was reported as "timed out after 1ns:
// killed the command's process tree (0 processes)", or as a pass when the
// recording's end came first: the report depended on a race. With a child
// running, the same timeout kills it and is a timeout.
func TestTimeoutAfterExitIsNoTimeout(t *testing.T) {
	if kids := proctree.Children(os.Getpid()); len(kids) > 0 {
		t.Fatalf("the test process has children %v: the timeout would kill them", kids)
	}
	for _, child := range []bool{false, true} {
		var cmd *exec.Cmd
		if child {
			cmd = exec.Command("sleep", "30")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
		}
		stopped := make(chan struct{})
		var once sync.Once
		s := &interrupts{name: "test", timeout: time.Nanosecond, stop: func() { once.Do(func() { close(stopped) }) }, sigs: make(chan os.Signal, 1)}
		s.started = make(chan struct{}, 1)
		s.ensureEnded()
		s.started <- struct{}{}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.run(ctx)
		}()
		// The recording ends killGrace after a timeout's kill: the
		// timeout has been handled then.
		select {
		case <-stopped:
		case <-time.After(10 * killGrace): // a hang guard
			t.Fatalf("child %v: the timeout did not end the recording", child)
		}
		cancel()
		<-done
		_, killed, timedOut := s.result()
		if child {
			_ = cmd.Wait()
			if !timedOut || killed != 1 {
				t.Errorf("a running child: timed out %v, killed %d; want a timeout that killed 1", timedOut, killed)
			}
		} else if timedOut || killed != 0 {
			t.Errorf("nothing running: timed out %v, killed %d; want no timeout, nothing killed", timedOut, killed)
		}
	}
}
