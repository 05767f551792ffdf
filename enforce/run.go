package enforce

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	seccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/abi"
	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
	"github.com/seccomp-gen/seccomp-gen/internal/proctree"
	"github.com/seccomp-gen/seccomp-gen/internal/reexec"
	"github.com/seccomp-gen/seccomp-gen/internal/startstate"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/verdict"
	"github.com/seccomp-gen/seccomp-gen/widen"
)

// Result is what a run under the profile's filter showed.
type Result struct {
	// Denied has one entry per (ABI, nr) the filter denied or would have
	// killed for, with counts and the first program, sorted as
	// verdict.SortEntries sorts them.
	Denied []verdict.Entry
	// ExitCode is CMD's exit status (128+N when killed by signal N).
	ExitCode int
	// Signal is the signal that killed CMD (0 when it exited: an exit
	// code of 143 is not SIGTERM).
	Signal syscall.Signal
	// Setup counts the notifications of the shim's own syscalls between
	// loading the filter and execve (answered "continue", not reported).
	Setup int
	// NotStarted says why CMD did not start when the filter denied its
	// execve (Denied lists it; ExitCode is 126 or 127).
	NotStarted string
	// Stopped says what cut the run short: "" (nothing: CMD and its
	// descendants exited), StoppedKill (IO.Kill), StoppedSignal (a
	// second signal) or StoppedAfterExit (a signal after CMD exited,
	// while tasks under the filter still ran). Killed counts the
	// processes of CMD's tree it killed; Left, for StoppedAfterExit, those
	// of CMD's tree that still ran then (0 when only tasks that left it
	// did).
	Stopped string
	Killed  int
	Left    int
	// Notes are remarks for the report: where crun would have answered
	// the denials otherwise than runc, whose answers the run got.
	Notes []string
	// OwnListener counts the calls of seccomp(SECCOMP_SET_MODE_FILTER)
	// with SECCOMP_FILTER_FLAG_NEW_LISTENER that the profile allowed: the
	// workload asked for a listener of its own, which the kernel refuses
	// (EBUSY: one listener per filter chain, and the run's filter has
	// one) where runc and crun, whose filter has none, let it have one.
	// No supervisor can give it one, so from there on the run may differ
	// from the same workload in a container (Differs says so).
	// OwnListenerFirst is the program that asked first.
	OwnListener      int
	OwnListenerFirst string
}

// Differs says how the run went otherwise than it would under runc and
// crun, in a sentence for the report, or "" when nothing showed that it
// did.
func (r *Result) Differs() string {
	if r.OwnListener == 0 {
		return ""
	}
	first := ""
	if r.OwnListenerFirst != "" {
		first = ", first by " + r.OwnListenerFirst
	}
	return fmt.Sprintf("the command asked for a seccomp listener of its own (seccomp(SECCOMP_SET_MODE_FILTER) with SECCOMP_FILTER_FLAG_NEW_LISTENER, %d %s%s): "+
		"the kernel refused it (EBUSY) because replay --enforce's filter holds the run's listener, where runc and crun let it have one; "+
		"the run differs from a container's from there on", r.OwnListener, plural(r.OwnListener, "time", "times"), first)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Values of Result.Stopped.
const (
	StoppedKill      = "kill"
	StoppedSignal    = "signal"
	StoppedAfterExit = "after-exit"
)

// IO is where the workload's standard streams go.
type IO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Signals, when set, are forwarded to the workload (SIGTERM) or
	// dropped (SIGINT and SIGQUIT, which the terminal sends to the
	// workload too). A second signal kills CMD's whole process tree (see
	// Kill). A signal that arrives after CMD itself exited ends the
	// supervision of descendants that still run (Result.Stopped says so:
	// what they do next is not seen).
	Signals <-chan os.Signal
	// Kill, when closed, kills CMD's whole process tree with SIGKILL (it
	// is stopped first, so that nothing escapes by forking) and ends the
	// supervision of anything that escaped the tree (a double-forked
	// daemon) shortly after: Run then returns what it saw so far. Replay's
	// --timeout closes it.
	Kill <-chan struct{}
}

