package recorder

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/abi"
	"github.com/seccomp-gen/seccomp-gen/bpf"
	"github.com/seccomp-gen/seccomp-gen/internal/kver"
	"github.com/seccomp-gen/seccomp-gen/internal/limits"
	"github.com/seccomp-gen/seccomp-gen/internal/lookpath"
	"github.com/seccomp-gen/seccomp-gen/internal/prestub"
	"github.com/seccomp-gen/seccomp-gen/internal/proctree"
	"github.com/seccomp-gen/seccomp-gen/internal/text"
	"github.com/seccomp-gen/seccomp-gen/internal/userns"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// Errors a user can act on. Record wraps them with details; test with
// errors.Is.
var (
	// ErrPermission: the caller lacks root or CAP_BPF and CAP_PERFMON.
	ErrPermission = errors.New("permission denied")
	// ErrUnsupported: the kernel lacks BTF, a tracepoint or a BPF feature.
	ErrUnsupported = errors.New("kernel not supported")
	// ErrCommandNotFound: the command does not exist (a shell exits 127).
	ErrCommandNotFound = errors.New("command not found")
	// ErrCommandNotRun: the command exists but could not be executed (126).
	ErrCommandNotRun = errors.New("command could not be executed")
	// ErrNoProcess: the PID to trace does not exist.
	ErrNoProcess = errors.New("no such process")
	// ErrNotCgroup2: the cgroup path is not a cgroup v2 directory.
	ErrNotCgroup2 = errors.New("not a cgroup v2 directory")
	// ErrOptions: Options are inconsistent.
	ErrOptions = errors.New("invalid options")
	// ErrInterrupted: ctx was cancelled before the command started; it was
	// not run.
	ErrInterrupted = errors.New("interrupted before the command started")
	// ErrExecUnseen: the command ran, but the recorder never saw its
	// execve, so it counted nothing of it (a PID namespace the programs
	// cannot translate, say).
	ErrExecUnseen = errors.New("the recorder did not see the command start")
)

// CommandError says that a command could not be started. Status is what a
// shell would exit with: 127 when it does not exist, 126 when it cannot be
// executed.
type CommandError struct {
	Name   string
	Status int
	// Reported is true when the reason was already written to the
	// command's stderr.
	Reported bool
	Err      error // ErrCommandNotFound or ErrCommandNotRun
}

func (e *CommandError) Error() string {
	if e.Reported {
		return fmt.Sprintf("%s: %v (exit status %d)", e.Name, e.Err, e.Status)
	}
	return fmt.Sprintf("%s: %v", e.Name, e.Err)
}

func (e *CommandError) Unwrap() error { return e.Err }

// Stats is a live snapshot of a recording.
type Stats struct {
	Syscalls  uint64        // syscalls counted so far
	Distinct  int           // distinct (arch, nr) so far
	Processes uint64        // distinct processes traced so far
	Lost      uint64        // syscalls that could not be counted
	Elapsed   time.Duration // since tracing started
}

// Started tells the caller what Record attached and started.
type Started struct {
	PID     int      // the command's PID (Command), or the traced PID
	LinkIDs []uint32 // kernel IDs of the BPF links (bpftool link show id N)
	// Descendants counts the processes that already ran below the traced
	// PID when tracing started and are traced too (PID only).
	Descendants int
	// Children says how a traced task's new threads and processes are
	// followed: "at the fork" (the tp_btf fork program marks them there),
	// or "at their first syscall (WHY)" (the raw tracepoint fork program
	// leaves a pending mark for them to take: the kernel's BTF lacks the
	// tracepoint's type or the kfunc's, or the kernel refused the tp_btf
	// program). Either is exact; the first costs untraced tasks less.
	Children string
	// Empty: the Cgroup had no task when tracing started (and Options.
	// Populated was not set); the recording waits for one to enter.
	Empty bool
}

// Options say what to record and how. Exactly one of Command, PID and
// Cgroup is set.
type Options struct {
	// Command is the argv of a command to start and trace from its execve
	// on. Command[0] is looked up in PATH.
	Command []string
	// Dir, Env, Stdin, Stdout, Stderr and ExtraFiles are as in os/exec.Cmd.
	// A nil Env means os.Environ(); nil streams mean /dev/null.
	Dir        string
	Env        []string
	Stdin      io.Reader
	Stdout     io.Writer
	Stderr     io.Writer
	ExtraFiles []*os.File
	// Wrapper is an argv prefix: the program Wrapper[0] (a path) runs first
	// with argv Wrapper ++ Command and must, as its last step, execve the
	// command itself (exactly once). Nothing the wrapper does is counted;
	// counting starts at that execve. Replay uses it to install a seccomp
	// filter before the command runs.
	Wrapper []string

	// PID traces a running process, all its threads, the processes
	// already below it when tracing starts and its future descendants,
	// until it exits.
	PID int
	// FromExec, with PID, counts nothing until the process's next execve:
	// counting starts at that execve (which is counted), and the process
	// and its descendants are traced from then on. A container runtime's
	// hook uses it on the container's init process, so that the runtime's
	// set-up is left out and the entrypoint is counted from its first
	// instruction. With Cgroup, every task in the cgroup, there now or
	// joining later, is counted from its next execve on.
	FromExec bool

	// Cgroup traces every task in a cgroup v2 directory and below it. The
	// recording ends when the cgroup, once populated, becomes empty.
	Cgroup string
	// ExecJoins, with Cgroup, counts a task that joins the cgroup from
	// outside (a container runtime's exec set-up) only from its next
	// execve on; the tasks in the cgroup at the start, and whatever they
	// fork, are counted at once (see record_exec.go).
	ExecJoins bool
	// Populated, with Cgroup, says the cgroup is known to have held a task
	// before Record (a running container found through its runtime): the
	// recording then ends as soon as the cgroup is empty, also when it
	// empties before the links are attached and is never seen populated.
	// Without it such a recording would wait for a task that never comes.
	Populated bool

	// Duration, when positive, ends the recording after that long.
	Duration time.Duration

	// Progress, when set, is called every ProgressInterval (default 250ms)
	// from Record's goroutine.
	Progress         func(Stats)
	ProgressInterval time.Duration

	// OnStart, when set, is called once everything is attached and the
	// target is being traced.
	OnStart func(Started)

	// Namer names syscalls in the trace. Nil leaves every name empty (and
	// records no argument values: which syscall a number is decides which
	// arguments are recorded).
	Namer trace.Tables

	// NoArgs records no argument values (trace.RecordedArgs): the trace's
	// entries then carry no args, and generate treats their values as
	// unknown.
	NoArgs bool

	// OnPhase, when set, is called as the start passes each phase (the
	// Phase constants); the bench uses it to break the start down. It may
	// be called from another goroutine.
	OnPhase func(phase string)

	// ReleaseLater lets Record return a Recording as soon as its result
	// is read, while the links still close and the recorder's resources
	// are let go on another goroutine (the detach patches each
	// tracepoint's text on every CPU, ~0.5 ms for the 4 here, and the next
	// trace's recorder helper is started): Recording.Release waits for
	// that. The caller writes the result meanwhile, and must call Release
	// before it exits or reports the recorder gone. Without it, Record
	// returns after all that.
	ReleaseLater bool

	// Early is the Command, started by this binary's C constructor before
	// the Go runtime (internal/prestub's early start), for Record to take
	// over: then Stdin, Stdout and Stderr are the ones it was started
	// with, and Dir, Env, ExtraFiles and Wrapper are not set
	// (record_early.go).
	Early *prestub.Early
}

// The start's phases, in the order OnPhase sees them (the stub's may come
// earlier: it starts in parallel).
const (
	PhaseRecord   = "record"     // Record entered
	PhaseSpec     = "spec"       // the programs' ELF parsed and configured
	PhaseMaps     = "maps"       // maps created
	PhaseTypes    = "types"      // CO-RE fixups at hand (cache or BTF) and written
	PhaseLoaded   = "loaded"     // programs loaded and verified
	PhasePooled   = "pooled"     // instead of spec to loaded: a prepared recorder claimed (record_pool.go)
	PhaseArgMask  = "argmask"    // which arguments to record written (computed meanwhile)
	PhaseStub     = "stub-start" // the stub process started (fork+exec returned)
	PhasePrestub  = "prestub"    // just before stub-start: the stub is the child forked at this binary's start (internal/prestub), given its command
	PhaseAdopted  = "adopted"    // instead of everything from pooled to gate: the command started before the Go runtime, taken over (record_early.go)
	PhaseAttached = "attached"   // links attached
	PhaseStubUp   = "stub-ready" // the stub said its execve is over
	PhaseGate     = "gate"       // the gate is opened now: the stub execs the command
	PhaseExited   = "exited"     // the command exited (reaped); its descendants may run on
	PhaseEnded    = "ended"      // the target is gone (or time is up)
	PhaseDetached = "detached"   // links closed: nothing pays for the recorder any more
)

