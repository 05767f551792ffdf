//go:build linux && cgo

// Package gate opens the gate of a command that internal/prestub's C
// constructor started early (see internal/prestub/early_linux.go), as the
// first Go code of the process: its init, which the Go runtime runs as
// soon as os/signal is initialized, since it imports next to nothing else
// (internal/prestub's init ran ~2.5 ms later, after golang.org/x/sys/unix
// and the packages ordered before it).
//
// The Ctrl-C policy's signals must not be lost or end seccomp-gen once the
// command runs: until signal.Notify, the Go runtime's handlers would end
// the process at any of them, even one it was started with ignored (the
// runtime installs its handler of SIGTERM and SIGQUIT over SIG_IGN). But
// Notify costs 0.3-0.9 ms here (a round trip to the runtime's signal
// thread per signal, the first one starting it), too much before the gate.
// So the init first puts a C handler in the runtime's place that only
// notes a signal (hold: a few sigactions), opens the gate, then calls
// Notify, puts the runtime's handler back, and raises again what was
// noted, which the policy then takes from the channel (Signals) as a
// signal that came after the command started. One noted before the gate
// came before: the command is not run (Refused). Signals the process was
// started with ignored are ignored again (signal.Ignore), as
// cmd/seccomp-gen does.
package gate

/*
#include <signal.h>
#include <string.h>

extern int early_wait(void);
extern int early_started;
extern int early_gate;
extern int early_ignored;

static volatile sig_atomic_t gate_noted[65];
static struct sigaction gate_saved[65];

static void gate_note(int s) { gate_noted[s] = 1; }

// gate_hold puts gate_note in the place of the runtime's handler of s, on
// the signal stack the runtime gives each thread.
static int gate_hold(int s) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = gate_note;
	sa.sa_flags = SA_ONSTACK | SA_RESTART;
	sigfillset(&sa.sa_mask);
	return sigaction(s, &sa, &gate_saved[s]);
}

// gate_release puts the runtime's handler back and says whether s came
// while it was held.
static int gate_release(int s) {
	sigaction(s, &gate_saved[s], NULL);
	int n = gate_noted[s];
	gate_noted[s] = 0;
	return n;
}

static int gate_seen(int s) { return gate_noted[s]; }
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
)

func init() {
	if C.early_wait() != 0 {
		open()
	}
}

func open() {
	c := make(chan os.Signal, len(Caught))
	var held []syscall.Signal
	for _, sig := range Caught {
		s := sig.(syscall.Signal)
		switch {
		case signal.Ignored(s):
		case C.early_ignored&(1<<(uint(s)-1)) != 0:
			// Started ignored: the runtime installed its handler over
			// SIG_IGN; ignored again.
			signal.Ignore(s)
		case C.gate_hold(C.int(s)) == 0:
			held = append(held, s)
		default:
			signal.Notify(c, s) // not held: caught before the gate
		}
	}
	fd := int(C.early_gate)
	C.early_gate = -1
	for _, s := range held {
		if C.gate_seen(C.int(s)) != 0 {
			refused = true
		}
	}
	if len(c) > 0 {
		refused = true
	}
	if !refused {
		_, err = syscall.Write(fd, []byte{1})
		at = time.Now()
	}
	syscall.Close(fd)
	for _, s := range held {
		signal.Notify(c, s)
	}
	var again []syscall.Signal
	for _, s := range held {
		if C.gate_release(C.int(s)) != 0 {
			again = append(again, s)
		}
	}
	sigs = c
	for _, s := range again {
		_ = syscall.Kill(syscall.Getpid(), s)
	}
}

// Opened says when the gate opened (zero: it did not), why it could not,
// and whether a signal came first.
func Opened() (time.Time, error, bool) {
	return at, err, refused
}

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
