package enforce

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
	"github.com/seccomp-gen/seccomp-gen/internal/lookpath"
	"github.com/seccomp-gen/seccomp-gen/internal/startstate"
	"github.com/seccomp-gen/seccomp-gen/policy"
)

// ShimName is the name the shim is registered under with internal/reexec:
// Run starts the running binary as `ShimName CMD...` (argv[0] ShimName).
// Every binary that calls Run registers it, once, before anything else
// runs:
//
//	reexec.Register(enforce.ShimName, enforce.ShimMain)
//	if status, ok := reexec.Init(); ok {
//		os.Exit(status)
//	}
const ShimName = "seccomp-gen-enforce-shim"

// Exit statuses of the shim when it stops before CMD runs (it says why on
// stderr first), as env(1) and docker run use them.
const (
	ExitSetup    = 125 // the shim could not set up (policy, filter, execve)
	ExitNotExec  = 126 // CMD was found but cannot be executed (a directory, no execute permission)
	ExitNotFound = 127 // CMD was not found
)

// LookPath finds CMD as the shim does before it execve's it, and as the
// traced mode's recorder does (internal/lookpath): through PATH when the
// name has no slash, a relative PATH entry included, the shell's default
// PATH when it is not set. When it cannot, it returns the shim's exit
// status for it (ExitNotFound, ExitNotExec) and the reason, "CMD: command
// not found" or "CMD: command could not be executed: is a directory".
func LookPath(name string) (string, int, error) {
	path, _, err := lookpath.Find(name, nil)
	switch {
	case err == nil:
		return path, 0, nil
	case errors.Is(err, lookpath.ErrNotFound):
		return "", ExitNotFound, fmt.Errorf("%s: %w", name, err)
	}
	return "", ExitNotExec, fmt.Errorf("%s: command could not be executed: %w", name, err)
}

// The shim's side of the protocol with Run.
const (
	specFD   = 3 // a shimSpec, JSON, until EOF
	syncFD   = 4 // one byte once the supervisor holds the listener; close-on-exec
	statusFD = 5 // why the shim stopped before CMD ran (text), else nothing; close-on-exec
	// No asynchronous preemption signals: the exec'ing thread should make
	// no syscalls of its own between loading the filter and execve.
	envGoDebug = "GODEBUG=asyncpreemptoff=1"
)

// shimSpec is what Run sends the shim on specFD.
type shimSpec struct {
	Policy *policy.Policy `json:"policy"`
	// Env is the workload's environment: seccomp-gen's own, exactly. The
	// shim's differs (shimEnv), and a variable of the user's that looks
	// like one the shim needs is kept.
	Env []string `json:"env"`
	// Ignored are the signals seccomp-gen was started with ignored
	// (internal/startstate): the shim ignores them again before execve.
	Ignored uint64 `json:"ignored"`
	// Blocked is seccomp-gen's signal mask at its start: the shim's
	// exec'ing thread sets it before execve.
	Blocked uint64 `json:"blocked"`
	// Sentinel: run as the sentinel (sentinel.go), not as the shim.
	Sentinel bool `json:"sentinel,omitempty"`
}

// shimEnv is the shim's environment: env with its GODEBUG set to
// envGoDebug (the workload gets env itself, from the spec).
func shimEnv(env []string) []string {
	out := []string{envGoDebug}
	for _, e := range env {
		if !strings.HasPrefix(e, "GODEBUG=") {
			out = append(out, e)
		}
	}
	return out
}

// listenerTaken says what EBUSY from loading the shim's filter means.
const listenerTaken = "a seccomp filter this process runs under already has a user notification listener " +
	"(a replay --enforce around this one, a container engine's or a sandbox's supervisor), and the kernel allows one: " +
	"run replay --enforce outside it (run 'seccomp-gen doctor' to see what this machine lacks)"

// ShimMain is the shim's main: it runs Shim on os.Args[1:] (CMD and its
// arguments) and, when Shim returns, returns the exit status. Why it
// stopped goes to Run (SetupError), which the caller reports; only when
// that cannot be sent (the shim was not started by Run) is it said on
// stderr.
func ShimMain() int {
	code, err := Shim(os.Args[1:])
	var sent *sentError
	if err != nil && !errors.As(err, &sent) {
		fmt.Fprintln(os.Stderr, "seccomp-gen:", err)
	}
	return code
}

// sentError is an error the shim sent to Run on the status fd.
type sentError struct{ error }

func (e *sentError) Unwrap() error { return e.error }