func (r *recorder) phase(name string) {
	if r.opts.OnPhase != nil {
		r.opts.OnPhase(name)
	}
}

// Recording is the result of Record.
type Recording struct {
	File *trace.File
	// Exited says whether the traced command (or PID) exited while traced.
	Exited bool
	// CommandRan says, for a command, that its execve happened while it
	// was traced (the recording may still hold no syscall of it: one that
	// ended right after, by a signal or --duration).
	CommandRan bool
	// ExitStatus is the command's status as a shell reports it: its exit
	// code, or 128+N when signal N killed it. Valid when Exited and a
	// Command was traced.
	ExitStatus int
	// Unknown lists the recorded syscalls the Namer could not name, but
	// for Probes.
	Unknown []trace.Syscall
	// Probes lists the recorded numbers beyond every syscall table
	// (syscall(-1), syscall(5000): the kernel answers ENOSYS), which the
	// trace holds by number too; MaxProbes at most (more are in Lost).
	Probes []trace.Syscall
	// Reason says why the recording ended: "exit", "duration",
	// "interrupted" (ctx was cancelled) or "empty" (the cgroup emptied).
	Reason string
	// Descendants counts the processes that already ran below the traced
	// PID when tracing started and were traced along with it (PID only;
	// those forked later are followed anyway).
	Descendants int
	// ExecutablesUnsplit counts the executables File lists without their
	// syscalls: the recorder tells apart the syscalls of 256 executables,
	// and a trace holds at most trace.MaxExecutableNrs numbers in its
	// executables list (File.FitExecutables). (File.ExecutablesOmitted
	// counts those it could not list at all.)
	ExecutablesUnsplit int
	// ExecutablesCut counts the executables left out of File's list (and
	// counted in File.ExecutablesOmitted) because their path is too long
	// for the recorder: it keeps the first 255 bytes, and two files whose
	// paths share them would be one entry under a name that is no file.
	ExecutablesCut int
	// Stranded, when not 0, is how many traced tasks the recorder still
	// counted alive when the trace ended a second after its last traced
	// process was gone: a fault of its bookkeeping, which it would have
	// waited on for good. The counts are complete all the same.
	Stranded int64

	// released is closed once the recorder is released (ReleaseLater).
	released <-chan struct{}
}

// Release waits until the recorder behind the Recording is released: its
// links closed (nothing pays for it any more) and its helper started. It
// returns at once for a Recording from a Record without
// Options.ReleaseLater.
func (rec *Recording) Release() {
	if rec != nil && rec.released != nil {
		<-rec.released
	}
}

// MinOpenFiles is how many more files Record needs to be able to open
// (limits.NeedOpenFiles: the limit less the descriptors already open):
// maps, programs, BTF and links, two programs loading at a time with their
// clones of the maps, the stub's pipes, pidfds, and the executables it
// identifies. Measured on a 2-CPU machine (6.18), a command traced with
// stdin, stdout and stderr open: the highest descriptor reached 63 to 68
// (strace, 10 traces), and with the check lowered, ulimit -n 64 to 67 failed
// 1 to 4 traces in 100 (EMFILE while loading), 68 and 70 none in 100. About
// 6 of those are open when Record checks (stdin, stdout, stderr, the Go
// runtime's: it keeps cgroup v1's CPU quota files open), so Record opens up
// to ~63 of its own, and asks for a quarter more. Below it Record fails at
// once with limits.ErrTooFewFiles; run out midway anyway (a descriptor
// opened meanwhile), loadErr says so too, rather than the "kernel not
// supported" of cilium/ebpf's failed feature probe.
const MinOpenFiles = 80

// MinTasks is how many more threads Record wants RLIMIT_NPROC to allow:
// the Go runtime's for the goroutines that block in the kernel, and the
// command's first process (it failed with 1 more, measured). Without them
// the Go runtime aborts.
const MinTasks = 16

// pollInterval is how often Record checks whether the target is gone.
const pollInterval = 10 * time.Millisecond

// Record traces the target that opts names and returns what it used. It
// attaches the eBPF recorder for as short a time as it can: every process
// on the machine pays for it while it is attached.
//
// Cancelling ctx ends the recording (the trace is still returned); a
// command that is still running then keeps running, untraced.
func Record(ctx context.Context, opts Options) (rec *Recording, err error) {
	if e := opts.Early; e != nil {
		// A command started early that Record does not take over is
		// not to run on, untraced once this process exits.
		defer func() {
			if !e.Adopted {
				e.Kill()
			}
		}()
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if err := limits.NeedOpenFiles(MinOpenFiles); err != nil {
		return nil, err
	}
	if err := limits.NeedTasks(MinTasks); err != nil {
		return nil, err
	}
	if len(opts.Command) == 0 {
		// No command to start: the child forked for one, if any, goes.
		prestub.Discard()
	}
	r := &recorder{opts: opts}
	r.phase(PhaseRecord)
	defer func() {
		if rec == nil || !opts.ReleaseLater {
			r.close()
			return
		}
		done := make(chan struct{})
		rec.released = done
		go func() {
			defer close(done)
			r.close()
		}()
	}()
	if err := r.prepareTarget(); err != nil {
		return nil, err
	}
	if opts.Early != nil {
		if err := r.adoptEarly(opts.Early); err != nil {
			return nil, err
		}
		return r.record(ctx)
	}
	if err := checkPrivileges(); err != nil {
		return nil, err
	}
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		return nil, fmt.Errorf("%w: no kernel BTF at /sys/kernel/btf/vmlinux (the recorder needs CONFIG_DEBUG_INFO_BTF=y)", ErrUnsupported)
	}
	// Start the command's stub, and meanwhile claim a prepared recorder
	// (record_pool.go) or load one.
	if r.path != "" {
		launched := make(chan error, 1)
		r.launched = launched
		go func() { launched <- r.launchStub() }()
	}
	// After the stub's goroutine: with a prepared recorder the stub's
	// exec is the longest step before the gate.
	r.startArgMask()
	pooled, err := r.claimPooled()
	if err != nil && os.Getenv("SECCOMP_GEN_POOL_DEBUG") == "1" {
		fmt.Fprintln(os.Stderr, "seccomp-gen:", err)
	}
	if pooled {
		r.phase(PhasePooled)
		// As load attaches them while sys_enter verifies: they act only
		// on tasks marked or armed, and none is before the target starts;
		// meanwhile the stub's exec is under way.
		if err := r.attachTasks(); err != nil {
			return nil, err
		}
	} else {
		if err := r.loadOwn(); err != nil {
			return nil, err
		}
	}
	if err := r.writeArgMask(); err != nil {
		return nil, err
	}
	r.phase(PhaseArgMask)
	if err := r.waitLaunch(); err != nil {
		return nil, err
	}
	if err := r.prepareKernel(); err != nil {
		return nil, err
	}
	if err := r.attach(); err != nil {
		return nil, err
	}
	r.phase(PhaseAttached)
	r.started = time.Now()
	if err := r.startTarget(ctx); err != nil {
		return nil, err
	}
	return r.record(ctx)
}