// SetupError is returned by Run when the shim stopped before CMD ran:
// Code is ExitNotFound (CMD not found, or a file its execve needs),
// ExitNotExec (CMD found but cannot be executed: a directory, no execute
// permission, a noexec mount, not a program), ExitSetup (the filter could
// not be set up) or whatever status it died with; Reason says why, as the
// shim found it ("CMD: command not found"), "" when it died without
// saying.
type SetupError struct {
	Code   int
	Reason string
}

func (e *SetupError) Error() string {
	if e.Reason != "" {
		return e.Reason
	}
	return fmt.Sprintf("enforce: the command did not start (status %d)", e.Code)
}

// exitFailure is the status Run reports when the child's status is unknown.
const exitFailure = 1

// Test hooks: called after CMD was reaped, and after a kill of the tree.
var testAfterMainExit, testAfterKill func()

// Run runs argv under p's filter (see Shim, which the running binary must
// register as ShimName) and supervises the notifications: each denied
// syscall is recorded and answered as the profile says under runc (its
// errno; ENOSYS for SCMP_ACT_TRACE, as the kernel does without a tracer;
// ENOSYS from runc's stub above the highest syscall the profile names,
// with crun's other answer in the entry's Crun and Result.Notes); for kill
// and trap actions and for ABIs the profile does not list it is recorded as
// "would have killed" and answered EPERM so that the run can go on and
// report everything. It returns when CMD and every descendant under the
// filter have exited, or once IO.Kill or a second signal killed them.
//
// While it runs, the calling process is a child subreaper: descendants of
// CMD whose parent dies are reparented to it (so that a kill reaches them)
// and reaped by Run once CMD has exited. Run kills and reaps every child of
// the calling process then: start no other children meanwhile.
func Run(p *policy.Policy, argv []string, stdio IO) (*Result, error) {
	if len(argv) == 0 {
		return nil, errors.New("enforce: no command")
	}
	if !reexec.Registered(ShimName) {
		return nil, errors.New("enforce: the shim is not registered (main must call reexec.Register(enforce.ShimName, enforce.ShimMain) and reexec.Init)")
	}
	spec, err := json.Marshal(shimSpec{Policy: p, Env: os.Environ(), Ignored: startstate.Ignored(), Blocked: startstate.Blocked()})
	if err != nil {
		return nil, fmt.Errorf("enforce: %w", err)
	}
	sentinelSpec, err := json.Marshal(shimSpec{Policy: p, Sentinel: true})
	if err != nil {
		return nil, fmt.Errorf("enforce: %w", err)
	}
	specR, specW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("enforce: %w", err)
	}
	syncR, syncW, err := os.Pipe()
	if err != nil {
		specR.Close()
		specW.Close()
		return nil, fmt.Errorf("enforce: %w", err)
	}
	statusR, statusW, err := os.Pipe()
	if err != nil {
		specR.Close()
		specW.Close()
		syncR.Close()
		syncW.Close()
		return nil, fmt.Errorf("enforce: %w", err)
	}
	defer statusR.Close()
	// syncW stays open while the supervisor runs: the shim's read end goes
	// away with its execve, and that tells its syscalls from CMD's.
	defer syncW.Close()
	// Orphans of CMD's tree (double-forked daemons) are reparented to
	// this process, not to init: they stay in the tree that Kill and a
	// second signal kill, and they are reaped here once CMD has exited
	// (an unreaped zombie would keep the filter, and Run waiting).
	if restore, err := proctree.Subreaper(); err == nil {
		defer restore()
	}
	cmd := reexec.Command(ShimName, argv...)
	cmd.Env = shimEnv(os.Environ())
	cmd.ExtraFiles = []*os.File{specR, syncR, statusW} // fds 3, 4 and 5
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdio.Stdin, stdio.Stdout, stdio.Stderr
	err = cmd.Start()
	specR.Close()
	syncR.Close()
	statusW.Close()
	if err != nil {
		specW.Close()
		return nil, fmt.Errorf("enforce: start: %w", err)
	}
	// Why the shim stopped before CMD ran; EOF with nothing once it has
	// exec'd CMD (its end is close-on-exec).
	status := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(statusR, 4096))
		status <- string(b)
	}()
	_, werr := specW.Write(spec)
	specW.Close()
	waitDone := make(chan error, 1)
	go func() { waitDone <- cmd.Wait() }()
	// stop ends the supervision while descendants of CMD still run: a
	// signal that arrives after CMD itself exited.
	stop := make(chan struct{})
	mainExited := make(chan struct{})
	var stopOnce sync.Once
	// killMu is held while a kill is in flight: CMD can die, and Run
	// return, before KillChildren has counted what it killed.
	var killMu sync.Mutex
	var killed int
	// The sentinel (sentinel.go) is a child that no kill or reap of the
	// workload's tree touches.
	var sentinelPID atomic.Int64
	var stopped string // why the run was cut short
	left := -1         // processes of CMD's tree at a signal after its exit (-1: none came)
	if stdio.Signals != nil || stdio.Kill != nil {
		done := make(chan struct{})
		defer close(done)
		go func() {
			sigs, kill := stdio.Signals, stdio.Kill
			n := 0
			killTree := func(why string) {
				killMu.Lock()
				// Every child of this process is CMD or an orphan of
				// its tree (see Subreaper above).
				n := proctree.KillChildren(time.Second, int(sentinelPID.Load()))
				killed += n
				// An IO.Kill that found nothing of the tree running
				// (CMD exited, Run not returned yet) cut nothing short:
				// the run was whole.
				if stopped == "" && (n > 0 || why != StoppedKill) {
					stopped = why
				}
				killMu.Unlock()
				if testAfterKill != nil {
					testAfterKill()
				}
				// Anything that escaped (a task that left the
				// tree through another subreaper) is left unsupervised.
				stopOnce.Do(func() { close(stop) })
			}
			for {
				select {
				case sig := <-sigs:
					n++
					exited := false
					select {
					case <-mainExited:
						exited = true
					default:
					}
					switch {
					case n >= 2:
						killTree(StoppedSignal)
					case exited:
						// Only daemons are left: stop waiting for
						// them, leave them running (the sentinel
						// answers them). Counted for the result:
						// what they do from now on is not seen.
						killMu.Lock()
						if left < 0 {
							left = proctree.Running(proctree.Descendants(os.Getpid())) - sentinelRunning(int(sentinelPID.Load()))
						}
						killMu.Unlock()
						stopOnce.Do(func() { close(stop) })
					case sig != os.Interrupt && sig != syscall.SIGQUIT:
						_ = cmd.Process.Signal(sig)
					}
				case <-kill:
					kill = nil
					killTree(StoppedKill)
				case <-done:
					return
				}
			}
		}()
	}
	finish := func() int {
		err := <-waitDone
		waitDone <- err
		return exitStatus(cmd.ProcessState, err)
	}
	if werr != nil {
		syncW.Close()
		if code := finish(); code > 128 {
			// A signal killed the shim before it read the policy
			// (Ctrl-C reaches it too): CMD did not start.
			res := &Result{ExitCode: code}
			return res, &SetupError{Code: code}
		}
		return nil, fmt.Errorf("enforce: send policy: %w", werr)
	}

	res := &Result{}
	sup := &supervisor{p: p, entries: map[[2]int]*verdict.Entry{}, shimExeced: readerGone(syncW), command: commandPath(argv[0])}
	var loop sync.WaitGroup
	var sentinel *os.Process
	var lifeW *os.File
	var drained bool // serve returned because no task uses the filter any more
	if cbpf.NeedsListener(p) {
		fd, err := grabListener(cmd.Process.Pid, waitDone)
		if err != nil {
			syncW.Close()
			code := finish()
			if errors.Is(err, errChildExited) {
				// The shim failed before loading the filter.
				res.ExitCode = code
				return res, &SetupError{Code: code, Reason: <-status}
			}
			return nil, err
		}
		// The sentinel answers as the profile says if this process dies
		// (sentinel.go); a workload gets the profile's answers either way.
		mem, lw, sp, err := withSentinel(sentinelSpec, argv, fd)
		if err != nil {
			syscall.Close(fd)
			syncW.Close()
			_ = cmd.Process.Kill()
			finish()
			return nil, err
		}
		sentinel, lifeW = sp, lw
		sentinelPID.Store(int64(sp.Pid))
		defer lifeW.Close()
		loop.Add(1)
		go func() {
			defer loop.Done()
			drained = sup.serve(fd, stop, mem)
			syscall.Close(fd)
		}()
	}
	_, _ = syncW.Write([]byte{1})
	res.ExitCode = finish()
	if ps := cmd.ProcessState; ps != nil {
		if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			res.Signal = ws.Signal()
		}
	}
	close(mainExited)
	if testAfterMainExit != nil {
		testAfterMainExit()
	}
	// CMD is reaped: every child left is an adopted orphan; reap them as
	// they exit so that the filter's last user goes away.
	reaped := make(chan struct{})
	defer close(reaped)
	go func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			proctree.ReapZombies(int(sentinelPID.Load()))
			select {
			case <-t.C:
			case <-reaped:
				return
			}
		}
	}()
	// Descendants that outlive CMD (daemons) still run under the filter:
	// keep answering until the last of them exits (the listener reports
	// POLLHUP), as trace follows them until the last one exits.
	loop.Wait()
	if sentinel != nil && drained {
		// No task uses the filter, and none can again: nothing is left
		// for the sentinel to answer.
		_ = sentinel.Kill()
		_, _ = sentinel.Wait()
	}
	res.Setup = sup.setup
	res.OwnListener, res.OwnListenerFirst = sup.ownListener, sup.ownListenerFirst
	killMu.Lock()
	res.Killed, res.Stopped = killed, stopped
	if stopped == "" && left >= 0 && sentinel != nil && !drained {
		// serve returned on stop, with tasks still under the filter.
		res.Stopped, res.Left = StoppedAfterExit, left
	}
	killMu.Unlock()
	execDenied := false
	for _, e := range sup.entries {
		res.Denied = append(res.Denied, *e)
		execDenied = execDenied || e.Name == "execve" || e.Name == "execveat"
	}
	verdict.SortEntries(res.Denied)
	res.Notes = runtimeNotes(p, res.Denied)
	if why := <-status; why != "" {
		// The shim stopped before CMD ran. When the filter denied its
		// execve, that is the profile's answer: report it.
		if !execDenied {
			return res, &SetupError{Code: res.ExitCode, Reason: why}
		}
		res.NotStarted = why
	}
	return res, nil
}