// send writes err on the status fd for Run (SetupError) and returns it
// marked as sent, or as it is when it could not be sent.
func send(err error) error {
	msg := []byte(err.Error())
	for len(msg) > 0 {
		n, _, e := unix.RawSyscall(unix.SYS_WRITE, statusFD, uintptr(unsafe.Pointer(&msg[0])), uintptr(len(msg)))
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return err
		}
		msg = msg[n:]
	}
	return &sentError{err}
}

// missingInterpreter is why a command found by LookPath fails with
// ENOENT (trace/recorder.ExecError says the same).
const missingInterpreter = "its interpreter was not found (the #! line of a script, or the loader of a program for another libc)"

// execError is the status and reason of a failed execve of CMD, found by
// LookPath: as a shell (and the traced mode's stub) says it, 127 when a
// file is missing (a script's interpreter), else 126.
func execError(name string, errno syscall.Errno) (int, error) {
	hint := ""
	if errno == syscall.ENOEXEC {
		// A shell runs a file without "#!" itself; execve does not.
		hint = " (a script needs a #! line; else the file is no program for this machine)"
	}
	code := ExitNotExec
	if errno == syscall.ENOENT {
		// LookPath found the file: what is missing is what it names
		// (not looked at here: the filter is installed).
		code = ExitNotFound
		return code, fmt.Errorf("%s: command could not be executed: %s", name, missingInterpreter)
	}
	return code, fmt.Errorf("%s: command could not be executed: %w%s", name, errno, hint)
}

// Shim is the child side of Run: argv is CMD and its arguments. It reads
// the policy and CMD's environment from fd 3 (shimSpec), compiles the
// enforce filter (see Filter), loads it (cbpf.InstallKeepPrivs) on its own thread
// only (a Go program's other threads stay unfiltered: their syscalls would
// be notified, and their deaths at execve would leave stale notifications),
// waits on fd 4 until the supervisor holds the notification fd and
// execve's CMD on the same thread, which the filter goes with. It never
// returns on success; on failure it returns ExitSetup, ExitNotExec or ExitNotFound and
// the error, which it has sent to Run on fd 5 when Run started it.
func Shim(argv []string) (int, error) {
	if len(argv) == 0 {
		return ExitSetup, fmt.Errorf("enforce: no command")
	}
	runtime.LockOSThread()
	specFile := os.NewFile(specFD, "spec")
	data, err := io.ReadAll(specFile)
	specFile.Close()
	if err != nil {
		return ExitSetup, fmt.Errorf("enforce: read policy: %w", err)
	}
	var spec shimSpec
	if err := json.Unmarshal(data, &spec); err != nil || spec.Policy == nil {
		if err == nil {
			err = errors.New("no policy")
		}
		return ExitSetup, fmt.Errorf("enforce: policy: %w", err)
	}
	if spec.Sentinel {
		return sentinel(&spec)
	}
	// Started by Run (the policy came): from here on, why the shim stops
	// goes to Run on the status fd, which CMD must not inherit.
	if _, err := unix.FcntlInt(statusFD, unix.F_SETFD, unix.FD_CLOEXEC); err != nil {
		return ExitSetup, fmt.Errorf("enforce: status fd: %w", err)
	}
	code, err := shimExec(&spec, argv)
	return code, send(err)
}

