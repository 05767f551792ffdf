//go:build linux && cgo

// Package gate takes the Ctrl-C policy's signals over from
// internal/prestub's C constructor, which held them for a command it
// started early (see internal/prestub/early_linux.go and early.c's
// __wrap_sigaction): as the first Go code of the process, its init, which
// the Go runtime runs as soon as os/signal is initialized, since it imports
// next to nothing else.
//
// The constructor's thread opened the command's gate as soon as its
// recorder was attached, while the Go runtime started; the signals that
// came meanwhile were noted, not acted on. Here signal.Notify takes them
// (0.3-0.9 ms here: a round trip to the runtime's signal thread per
// signal, the first one starting it; off the command's path now), the
// runtime's handlers go in (early_release), and what was noted is raised
// again, which the policy then takes from the channel (Signals) as a
// signal that came after the command started. One noted before the gate
// came before: the command was not run (Refused). Signals the process was
// started with ignored are ignored again (signal.Ignore), as
// cmd/seccomp-gen does. When the thread gave up (no command started),
// the runtime's handlers go in and the noted signals are raised again,
// to end seccomp-gen as they would have.
package gate

/*
#include <stdint.h>

extern int early_wait(void);
extern int early_started;
extern int early_refused;
extern int early_gate_err;
extern int early_holding;
extern int early_ignored;
extern int64_t early_ns[];
extern uint64_t early_release(void);
extern int early_go_held(void);

static int64_t gate_ns(void) { return early_ns[3]; } // EARLY_GATE
*/
import "C"

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

// Caught are the signals of trace's Ctrl-C policy (cmd/seccomp-gen's
// caughtSignals).
var Caught = []os.Signal{syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGHUP}

var (
	mu      sync.Mutex
	sigs    chan os.Signal // until Signals takes it
	at      time.Time      // when the gate opened
	err     error          // why it could not
	refused bool           // a signal came first: the command was not run
	goHeld  int            // held signals the runtime set a handler for
)

func init() {
	started := C.early_wait() != 0
	if C.early_holding != 0 {
		take(started)
	}
}

func take(started bool) {
	var c chan os.Signal
	if started {
		if d := os.Getenv("SECCOMP_GEN_EARLY_TEST_TAKE_DELAY_MS"); d != "" {
			// For tests: signals from the command while the runtime's
			// handlers are still held.
			ms, _ := time.ParseDuration(d + "ms")
			time.Sleep(ms)
		}
		c = make(chan os.Signal, len(Caught))
		for _, sig := range Caught {
			s := sig.(syscall.Signal)
			switch {
			case signal.Ignored(s):
			case C.early_ignored&(1<<(uint(s)-1)) != 0:
				// Started ignored: the runtime's handler, which it
				// installs over SIG_IGN, goes in ignoring it.
				signal.Ignore(s)
			default:
				signal.Notify(c, s)
			}
		}
		refused = C.early_refused != 0
		if ns := int64(C.gate_ns()); ns != 0 {
			at = time.Unix(0, ns)
		} else if e := C.early_gate_err; e != 0 && !refused {
			err = syscall.Errno(e)
		}
	}
	goHeld = int(C.early_go_held())
	again := uint64(C.early_release())
	sigs = c
	for _, sig := range Caught {
		s := sig.(syscall.Signal)
		if again&(1<<(uint(s)-1)) != 0 {
			_ = syscall.Kill(syscall.Getpid(), s)
		}
	}
}

// Opened says when the gate opened (zero: it did not), why it could not,
// and whether a signal came first.
func Opened() (time.Time, error, bool) {
	return at, err, refused
}

// RuntimeHeld says how many of the held signals the Go runtime set a
// handler for while they were held: all four not ignored at the start
// when its sigactions reached the constructor's wrapper.
func RuntimeHeld() int { return goHeld }

// Signals returns, the first time it is called, the channel that has held
// the Ctrl-C policy's signals since before the command started early
// (signal.Notify: the caller Stops it); nil without an early start.
func Signals() chan os.Signal {
	mu.Lock()
	defer mu.Unlock()
	c := sigs
	sigs = nil
	return c
}
