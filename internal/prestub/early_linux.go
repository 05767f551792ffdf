//go:build linux && cgo

package prestub

/*
// The Go runtime's sigactions reach early.c's __wrap_sigaction, which
// holds the Ctrl-C policy's signals for an early start.
#cgo LDFLAGS: -Wl,--wrap=sigaction
#include "prestub.h"

// Accessors: cgo's view of the C arrays trips the linter (gocritic's
// underef on the code it generates).
static const char *early_claimed_str(void) { return early_claimed; }
static const char *early_path_str(void) { return early_path; }
static int early_link(int i) { return early_links[i]; }
static int64_t early_stamp(int i) { return early_ns[i]; }
*/
import "C"

import (
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/seccomp-gen/seccomp-gen/internal/prestub/gate"
)

// The early start (issue 13: launch to the command's main in 5 ms).
//
// A Go program's runtime takes 2-2.7 ms on this machine class before its
// main runs (bench/workloads/gostart; a static C program reaches its main
// in 0.8), seccomp-gen's size and package initializers ~1.3 ms more, and
// the command's own exec ~1 ms: every step the Go side takes before the
// gate opens (the command line, the claim of a prepared recorder, the
// attach) comes on top of 4 ms that are spent before it can take any.
//
// So for the most common command line, `trace [-o FILE] [-v] [--no-args]
// [--] CMD [ARGS...]` run as root with a recorder prepared for this binary
// (trace/recorder/record_pool.go), the C constructor in early.c starts the
// command itself. On the main thread it looks only at what the Go
// runtime's start would change or what decides whether to go on: the
// command line, descriptors 0-2 (the runtime opens /dev/null on a closed
// one) and a ready set in the pool (through the hint Prepare leaves,
// record_early.go). Then, on a thread of its own while the Go runtime
// starts: the checks below, the claim (the same rename as Record's), the
// pins, the attach (as Record attaches: the programs that follow tasks
// first, then sys_enter), the command's process forked (its signal
// dispositions set back to those seccomp-gen started with: the runtime may
// have installed its handlers meanwhile), its PID armed and its gate
// opened: the command runs while the Go runtime starts, the Ctrl-C
// policy's signals held from the constructor on (early.c's
// __wrap_sigaction) until the first Go code of the process, package
// gate's init, takes them over (see there). Record takes the
// command over (TakeEarly) as if it had started it: the same programs,
// maps, links, armed PID and stub protocol (prestub_gate_exec), so the
// trace is the same.
//
// The Go side's checks still come first in meaning: the constructor starts
// the command only where they cannot fail, and leaves anything else to
// them (the command is then started as before, after them). It reads only
// the flags above, each once, no --duration; it runs the command only as
// root with CAP_SYS_ADMIN or CAP_BPF and CAP_PERFMON in the initial user
// namespace (checkPrivileges: a pinned program attaches without them),
// with the kernel's BTF, when internal/lookpath would find the same
// program, the environment holds no variable twice (os/exec would pass a
// deduplicated copy), descriptors 0, 1 and 2 are open, ulimit -n allows
// what Record needs, and -o is standard output or a plain path (no link,
// no "." or "..", not under /proc or /dev) that cmd/seccomp-gen's
// checkOutputs would accept: an existing regular file that is neither the
// command's program nor seccomp-gen's and not immutable or append-only, in
// a directory where a file can be created and renamed. Should the Go side
// refuse the command line all the same (a directory removed in the
// meantime), AbandonEarly kills the command, which has run by then for a
// few milliseconds, before seccomp-gen exits, and says so. When the thread
// gives up after the main thread went on (a check failed, another trace
// claimed the set), no child was forked at the start for the command
// either: the Go side re-executes the binary as the stub.
//
// What differs for the user: the command starts sooner than the Go side
// could start it (launch to its main: 6.35 ms from the Go side with a
// prepared recorder, 3.48 ms started early, in one bench run here). A
// signal before the constructor holds the signals ends seccomp-gen by its
// default action, and nothing has run; one held before the gate opens
// keeps the command from running (it is killed at its gate) and is then
// the policy's; one after it is the Ctrl-C policy's, as for any command
// started. SECCOMP_GEN_EARLY=off turns the early start
// off; SECCOMP_GEN_EARLY_DEBUG=1 says on stderr why it did not start a
// command.

// EarlyEnv, set to "off", turns the early start off.
const EarlyEnv = "SECCOMP_GEN_EARLY"