// record is Record from the target's start on.
func (r *recorder) record(ctx context.Context) (*Recording, error) {
	opts := r.opts
	r.noteRoot()
	r.startExeScan()
	if opts.OnStart != nil {
		opts.OnStart(Started{PID: r.targetPID(), LinkIDs: r.linkIDs(), Descendants: r.descendants, Children: r.children(), Empty: r.cgroupEmpty()})
	}
	reason, err := r.wait(ctx)
	if err != nil {
		return nil, err
	}
	r.settleStart()
	r.phase(PhaseEnded)
	elapsed := time.Since(r.started)
	if reason == "exit" {
		// Nothing traced is left (gone: the command or PID reaped or
		// gone, and live_tasks 0, its descendants' exits included), so
		// no program counts anything more: the counts are read while
		// the links close. Closing them takes ~0.5 ms here (each of the
		// 4 tracepoints' text patched on every CPU), which was on the
		// path of every trace's end. A cgroup's end ("empty") is not
		// final: a task may still join it.
		r.detaching = r.detachAsync()
	} else {
		r.detach()
		r.phase(PhaseDetached)
	}
	// The next trace's recorder, prepared while this one's result is
	// read and written (record_pool.go). With ReleaseLater, once it is
	// read: the helper's start (a clone and an exec of this binary) and
	// the detach were what the reading waited for on 2 CPUs.
	if r.opts.ReleaseLater {
		r.refillDue = true
	} else {
		r.startRefill()
	}
	if r.cmdExited() && !r.commandRan() {
		// The stub could not exec the command, or did where the programs
		// could not see it.
		return nil, r.notRunError()
	}
	return r.result(reason, elapsed)
}

func (o *Options) validate() error {
	set := 0
	if len(o.Command) > 0 {
		set++
	}
	if o.PID != 0 {
		set++
	}
	if o.Cgroup != "" {
		set++
	}
	if set != 1 {
		return fmt.Errorf("%w: name exactly one target (a command, a PID or a cgroup)", ErrOptions)
	}
	if o.PID < 0 {
		return fmt.Errorf("%w: pid %d", ErrOptions, o.PID)
	}
	if o.PID == os.Getpid() {
		return fmt.Errorf("%w: pid %d is the tracer itself", ErrOptions, o.PID)
	}
	if o.ExecJoins && o.Cgroup == "" {
		return fmt.Errorf("%w: ExecJoins needs a cgroup", ErrOptions)
	}
	if o.Populated && o.Cgroup == "" {
		return fmt.Errorf("%w: Populated needs a cgroup", ErrOptions)
	}
	if o.FromExec && o.PID == 0 && o.Cgroup == "" {
		return fmt.Errorf("%w: FromExec needs a PID or a cgroup", ErrOptions)
	}
	if len(o.Wrapper) > 0 && len(o.Command) == 0 {
		return fmt.Errorf("%w: a wrapper needs a command", ErrOptions)
	}
	if o.Duration < 0 {
		return fmt.Errorf("%w: negative duration", ErrOptions)
	}
	return nil
}

// Capability numbers from include/uapi/linux/capability.h.
const (
	capSysAdmin = 21
	capPerfmon  = 38
	capBPF      = 39
)

// checkPrivileges says which capabilities are missing, if any.
func checkPrivileges() error {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return nil // let the kernel decide
	}
	var eff uint64
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			eff, _ = strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		}
	}
	has := func(c uint) bool { return eff&(1<<c) != 0 }
	if m, err := os.ReadFile(userns.MapPath); err == nil && !userns.Initial(string(m)) {
		return fmt.Errorf("%w: in a user namespace (uid_map %s), whose capabilities do not reach bpf(2): it asks for CAP_BPF and CAP_PERFMON in the initial one (run seccomp-gen as root of the host, outside the user namespace)", ErrPermission, userns.Describe(string(m)))
	}
	if has(capSysAdmin) || (has(capBPF) && has(capPerfmon)) {
		return nil
	}
	var missing []string
	if !has(capBPF) {
		missing = append(missing, "CAP_BPF")
	}
	if !has(capPerfmon) {
		missing = append(missing, "CAP_PERFMON")
	}
	if os.Geteuid() == 0 {
		// Root without them: a container or session that does not grant
		// them (its bounding set), where neither sudo nor setcap helps.
		return fmt.Errorf("%w: root here lacks %s: give the container or session them (docker run --cap-add BPF --cap-add PERFMON, or its runtime's capabilities)", ErrPermission, strings.Join(missing, " and "))
	}
	return fmt.Errorf("%w: not root: missing %s (run as root, or grant CAP_BPF and CAP_PERFMON)", ErrPermission, strings.Join(missing, " and "))
}

type recorder struct {
	opts Options
	// detaching, when set, is closed once detachAsync closed the links.
	detaching <-chan struct{}
	// strandedTasks is what live_tasks counted when wait ended a trace
	// with no traced task left (strandedFor).
	strandedTasks int64
	// refillDue: close starts the refill helper (ReleaseLater).
	refillDue bool
	objs      bpf.RecorderObjects
	// forkBTFErr is why sched_process_fork_btf could not be loaded, when
	// it was tried (record_forkbtf.go); forkWhy why it was not tried.
	forkBTFErr error
	forkWhy    string
	loaded     bool
	pidns      bool // the tracer is not in the initial PID namespace (record_pidns.go)
	links      []link.Link
	started    time.Time
	types      <-chan typesResult             // kernelTypes' result, for load
	execNr     uint32                         // the native execve's number
	argMask    [nrABIs * nrSlots]uint8        // cfg_argmask: which arguments each slot records
	masks      <-chan [nrABIs * nrSlots]uint8 // startArgMask's result, until writeArgMask
	// tasksAttached: the fork, exec and exit programs are attached (attachTasks).
	tasksAttached bool
	// bss is the programs' .bss map, vars the globals Record uses in it.
	bss  *ebpf.Map
	vars recorderVars
	// pooled: the recorder was prepared by another process and claimed
	// (record_pool.go); poolKey is its key where it may be pooled,
	// refilled is closed once the helper preparing the next one started;
	// preparing: this is that helper (nothing is attached).
	pooled    bool
	claimed   string // the claimed set's directory, until its pins are removed
	poolKey   string
	refilled  chan struct{}
	preparing bool

	// Command
	path      string // resolved program the stub execs
	argv      []string
	cmd       *stubProc
	launched  <-chan error // launchStub's result, until waitLaunch
	launchErr error
	gate      *os.File      // write end of the stub's gate pipe
	ready     *os.File      // read end of the stub's ready pipe
	cmdDone   chan struct{} // nil once wait has seen it closed
	exited    chan struct{} // closed once cmd.Wait returned
	armed     bool
	skip      uint32 // the armed entry's first value: execs to skip, + 1

	// PID
	pidfd       int
	descendants int // processes below the PID at attach, marked too
	// belowAtAttach are the processes the attach walk found below a --pid
	// target, while one may still run (belowAlive).
	belowAtAttach []procID

	// Cgroup
	cgroupFD   int
	cgroupSeen bool // the cgroup has been populated (or Options.Populated)

	exes userExes // executable indexes of tasks marked from user space
	// exeIDs are executables identified through the process that exec'd
	// them; hostRoot: the target shares the recorder's root, so a name
	// whose process is gone may be read from the host (record_exes.go).
	exeIDs   map[string]exeID
	hostRoot bool
	exeScan  *exeScanner // identifies executables meanwhile (record_exes.go)
	pinned   []pinnedExe
}

// cmdExited reports whether the command was started and has been reaped;
// only then may cmd.ProcessState be read.
// settleStart waits, when the recording ended (ctx, --duration) after the
// stub's gate opened but before its execve of the command, for that
// execve, or for the stub to exit: past its gate the stub runs the
// command whatever the recorder does, so detaching first would leave the
// command running untraced with nothing of it counted, and a caller would
// take a recording of no syscalls for a command that never ran. The
// execve follows the gate within milliseconds; a stub that has not done
// it after settleTimeout (stopped, SIGSTOP) is killed, and Record then
// reports it as not run (it was not).
func (r *recorder) settleStart() {
	if r.cmd == nil || !r.armed || r.exited == nil {
		return
	}
	deadline := time.NewTimer(settleTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(200 * time.Microsecond)
	defer tick.Stop()
	for !r.cmdExited() && !r.commandRan() {
		select {
		case <-r.exited:
		case <-tick.C:
		case <-deadline.C:
			_ = r.cmd.Process.Kill()
			<-r.exited
		}
	}
}

// settleTimeout bounds settleStart's wait for the stub's execve.
var settleTimeout = 5 * time.Second

func (r *recorder) cmdExited() bool {
	if r.exited == nil {
		return false
	}
	select {
	case <-r.exited:
		return true
	default:
		return false
	}
}

func (r *recorder) targetPID() int {
	if r.cmd != nil && r.cmd.Process != nil {
		return r.cmd.Process.Pid
	}
	return r.opts.PID
}

func (r *recorder) prepareTarget() error {
	o := &r.opts
	switch {
	case len(o.Command) > 0:
		path, err := lookPath(o.Command[0], o.Env)
		if err != nil {
			return err
		}
		r.path, r.argv = path, o.Command
		if len(o.Wrapper) > 0 {
			r.path = o.Wrapper[0]
			r.argv = append(append([]string(nil), o.Wrapper...), o.Command...)
		}
	case o.PID != 0:
		if err := procIsOwn(); err != nil {
			return err
		}
		fd, err := unix.PidfdOpen(o.PID, 0)
		if err != nil {
			if errors.Is(err, unix.ESRCH) {
				return fmt.Errorf("pid %d: %w", o.PID, ErrNoProcess)
			}
			if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOENT) {
				return fmt.Errorf("pid %d: %w (it is a thread; trace its process, the Tgid in /proc/%d/status)", o.PID, ErrNoProcess, o.PID)
			}
			return fmt.Errorf("pid %d: %w", o.PID, err)
		}
		r.pidfd = fd
		if err := checkLive(o.PID, fd); err != nil {
			return err
		}
	default:
		if err := procIsOwn(); err != nil {
			return err
		}
		fd, err := openCgroup(o.Cgroup)
		if err != nil {
			return err
		}
		r.cgroupFD = fd
		r.cgroupSeen = o.Populated
	}
	return nil
}

