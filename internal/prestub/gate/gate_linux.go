//go:build linux && cgo

// Package gate opens the gate of a command that internal/prestub's C
// constructor started early (see internal/prestub/early_linux.go), as the
// first Go code of the process: its init, which the Go runtime runs as
// soon as os/signal is initialized, since it imports next to nothing else
// (internal/prestub's init ran ~2.5 ms later, after golang.org/x/sys/unix
// and the packages ordered before it).
//
// It holds the Ctrl-C policy's signals first (signal.Notify), then writes
// the byte that runs the command. Before that, the Go runtime's handlers
// would end seccomp-gen at any of those signals, even one it was started
// with ignored (the runtime installs its handler of SIGTERM and SIGQUIT
// over SIG_IGN), while the command ran on; after it, a signal waits in
// the channel for the policy (Signals), which takes it as one that came
// after the command started. One that is there before the byte is
// written came before: the command is not run (Refused).
package gate

/*
extern int early_wait(void);
extern int early_started;
extern int early_gate;
extern int early_ignored;
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
	for _, sig := range Caught {
		s := sig.(syscall.Signal)
		switch {
		case signal.Ignored(s):
		case C.early_ignored&(1<<(uint(s)-1)) != 0:
			// Started ignored: the runtime installed its handler over
			// SIG_IGN; ignored again, as cmd/seccomp-gen does.
			signal.Ignore(s)
		default:
			signal.Notify(c, s)
		}
	}
	sigs = c
	fd := int(C.early_gate)
	C.early_gate = -1
	defer syscall.Close(fd)
	if len(c) > 0 {
		refused = true
		return
	}
	_, err = syscall.Write(fd, []byte{1})
	at = time.Now()
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
