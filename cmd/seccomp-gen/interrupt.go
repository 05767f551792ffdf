package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/seccomp-gen/seccomp-gen/internal/prestub"
	"github.com/seccomp-gen/seccomp-gen/internal/proctree"
	"github.com/seccomp-gen/seccomp-gen/internal/startstate"
	"github.com/seccomp-gen/seccomp-gen/trace/recorder"
)

// killGrace is how long a recording goes on after the command's tree was
// killed (a second signal, replay --timeout), for traced processes outside
// it (a daemon that left the tree).
const killGrace = 2 * time.Second

// interrupts is the one Ctrl-C policy of the commands that run a workload
// (trace, replay):
//
//   - Before the command started, or for a target seccomp-gen did not start
//     (--pid, --cgroup), SIGINT, SIGQUIT or SIGTERM ends the recording at
//     once.
//   - SIGHUP (the terminal went away) is handled as SIGTERM, so that the
//     results are still written; a signal that seccomp-gen was started
//     with ignored (nohup) stays ignored, for it and for the command.
//   - The first signal stops a started command gracefully: Ctrl-C (or
//     Ctrl-\, SIGQUIT) reached it from the terminal (same process group),
//     SIGTERM is forwarded to it (forwardTERM; otherwise SIGTERM ends the
//     recording at once and the command runs on, untraced), and the
//     recording goes on while it finds its way out, for at most grace (0:
//     as long as it runs). The results are written either way.
//   - A first signal that comes after the command exited, while processes
//     of its tree (daemons it left) still run, is handled in the same way,
//     and result counts those processes: the run was cut short by it.
//   - The second signal kills the command's whole process tree (every
//     child of seccomp-gen and below: adopted orphans too when seccomp-gen
//     is a subreaper); the recording ends when the tree is gone, or
//     killGrace later. So does timeout, once the command has run that long.
type interrupts struct {
	name        string        // the command, in messages
	grace       time.Duration // see above
	forwardTERM bool
	timeout     time.Duration
	stop        context.CancelFunc // ends the recording
	// after starts timeout's clock (nil: time.After); a test counts
	// the starts with it.
	after func(time.Duration) <-chan time.Time

	sigs    chan os.Signal
	started chan struct{}
	// startedEarly: the command was started by the C constructor
	// (internal/prestub's early start), before the policy began.
	startedEarly bool
	ended        chan struct{} // closed at recorder.PhaseEnded (phases)
	endOnce      sync.Once
	// cmdExited is closed at recorder.PhaseExited (phases): the
	// command itself is gone, its descendants may run on.
	cmdExited chan struct{}
	exited    chan struct{} // closed when run returns

	mu       sync.Mutex // the results, read once the recording ended
	caught   syscall.Signal
	killed   int
	timedOut bool
	left     int // processes of the tree that ran on after the command, at the first signal
}

// caughtSignals are the signals the policy handles. SIGQUIT (Ctrl-\) is
// one: left to the Go runtime it would end seccomp-gen with a goroutine
// dump and exit status 2, losing the results, where the command itself
// (which the terminal sends it to as well) dumps core and exits 131.
var caughtSignals = prestub.Caught

// fromTerminal says whether sig is one that a terminal sends to the whole
// foreground process group (Ctrl-C, Ctrl-\): the command has it already,
// so it is not passed on.
func fromTerminal(sig os.Signal) bool {
	return sig == syscall.SIGINT || sig == syscall.SIGQUIT
}

// catch starts the policy for a recording that stop ends; the returned
// function releases the signals. Call it before the command starts.
func (s *interrupts) catch(ctx context.Context) (release func()) {
	if s.sigs == nil {
		s.sigs = holdSignals()
	}
	s.started = make(chan struct{}, 1)
	s.ensureEnded()
	s.exited = make(chan struct{})
	go func() {
		defer close(s.exited)
		s.run(ctx)
	}()
	return func() { stopSignals(s.sigs) }
}

func (s *interrupts) ensureEnded() {
	s.endOnce.Do(func() {
		s.ended = make(chan struct{})
		s.cmdExited = make(chan struct{})
	})
}

