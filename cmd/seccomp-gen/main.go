// Command seccomp-gen turns real syscall traces into least-privilege seccomp
// profiles: trace a workload with eBPF, generate Docker/OCI/Kubernetes/BPF
// profiles from the traces, and replay runs against a profile in CI.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
	"github.com/seccomp-gen/seccomp-gen/enforce"
	"github.com/seccomp-gen/seccomp-gen/internal/atomicfile"
	"github.com/seccomp-gen/seccomp-gen/internal/limits"
	"github.com/seccomp-gen/seccomp-gen/internal/prestub"
	"github.com/seccomp-gen/seccomp-gen/internal/reexec"
	"github.com/seccomp-gen/seccomp-gen/internal/startstate"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/trace/recorder"

	// The Go heap in huge pages: a trace's start pays one page fault per
	// 2 MiB of heap instead of one per 4 KiB (see the package).
	_ "github.com/seccomp-gen/seccomp-gen/internal/hugeheap"
	// The binary's code and read-only data mapped in one go at the start,
	// not a page fault per 64 KiB as it runs (see the package).
	_ "github.com/seccomp-gen/seccomp-gen/internal/prefault"
)

// mainStart is when main began: with SECCOMP_GEN_TIMING set, trace prints it
// as its first phase (see timingHook).
var mainStart time.Time

func main() {
	mainStart = time.Now()
	registerHelpers()
	// Profiles are checked against the filter libseccomp builds for them
	// (policy.FilterVerifier), in every command and in the re-executed
	// helpers (replay --enforce's shim compiles its filter).
	cbpf.EnableFilterVerification()
	if status, ok := reexec.Init(); ok {
		os.Exit(status)
	}
	exiting.Store(true)
	os.Exit(run(os.Args[1:]))
}

// registerHelpers registers the helpers seccomp-gen re-executes itself as
// (internal/reexec): the recorder's stub, which trace and replay start
// their command through, the helper that prepares the next trace's
// recorder (trace/recorder/record_pool.go), and the shim of replay
// --enforce. main and the
// tests' TestMain call it once, before anything else.
func registerHelpers() {
	reexec.Register(recorder.StubName, recorder.Stub)
	reexec.Register(recorder.PrepareName, recorder.Prepare)
	reexec.Register(enforce.ShimName, enforce.ShimMain)
	// The prepared recorders' argument mask is the command line's
	// (trace.go: Namer), so that a trace can start with one before the
	// Go runtime does (internal/prestub's early start).
	recorder.PrepareNamer = scmp.Tables{}
}

// minOpenFiles is how many more files any command needs to be able to open
// (limits.NeedOpenFiles: the limit less those open, stdin, stdout, stderr
// and the Go runtime's own, which keeps cgroup v1's CPU quota files open):
// under ulimit -n 7 the Go runtime cannot start its poller; trace and
// replay need more and say so. ulimit -n 16 leaves 9 (7 open, measured).
const minOpenFiles = 8