// lookPath finds the command as a shell would, with PATH from env
// (internal/lookpath, which replay --enforce's shim uses too).
func lookPath(name string, env []string) (string, error) {
	path, status, err := lookpath.Find(name, env)
	switch {
	case errors.Is(err, lookpath.ErrNotFound):
		return "", &CommandError{Name: name, Status: status, Err: ErrCommandNotFound}
	case err != nil:
		return "", &CommandError{Name: name, Status: status, Err: fmt.Errorf("%w: %w", ErrCommandNotRun, err)}
	}
	return path, nil
}

func (r *recorder) load() error {
	raiseMemlock()
	// Without line information: it only labels a verifier log with
	// recorder.c's lines, and reading it was ~a quarter of the ELF read
	// (bpf.LoadRecorderLean).
	spec, err := bpf.LoadRecorderLean()
	if err != nil {
		return fmt.Errorf("eBPF recorder: %w", err)
	}
	r.execNr = nativeExecNr()
	if err := spec.Variables[bpf.RecorderVarCfgExecNr].Set(r.execNr); err != nil {
		return fmt.Errorf("eBPF recorder: %w", err)
	}
	if err := r.setArgMask(spec); err != nil {
		return err
	}
	// counts has one element per possible CPU, indexed by the CPU's
	// number (recorder.c, counts_here).
	ncpu, err := ebpf.PossibleCPU()
	if err != nil {
		return fmt.Errorf("eBPF recorder: %w", err)
	}
	spec.Maps[bpf.RecorderMapCounts].MaxEntries = uint32(ncpu)
	if len(r.opts.Command) > 0 {
		// Only the command's own tasks change their marks, at their
		// exec, fork and exit: sys_enter may keep per CPU what it found
		// out about the last task (recorder.c, cfg_prefilter).
		if err := spec.Variables[bpf.RecorderVarCfgPrefilter].Set(uint32(1)); err != nil {
			return fmt.Errorf("eBPF recorder: %w", err)
		}
		if !noteFirst() {
			if err := spec.Variables[bpf.RecorderVarCfgNoteFirst].Set(uint32(0)); err != nil {
				return fmt.Errorf("eBPF recorder: %w", err)
			}
		}
		if err := spec.Variables[bpf.RecorderVarCfgNrCpus].Set(uint32(ncpu)); err != nil {
			return fmt.Errorf("eBPF recorder: %w", err)
		}
	}
	if r.opts.PID != 0 {
		if err := spec.Variables[bpf.RecorderVarCfgTargetTgid].Set(uint32(r.opts.PID)); err != nil {
			return fmt.Errorf("eBPF recorder: %w", err)
		}
	}
	if err := r.setPIDNamespace(spec); err != nil {
		return err
	}
	if procsEntriesHook != 0 {
		spec.Maps[bpf.RecorderMapProcs].MaxEntries = procsEntriesHook
	}
	if r.cgroupFD > 0 {
		if err := spec.Variables[bpf.RecorderVarCfgCgroup].Set(uint32(1)); err != nil {
			return fmt.Errorf("eBPF recorder: %w", err)
		}
		if err := r.setExecJoins(spec); err != nil {
			return err
		}
	}
	r.phase(PhaseSpec)
	// The hash maps need no preallocation where tracing programs may use
	// a hash map that allocates on insert (Linux 6.1, bpf_mem_alloc): they
	// get one insert per traced process (procs: 65536 elements took ~1.4 ms
	// to create preallocated), new task (pending), syscall seen the first time
	// (first: 0.2 ms), new argument value (argvals: 0.35 ms) or executable.
	if kver.AtLeast(6, 1) {
		for _, name := range []string{bpf.RecorderMapProcs, bpf.RecorderMapPending, bpf.RecorderMapFirst,
			bpf.RecorderMapArgvals, bpf.RecorderMapArgstate, bpf.RecorderMapExePaths} {
			spec.Maps[name].Flags |= unix.BPF_F_NO_PREALLOC
		}
	}
	// Create the maps here while the kernel's BTF is decoded on another
	// goroutine; the collection uses (clones of) them. They are created in
	// order: on two goroutines they measured no faster on a busy 2-core
	// machine (issue 13: 80 interleaved runs each, launch to gate 15.9 vs
	// 16.1 ms median, 11.6 vs 11.0 ms min), nor did procs alone on another
	// goroutine (151 paired rounds: main to gate -0.03 ms, se 0.10). What
	// they cost (41 starts, median): procs 0.52 ms (min 0.30: without
	// preallocation still a bucket array of 65536 entries, 1 MiB, to
	// allocate and clear; with 16384, its processes alive at once rather
	// than all of a trace's, ~0.07 ms), tasks 0.10 (BTF), pending 0.10 (created
	// by loadPrograms, of one entry where the tp_btf fork program is used),
	// the others below 0.05 each, and whichever comes first 0.2 more
	// (cilium/ebpf's feature probes). On the PVM machine (fifteenth
	// session, 25 starts, median, each map timed): procs 0.85 ms, pending
	// 0.77 (at full size), tasks 0.40, argvals 0.38, first 0.20, the rest
	// 0.22 together: a bucket array above 32 KiB is vmalloc'd, and every
	// page of it costs there (a page table write, trapped by the
	// hypervisor's shadow page tables). Since the nineteenth session procs,
	// argvals and first hold 2048 entries (32 KiB: kmalloc; recorder.c,
	// first): map creation 3.35 -> 1.56 ms (medians, 21 interleaved
	// rounds against the binary before, both copied the same way; see
	// the bench's note on the binary's page cache). The programs are
	// loaded two at a time (see
	// loadPrograms). Reading the ELF and creating the maps on another
	// goroutine from main on, while the command line is parsed (a
	// "preload"), was measured too and dropped: on a quiet 2-core machine
	// launch to the command's main was 3-7% slower with it (three
	// interleaved runs of `go run ./bench -only attach -baseline`: 10.09 vs
	// 9.70, 10.26 vs 9.55, 9.72 vs 9.42 ms median), the verification
	// sharing its core with the side work; so was reading the ELF alone
	// that way (from trace's RunE, or from main): the parse left the
	// critical path but the command line's checks took 0.4-0.6 ms longer,
	// main to gate -0.05 and -0.04 ms (se 0.17, 151 paired rounds). Nor
	// did running cilium/ebpf's feature probes ahead (a named map with BTF
	// key and value types created and closed on a goroutine from trace's
	// RunE on; they are ~1.5 ms of a start's CPU on the PVM machine): there
	// the command line took 0.44 ms longer and the program load 1.3 ms
	// longer, launch to main 31.63 -> 32.01 ms median (31 rounds, issue 13,
	// fourteenth session).
	maps := map[string]*ebpf.Map{}
	defer func() {
		for _, m := range maps {
			m.Close()
		}
	}()
	for name, ms := range spec.Maps {
		if strings.HasPrefix(name, ".") {
			continue // .bss and .rodata: the collection fills them in
		}
		if name == bpf.RecorderMapPending {
			continue // its size depends on the fork program (loadPrograms)
		}
		if ms.Type != ebpf.TaskStorage {
			// Only task storage needs its key and value types in the
			// kernel; the others would cost a BTF load each (0.2-0.3 ms
			// of the start for the lot) for bpftool's pretty printing.
			ms.Key, ms.Value = nil, nil
		}
		m, err := ebpf.NewMap(ms)
		if err != nil {
			return loadErr(err)
		}
		maps[name] = m
	}
	r.phase(PhaseMaps)
	opts := &ebpf.CollectionOptions{MapReplacements: maps}
	var info kernelInfo
	fixed := false
	if r.types != nil {
		// Without the fixups (a relocation cilium/ebpf cannot compute,
		// say), cilium/ebpf decodes the kernel's BTF itself and says what
		// is wrong with it; a BTF that cannot be decoded at all is said
		// here.
		res := <-r.types
		var bad *unreadableBTF
		if errors.As(res.err, &bad) {
			return bad
		}
		if res.err == nil {
			info = res.info
			// A refused apply changes nothing: cilium/ebpf relocates
			// (but for sched_process_fork_btf, which is then not used).
			fixed = info.fixups.apply(spec) == nil
		}
		r.phase(PhaseTypes)
	}
	// The fork, exec and exit programs are attached as soon as they are
	// loaded, while sys_enter still verifies: they act only on tasks that
	// are marked or armed, and none is before the target starts. A cgroup
	// is prepared first (prepareKernel), so its programs attach after it.
	var early func() error
	if r.cgroupFD == 0 && !r.preparing {
		early = r.attachTasks
	}
	if err := r.loadPrograms(spec, opts, info.ids, info.refused, fixed, early); err != nil {
		return loadErr(err)
	}
	r.loaded = true
	r.vars = varsOf(&r.objs.RecorderVariables)
	r.phase(PhaseLoaded)
	if r.cgroupFD > 0 {
		if err := r.objs.TargetCgroup.Update(uint32(0), uint32(r.cgroupFD), ebpf.UpdateAny); err != nil {
			return fmt.Errorf("cgroup %s: %w", r.opts.Cgroup, err)
		}
	}
	return nil
}