// sentinelRunning is 1 when pid (the sentinel, 0 before it started) runs,
// for a count of the workload's processes among this one's descendants.
func sentinelRunning(pid int) int {
	if pid == 0 {
		return 0
	}
	return proctree.Running([]int{pid})
}

func exitStatus(ps *os.ProcessState, err error) int {
	if ps == nil {
		return exitFailure
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// readerGone returns a function that reports whether the pipe whose write
// end is w has no reader left (POLLERR on the write end). For the sync
// pipe that means the shim has exec'd CMD (or died): its read end is
// close-on-exec and the supervisor closed its own copy after the start.
func readerGone(w *os.File) func() bool {
	fd := int32(w.Fd())
	return func() bool {
		for {
			pfd := []unix.PollFd{{Fd: fd, Events: unix.POLLOUT}}
			_, err := unix.Poll(pfd, 0)
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return err == nil && pfd[0].Revents&(unix.POLLERR|unix.POLLNVAL) != 0
		}
	}
}

var errChildExited = errors.New("child exited before loading the filter")

// grabListener waits until the shim has loaded its filter (its notification
// fd shows up as "anon_inode:seccomp notify" in /proc/PID/fd) and copies
// that fd into this process with pidfd_getfd.
func grabListener(pid int, waitDone chan error) (int, error) {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-waitDone:
			waitDone <- err
			return -1, errChildExited
		default:
		}
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			link, err := os.Readlink(filepath.Join(dir, e.Name()))
			if err != nil || link != "anon_inode:seccomp notify" {
				continue
			}
			n, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			pidfd, err := unix.PidfdOpen(pid, 0)
			if err != nil {
				return -1, fmt.Errorf("enforce: pidfd_open: %w", err)
			}
			fd, err := unix.PidfdGetfd(pidfd, n, 0)
			unix.Close(pidfd)
			if err != nil {
				return -1, fmt.Errorf("enforce: pidfd_getfd (needs ptrace rights over the child): %w", err)
			}
			return fd, nil
		}
		time.Sleep(time.Millisecond)
	}
	return -1, errors.New("enforce: the child did not load its filter within 30s")
}