// phases wraps a recorder.Options.OnPhase (next may be nil) so that the
// policy learns when the command starts (recorder.PhaseGate, just before
// the recorder opens the stub's gate); when the target is gone
// (recorder.PhaseEnded): it then no longer says that it waits for the
// command; and when the command itself exited (recorder.PhaseExited), for
// what a signal after that cut short.
//
// The start is taken at the gate, not at recorder.Options.OnStart: the
// recorder calls OnStart only after it has noted the command's root and
// started its scan of executables, and a signal in between (the command
// running, its output seen) was taken for one before the start: the
// recording stopped and the command ran on untraced, a SIGTERM not passed
// on to it (a loaded CI run: TestReplaySignalTwice). A signal between the
// gate's phase and its write reaches a stub that has not exec'd the
// command yet, as one just after the write does: Ctrl-C (the terminal's
// whole group) or a forwarded SIGTERM kills it at its gate, and the
// recorder says the command was not run (an EPIPE on the gate, or the
// stub's status: interruptedBeforeStart).
func (s *interrupts) phases(next func(string)) func(string) {
	s.ensureEnded()
	var once, exitOnce sync.Once
	return func(phase string) {
		switch phase {
		case recorder.PhaseGate:
			s.commandStarted()
		case recorder.PhaseEnded:
			once.Do(func() { close(s.ended) })
		case recorder.PhaseExited:
			exitOnce.Do(func() { close(s.cmdExited) })
		}
		if next != nil {
			next(phase)
		}
	}
}

// wait waits until the policy stopped (the ctx given to catch was
// cancelled): after it, the policy writes nothing more on stderr, so that
// its messages never come after the command's result.
func (s *interrupts) wait() {
	if s.exited != nil {
		<-s.exited
	}
}

// announceDelay is how long after the first signal the policy says that
// it waits for the command to exit, when the command has not exited (the
// recording has not ended) by then. Ctrl-C reaches the recorder's stub
// too: one that got it just before its execve of the command dies at
// once, the recorder notices within its 10 ms poll, and the command was
// not run, which is what seccomp-gen then says; saying at once that it
// waits for the command to exit said the opposite first (measured here:
// 29 of 90 Ctrl-Cs sent at the recorder's attached, stub-ready and gate
// phases printed both, and replay --enforce always did when the signal
// found the shim before its execve). A command that exits within the
// delay makes it say nothing either.
const announceDelay = 250 * time.Millisecond

// holdSignals catches the signals of the Ctrl-C policy (caughtSignals)
// from now on into the channel it returns, for interrupts.catch or
// forwardSignals to act on later: trace and replay call it first thing,
// before they check their output paths and replay reads and compiles the
// profile (tens of ms), so that Ctrl-C or SIGTERM then is a signal before
// the command started (not run, the report written, exit 128+N) rather
// than the end of seccomp-gen with no report. A signal
// seccomp-gen was started with ignored (nohup, a background job of a
// script) stays ignored, and so the command inherits it: catching it
// would reset it for the command. signal.Stop releases them.
func holdSignals() chan os.Signal {
	if sigs := prestub.EarlySignals(); sigs != nil {
		// Held since before the command started early (internal/
		// prestub): the same signals, ignored ones ignored again.
		return sigs
	}
	sigs := make(chan os.Signal, 2)
	for _, sig := range caughtSignals {
		if !startedIgnored(sig) {
			signal.Notify(sigs, sig)
		}
	}
	return sigs
}

// earlyHold is holdSignals started on a goroutine as run begins, for the
// commands that hold signals (trace, replay): each signal.Notify is a
// round trip to the Go runtime's signal thread, which the first one
// starts, 0.1-0.6 ms of the start of a trace when the RunE made them
// (issue 13); made meanwhile, they overlap the command line's parsing and
// the RunE takes the channel (heldSignals). A signal that comes before the
// RunE waits in the channel, as one that comes after holdSignals did.
type earlyHold struct {
	done chan struct{}
	sigs chan os.Signal
	once sync.Once
}

type earlyHoldKey struct{}

