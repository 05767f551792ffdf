package recorder

import (
	"errors"
	"fmt"
	"os"
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
// `StubName GATE,READY[,IGNORED] PROGRAM ARGV...` (internal/reexec;
// IGNORED is the hex mask of internal/startstate.Ignored). Every binary
// that calls Record with a Command registers it, once, before anything
// else runs:
//
//	reexec.Register(recorder.StubName, recorder.Stub)
//	if status, ok := reexec.Init(); ok {
//		os.Exit(status)
//	}
//
// It returns only on failure, with the status a shell would use.
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
	gateText, readyText, _ := strings.Cut(fdText, ",")
	readyText, ignText, hasIgn := strings.Cut(readyText, ",")
	gateFD, err1 := strconv.Atoi(gateText)
	readyFD, err2 := strconv.Atoi(readyText)
	var ignored uint64
	var err3 error
	if hasIgn {
		ignored, err3 = strconv.ParseUint(ignText, 16, 64)
	}
	if err1 != nil || err2 != nil || err3 != nil || len(args) < 3 {
		fmt.Fprintln(os.Stderr, "seccomp-gen: internal error: bad trace stub invocation")
		return 125
	}
	gate := os.NewFile(uintptr(gateFD), "trace-gate")
	ready := os.NewFile(uintptr(readyFD), "trace-ready")
	// Tell the tracer that our own execve is over, then wait to be armed.
	_, _ = ready.Write([]byte{1})
	ready.Close()
	var b [1]byte
	if n, _ := gate.Read(b[:]); n != 1 {
		// The tracer died before it was ready: never run the command untraced.
		fmt.Fprintln(os.Stderr, "seccomp-gen: the tracer went away before tracing started; not running", args[2])
		return 125
	}
	gate.Close()
	err := startstate.Reignore(ignored)
	if err == nil {
		err = syscall.Exec(args[1], args[2:], os.Environ())
	}
	hint := ""
	if errors.Is(err, syscall.ENOEXEC) {
		hint = noExecHint
	}
	fmt.Fprintf(os.Stderr, "seccomp-gen: %s: %v%s\n", args[2], err, hint)
	if errors.Is(err, syscall.ENOENT) {
		return 127
	}
	return 126
}