type supervisor struct {
	p *policy.Policy
	// shimExeced reports whether the shim has exec'd CMD. Until then the
	// only task under the filter is the shim's exec'ing thread: a
	// notification handled before that is the shim's (a task blocked in a
	// notified syscall cannot exec), one handled after it is CMD's or a
	// descendant's.
	shimExeced func() bool
	mu         sync.Mutex
	entries    map[[2]int]*verdict.Entry
	arches     map[seccomp.ScmpArch]string
	setup      int
	// ownListener counts the workload's requests for a seccomp listener
	// of its own that the profile allowed (Result.OwnListener).
	ownListener      int
	ownListenerFirst string
	// command is CMD's absolute path as the shim exec's it (symlinks
	// kept), for FIRST (see comm).
	command string
	// noRecord: answer only (the sentinel).
	noRecord bool
	// highest caches the profile's highest named number per ABI
	// (policy.HighestNamed: where runc's stub starts), under mu.
	highest map[string]int
}

// highestNamed is p.HighestNamed(arch), computed once per ABI.
func (s *supervisor) highestNamed(arch string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	hi, ok := s.highest[arch]
	if !ok {
		hi = s.p.HighestNamed(arch, resolveNumber)
		if s.highest == nil {
			s.highest = map[string]int{}
		}
		s.highest[arch] = hi
	}
	return hi
}