// holdEarly starts holdSignals on a goroutine and returns ctx carrying it,
// and the function that releases it if no RunE took it.
func holdEarly(ctx context.Context) (context.Context, func()) {
	h := &earlyHold{done: make(chan struct{})}
	go func() {
		h.sigs = holdSignals()
		close(h.done)
	}()
	return context.WithValue(ctx, earlyHoldKey{}, h), func() {
		if sigs, ok := h.take(); ok {
			stopSignals(sigs)
		}
	}
}

// take returns the channel the first time, once the signals are held.
func (h *earlyHold) take() (sigs chan os.Signal, ok bool) {
	h.once.Do(func() {
		<-h.done
		sigs, ok = h.sigs, true
	})
	return sigs, ok
}

// heldSignals is holdSignals, or the signals run held already for ctx's
// command (holdEarly).
func heldSignals(ctx context.Context) chan os.Signal {
	if h, _ := ctx.Value(earlyHoldKey{}).(*earlyHold); h != nil {
		if sigs, ok := h.take(); ok {
			return sigs
		}
	}
	return holdSignals()
}

// exiting says that the process exits once the command's RunE has
// returned (main sets it; the tests, which call run, do not): the signals
// a command held are then left caught rather than handed back
// (stopSignals), since nothing runs after but the exit. A signal that
// comes in that moment is dropped instead of ending a process that is
// ending with its own status.
var exiting atomic.Bool

// stopSignals releases the signals held on c (signal.Stop), unless the
// process is exiting: signal.Stop is a round trip to the Go runtime's
// signal thread per signal, which the exit makes pointless. On the PVM
// machine (issue 13, 151 paired rounds of `trace -- /bin/true` against
// the binary before) the end of a trace, the file written to the
// process gone, took 1.90 ms median and 0.32 ms less with this (mean
// -0.38, standard error 0.04).
func stopSignals(c chan os.Signal) {
	if exiting.Load() {
		return
	}
	signal.Stop(c)
}

// startedIgnored reports whether seccomp-gen was started with sig ignored,
// and if so ignores it again. The Go runtime keeps only SIGHUP and SIGINT
// ignored (signal.Ignored); it installs its own handler of SIGQUIT and
// SIGTERM, which would end seccomp-gen (SIGQUIT with a goroutine dump).
func startedIgnored(sig os.Signal) bool {
	s := sig.(syscall.Signal)
	if signal.Ignored(s) {
		return true
	}
	if startstate.Ignored()&(1<<(uint(s)-1)) == 0 {
		return false
	}
	signal.Ignore(s)
	return true
}

// cmdExitedYet reports whether the recorder said that the command exited.
func (s *interrupts) cmdExitedYet() bool {
	if s.cmdExited == nil {
		return false
	}
	select {
	case <-s.cmdExited:
		return true
	default:
		return false
	}
}

// commandStarted says that the command seccomp-gen started runs.
func (s *interrupts) commandStarted() {
	select {
	case s.started <- struct{}{}:
	default:
	}
}

// result says what happened: the first signal caught (0: none), how many
// processes of the command's tree were killed, whether timeout killed them.
func (s *interrupts) result() (caught syscall.Signal, killed int, timedOut bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.caught, s.killed, s.timedOut
}

// leftRunning says how many processes of the command's tree still ran
// when the first signal came after the command itself had exited (0: it
// came before, or none ran): the signal cut the run short, even though
// the command's own status may be 0 (SIGTERM, passed on, ended them).
func (s *interrupts) leftRunning() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.left
}