// Early is a command the constructor started.
type Early struct {
	// Process is the command's process, this process's child.
	Process *os.Process
	// Ready is the read end of its ready pipe (prestub_gate_exec): one
	// byte once it was up, then the errno of an execve that failed.
	Ready *os.File
	// Links are the descriptors of the BPF links attached, in the order
	// they were.
	Links []int
	// Claimed is the prepared recorder's directory in the pool, claimed
	// for this process; its pins are still there.
	Claimed string
	// Path is the program run; Argv its arguments, from CMD on.
	Path string
	Argv []string
	// NoArgs is --no-args; Stdout that the trace goes to standard output
	// (the command's went to stderr).
	NoArgs, Stdout bool
	// When the constructor started, had claimed the recorder, attached
	// it and opened the gate.
	Launch, Claim, Attach, Gate time.Time
	// Adopted: the caller took the command over (trace/recorder); Kill
	// is no longer for it.
	Adopted bool
}

var (
	earlyMu    sync.Mutex
	earlyTaken bool
)

// EarlyWhy says why the constructor started no command ("" when it did).
func EarlyWhy() string {
	if C.early_why == nil {
		return ""
	}
	return C.GoString(C.early_why)
}

// EarlySignals is gate.Signals: the Ctrl-C policy's signals, held since
// before the command started early.
func EarlySignals() chan os.Signal { return gate.Signals() }

// EarlyHeld is gate.RuntimeHeld: how many of the Ctrl-C policy's signals
// the Go runtime set a handler for while the constructor held them (4 when
// none was ignored at the start and its sigactions reached the wrapper).
func EarlyHeld() int { return gate.RuntimeHeld() }

// Caught is gate.Caught.
var Caught = gate.Caught

// TakeEarly returns the command the constructor started, the first time
// it is called; nil when it started none or it was taken.
func TakeEarly() *Early {
	earlyMu.Lock()
	defer earlyMu.Unlock()
	if earlyTaken || C.early_started == 0 {
		return nil
	}
	earlyTaken = true
	e := early()
	at, _, refused := gate.Opened()
	if e != nil {
		e.Gate = at
	}
	if refused && e != nil {
		// A signal before the gate: the caller starts nothing either
		// (its policy has the signal).
		e.Kill()
		return nil
	}
	return e
}

// AbandonEarly kills and reaps the command the constructor started if
// nobody took it (the command line was refused after all), releases its
// recorder, and returns the command's name ("" when there was none).
func AbandonEarly() string {
	if e := TakeEarly(); e != nil {
		e.Kill()
		return e.Argv[0]
	}
	return ""
}

func early() *Early {
	p, err := os.FindProcess(int(C.early_pid))
	if err != nil {
		return nil
	}
	e := &Early{
		Process: p,
		Ready:   os.NewFile(uintptr(C.early_ready), "ready"),
		Claimed: C.GoString(C.early_claimed_str()),
		Path:    C.GoString(C.early_path_str()),
		NoArgs:  C.early_noargs != 0,
		Stdout:  C.early_stdout != 0,
		Launch:  stamp(C.EARLY_LAUNCH),
		Claim:   stamp(C.EARLY_CLAIMED),
		Attach:  stamp(C.EARLY_ATTACHED),
	}
	for i := 0; i < int(C.early_nlinks); i++ {
		e.Links = append(e.Links, int(C.early_link(C.int(i))))
	}
	if n := int(C.early_cmd); n > 0 && n < len(os.Args) {
		e.Argv = append([]string(nil), os.Args[n:]...)
	}
	return e
}

func stamp(i C.int) time.Time {
	return time.Unix(0, int64(C.early_stamp(i)))
}

// Kill kills and reaps the command, closes the links and the ready pipe,
// and removes the claimed recorder: for a command that is not to run.
func (e *Early) Kill() {
	_ = e.Process.Signal(syscall.SIGKILL)
	_, _ = e.Process.Wait()
	e.Release()
}

// Release closes the links and the ready pipe and removes the claimed
// recorder's pins: what Record did not take over.
func (e *Early) Release() {
	for _, fd := range e.Links {
		_ = syscall.Close(fd)
	}
	e.Links = nil
	if e.Ready != nil {
		e.Ready.Close()
		e.Ready = nil
	}
	if e.Claimed != "" {
		_ = os.RemoveAll(e.Claimed)
		e.Claimed = ""
	}
}