// serve answers notifications until no task uses the filter any more
// (POLLHUP: it returns true), or shortly after stop is closed (replay was
// interrupted while descendants of CMD still ran: the sentinel answers
// them from then on). It notes each call it handles in mem (nil: nowhere)
// for the sentinel.
func (s *supervisor) serve(fd int, stop chan struct{}, mem inflight) bool {
	var stopAt time.Time
	for {
		if stopAt.IsZero() {
			select {
			case <-stop:
				stopAt = time.Now().Add(200 * time.Millisecond)
			default:
			}
		} else if time.Now().After(stopAt) {
			return false
		}
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(pfd, 50)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return false
		}
		if n == 0 {
			continue
		}
		if pfd[0].Revents&unix.POLLIN == 0 {
			if pfd[0].Revents&(unix.POLLHUP|unix.POLLERR) != 0 {
				return pfd[0].Revents&unix.POLLHUP != 0
			}
			continue
		}
		req, err := seccomp.NotifReceive(seccomp.ScmpFd(fd))
		if err != nil {
			continue // the task died meanwhile (ENOENT)
		}
		mem.received(req)
		resp, e := s.handle(req)
		resp.ID = req.ID
		if e != nil && !s.noRecord {
			// Name the program only if the task is still the one that
			// made the call (its PID may be reused once it is gone), and
			// only for the first denial of the syscall (see record).
			if s.named(int(req.Data.Arch), e.Nr) {
				// FIRST is known: a workload that retries a denied
				// syscall in a loop pays no /proc reads for it.
			} else if !s.shimExeced() {
				// The shim's execve of CMD, denied: CMD's, by the path
				// it was started by (the shim's comm is "exe").
				e.First = s.command
			} else if comm := comm(req.Pid, s.command); seccomp.NotifIDValid(seccomp.ScmpFd(fd), req.ID) == nil {
				e.First = comm
			}
			s.record(int(req.Data.Arch), e)
		}
		_ = seccomp.NotifRespond(seccomp.ScmpFd(fd), resp)
		mem.answered()
	}
}

func (s *supervisor) archName(a seccomp.ScmpArch) string {
	if s.arches == nil {
		s.arches = map[seccomp.ScmpArch]string{}
		for _, n := range scmp.ArchNames() {
			if la, err := scmp.LibArch(n); err == nil {
				s.arches[la] = n
			}
		}
	}
	if n, ok := s.arches[a]; ok {
		return n
	}
	return a.String()
}