// loadOwn loads this recording's recorder: the kernel types (record_btf.go:
// cached per boot, else decoded from the kernel's BTF) are got on another
// goroutine while load reads the ELF and creates the maps.
func (r *recorder) loadOwn() error {
	types := make(chan typesResult, 1)
	r.types = types
	go func() {
		info, err := kernelTypes()
		types <- typesResult{info, err}
	}()
	return r.load()
}

type typesResult struct {
	info kernelInfo
	err  error
}

// raiseMemlock lifts RLIMIT_MEMLOCK where the kernel charges BPF memory to
// it (before Linux 5.11, which charges the memory cgroup instead), as
// cilium/ebpf/rlimit.RemoveMemlock does; that package is not linked because
// its initializer probes the kernel with a BPF map at every start of the
// binary (~0.2 ms of every command, traced or not).
func raiseMemlock() {
	if kver.AtLeast(5, 11) {
		return
	}
	_ = unix.Setrlimit(unix.RLIMIT_MEMLOCK, &unix.Rlimit{Cur: unix.RLIM_INFINITY, Max: unix.RLIM_INFINITY})
}

// loadErr classifies an error from creating the maps or loading the programs.
func loadErr(err error) error {
	if ranOutOfFiles(err) {
		return fmt.Errorf("load eBPF recorder: %w", limits.RanOut(err))
	}
	err = withoutMemlockAdvice(err)
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
		return fmt.Errorf("load eBPF recorder: %w: %w%s", ErrPermission, err, underSeccomp())
	}
	if errors.Is(err, ebpf.ErrNotSupported) || errors.Is(err, unix.ENOSYS) {
		return fmt.Errorf("load eBPF recorder: %w: %w%s", ErrUnsupported, err, underSeccomp())
	}
	var ve *ebpf.VerifierError
	if errors.As(err, &ve) {
		return fmt.Errorf("load eBPF recorder: %w: the verifier refused it: %w", ErrUnsupported, ve)
	}
	return fmt.Errorf("load eBPF recorder: %w", err)
}

// memlockAdvice is what cilium/ebpf adds to any EPERM from creating a map
// or loading a program.
const memlockAdvice = " (MEMLOCK may be too low, consider rlimit.RemoveMemlock)"

// withoutMemlockAdvice drops cilium/ebpf's memlockAdvice from err where the
// memlock limit cannot be the cause: since Linux 5.11 BPF memory is charged
// to the memory cgroup, and before it raiseMemlock lifted the limit (it
// stays where that was refused). The EPERM then comes from missing
// capabilities, a seccomp filter, an LSM or lockdown, and a "consider
// rlimit.RemoveMemlock" meant for cilium/ebpf's callers misleads.
func withoutMemlockAdvice(err error) error {
	if !strings.Contains(err.Error(), memlockAdvice) {
		return err
	}
	if !kver.AtLeast(5, 11) {
		var l unix.Rlimit
		if unix.Getrlimit(unix.RLIMIT_MEMLOCK, &l) != nil || l.Cur != unix.RLIM_INFINITY {
			return err
		}
	}
	return &reworded{msg: strings.Replace(err.Error(), memlockAdvice, "", 1), err: err}
}

// reworded is err said in other words (errors.Is and As still see err).
type reworded struct {
	msg string
	err error
}

func (e *reworded) Error() string { return e.msg }
func (e *reworded) Unwrap() error { return e.err }

// underSeccomp says, after a refused bpf(2), that this process runs under
// seccomp filters, which may be what refused it (a container's profile, a
// replay --enforce of a profile without bpf); "" when it runs under none.
func underSeccomp() string {
	if n := SeccompFilters(); n > 0 {
		return fmt.Sprintf(" (this process runs under %s, which may deny bpf(2))", text.Count(n, "seccomp filter", "seccomp filters"))
	}
	return ""
}

// SeccompFilters is the Seccomp_filters count of /proc/self/status: how
// many seccomp filters this process runs under (0 if it cannot be read).
func SeccompFilters() int {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	v, _ := proctree.StatusField(string(data), "Seccomp_filters:")
	n, _ := strconv.Atoi(v)
	return n
}

// ranOutOfFiles reports whether err is the kernel's EMFILE or ENFILE: a
// verifier error or a failed feature probe that wraps it says so (cilium/ebpf
// wraps them as "not supported" or "the verifier refused it"), and its "can't
// dup fd" (a map cloned for a program) keeps only the errno's words.
func ranOutOfFiles(err error) bool {
	return errors.Is(err, unix.EMFILE) || errors.Is(err, unix.ENFILE) ||
		strings.Contains(err.Error(), unix.EMFILE.Error())
}

func (r *recorder) attach() error {
	if err := r.attachTasks(); err != nil {
		return err
	}
	l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: "sys_enter", Program: r.objs.SysEnter})
	if err != nil {
		return attachErr("sys_enter", err)
	}
	r.links = append(r.links, l)
	return nil
}

// attachTasks attaches the programs that follow forks, execs and exits
// (once): before sys_enter, so that they follow every task before counting
// starts.
func (r *recorder) attachTasks() error {
	if r.tasksAttached {
		return nil
	}
	if r.objs.SchedProcessForkBtf != nil {
		// Before sched_process_fork where that is loaded too (to void
		// the notes on a machine of many CPUs: cfg_fork_void), which
		// then finds the child marked (the kernel calls a tracepoint's
		// programs in the order they were attached).
		l, err := link.AttachTracing(link.TracingOptions{Program: r.objs.SchedProcessForkBtf, AttachType: ebpf.AttachTraceRawTp})
		if err != nil {
			return attachErr("sched_process_fork (tp_btf)", err)
		}
		r.links = append(r.links, l)
	}
	for _, tp := range []struct {
		name string
		prog *ebpf.Program
	}{
		{"sched_process_fork", r.objs.SchedProcessFork},
		{"sched_process_exec", r.objs.SchedProcessExec},
		{"sched_process_exit", r.objs.SchedProcessExit},
	} {
		if tp.prog == nil {
			continue // sched_process_fork where the tp_btf program does it all
		}
		l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: tp.name, Program: tp.prog})
		if err != nil {
			return attachErr(tp.name, err)
		}
		r.links = append(r.links, l)
	}
	r.tasksAttached = true
	return nil
}