func run(args []string) int {
	// trace and replay hold the signals of their Ctrl-C policy first
	// thing (holdSignals): started here, that overlaps the rest.
	ctx := context.Background()
	if len(args) > 0 && (args[0] == "trace" || args[0] == "replay") {
		var release func()
		ctx, release = holdEarly(ctx)
		defer release()
	}
	// Under qemu-user (no seccomp(2)) filters still compile as on a real
	// kernel, so an emulated arm64 build gives the same answers.
	scmp.PinAPIWithoutSeccomp()
	cbpf.EnableFilterVerification() // also here: the tests call run
	sealClosed()
	// Below it the Go runtime dies at the first file it opens
	// (epoll_create), with a stack dump. (RLIMIT_NPROC is checked where
	// threads and processes are started: trace, replay.)
	if err := limits.NeedOpenFiles(minOpenFiles); err != nil {
		fmt.Fprintf(os.Stderr, "seccomp-gen: %v\n", err)
		return exitFailure
	}
	root := newRootCmdFor(args)
	root.SetContext(ctx)
	root.SetArgs(args)
	out := &stdoutWriter{}
	root.SetOut(out)
	cmd, err := root.ExecuteC()
	if out.err != nil && (err == nil || errors.Is(err, out.err)) {
		// Help and usage text, whose write errors cobra drops, and
		// --version's, which cobra returns as they are: the same
		// answers as the commands that print to stdout (version,
		// doctor) give, not a usage error of the root command.
		err = exitWith(exitFailure, out.err)
		if errors.Is(out.err, atomicfile.ErrStdoutClosed) && startstate.Closed(1) {
			err = usageErrf("%s", stdoutClosed)
		}
	}
	code, err := exitStatus(rootUsage(root, cmd, err))
	if err != nil {
		// Stderr may be a pipe whose reader is gone (`trace -- cmd 2>&1
		// | true`: the trace's own write failed there first, and the
		// error says where it was kept): the message is lost then, but
		// the exit status is still the command's, not SIGPIPE's.
		release := survivePipe()
		fmt.Fprintf(os.Stderr, "seccomp-gen: %s\n", errorLine(cmd, err))
		release()
	}
	// A stub child the constructor forked and nothing took (the command
	// line was refused, or ran no command): told to go and reaped here.
	// Left to exit after this process, it became init's zombie, counted
	// against the user's process limit until init reaped it (seconds on
	// a Firecracker guest, whose init reaps lazily): a refused trace
	// under ulimit -u left the next run one process short.
	prestub.Discard()
	if name := prestub.AbandonEarly(); name != "" {
		// The constructor started the command, and the command line
		// was refused after all (internal/prestub: the constructor's
		// checks are to leave that to races): it is not to run.
		fmt.Fprintf(os.Stderr, "seccomp-gen: %s had been started with seccomp-gen (the early start, %s=off to turn it off): killed\n", name, prestub.EarlyEnv)
		if code == 0 {
			code = exitFailure
		}
	}
	return code
}

// sealClosed: seccomp-gen started with stdin or stdout closed (<&-, >&-)
// has /dev/null there, opened read-write by the Go runtime, where a trace
// or profile written to stdout would vanish with no error, and a read of
// stdin would find it empty rather than fail. It puts /dev/null opened for
// the other direction only in their place: a read of stdin and a write to
// stdout fail (EBADF), as on a closed descriptor, for seccomp-gen and for
// the command trace or replay runs; and a file opened later still cannot
// take descriptor 0 or 1. Inputs and outputs that name them are refused up
// front (checkOutputs).
//
// Stderr too: the messages of seccomp-gen and the command's writes there
// fail as they would without it. Where trace and replay send the
// command's standard output to stderr (the trace or report goes to
// stdout), it goes to /dev/null instead (stdoutViaStderr): failing writes
// would change what the command does.
func sealClosed() {
	for fd, mode := range map[int]int{0: unix.O_WRONLY, 1: unix.O_RDONLY, 2: unix.O_RDONLY} {
		if !startstate.Closed(fd) {
			continue
		}
		null, err := unix.Open("/dev/null", mode|unix.O_CLOEXEC, 0)
		if err != nil {
			continue // checkOutputs still refuses - for them
		}
		unix.Dup3(null, fd, 0)
		unix.Close(null)
	}
}

// stdoutWriter is standard output for what commands print there (version,
// doctor, completion scripts, help): a write that fails because it is open
// for reading only (1</dev/null, or closed and sealed) says so, as
// atomicfile.Write("-") does, not "bad file descriptor". err keeps the
// first error, for the text whose errors cobra drops (help).
type stdoutWriter struct{ err error }

func (w *stdoutWriter) Write(p []byte) (int, error) {
	n, err := os.Stdout.Write(p)
	if errors.Is(err, syscall.EBADF) {
		err = &os.PathError{Op: "write", Path: os.Stdout.Name(), Err: atomicfile.ErrStdoutClosed}
	}
	if err != nil && w.err == nil {
		w.err = err
	}
	return n, err
}

// stdoutViaStderr is where trace and replay send the command's standard
// output when theirs goes to stdout: stderr, or /dev/null when stderr was
// closed (sealClosed), where that output would go nowhere either.
func stdoutViaStderr() *os.File {
	if !startstate.Closed(2) {
		return os.Stderr
	}
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return os.Stderr
	}
	return null
}