// handle decides the answer to one notification and, for a denial, the
// entry to record (nil for the shim's own syscalls and for calls the
// profile lets run).
func (s *supervisor) handle(req *seccomp.ScmpNotifReq) (*seccomp.ScmpNotifResp, *verdict.Entry) {
	arch := s.archName(req.Data.Arch)
	nr := int(req.Data.Syscall)
	if arch == "x86_64" && abi.IsX32Nr(uint32(req.Data.Syscall)) {
		// x32 shares AUDIT_ARCH_X86_64; its numbers carry bit 30 (but
		// -1, which libseccomp tests against x86_64's rules).
		arch = "x32"
	}
	name, _ := scmp.Name(arch, nr)
	// The shim's own syscalls between loading the filter and execve are
	// not the workload's, but its execve of CMD is: runtimes issue it
	// under the filter too, so a profile must allow it.
	if name != "execve" && name != "execveat" && !s.shimExeced() {
		s.setup++
		return &seccomp.ScmpNotifResp{Flags: seccomp.NotifRespFlagContinue}, nil
	}
	e := &verdict.Entry{Arch: arch, Nr: nr, Name: name, Count: 1}
	var errno uint
	switch {
	case !s.p.Covers(arch):
		// Runtimes kill a task that uses an ABI the profile does not list.
		e.Reason, e.Action, errno = verdict.ReasonArch, policy.ActKill, policy.EPERM
	default:
		var args [6]uint64
		copy(args[:], req.Data.Args)
		// runc's answer: its ENOSYS stub answers the numbers above the
		// highest syscall the profile names, where crun (no stub) answers
		// the default. runc is Docker's runtime and containerd's default,
		// and the one whose answer lets a libc fall back (mseal, a number
		// newer than libseccomp). crun's answer, where it differs, goes
		// into the report (Entry.Crun, Result.Notes). The filter has no
		// stub of its own (Filter), so those numbers reach this point.
		rv := s.p.RuntimesBelow(arch, nr, name, args, s.highestNamed(arch)) // 32-bit ABIs compare low words
		v := rv.Runc
		if !rv.Agree() {
			crun := rv.Crun
			e.Crun = &crun
		}
		e.Action, e.Errno = v.Action, v.Errno
		switch v.Action {
		case policy.ActErrno:
			e.Reason, errno = verdict.ReasonEnforced, v.Errno
		case policy.ActTrace:
			e.Reason, e.Errno, errno = verdict.ReasonEnforced, policy.ENOSYS, policy.ENOSYS
			e.Action = policy.ActErrno
		case policy.ActAllow, policy.ActLog:
			// seccomp(2) asking for a listener (notified by the filter's
			// check, cbpf.Options.NotifyNewListener), or libseccomp
			// ordered overlapping conditional rules differently from
			// the profile's order: let it run. The former then fails
			// (EBUSY) where the runtimes let it succeed: say so.
			if name == "seccomp" && asksListener(args) && !notifies(s.p) {
				s.askedListener(req.Pid)
			}
			return &seccomp.ScmpNotifResp{Flags: seccomp.NotifRespFlagContinue}, nil
		default: // kill, kill_thread, kill_process, trap, notify
			e.Reason, errno = verdict.ReasonWouldKill, policy.EPERM
		}
		if e.Reason == verdict.ReasonEnforced {
			verdict.AttributeArgs(s.p, e, args) // the argument decided it
		}
		if name == "" && e.Reason == verdict.ReasonEnforced {
			// Not a choice of the profile: none can allow this number.
			e.Reason = verdict.ReasonUnknown
		}
	}
	return &seccomp.ScmpNotifResp{Error: int32(errno)}, e
}

// asksListener reports whether seccomp(2) arguments ask to load a filter
// with a listener: SECCOMP_SET_MODE_FILTER with
// SECCOMP_FILTER_FLAG_NEW_LISTENER (both unsigned int: low words).
func asksListener(args [6]uint64) bool {
	const setModeFilter = 1
	return uint32(args[0]) == setModeFilter && uint32(args[1])&uint32(cbpf.FlagNewListener) != 0
}