func attachErr(tp string, err error) error {
	switch {
	case ranOutOfFiles(err):
		return fmt.Errorf("attach to tracepoint %s: %w", tp, limits.RanOut(err))
	case errors.Is(err, unix.EPERM), errors.Is(err, unix.EACCES):
		return fmt.Errorf("attach to tracepoint %s: %w: %w%s", tp, ErrPermission, withoutMemlockAdvice(err), underSeccomp())
	case errors.Is(err, unix.ENOENT), errors.Is(err, ebpf.ErrNotSupported):
		return fmt.Errorf("attach to tracepoint %s: %w: the kernel lacks it: %w", tp, ErrUnsupported, err)
	}
	return fmt.Errorf("attach to tracepoint %s: %w", tp, err)
}

func (r *recorder) linkIDs() []uint32 {
	var ids []uint32
	for _, l := range r.links {
		if info, err := l.Info(); err == nil {
			ids = append(ids, uint32(info.ID))
		}
	}
	return ids
}

// detach closes the links: from now on no process pays for the tracer.
func (r *recorder) detach() {
	for _, l := range r.links {
		_ = l.Close()
	}
	r.links = nil
	r.tasksAttached = false
}

// detachAsync is detach on another goroutine, which says PhaseDetached:
// the returned channel is closed once every link is closed.
func (r *recorder) detachAsync() <-chan struct{} {
	links := r.links
	r.links = nil
	r.tasksAttached = false
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, l := range links {
			_ = l.Close()
		}
		r.phase(PhaseDetached)
	}()
	return done
}

func (r *recorder) close() {
	r.stopExeScan(exeDiscard)
	if r.detaching != nil {
		<-r.detaching
	}
	r.detach()
	_ = r.waitLaunch()
	r.stopStub()
	if r.gate != nil {
		r.gate.Close()
	}
	if r.ready != nil {
		r.ready.Close()
	}
	if r.loaded {
		r.objs.Close()
	}
	if r.bss != nil {
		r.bss.Close()
	}
	if r.refillDue {
		r.startRefill()
	}
	r.waitRefill()
	if r.claimed != "" {
		removeSet(r.claimed) // Record ended before startRefill
	}
	if r.pidfd > 0 {
		unix.Close(r.pidfd)
	}
	if r.cgroupFD > 0 {
		unix.Close(r.cgroupFD)
	}
}

func (r *recorder) startTarget(ctx context.Context) error {
	switch {
	case r.path != "":
		return r.startCommand(ctx)
	case r.opts.PID != 0 && r.opts.FromExec:
		return r.armProcess()
	case r.opts.PID != 0:
		return r.markProcess()
	case r.opts.ExecJoins && !r.opts.FromExec:
		return r.markCgroupTasks()
	}
	return nil
}

// noteRoot notes whether the target runs under the recorder's root
// directory: a command does; a container (FromExec: the runtime has not
// entered its root yet) is taken not to; a PID or cgroup is asked.
func (r *recorder) noteRoot() {
	switch {
	case r.path != "":
		r.hostRoot = true
	case r.opts.FromExec:
		r.hostRoot = false
	case r.opts.PID != 0:
		r.hostRoot, _ = sameRoot(r.opts.PID)
	default:
		data, _ := os.ReadFile(filepath.Join(r.opts.Cgroup, "cgroup.procs"))
		if f := strings.Fields(string(data)); len(f) > 0 {
			if pid, err := strconv.Atoi(f[0]); err == nil {
				r.hostRoot, _ = sameRoot(pid)
			}
		}
	}
}

// prepareKernel runs after load, before attach.
func (r *recorder) prepareKernel() error {
	if r.cgroupFD > 0 {
		if err := r.ignoreSelf(); err != nil {
			return err
		}
		if r.opts.ExecJoins && !r.opts.FromExec {
			return r.markCgroupTasks()
		}
	}
	return nil
}

// wait blocks until the target is gone, the duration passed or ctx is done.
func (r *recorder) wait(ctx context.Context) (string, error) {
	stopPoll := func() {}
	var stranded time.Time // see strandedFor
	var deadline <-chan time.Time
	if r.opts.Duration > 0 {
		t := time.NewTimer(r.opts.Duration)
		defer t.Stop()
		deadline = t.C
	}
	// Polled only once nothing tells the end: a --pid or --cgroup
	// target, or a command's descendants after it exited. While the
	// command runs, a ticker would wake the tracer 100 times a second
	// for nothing, and with it the Go runtime's sysmon, which then
	// sleeps 20 us at a time for a while: the rest of the machine paid
	// for those wakeups (their syscalls pass sys_enter; the recorder's
	// note of the CPU's last task is another task's after each).
	var poll <-chan time.Time
	startPollEvery := func(d time.Duration) {
		stopPoll()
		t := time.NewTicker(d)
		poll = t.C
		stopPoll = t.Stop
	}
	startPoll := func() { startPollEvery(pollInterval) }
	// A --pid target's exit is told by its pidfd, as a command's by its
	// reaping: polled from then on only for what it left running.
	// A --cgroup target's is told by inotify on its cgroup.events, which
	// the kernel marks modified when "populated" changes; a slow poll
	// stays in case an event does not come.
	var pidGone, cgChanged <-chan struct{}
	switch {
	case r.cmdDone != nil:
	case r.opts.PID != 0 && r.pidfd > 0:
		gone, stop, err := watchPidfd(r.pidfd)
		if err != nil {
			startPoll()
			break
		}
		defer stop()
		pidGone = gone
	case r.opts.Cgroup != "":
		changed, stop, err := watchFile(filepath.Join(r.opts.Cgroup, "cgroup.events"))
		if err != nil {
			startPoll() // the root cgroup has no cgroup.events
			break
		}
		defer stop()
		cgChanged = changed
		startPollEvery(cgroupPollInterval)
	default:
		startPoll()
	}
	defer func() { stopPoll() }()
	var progress <-chan time.Time
	if r.opts.Progress != nil {
		iv := r.opts.ProgressInterval
		if iv <= 0 {
			iv = 250 * time.Millisecond
		}
		t := time.NewTicker(iv)
		defer t.Stop()
		progress = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return "interrupted", nil
		case <-deadline:
			return "duration", nil
		case <-progress:
			r.opts.Progress(r.stats())
		case <-r.cmdDone:
			r.cmdDone = nil // from now on, wait for the descendants
			if r.gone() {
				return "exit", nil
			}
			startPoll()
		case <-pidGone:
			pidGone = nil
			if r.gone() {
				return "exit", nil
			}
			startPoll()
		case <-cgChanged:
			if r.gone() {
				return "empty", nil
			}
		case <-poll:
			if r.cmdDone == nil && r.gone() {
				if r.opts.Cgroup != "" {
					return "empty", nil
				}
				return "exit", nil
			}
			if r.strandedFor(&stranded) >= strandedAfter {
				r.strandedTasks = r.live()
				return "exit", nil
			}
		}
	}
}

// cgroupPollInterval is how often a --cgroup target is polled besides its
// cgroup.events' inotify events (wait).
const cgroupPollInterval = 500 * time.Millisecond

// watchFD calls ready from a goroutine blocked in poll(2) each time fd is
// readable, until ready returns false or stop is called: stop writes an
// eventfd the goroutine polls too, and returns once it has ended. Should
// poll fail, ready is called once more and the goroutine ends (the wait
// loop's checks decide then).
func watchFD(fd int, ready func() bool) (stop func(), err error) {
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}, {Fd: int32(wake), Events: unix.POLLIN}}
		for {
			_, err := unix.Poll(fds, -1)
			switch {
			case err == unix.EINTR:
				continue
			case err != nil:
				ready()
				return
			case fds[1].Revents != 0:
				return // stopped
			}
			if !ready() {
				return
			}
		}
	}()
	return func() {
		one := [8]byte{1}
		_, _ = unix.Write(wake, one[:])
		<-ended
		unix.Close(wake)
	}, nil
}

// watchPidfd closes gone once pidfd is readable: its process exited.
func watchPidfd(pidfd int) (gone <-chan struct{}, stop func(), err error) {
	done := make(chan struct{})
	stop, err = watchFD(pidfd, func() bool {
		close(done)
		return false
	})
	return done, stop, err
}

