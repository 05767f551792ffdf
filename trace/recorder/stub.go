package recorder

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"github.com/seccomp-gen/seccomp-gen/internal/startstate"
)

// StubName is the name the recorder's stub is registered under (see
// Stub).
const StubName = "seccomp-gen-trace-stub"

// Stub is the stub half of the command start described in
// record_target.go: Record re-executes the running binary as
// `StubName GATE,READY[,IGNORED,BLOCKED] PROGRAM ARGV...` (internal/reexec;
// IGNORED and BLOCKED are the hex masks of internal/startstate's Ignored
// and Blocked). Every binary
// that calls Record with a Command registers it, once, before anything
// else runs:
//
//	reexec.Register(recorder.StubName, recorder.Stub)
//	if status, ok := reexec.Init(); ok {
//		os.Exit(status)
//	}
//
// It returns only on failure, with the status a shell would use. READY
// gets one byte when the stub is up, and stays open (close-on-exec): when
// the execve of PROGRAM fails, its errno is written there as one byte for
// Record to report (ExecError); the stub prints the reason itself only
// when it cannot write it.
// noExecHint follows "exec format error": a shell runs a script without a
// "#!" line itself, execve does not (cmd/seccomp-gen's C stub says the same).
const noExecHint = " (a script needs a #! line; else the file is no program for this machine)"

func Stub() int {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "seccomp-gen: internal error: bad trace stub invocation")
		return 125
	}
	return runStub(os.Args[1], append([]string{os.Args[0]}, os.Args[2:]...))
}

// runStub waits at the gate, then execs the command. Its argv is
// [stub name, program path, argv...]. It returns only on failure, with the
// status a shell would use.
func runStub(fdText string, args []string) int {
	f := strings.Split(fdText, ",")
	var gateFD, readyFD int
	var ignored, blocked uint64
	var err1, err2, err3, err4 error
	switch len(f) {
	case 4:
		ignored, err3 = strconv.ParseUint(f[2], 16, 64)
		blocked, err4 = strconv.ParseUint(f[3], 16, 64)
		fallthrough
	case 2:
		gateFD, err1 = strconv.Atoi(f[0])
		readyFD, err2 = strconv.Atoi(f[1])
	default:
		err1 = strconv.ErrSyntax
	}
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil || len(args) < 3 {
		fmt.Fprintln(os.Stderr, "seccomp-gen: internal error: bad trace stub invocation")
		return 125
	}
	gate := os.NewFile(uintptr(gateFD), "trace-gate")
	ready := os.NewFile(uintptr(readyFD), "trace-ready")
	// Tell the tracer that our own execve is over, then wait to be armed.
	// ready stays open, close-on-exec: a failed execve is said there.
	_, _ = ready.Write([]byte{1})
	syscall.CloseOnExec(readyFD)
	var b [1]byte
	if n, _ := gate.Read(b[:]); n != 1 {
		// The tracer died before it was ready: never run the command untraced.
		fmt.Fprintln(os.Stderr, "seccomp-gen: the tracer went away before tracing started; not running", args[2])
		return 125
	}
	gate.Close()
	// The mask is per thread: this one sets it and execs.
	runtime.LockOSThread()
	err := startstate.Reignore(ignored)
	if err == nil && len(f) == 4 {
		err = startstate.SetMask(blocked)
	}
	if err == nil {
		err = syscall.Exec(args[1], args[2:], os.Environ())
	}
	status := 126
	if errors.Is(err, syscall.ENOENT) {
		status = 127
	}
	// The errno, for the tracer to report (ExecError); said here only
	// when it cannot be.
	var errno syscall.Errno
	if errors.As(err, &errno) && errno > 0 && errno < 256 {
		if n, _ := ready.Write([]byte{byte(errno)}); n == 1 {
			return status
		}
	}
	hint := ""
	if errors.Is(err, syscall.ENOEXEC) {
		hint = noExecHint
	}
	fmt.Fprintf(os.Stderr, "seccomp-gen: %s: %v%s\n", args[2], err, hint)
	return status
}

// ExecError says why path, found as a command, could not be executed:
// errno is what its execve returned (as the stub reported it). A file the
// kernel will not run is ENOEXEC, and a shell would have run a script
// without "#!" itself; ENOENT for a file that is there means its
// interpreter (a "#!" line's, an ELF program's loader) is missing.
func ExecError(path string, errno syscall.Errno) error {
	switch errno {
	case syscall.ENOEXEC:
		return fmt.Errorf("%w: %w%s", ErrCommandNotRun, errno, noExecHint)
	case syscall.ENOENT:
		if _, err := os.Stat(path); err == nil {
			return fmt.Errorf("%w: its interpreter was not found (the #! line of a script, or the loader of a program for another libc)", ErrCommandNotRun)
		}
	}
	return fmt.Errorf("%w: %w", ErrCommandNotRun, errno)
}