// notifies reports whether p has SCMP_ACT_NOTIFY actions of its own: a
// runtime then loads its filter with a listener too, and a workload's
// request for one fails there as well.
func notifies(p *policy.Policy) bool {
	if p.DefaultAction == policy.ActNotify {
		return true
	}
	for _, r := range p.Rules {
		if r.Action == policy.ActNotify {
			return true
		}
	}
	return false
}

// askedListener records a request of pid for a listener of its own.
func (s *supervisor) askedListener(pid uint32) {
	if s.noRecord {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ownListener++
	if s.ownListenerFirst == "" {
		// The task waits for this answer: pid is still its.
		s.ownListenerFirst = comm(pid, s.command)
	}
}

// resolveNumber is a policy.Resolver over libseccomp's tables (memoized
// by scmp.Number: the supervisor asks for every name of the profile per
// notification, policy.HighestNamed).
func resolveNumber(arch, name string) (int, bool) {
	nr, err := scmp.Number(arch, name)
	return nr, err == nil
}

// runtimeNotes says, per ABI, which denials crun would have answered
// otherwise than runc, whose answers the supervisor gave (Entry.Crun), and
// where runc's stub starts: nothing when the two agree on all of them.
func runtimeNotes(p *policy.Policy, denied []verdict.Entry) []string {
	var notes []string
	var arches []string
	byArch := map[string][]verdict.Entry{}
	for _, e := range denied {
		if e.Crun == nil {
			continue
		}
		if byArch[e.Arch] == nil {
			arches = append(arches, e.Arch)
		}
		byArch[e.Arch] = append(byArch[e.Arch], e)
	}
	for _, arch := range arches {
		es := byArch[arch]
		labels := make([]string, len(es))
		for i, e := range es {
			labels[i] = e.Label()
		}
		hi := p.HighestNamed(arch, resolveNumber)
		hiName, _ := scmp.Name(arch, hi)
		// Above the highest named syscall no rule applies: crun answers
		// the default action, the same for all of them.
		c := es[0].Crun
		notes = append(notes, fmt.Sprintf("runc and crun answer %s on %s differently: replay --enforce gave runc's answer, %s (its ENOSYS stub answers every number above %s, %d, the highest syscall the profile names there); crun, which has no stub, answers %s",
			strings.Join(labels, ", "), arch, verdict.ActionText(es[0].Action, es[0].Errno), hiName, hi, verdict.ActionText(c.Action, c.Errno)))
	}
	return notes
}

// record adds one denial, keyed by (audit arch, nr).
// named says whether the syscall has a recorded entry with FIRST set.
func (s *supervisor) named(auditArch, nr int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.entries[[2]int{auditArch, nr}]
	return ok && old.First != ""
}

func (s *supervisor) record(auditArch int, e *verdict.Entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := [2]int{auditArch, e.Nr}
	if old, ok := s.entries[k]; ok {
		old.Count++
		old.MergeArgDenials(e.ArgDenied)
		if old.First == "" {
			old.First = e.First
		}
		return
	}
	s.entries[k] = e
}

// comm names the program of pid as the traced mode's recorder names an
// executable (issue 11: FIRST is the executable where known, by the rule
// trace.File.ExecutableFor applies to traces), from the file name it was
// exec'd by (execName: the recorder's exe_paths key): an absolute name as
// it is (sh -> dash stays /usr/bin/sh); a relative one by the file it
// resolves to (/proc/PID/exe) when the base names agree (./app), else by
// the name in its working directory (./link -> app, a script ./run.sh).
// A task whose comm is not that name's (it renamed itself, such as a
// prefork "worker") keeps its comm. Without the exec'd name: the path of
// its executable when the comm is that file's name, CMD itself by command
// (the path it was started by), else the comm.
func comm(pid uint32, command string) string {
	proc := fmt.Sprintf("/proc/%d", pid)
	b, err := os.ReadFile(proc + "/comm")
	if err != nil {
		return ""
	}
	c := strings.TrimSpace(string(b))
	p, err := os.Readlink(proc + "/exe")
	if err != nil || !strings.HasPrefix(p, "/") {
		return c
	}
	if name := execName(proc); name != "" && taskName(name) == c {
		if n := resolveExecName(proc, name, p); n != "" {
			return n
		}
	}
	if taskName(p) == c {
		return p
	}
	if command != "" && taskName(command) == c {
		if real, err := filepath.EvalSymlinks(command); err == nil && real == p {
			return command
		}
	}
	return c
}

// atExecFn is the auxiliary vector's AT_EXECFN: the address of the file
// name execve was given (bprm->filename).
const atExecFn = 31

// execName returns the file name the process proc (/proc/PID) was exec'd
// by, read from its memory at AT_EXECFN (needs ptrace rights, which the
// supervisor has over its descendants), or "".
func execName(proc string) string {
	aux, err := os.ReadFile(proc + "/auxv")
	if err != nil {
		return ""
	}
	// The vector's words are the process's: 4 bytes for an i386 or x32
	// program (ELFCLASS32), 8 for a 64-bit one.
	class, ok := elfClass(proc + "/exe")
	if !ok {
		return ""
	}
	word := 8
	if class == elf.ELFCLASS32 {
		word = 4
	}
	at := func(i int) uint64 {
		if word == 4 {
			return uint64(binary.NativeEndian.Uint32(aux[i:]))
		}
		return binary.NativeEndian.Uint64(aux[i:])
	}
	var addr uint64
	for i := 0; i+2*word <= len(aux); i += 2 * word {
		typ, val := at(i), at(i+word)
		if typ == atExecFn {
			addr = val
			break
		}
		if typ == 0 {
			break
		}
	}
	if addr == 0 || addr > math.MaxInt64 {
		return ""
	}
	mem, err := os.Open(proc + "/mem")
	if err != nil {
		return ""
	}
	defer mem.Close()
	buf := make([]byte, 4096)
	n, _ := mem.ReadAt(buf, int64(addr))
	name, _, ok := bytes.Cut(buf[:n], []byte{0})
	if !ok {
		return ""
	}
	return string(name)
}

// elfClass reads the ELF class (32 or 64-bit) of the executable at path.
func elfClass(path string) (elf.Class, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	var ident [elf.EI_CLASS + 1]byte
	if _, err := io.ReadFull(f, ident[:]); err != nil || string(ident[:4]) != elf.ELFMAG {
		return 0, false
	}
	c := elf.Class(ident[elf.EI_CLASS])
	return c, c == elf.ELFCLASS32 || c == elf.ELFCLASS64
}

// resolveExecName names the file the process proc exec'd as name (see
// comm); real is where /proc/PID/exe links. "" when name does not lead to
// that file (nor to a script run by it) from the process's working
// directory now.
func resolveExecName(proc, name, real string) string {
	if filepath.IsAbs(name) {
		return name
	}
	if filepath.Base(name) == filepath.Base(real) {
		return real
	}
	cwd, err := os.Readlink(proc + "/cwd")
	if err != nil || !filepath.IsAbs(cwd) {
		return ""
	}
	var exe unix.Stat_t
	if err := unix.Stat(proc+"/exe", &exe); err != nil {
		return ""
	}
	// Through the process's own working directory: the path text is the
	// name to report, the open file the check.
	dir, err := unix.Open(proc+"/cwd", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return ""
	}
	fd, err := unix.Openat(dir, name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	unix.Close(dir)
	if err != nil {
		return ""
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return ""
	}
	same := st.Dev == exe.Dev && st.Ino == exe.Ino
	if !same {
		// A script: the kernel ran its interpreter.
		if in := widen.Interpreter(f); filepath.IsAbs(in) {
			var ist unix.Stat_t
			same = unix.Stat(filepath.Join(proc, "root", in), &ist) == nil && ist.Dev == exe.Dev && ist.Ino == exe.Ino
		}
	}
	if !same {
		return ""
	}
	return filepath.Join(cwd, name)
}

// taskName is the kernel's task name (comm) for an executable path: its
// base name, cut at 15 bytes.
func taskName(path string) string {
	base := path[strings.LastIndexByte(path, '/')+1:]
	if len(base) > 15 {
		base = base[:15]
	}
	return base
}

// commandPath is the absolute path the shim exec's for CMD name (LookPath),
// symlinks kept; "" when it cannot be found.
func commandPath(name string) string {
	path, _, err := LookPath(name)
	if err != nil {
		return ""
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return ""
	}
	return abs
}