// shimExec loads the filter and execve's CMD (see Shim); it returns only
// when it could not.
func shimExec(spec *shimSpec, argv []string) (int, error) {
	p := spec.Policy
	// Looked up with the workload's PATH, which the shim's is.
	path, code, err := LookPath(argv[0])
	if err != nil {
		return code, err
	}
	argv0, err := syscall.BytePtrFromString(path)
	if err != nil {
		return ExitSetup, fmt.Errorf("enforce: %w", err)
	}
	argvp, err := syscall.SlicePtrFromStrings(argv)
	if err != nil {
		return ExitSetup, fmt.Errorf("enforce: %w", err)
	}
	// The workload gets the environment seccomp-gen was given.
	envp, err := syscall.SlicePtrFromStrings(spec.Env)
	if err != nil {
		return ExitSetup, fmt.Errorf("enforce: %w", err)
	}
	if _, err := unix.FcntlInt(syncFD, unix.F_SETFD, unix.FD_CLOEXEC); err != nil {
		return ExitSetup, fmt.Errorf("enforce: sync fd: %w", err)
	}
	prog, err := Filter(p)
	if err != nil {
		return ExitSetup, err
	}
	// What the workload would inherit when run bare: the soft
	// RLIMIT_NOFILE that this shim's Go runtime raised (os/exec and
	// syscall.Exec put it back; the raw execve below does not), and the
	// signals seccomp-gen was started with ignored and its signal mask.
	// Before the filter, so
	// that neither is a syscall under it.
	if lim, ok := startstate.Nofile(); ok {
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return ExitSetup, fmt.Errorf("enforce: restore RLIMIT_NOFILE: %w", err)
		}
	}
	if err := startstate.Reignore(spec.Ignored); err != nil {
		return ExitSetup, fmt.Errorf("enforce: %w", err)
	}
	// This (locked) thread execs: its mask is the workload's.
	if err := startstate.SetMask(spec.Blocked); err != nil {
		return ExitSetup, fmt.Errorf("enforce: %w", err)
	}
	var flags uintptr
	if cbpf.NeedsListener(p) {
		flags = cbpf.FlagNewListener
	}
	// Loaded on the calling (locked) thread only: no TSYNC. With
	// no_new_privs only where a runtime would need it too (no
	// CAP_SYS_ADMIN): as root, setuid programs in the workload behave as
	// in a container whose noNewPrivileges is false.
	if err := cbpf.InstallKeepPrivs(prog, flags); err != nil {
		if errors.Is(err, unix.EBUSY) && flags&cbpf.FlagNewListener != 0 {
			return ExitSetup, fmt.Errorf("enforce: load filter: %w: %s", err, listenerTaken)
		}
		return ExitSetup, fmt.Errorf("enforce: load filter: %w", err)
	}
	// From here on every syscall of this thread is filtered: only raw
	// syscalls until execve. The supervisor answers the shim's own
	// notifications with "continue" until fd 4 is closed by the execve.
	var b [1]byte
	for {
		_, _, e := unix.RawSyscall(unix.SYS_READ, syncFD, uintptr(unsafe.Pointer(&b[0])), 1)
		if e != unix.EINTR {
			break
		}
	}
	_, _, e := unix.RawSyscall(unix.SYS_EXECVE, uintptr(unsafe.Pointer(argv0)), uintptr(unsafe.Pointer(&argvp[0])), uintptr(unsafe.Pointer(&envp[0])))
	// Found, but the kernel would not run it (a file that is no program,
	// a noexec mount, a missing interpreter) or the filter denied execve.
	return execError(argv[0], e)
}

// Filter compiles the enforce filter of p with cbpf.Compile: every denying
// action (errno, kill, trap, trace, notify) is SCMP_ACT_NOTIFY, so is every
// ABI p does not list (when p denies anything at all; otherwise such ABIs
// are killed, as runtimes do), there is no ENOSYS stub (numbers above
// libseccomp's table reach the supervisor too, which answers as runc's stub
// does and reports crun's answer), and names libseccomp does
// not know are left out, as runtimes do. When it has a listener, a
// seccomp(2) call of the workload that asks for a listener of its own is
// notified too (cbpf.Options.NotifyNewListener; see Result.OwnListener). The first unconditional rule naming
// a syscall decides it, as policy.Lookup reads p; conditional rules apply
// only to syscalls no unconditional rule names.
func Filter(p *policy.Policy) (cbpf.Program, error) {
	o := cbpf.Options{Notify: true, NoStub: true, SkipUnknown: true}
	if cbpf.NeedsListener(p) {
		o.BadArch = policy.ActNotify
		// The workload cannot have a listener of its own under this
		// one (EBUSY): the supervisor must see it ask (OwnListener).
		o.NotifyNewListener = true
	}
	prog, err := cbpf.Compile(firstRuleDecides(p), o)
	if err != nil {
		return nil, fmt.Errorf("enforce: filter: %w", err)
	}
	return prog, nil
}

// firstRuleDecides returns a copy of p whose rules name every syscall at
// most once unconditionally (in the first rule that does) and keep
// conditional rules only for names that no unconditional rule names.
func firstRuleDecides(p *policy.Policy) *policy.Policy {
	c := *p
	c.Rules = nil
	decided := map[string]bool{}
	for _, r := range p.Rules {
		if len(r.Args) > 0 {
			continue
		}
		var names []string
		for _, n := range r.Names {
			if !decided[n] {
				decided[n] = true
				names = append(names, n)
			}
		}
		if len(names) > 0 {
			r.Names = names
			c.Rules = append(c.Rules, r)
		}
	}
	for _, r := range p.Rules {
		if len(r.Args) == 0 {
			continue
		}
		var names []string
		for _, n := range r.Names {
			if !decided[n] {
				names = append(names, n)
			}
		}
		if len(names) > 0 {
			r.Names = names
			c.Rules = append(c.Rules, r)
		}
	}
	return &c
}