func (s *interrupts) run(ctx context.Context) {
	started := false
	var timeout, grace, announce <-chan time.Time
	kill := func(then func(n int)) {
		// Under the lock: the recording can end (the tree died) before
		// KillChildren returns, and the results must count what it killed.
		s.mu.Lock()
		n := proctree.KillChildren(time.Second)
		s.killed += n
		if then != nil {
			then(n)
		}
		s.mu.Unlock()
		select {
		case <-ctx.Done():
		case <-time.After(killGrace):
			s.stop()
		}
	}
	markStarted := func() {
		if started {
			return // said twice (the gate's phase, then OnStart): the timeout runs from the first
		}
		started = true
		if s.timeout > 0 {
			after := time.After
			if s.after != nil {
				after = s.after
			}
			timeout = after(s.timeout)
		}
	}
	if s.startedEarly {
		// Before any signal is taken from s.sigs: one that came while
		// the Go runtime started came after the command started.
		markStarted()
	}
	for n := 1; ; {
		select {
		case <-ctx.Done():
			return
		case <-s.started:
			markStarted()
		case <-timeout:
			// A timeout that finds nothing of the tree running (the
			// command exited, the recorder not yet done) cut nothing
			// short: the run was whole. The timer and the exit race,
			// and the report must not depend on which came first.
			kill(func(n int) { s.timedOut = n > 0 })
			return
		case <-grace:
			s.stop() // the command runs on, untraced
			return
		case <-announce:
			announce = nil
			select {
			case <-ctx.Done():
				return
			case <-s.ended:
				// The target is gone: nothing to wait for.
			default:
				if s.cmdExitedYet() {
					fmt.Fprintf(os.Stderr, "seccomp-gen: %s: the command exited; waiting for the processes it left running to exit (Ctrl-C again kills them)\n", s.name)
				} else {
					fmt.Fprintf(os.Stderr, "seccomp-gen: %s: waiting for the command to exit (Ctrl-C again kills it)\n", s.name)
				}
			}
		case sig := <-s.sigs:
			if !started {
				// The start and the signal can both be waiting, and
				// select takes either: a signal just after the command
				// started was taken for one before it (the command "not
				// run", while it ran on). The start comes first.
				select {
				case <-s.started:
					markStarted()
				default:
				}
			}
			afterExit := false
			if n == 1 {
				s.mu.Lock()
				s.caught = sig.(syscall.Signal)
				if started && s.cmdExitedYet() {
					// Counted before SIGTERM is passed on to them.
					s.left = proctree.Running(proctree.Descendants(os.Getpid()))
					afterExit = s.left > 0
				}
				s.mu.Unlock()
			}
			switch {
			case !started:
				s.stop()
				return
			case n >= 2:
				kill(nil)
				return
			case !fromTerminal(sig) && !s.forwardTERM:
				s.stop()
				return
			case !fromTerminal(sig):
				// To the command, and to orphans of its tree: the
				// children of seccomp-gen (a child's PID cannot be reused).
				for _, c := range proctree.Children(os.Getpid()) {
					_ = syscall.Kill(c, sig.(syscall.Signal))
				}
			case afterExit && s.forwardTERM:
				// Ctrl-C after the command exited: what it left running
				// (a daemon in a session of its own) is in no terminal's
				// foreground group, and the terminal's signal did not
				// reach it; SIGTERM does, as documented, and the run
				// ends when they have.
				for _, c := range proctree.Children(os.Getpid()) {
					_ = syscall.Kill(c, syscall.SIGTERM)
				}
			}
			n++
			if s.grace > 0 {
				grace = time.After(s.grace)
			}
			announce = time.After(announceDelay)
		}
	}
}

// forwardSignals is the same policy for a supervisor that applies it
// itself (enforce.Run: it forwards SIGTERM and kills the tree on the
// second signal): the signals caught are passed on, and announceDelay
// after the first one, stderr says that seccomp-gen waits for the command.
// hush ends both (call it when the supervisor returned); release also
// stops catching the signals.
func forwardSignals(name string, sigs chan os.Signal) (fwd <-chan os.Signal, hush, release func()) {
	// Catching, not ignoring: an ignored signal would stay ignored in the
	// workload across execve. As in interrupts.catch, SIGHUP is handled
	// as SIGTERM (forwarded, the report still written), and a signal
	// seccomp-gen was started with ignored (nohup) stays ignored.
	if sigs == nil {
		sigs = holdSignals()
	}
	out := make(chan os.Signal, 2)
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		// Said announceDelay after the first signal, if the supervisor
		// still runs then (see interrupts.run): the signal can stop the
		// shim before its execve of the command, which is then not run.
		var announce <-chan time.Time
		for n := 1; ; {
			select {
			case s := <-sigs:
				if n == 1 {
					announce = time.After(announceDelay)
				}
				n++
				select {
				case out <- s:
				case <-done:
					return
				}
			case <-announce:
				announce = nil
				select {
				case <-done:
					return
				default:
					// The supervisor does not say whether the command
					// itself has exited (a daemon it left may be what runs).
					fmt.Fprintf(os.Stderr, "seccomp-gen: %s: waiting for the command and what it started to exit (Ctrl-C again kills them)\n", name)
				}
			case <-done:
				return
			}
		}
	}()
	// After hush (once or more) the policy passes nothing on and writes
	// nothing more on stderr; the signals stay caught (and are dropped)
	// until release.
	var once sync.Once
	hush = func() {
		once.Do(func() {
			close(done)
			<-exited
		})
	}
	return out, hush, func() {
		hush()
		stopSignals(sigs)
	}
}