// watchFile sends on changed (which holds one) whenever inotify says path
// was modified or is gone.
func watchFile(path string) (changed <-chan struct{}, stop func(), err error) {
	in, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, nil, err
	}
	if _, err := unix.InotifyAddWatch(in, path, unix.IN_MODIFY|unix.IN_DELETE_SELF); err != nil {
		unix.Close(in)
		return nil, nil, err
	}
	ch := make(chan struct{}, 1)
	buf := make([]byte, 4096)
	stopWatch, err := watchFD(in, func() bool {
		for { // drain: one wakeup says all of them
			if n, err := unix.Read(in, buf); n <= 0 || err != nil {
				break
			}
		}
		select {
		case ch <- struct{}{}:
		default: // one is pending already
		}
		return true
	})
	if err != nil {
		unix.Close(in)
		return nil, nil, err
	}
	return ch, func() {
		stopWatch()
		unix.Close(in)
	}, nil
}

// strandedAfter is how long live_tasks may count traced tasks that cannot
// exist before a command's or a --pid target's trace ends all the same
// (strandedFor).
const strandedAfter = time.Second

// strandedFor says for how long live_tasks has counted traced tasks where
// none can be left: the command reaped or the --pid target exited, no task
// forked by a traced one waiting for its first syscall (pending), procs
// complete (never overflowed) and none of its processes alive under its
// PID (one reused since only delays the answer), nor any process found
// below a --pid target at its attach (belowAlive). That is a fault of the
// recorder's bookkeeping (a lost decrement, such as the whole-value .bss
// update that bssVar's comment tells of), and the trace would wait for
// good. since holds when it was first seen, zero while it is not; 0 when
// it is not now. Only a command's or a --pid target's trace, in the
// initial PID namespace (procs' keys are its IDs), is judged; not a
// container's start (FromExec) or a cgroup, whose end is the cgroup's.
func (r *recorder) strandedFor(since *time.Time) time.Duration {
	if r.pidns || !r.targetExited() || r.live() <= 0 || !r.noneLeft() {
		*since = time.Time{}
		return 0
	}
	if since.IsZero() {
		*since = time.Now()
	}
	return time.Since(*since)
}

// targetExited reports whether the command was reaped or the --pid target
// exited (its pidfd is readable), for strandedFor.
func (r *recorder) targetExited() bool {
	switch {
	case r.cmd != nil:
		return r.cmdExited()
	case r.opts.PID != 0 && !r.opts.FromExec && r.pidfd > 0:
		return pidfdExited(r.pidfd)
	}
	return false
}

// pidfdExited reports whether the process pidfd refers to has exited: its
// pidfd is readable (a zombie's is).
func pidfdExited(pidfd int) bool {
	fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, 0)
	return err == nil && n > 0
}

// noneLeft reports whether no traced process can be left (strandedFor).
// The --pid target is not asked (its pidfd said it exited; a zombie
// answers kill).
func (r *recorder) noneLeft() bool {
	var over uint64
	if err := r.vars.procsOverflow.Get(&over); err != nil || over > 0 {
		return false
	}
	var tid uint32
	if err := r.objs.Pending.NextKey(nil, &tid); !errors.Is(err, ebpf.ErrKeyNotExist) {
		return false
	}
	if r.belowAlive() {
		return false
	}
	found := false
	r.procKeys(func(k bpf.RecorderProcKey) {
		if found || r.cmd == nil && int(k.Tgid) == r.opts.PID {
			return // one is enough: no more kill(2) calls each poll
		}
		found = unix.Kill(int(k.Tgid), 0) != unix.ESRCH
	}, func() { found = false })
	return !found
}

// cgroupEmpty reports whether a Cgroup target that was not known to be
// populated has no task now.
func (r *recorder) cgroupEmpty() bool {
	if r.opts.Cgroup == "" || r.cgroupSeen {
		return false
	}
	populated, err := cgroupPopulated(r.opts.Cgroup)
	return err == nil && !populated
}

// gone reports whether nothing traced is left.
func (r *recorder) gone() bool {
	switch {
	case r.cmd != nil:
		return r.cmdExited() && r.live() <= 0
	case r.opts.PID != 0:
		return pidfdExited(r.pidfd) && r.live() <= 0 && !r.belowAlive()
	default:
		populated, err := cgroupPopulated(r.opts.Cgroup)
		if err != nil {
			return true // the cgroup was removed
		}
		// Seen populated, or a task of it counted (a short-lived workload
		// can come and go between two polls).
		if populated || (!r.cgroupSeen && r.processes() > 0) {
			r.cgroupSeen = true
		}
		return r.cgroupSeen && !populated
	}
}

func (r *recorder) live() int64 {
	var v int64
	if err := r.vars.liveTasks.Get(&v); err != nil {
		return 0
	}
	return v
}

// slotArch maps a counts slot to (arch, nr) on the architecture this binary
// runs on. It mirrors count() in bpf/recorder.c.
func slotArch(slot uint32) (string, int) {
	abi, nr := slot/nrSlots, int(slot%nrSlots)
	switch runtime.GOARCH {
	case "arm64":
		if abi == abiCompat {
			if first := int(nrSlots) - armPrivateSlots; nr >= first {
				nr = armPrivateBase + nr - first
			}
			return trace.ArchARM, nr
		}
		return trace.ArchAArch64, nr
	default:
		switch abi {
		case abiCompat:
			return trace.ArchX86, nr
		case abiX32:
			return trace.ArchX32, nr | x32Bit
		}
		return trace.ArchX86_64, nr
	}
}

// Constants shared with bpf/recorder.c, from its enums through bpf2go
// (-type in bpf/gen.go), and ABI facts from the one table (package abi).
const (
	nrSlots         = uint32(bpf.RecorderSlotLayoutNR_SLOTS)
	nrABIs          = uint32(bpf.RecorderSlotLayoutNR_ABIS)
	armPrivateSlots = int(bpf.RecorderSlotLayoutARM_PRIVATE_SLOTS)
	abiNative       = uint32(bpf.RecorderAbiSlotABI_NATIVE)
	abiCompat       = uint32(bpf.RecorderAbiSlotABI_COMPAT)
	abiX32          = uint32(bpf.RecorderAbiSlotABI_X32)
	x32Bit          = int(abi.X32SyscallBit)
	armPrivateBase  = int(abi.ARMPrivateBase)
	taskUserMarked  = uint32(bpf.RecorderTaskStateTASK_USER_MARKED)
	taskIgnored     = uint32(bpf.RecorderTaskStateTASK_IGNORED)
	taskExecWait    = uint32(bpf.RecorderTaskStateTASK_EXEC_WAIT)
)

// readCounts sums the CPUs' counters: counts' elements, one a CPU, read
// into one buffer, reused. The counters are summed from its bytes:
// cilium/ebpf's Lookup into a bpf.RecorderCountsBlock would decode the
// 28 KiB block field by field, and the per-CPU map counts was before
// copied all CPUs' blocks into memory allocated for it, fresh pages at
// the end of every trace (~10 µs a page fault on the 2-core PVM machine
// of issue 13).
// countMask keeps a counter's count (recorder.c, count_in).
const countMask = 1<<bpf.RecorderSlotLayoutCOUNT_BITS - 1

func (r *recorder) readCounts() (map[uint32]uint64, error) {
	var block bpf.RecorderCountsBlock
	size := int(unsafe.Sizeof(block))
	off := int(unsafe.Offsetof(block.N))
	if vs := int(r.objs.Counts.ValueSize()); vs != size {
		return nil, fmt.Errorf("read counts: %d-byte values, want %d-byte values", vs, size)
	}
	buf := make([]byte, size)
	out := map[uint32]uint64{}
	for cpu := uint32(0); cpu < r.objs.Counts.MaxEntries(); cpu++ {
		if err := r.objs.Counts.Lookup(cpu, buf); err != nil {
			return nil, fmt.Errorf("read counts: CPU %d: %w", cpu, err)
		}
		n := buf[off : off+len(block.N)*8]
		for slot := range block.N {
			if v := binary.NativeEndian.Uint64(n[slot*8:]) & countMask; v > 0 {
				out[uint32(slot)] += v
			}
		}
	}
	// The execves into the command are counted apart (see
	// sched_process_exec): they are the native execve's.
	var execs uint64
	if err := r.vars.execs.Get(&execs); err != nil {
		return nil, fmt.Errorf("read counts: %w", err)
	}
	if execs > 0 {
		out[abiNative*nrSlots+r.execNr] += execs
	}
	return out, nil
}

// MaxProbes is how many distinct numbers beyond the syscall tables the
// recorder keeps (bpf/recorder.c's beyond map); the calls of any more are
// counted in Lost.
const MaxProbes = 64

