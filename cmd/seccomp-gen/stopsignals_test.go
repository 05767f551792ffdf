package main

import (
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"
)

// stopSignals hands held signals back (signal.Stop) in a process that goes
// on, as the tests and any caller of run but main do, and leaves them
// caught in one that is exiting (main sets exiting). SIGWINCH is ignored
// by default, so a signal no channel holds does nothing to the test.
func TestStopSignals(t *testing.T) {
	// watch holds SIGWINCH throughout, so that each delivery is seen: the
	// Go runtime hands a signal to every channel that holds it in one pass.
	watch := make(chan os.Signal, 1)
	signal.Notify(watch, syscall.SIGWINCH)
	defer signal.Stop(watch)
	defer exiting.Store(false)
	for _, exit := range []bool{false, true} {
		c := make(chan os.Signal, 1)
		signal.Notify(c, syscall.SIGWINCH)
		exiting.Store(exit)
		stopSignals(c)
		if err := syscall.Kill(os.Getpid(), syscall.SIGWINCH); err != nil {
			t.Fatal(err)
		}
		select {
		case <-watch:
		case <-time.After(10 * time.Second):
			t.Fatal("SIGWINCH was not delivered")
		}
		wait := 200 * time.Millisecond // the rest of the same pass
		if exit {
			wait = 10 * time.Second
		}
		select {
		case <-c:
			if !exit {
				t.Error("stopSignals in a process that goes on left the signal caught on its channel")
			}
		case <-time.After(wait):
			if exit {
				t.Error("stopSignals in an exiting process released the signal (signal.Stop)")
			}
		}
		signal.Stop(c)
	}
}