// survivePipe makes a write to a closed pipe on stdout or stderr fail with
// EPIPE instead of killing seccomp-gen with SIGPIPE (the Go runtime's
// default for fds 1 and 2), so that a trace meant for stdout (`trace -o -
// -- cmd | true`) is kept in $TMPDIR (writeTraceKeeping) rather than
// lost. The handler is reset at execve: the command gets SIGPIPE as it
// would have. The returned function restores the default.
func survivePipe() (release func()) {
	if signal.Ignored(syscall.SIGPIPE) {
		return func() {} // writes already fail with EPIPE
	}
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGPIPE)
	return func() { stopSignals(c) }
}

// surviveStderrPipe is survivePipe for a command whose result goes to a
// file (an -o other than '-', generate --oci-config): with its standard
// error a pipe whose reader is gone (`generate -o app.json t.yaml 2>&1 |
// head -1`), its messages there are lost, but the file is still written
// and the exit status is its own, rather than SIGPIPE killing it at its
// first message and leaving no file, or an older one, in place. A result
// written to stdout keeps the default: a closed pipe there ends the
// command, as it ends any filter in a pipeline.
func surviveStderrPipe(outputs ...string) (release func()) {
	for _, o := range outputs {
		if o != "" && o != "-" {
			return survivePipe()
		}
	}
	return func() {}
}

// interruptedBeforeStart says whether a recording of a command that a
// signal interrupted (caught: the first signal seccomp-gen caught, 0 for
// none) ended before the command ran, and returns the signal and the
// error to report (it wraps recorder.ErrInterrupted). Ctrl-C reaches the
// recorder's stub too (it is in the terminal's process group), and the
// recorder then sees, depending on where its start was: ctx cancelled
// (ErrInterrupted); the stub dead of the signal before it said it was up,
// or at its gate (a CommandError with the shell's 128+N status, N not
// SIGKILL; also when the gate's write found it gone); or a recording in
// which the command's execve never happened (Recording.CommandRan; the
// recorder waits for that execve once the gate is open, so a signal that
// lands just after it is a signal after the start, and the trace is
// written). All of them mean the same to the user: the command was not
// run.
func interruptedBeforeStart(command []string, caught syscall.Signal, rec *recorder.Recording, err error) (syscall.Signal, error, bool) {
	if len(command) == 0 {
		if caught != 0 && errors.Is(err, recorder.ErrInterrupted) {
			return caught, err, true
		}
		return 0, nil, false
	}
	notRun := fmt.Errorf("%s: %w", command[0], recorder.ErrInterrupted)
	var ce *recorder.CommandError
	switch {
	case caught != 0 && errors.Is(err, recorder.ErrInterrupted):
		return caught, err, true
	case errors.As(err, &ce) && errors.Is(err, recorder.ErrCommandNotRun) && ce.Status > 128 && ce.Status <= 128+64 && ce.Status != 128+int(syscall.SIGKILL):
		// The stub, killed by a signal before its execve of the
		// command. SIGKILL is replay's own (--timeout, a second
		// signal): the command counts as killed then.
		return syscall.Signal(ce.Status - 128), notRun, true
	case caught != 0 && err == nil && rec != nil && !rec.CommandRan:
		return caught, notRun, true
	}
	return 0, nil, false
}