// readBeyond returns the syscall numbers beyond the slots that traced
// tasks made (bpf/recorder.c's beyond: a program's syscall(-1) or
// syscall(5000) probe), by number as seccomp sees it (32 bits, signed, as
// libseccomp's are; x32's bit kept), with their counts and first caller.
func (r *recorder) readBeyond() ([]trace.Syscall, error) {
	var out []trace.Syscall
	var k bpf.RecorderBeyondKey
	var v bpf.RecorderBeyondCount
	it := r.objs.Beyond.Iterate()
	for it.Next(&k, &v) {
		if v.Count == 0 {
			continue
		}
		arch, _ := slotArch(k.Abi * nrSlots)
		out = append(out, trace.Syscall{Arch: arch, Nr: int(int32(k.Nr)), Count: v.Count, First: commString(v.Comm)})
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("read counts: syscall numbers beyond %d: %w", nrSlots, err)
	}
	slices.SortFunc(out, func(a, b trace.Syscall) int { return cmp.Or(cmp.Compare(a.Arch, b.Arch), cmp.Compare(a.Nr, b.Nr)) })
	return out, nil
}

// procsEntriesHook, when set (by tests), is procs' capacity.
var procsEntriesHook uint32

func (r *recorder) processes() uint64 {
	var n uint64
	target := false
	targetKey := uint32(r.opts.PID)
	if r.opts.PID != 0 && r.pidns {
		// procs' keys are the initial namespace's IDs (recorder.c,
		// target_tgid): 0 until the target counted.
		_ = r.vars.targetTgid.Get(&targetKey)
	}
	r.procKeys(func(key bpf.RecorderProcKey) {
		n++
		target = target || (targetKey != 0 && key.Tgid == targetKey)
	}, func() { n, target = 0, false })
	if r.opts.PID != 0 && !target && !r.opts.FromExec {
		n++ // the traced process, idle so far, is traced all the same
	}
	// Processes that are gone left procs (sched_process_exit).
	var over, done uint64
	_ = r.vars.procsOverflow.Get(&over)
	_ = r.vars.procsDone.Get(&done)
	return n + over + done
}

// procBatch is how many procs entries one batch lookup reads.
const procBatch = 4096

// procKeys calls fn with every key of procs, read procBatch at a time:
// one entry at a time is two syscalls each, ~16 ms for 16384 live
// processes (procs held that many before the nineteenth session) at the end of a trace and at every live progress line. Where
// the kernel cannot (batch lookups came in Linux 5.6) it calls reset and
// reads them one at a time.
func (r *recorder) procKeys(fn func(bpf.RecorderProcKey), reset func()) {
	keys := make([]bpf.RecorderProcKey, procBatch)
	vals := make([]uint8, procBatch)
	var cursor ebpf.MapBatchCursor
	for {
		n, err := r.objs.Procs.BatchLookup(&cursor, keys, vals, nil)
		for _, k := range keys[:n] {
			fn(k)
		}
		if errors.Is(err, ebpf.ErrKeyNotExist) {
			return // done
		}
		if err != nil {
			break
		}
	}
	reset()
	var (
		key bpf.RecorderProcKey
		val uint8
	)
	it := r.objs.Procs.Iterate()
	for it.Next(&key, &val) {
		fn(key)
	}
}

// lost is what the programs could not count, plus the runs the kernel
// skipped: it never runs a program twice at once on one CPU, and a skipped
// sys_enter is a syscall missing from counts (a skipped fork or exec a task
// missing from the trace).
func (r *recorder) lost() uint64 {
	var v uint64
	_ = r.vars.lost.Get(&v)
	for _, p := range []*ebpf.Program{r.objs.SysEnter, r.objs.SchedProcessFork, r.objs.SchedProcessForkBtf, r.objs.SchedProcessExec, r.objs.SchedProcessExit} {
		if p == nil {
			continue
		}
		if st, err := p.Stats(); err == nil {
			v += st.RecursionMisses // 0 before Linux 5.12
		}
	}
	return v
}

func (r *recorder) stats() Stats {
	s := Stats{Elapsed: time.Since(r.started), Lost: r.lost(), Processes: r.processes()}
	counts, err := r.readCounts()
	if err != nil {
		return s
	}
	for _, c := range counts {
		s.Syscalls += c
	}
	s.Distinct = len(counts)
	return s
}

func (r *recorder) result(reason string, elapsed time.Duration) (*Recording, error) {
	counts, err := r.readCounts()
	if err != nil {
		return nil, err
	}
	rec := &Recording{Reason: reason, Descendants: r.descendants, Stranded: r.strandedTasks}
	if r.cmd != nil && r.armed {
		rec.CommandRan = r.commandRan()
	}
	f := &trace.File{
		Version: trace.Version,
		// To the nanosecond: two runs started in the same second (replicas
		// recorded in parallel) with the same counts were one run to
		// generate and check (the same digest), their files identical.
		Started:   r.started.UTC(),
		Duration:  trace.Duration(elapsed),
		Lost:      r.lost(),
		Processes: r.processes(),
		Host:      hostInfo(),
		Syscalls:  []trace.Syscall{},
	}
	switch {
	case len(r.opts.Command) > 0:
		f.Target.Command = append([]string(nil), r.opts.Command...)
	case r.opts.PID != 0:
		f.Target.PID = r.opts.PID
	default:
		f.Target.Cgroup = r.opts.Cgroup
	}
	if r.cmdExited() {
		rec.Exited = true
		rec.ExitStatus = shellStatus(r.cmd.ProcessState)
		code := rec.ExitStatus
		f.ExitCode = &code
	} else if r.opts.PID != 0 && reason == "exit" {
		rec.Exited = true
	}
	args, err := r.readArgs()
	if err != nil {
		return nil, err
	}
	keys := make([]uint32, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	for _, k := range keys {
		arch, nr := slotArch(k)
		s := trace.Syscall{Arch: arch, Nr: nr, Count: counts[k], Args: args.args[k], Pairs: args.pairs[k]}
		var comm bpf.RecorderComm
		if err := r.objs.First.Lookup(k, &comm); err == nil {
			s.First = commString(comm.Comm)
		}
		if r.opts.Namer != nil {
			if name, ok := r.opts.Namer.Name(arch, nr); ok {
				s.Name = name
			}
		}
		if s.Name == "" {
			rec.Unknown = append(rec.Unknown, s)
		}
		f.Syscalls = append(f.Syscalls, s)
	}
	beyond, err := r.readBeyond()
	if err != nil {
		return nil, err
	}
	rec.Probes = beyond
	f.Syscalls = append(f.Syscalls, beyond...)
	// Once every traced process is gone, their PIDs may be a stranger's:
	// only a recording cut short looks at the processes once more.
	f.Executables, f.ExecutablesOmitted, rec.ExecutablesUnsplit, rec.ExecutablesCut = r.executables(reason != "exit" && reason != "empty")
	f.Canonicalize()
	// Many executables with many syscalls each can note more numbers than
	// a trace file holds: some lists go rather than the whole trace.
	rec.ExecutablesUnsplit += f.FitExecutables()
	rec.File = f
	return rec, nil
}

func commString(c [16]int8) string {
	b := make([]byte, 0, len(c))
	for _, v := range c {
		if v == 0 {
			break
		}
		b = append(b, byte(v))
	}
	return string(b)
}

// shellStatus is the status a shell reports: the exit code, or 128+signal.
func shellStatus(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

func hostInfo() trace.Host {
	var h trace.Host
	var u unix.Utsname
	if err := unix.Uname(&u); err == nil {
		h.Kernel = unix.ByteSliceToString(u.Release[:])
	}
	switch runtime.GOARCH {
	case "amd64":
		h.Arch = trace.ArchX86_64
	case "arm64":
		h.Arch = trace.ArchAArch64
	default:
		h.Arch = runtime.GOARCH
	}
	return h
}

// children is Started.Children: how the loaded programs follow a traced
// task's new tasks.
func (r *recorder) children() string {
	switch {
	case r.objs.SchedProcessForkBtf != nil:
		return "at the fork"
	case r.forkBTFErr != nil:
		msg, _, _ := strings.Cut(r.forkBTFErr.Error(), "\n")
		return "at their first syscall (the kernel refused the tp_btf fork program: " + msg + ")"
	case r.forkWhy != "":
		return "at their first syscall (" + r.forkWhy + ")"
	}
	return "at their first syscall"
}
