package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seccomp-gen/seccomp-gen/internal/prestub"
	"github.com/seccomp-gen/seccomp-gen/internal/text"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/internal/atomicfile"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/trace"
	"github.com/seccomp-gen/seccomp-gen/trace/recorder"
)

// interruptGrace is how long Ctrl-C lets a traced command exit before the
// trace ends without it.
const interruptGrace = 2 * time.Second

type traceOptions struct {
	targetFlags
	output   string
	duration time.Duration
	verbose  bool
	noArgs   bool
	pidGiven bool // --pid was on the command line (even as 0)
	// sigs holds the signals caught from before the output is checked
	// (holdSignals), for the policy of the recording.
	sigs chan os.Signal

	stderr io.Writer
}

func newTraceCmd() *cobra.Command {
	o := &traceOptions{stderr: os.Stderr}
	cmd := &cobra.Command{
		Use:   "trace [-o FILE] [--duration D] [-v] (-- CMD [ARGS...] | --pid PID | --cgroup PATH | --container ID)",
		Short: "Record the syscalls of a command, a process or a cgroup (eBPF, counted in the kernel)",
		Long: `trace records which syscalls a workload makes and how often, and writes a
trace file (YAML) that 'seccomp-gen generate' turns into a profile.

An eBPF program on the raw tracepoint sys_enter counts syscalls in the kernel
per (ABI, syscall number) for the traced tasks only: nothing is streamed, so
nothing is lost under load ('lost' in the trace must be 0). Every thread and
every descendant is followed (fork, vfork, clone, clone3, posix_spawn,
double-forked daemons); a PID that the kernel reuses is never attributed to
the trace. On x86_64, int 0x80 syscalls are recorded as arch x86 and x32
calls as x32.

Targets (exactly one):
  -- CMD [ARGS...]  start CMD and trace it from its first execve on. The
                    trace ends when CMD and every descendant have exited,
                    and seccomp-gen exits with CMD's status (128+N if signal
                    N killed it; 127 if CMD does not exist, and then no
                    trace is written). The -- may be left out: every
                    argument from CMD on is CMD's, flags too.
  --pid PID         a running process, its threads, the processes already
                    below it (a server's pre-forked workers; the summary says
                    how many) and future descendants, until it and
                    every descendant have exited (a daemon it left too:
                    --duration bounds that).
                    A zombie or a kernel thread is refused (exit 2).
  --cgroup PATH     every task in a cgroup v2 directory and below, until
                    the cgroup, once populated, is empty again. A cgroup
                    empty at the start is waited for until a task enters it
                    (stderr says so). A task that moves out (and its
                    children forked there) is not counted while outside.
                    For a container, use --container: a
                    runc/docker exec into a plain --cgroup is recorded with
                    the runtime's set-up of the exec (runc:[2:INIT]'s
                    capset, keyctl, ...), and generate refuses such a trace
                    (keyctl is in its deny ceiling).
  --container ID    a running container, found through --runtime's state
                    (runc, crun, docker, podman; --root DIR): its cgroup,
                    so processes that enter later by exec are recorded too,
                    from their execve on (the runtime's set-up of the exec
                    is not). A container with no cgroup v2 directory of its
                    own (crun --cgroup-manager=disabled) is recorded by its
                    init process and descendants instead (mode pid): execs
                    are not seen, and stderr says so. Its start-up is not
                    recorded either, and the trace says so
                    (target.container). To record a container from its
                    entrypoint on, use the hook (seccomp-gen hook --help).

--duration, Ctrl-C and SIGTERM (or SIGHUP) end the trace early and still
write it; a command still running (or processes its tree left running
after it exited) then keeps running, untraced, and seccomp-gen exits with
0 (--duration) or 128+N (signal N); a signal before
the command started means it is not run and no trace is written. Ctrl-C
(and Ctrl-\, SIGQUIT), which the command receives too, first gives it 2
seconds to exit while still traced; if it does, seccomp-gen exits with its
status. A second Ctrl-C or SIGTERM in those 2 seconds kills the command's
whole process tree (as in replay, but a daemon that forked twice has left
it and runs on, untraced). Signals ignored when seccomp-gen starts (nohup,
trap '' PIPE) stay ignored, for the command too.

The trace goes to -o FILE, or to stdout ('-', the default); then the
command's own stdout goes to stderr so that the two never mix. A trace that
cannot be written there (a full disk, a reader of stdout that went away) is
kept in $TMPDIR instead, and the error (exit 1) says where; with stdout
closed (>&-), -o - is refused before the command runs (exit 2).

Needs root (or CAP_BPF and CAP_PERFMON) and a kernel with BTF.
While tracing a --pid, --cgroup or --container target, a status line is
shown on stderr when it is a terminal (not for a command: its own output
goes there), and a summary at the end; -v prints the summary (and the BPF
link IDs) even when stderr is not a terminal.`,
		Example: `  # trace a command; the trace goes to ls.trace.yaml
  seccomp-gen trace -o ls.trace.yaml -- ls -l /

  # trace a running server for 30 seconds, to stdout
  seccomp-gen trace --pid 1234 --duration 30s

  # trace everything in a cgroup v2 directory until Ctrl-C
  seccomp-gen trace -o svc.trace.yaml --cgroup /sys/fs/cgroup/unified/mygroup

  # trace a running container until it stops
  seccomp-gen trace -o ctr.trace.yaml --container mycontainer --runtime runc`,
		Args: argsUsage(cobra.ArbitraryArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			// Caught before validate checks the output path, as in
			// replay: a signal then ended seccomp-gen (not 128+N) and
			// could leave a probe file. The policy (interrupts) acts
			// on it once the recording starts: not run, exit 128+N.
			o.sigs = heldSignals(cmd.Context())
			defer stopSignals(o.sigs)
			if err := o.complete(cmd, args); err != nil {
				return err
			}
			if err := o.validate(); err != nil {
				return err
			}
			return o.run(cmd.Context())
		},
	}
	f := cmd.Flags()
	// Everything after CMD belongs to CMD, as in replay: trace -o t.yaml
	// ls -v / took -v for trace's own --verbose and ran ls /.
	f.SetInterspersed(false)
	f.StringVarP(&o.output, "output", "o", "-", "write the trace to `FILE` ('-' is stdout)")
	f.IntVar(&o.pid, "pid", 0, "trace the running process `PID` (its threads, and its descendants, present and future)")
	f.StringVar(&o.cgroup, "cgroup", "", "trace every task in the cgroup v2 directory `PATH` and below")
	o.addContainerFlags(f, "trace")
	f.DurationVar(&o.duration, "duration", 0, "stop after `D` (e.g. 30s, 5m) and write the trace")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "print the summary and the BPF link IDs even when stderr is not a terminal")
	f.BoolVar(&o.noArgs, "no-args", false, "record no argument values (clone flags, socket domain, ...: see 'Argument values' in the README); generate then uses Docker's default sets for those arguments")
	singleValued(f)
	return cmd
}

func (o *traceOptions) complete(cmd *cobra.Command, args []string) error {
	o.command = args
	// --pid 0 would read as no target at all.
	o.pidGiven = cmd.Flags().Changed("pid")
	return nil
}

func (o *traceOptions) validate() error {
	if err := o.checkFlags(); err != nil {
		return err
	}
	n := o.given()
	if o.pidGiven && o.pid == 0 {
		n++
	}
	switch {
	case n == 0:
		return usageErrf("trace: name what to trace: -- CMD [ARGS...], --pid PID, --cgroup PATH or --container ID (see 'seccomp-gen trace --help')")
	case n > 1:
		return usageErrf("trace: name only one of a command, --pid, --cgroup and --container")
	case o.pid < 0 || (o.pidGiven && o.pid == 0):
		return usageErrf("trace: --pid %d: must be positive", o.pid)
	case o.duration < 0:
		return usageErrf("trace: --duration %s: must not be negative (0, the default, is no limit)", o.duration)
	case o.output == "":
		return usageErrf("trace: -o needs a file name ('-' is stdout)")
	}
	// Fail before the workload runs, not after; never write the trace
	// over the program it runs (-o ./server -- ./server).
	return checkOutputs("trace", commandFile(o.command), "-o", o.output)
}

// writeTraceKeeping writes an encoded trace to path in one piece (what
// names the step in the error: "write trace", "replay: save trace"). When
// that fails (a full disk, a directory removed while the command ran) the
// trace is kept in a new file in the temporary directory (else the current
// directory) and the error says where: the run cannot be repeated for
// free. trace and replay --save-trace share it.
func writeTraceKeeping(what, path string, data []byte) error {
	if err := atomicfile.Write(path, data, 0o644); err != nil {
		return fmt.Errorf("%s %s: %w%s", what, path, unwrapPath(err), keepElsewhere("trace", "seccomp-gen-*.trace.yaml", data))
	}
	return nil
}

// keepElsewhere keeps data (what: "trace", "report") in a new file named
// after pattern (os.CreateTemp's) in the temporary directory, else (it is
// full too, or read-only) in the current directory, and says where (or
// that it is lost).
func keepElsewhere(what, pattern string, data []byte) string {
	var errs []string
	for _, dir := range []string{os.TempDir(), "."} {
		name, err := saveIn(dir, pattern, data)
		if err == nil {
			if abs, err := filepath.Abs(name); err == nil {
				name = abs
			}
			return "; the " + what + " was saved to " + name + " instead"
		}
		errs = append(errs, dir+": "+unwrapPath(err).Error())
	}
	return "; the " + what + " is lost (" + strings.Join(errs, "; ") + ")"
}

// saveIn writes data to a new file in dir named after pattern and returns
// its name.
func saveIn(dir, pattern string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", err
	}
	name := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

func (o *traceOptions) run(ctx context.Context) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Ctrl-C and SIGTERM end the trace; the trace is still written. Ctrl-C
	// reached the command too (same process group): its way out is
	// recorded for a moment, as time(1) does (interrupts).
	// The signal.Notify calls take ~0.3-0.45 ms of the start (the Go
	// runtime hands each signal to a thread of its own); made on another
	// goroutine while the recorder starts (waited for before the command
	// runs), main to gate was only -0.05 ms median (-0.09 mean, se 0.03;
	// 301 paired rounds): they then compete with the ELF read (issue 13).
	// The command started by the constructor, before the Go runtime
	// (internal/prestub's early start), where it could be: it runs,
	// traced, and Record takes it over.
	var early *prestub.Early
	if len(o.command) > 0 {
		if early = prestub.TakeEarly(); early != nil && early.Stdout != (o.output == "-") {
			early.Kill()
			return fmt.Errorf("trace: the command started at seccomp-gen's start has its standard output where -o %s does not want it; it was killed (%s=off starts it only after the command line is read)", o.output, prestub.EarlyEnv)
		}
		if os.Getenv("SECCOMP_GEN_EARLY_DEBUG") == "1" {
			if early == nil {
				fmt.Fprintf(o.stderr, "seccomp-gen: trace: no early start: %s\n", prestub.EarlyWhy())
			} else {
				fmt.Fprintf(o.stderr, "seccomp-gen: trace: early start; the Go runtime's handlers of %d signals held until the gate's init\n", prestub.EarlyHeld())
			}
		}
	}
	st := &interrupts{name: "trace", grace: interruptGrace, stop: cancel, sigs: o.sigs, startedEarly: early != nil}
	defer st.catch(ctx)()
	defer survivePipe()()

	if err := o.resolveContainer(&o.targetFlags, o.stderr); err != nil {
		if early != nil {
			early.Kill() // not reached: a command line with --container is not started early
		}
		return err
	}
	o.filteredTarget("trace", o.stderr)
	if o.pid != 0 && o.duration == 0 && isAncestor(o.pid) {
		// It cannot exit before seccomp-gen does (a shell waits for it;
		// pid 1 never exits): say how the trace ends.
		fmt.Fprintf(o.stderr, "seccomp-gen: trace: warning: pid %d is an ancestor of seccomp-gen, so it will not exit first: the trace ends with Ctrl-C or SIGTERM (or give --duration)\n", o.pid)
	}
	tty := isTerminal(os.Stderr)
	show := tty || o.verbose
	opts := recorder.Options{
		Command:  o.command,
		PID:      o.pid,
		Cgroup:   o.cgroup,
		Duration: o.duration,
		Stdin:    os.Stdin,
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
		Namer:    scmp.Tables{},
		NoArgs:   o.noArgs,
	}
	opts = o.withContainer(opts)
	opts.Early = early
	opts.OnPhase = st.phases(timingHook(o.stderr, early))
	if o.output == "-" && len(o.command) > 0 {
		// The trace goes to stdout: keep the command's output out of it.
		opts.Stdout = stdoutViaStderr()
	}
	opts.OnStart = func(s recorder.Started) {
		if len(o.command) > 0 {
			st.commandStarted()
		}
		if o.verbose {
			ids := make([]string, len(s.LinkIDs))
			for i, id := range s.LinkIDs {
				ids[i] = fmt.Sprint(id)
			}
			what := "cgroup " + o.cgroup
			switch {
			case o.pid != 0:
				what = fmt.Sprintf("pid %d and %s already below it", s.PID, text.Count(s.Descendants, "process", "processes"))
			case s.PID != 0:
				what = fmt.Sprintf("pid %d", s.PID)
			}
			// Two lines (scripts read the links from the first) in one
			// write: the command runs by now, and its output came between
			// them when they were written one at a time.
			fmt.Fprintf(o.stderr, "seccomp-gen: tracing %s (BPF links %s)\nseccomp-gen: a traced task's new threads and processes are marked %s\n",
				what, strings.Join(ids, " "), s.Children)
		}
		emptyNotice(o.stderr, "trace", o.cgroup, s)
	}
	// The live line is redrawn in place: only where nothing else writes to
	// the terminal. A command shares seccomp-gen's stderr (and its stdout
	// with -o -), and its output would run into the line.
	live := tty && len(o.command) == 0
	if live {
		opts.Progress = func(s recorder.Stats) {
			fmt.Fprintf(o.stderr, "\r\033[Kseccomp-gen: %s, %d distinct, %s, %s",
				text.Count(s.Syscalls, "syscall", "syscalls"), s.Distinct, text.Count(s.Processes, "process", "processes"), s.Elapsed.Truncate(100*time.Millisecond))
		}
	}
	// The links close and the next trace's recorder helper starts while
	// the trace is encoded and written (Options.ReleaseLater); Release
	// waits for that before seccomp-gen exits, on every path.
	opts.ReleaseLater = true
	rec, err := recorder.Record(ctx, opts)
	defer rec.Release()
	if live {
		fmt.Fprint(o.stderr, "\r\033[K")
	}
	caught, _, _ := st.result()
	if sig, why, ok := interruptedBeforeStart(o.command, caught, rec, err); ok {
		// Ctrl-C or SIGTERM before the command ran: it was not started.
		// The policy says nothing more (that it waits for the command)
		// after this.
		cancel()
		st.wait()
		return exitWith(128+int(sig), fmt.Errorf("trace: %w: it was not run, and no trace was written", why))
	}
	if err != nil {
		return traceErr(err)
	}
	warnByNumber(o.stderr, rec.Unknown, func(s trace.Syscall) string {
		return fmt.Sprintf("warning: %s syscall %d is unknown to libseccomp %s", s.Arch, s.Nr, scmp.LibraryVersion())
	}, "unknown to libseccomp "+scmp.LibraryVersion())
	// syscall(-1), syscall(5000): no kernel has such a syscall.
	warnByNumber(o.stderr, rec.Probes, func(s trace.Syscall) string {
		return fmt.Sprintf("%s syscall number %d is no syscall (the kernel answers ENOSYS, a profile its default action)", s.Arch, s.Nr)
	}, "that are no syscall")
	phase := func(name string) {
		if opts.OnPhase != nil {
			opts.OnPhase(name)
		}
	}
	phase("result") // the trace built: counts read, syscalls named, executables identified
	o.annotate(rec.File, rec.Reason)
	// trace.WriteFile in two steps, so that the timing tells encoding from
	// writing (fsync, rename: atomicfile.Write).
	var buf bytes.Buffer
	if err := trace.Encode(&buf, rec.File); err != nil {
		return exitWith(exitFailure, fmt.Errorf("write trace %s: %w", o.output, err))
	}
	phase("encoded")
	if err := writeTraceKeeping("write trace", o.output, buf.Bytes()); err != nil {
		return exitWith(exitFailure, err)
	}
	phase("written")
	f := rec.File
	if show {
		var total uint64
		arches := map[string]bool{}
		for _, s := range f.Syscalls {
			total += s.Count
			arches[s.Arch] = true
		}
		var names []string
		for a := range arches {
			names = append(names, a)
		}
		where := o.output
		if where == "-" {
			where = "stdout"
		}
		below := ""
		if o.pid != 0 {
			// processes counts those that made a syscall: "traced 1
			// process (3000 processes ... included)" read as a
			// contradiction when the pre-forked ones stayed idle.
			below = fmt.Sprintf("; followed the %s already below pid %d at attach, counted once they make a syscall", text.Count(rec.Descendants, "process", "processes"), o.pid)
		}
		fmt.Fprintf(o.stderr, "seccomp-gen: traced %s for %s (%s%s): %s, %d distinct (%s); lost %d. Trace written to %s.\n",
			text.Count(f.Processes, "process", "processes"), time.Duration(f.Duration).Truncate(time.Millisecond), rec.Reason, below,
			text.Count(total, "syscall", "syscalls"), len(f.Syscalls), strings.Join(slices.Sorted(slices.Values(names)), ", "), f.Lost, where)
	}
	if len(f.Syscalls) == 0 {
		// generate, check and replay refuse such a trace: say so now.
		fmt.Fprintf(o.stderr, "seccomp-gen: trace: warning: no syscall was recorded (%s after %s); generate and check refuse an empty trace\n",
			rec.Reason, time.Duration(f.Duration).Truncate(time.Millisecond))
	}
	strandedWarning(o.stderr, "trace", rec)
	if f.Lost > 0 {
		why := ""
		if len(rec.Probes) >= recorder.MaxProbes {
			// The likely cause, which the count alone does not tell
			// from a recorder failure.
			why = fmt.Sprintf(" (the recorder keeps %d distinct syscall numbers beyond the syscall tables, such as syscall(5000), and the run made more: their calls are among them)", recorder.MaxProbes)
		}
		fmt.Fprintf(o.stderr, "seccomp-gen: warning: %s could not be counted%s; the trace is incomplete\n", text.Count(f.Lost, "syscall", "syscalls"), why)
	}
	if cut := uint64(rec.ExecutablesCut); cut > 0 {
		fmt.Fprintf(o.stderr, "seccomp-gen: trace: warning: %s with a path of 255 bytes or more ran that the trace does not list: the recorder keeps the first 255 bytes of a path, which need not name the file (the syscalls are all counted; generate --widen and --per-executable see only the listed ones)\n",
			text.Count(cut, "executable", "executables"))
	}
	if more := f.ExecutablesOmitted - min(f.ExecutablesOmitted, uint64(rec.ExecutablesCut)); more > 0 {
		fmt.Fprintf(o.stderr, "seccomp-gen: trace: warning: %s ran that the trace does not list: the recorder keeps %d names (the syscalls are all counted; generate --widen and --per-executable see only the listed ones)\n",
			text.Count(more, "more executable", "more executables"), len(f.Executables))
	}
	if rec.ExecutablesUnsplit > 0 {
		fmt.Fprintf(o.stderr, "seccomp-gen: trace: warning: the trace lists %s without their own syscalls: the recorder tells apart those of at most %d files exec'd while traced (and %d more already running when --pid or --cgroup attached), and a trace holds %d numbers in its executables list (the syscalls are all counted)\n",
			text.Count(rec.ExecutablesUnsplit, "executable", "executables"), recorder.SplitExecutablesExec, recorder.SplitExecutables-recorder.SplitExecutablesExec, trace.MaxExecutableNrs)
	}
	// A signal ended the trace early (the command still ran, or it had
	// exited and processes of its tree still ran: Reason "interrupted";
	// one whose whole tree then exited within Ctrl-C's grace period ends
	// with it, "exit", and the command's status).
	if sig, _, _ := st.result(); sig != 0 && (!rec.Exited || rec.Reason == "interrupted") {
		if rec.Exited {
			fmt.Fprintf(o.stderr, "seccomp-gen: trace: %s ended the trace after the command exited, while processes of its tree still ran (untraced from now on)\n", unix.SignalName(sig))
		}
		return exitWith(128+int(sig), nil)
	}
	if len(o.command) > 0 && rec.Exited && rec.ExitStatus != 0 {
		return exitWith(rec.ExitStatus, nil)
	}
	return nil
}

// strandedWarning says that the recorder ended a trace that it counted
// tasks of when none was left (recorder.Recording.Stranded): a fault of
// its own, not of the trace's counts.
func strandedWarning(w io.Writer, cmd string, rec *recorder.Recording) {
	if rec.Stranded > 0 {
		fmt.Fprintf(w, "seccomp-gen: %s: warning: the recorder still counted %s alive when the traced processes had been gone for a second, and ended the recording there (a fault of its bookkeeping: please report it; the syscall counts are complete)\n",
			cmd, text.Count(uint64(rec.Stranded), "traced task", "traced tasks"))
	}
}

// timingHook, when SECCOMP_GEN_TIMING is set in the environment, prints
// each phase of the recorder's start as "seccomp-gen: timing PHASE NS" (NS:
// CLOCK_REALTIME in nanoseconds) on stderr, starting with main's start. The
// bench reads them to break the start down (BENCHMARKS.md).
func timingHook(w io.Writer, early *prestub.Early) func(string) {
	if os.Getenv("SECCOMP_GEN_TIMING") == "" {
		return nil
	}
	if early != nil {
		// Before main: the constructor's steps (internal/prestub).
		fmt.Fprintf(w, "seccomp-gen: timing early %d\nseccomp-gen: timing early-claimed %d\nseccomp-gen: timing early-attached %d\nseccomp-gen: timing early-gate %d\n",
			early.Launch.UnixNano(), early.Claim.UnixNano(), early.Attach.UnixNano(), early.Gate.UnixNano())
	}
	fmt.Fprintf(w, "seccomp-gen: timing main %d\n", mainStart.UnixNano())
	return func(phase string) {
		fmt.Fprintf(w, "seccomp-gen: timing %s %d\n", phase, time.Now().UnixNano())
	}
}

func traceErr(err error) error {
	var ce *recorder.CommandError
	if errors.As(err, &ce) {
		if ce.Reported {
			return exitWith(ce.Status, nil)
		}
		return exitWith(ce.Status, fmt.Errorf("trace: %w", err))
	}
	if code, said := exitStatus(err); code == exitUsage {
		return fmt.Errorf("trace: %w", said)
	}
	// Anything else is the machine's doing (privileges, kernel features).
	return exitWith(exitFailure, fmt.Errorf("trace: %w (run 'seccomp-gen doctor' to see what this machine lacks)", err))
}

// isAncestor reports whether pid is seccomp-gen's parent, grandparent, ...
func isAncestor(pid int) bool {
	for p, n := os.Getppid(), 0; p > 0 && n < 1<<12; n++ {
		if p == pid {
			return true
		}
		data, err := os.ReadFile("/proc/" + strconv.Itoa(p) + "/stat")
		if err != nil {
			return false
		}
		// PID (COMM) STATE PPID ...: COMM may hold spaces and parentheses.
		i := bytes.LastIndexByte(data, ')')
		if i < 0 {
			return false
		}
		f := strings.Fields(string(data[i+1:]))
		if len(f) < 2 {
			return false
		}
		if p, err = strconv.Atoi(f[1]); err != nil {
			return false
		}
	}
	return false
}

func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// maxNumberLines is how many syscalls recorded by number trace says one
// line each about; the rest are summed up in one line (a run probing 64
// numbers printed 64 lines that said the same).
const maxNumberLines = 3

// warnByNumber says what line says of each syscall in list, recorded by
// number, up to maxNumberLines of them, then sums up the rest: their
// numbers (as ranges, per ABI) and calls, and what they are (kind).
func warnByNumber(w io.Writer, list []trace.Syscall, line func(trace.Syscall) string, kind string) {
	for i, s := range list {
		if i == maxNumberLines {
			break
		}
		fmt.Fprintf(w, "seccomp-gen: %s; recorded by number (%s, first by %s)\n", line(s), text.Count(s.Count, "call", "calls"), s.First)
	}
	if len(list) <= maxNumberLines {
		return
	}
	rest := list[maxNumberLines:]
	var calls uint64
	for _, s := range rest {
		calls, _ = trace.AddCount(calls, s.Count)
	}
	fmt.Fprintf(w, "seccomp-gen: and %s %s (%s: %s); recorded by number (the trace lists each)\n",
		text.Count(uint64(len(rest)), "more syscall number", "more syscall numbers"), kind, numberRanges(rest), text.Count(calls, "call", "calls"))
}

// numberRanges writes the numbers of list as ranges per ABI, in order:
// "x86_64 5003-5063, 6000; x86 5000".
func numberRanges(list []trace.Syscall) string {
	list = slices.Clone(list)
	slices.SortFunc(list, func(a, b trace.Syscall) int {
		if c := strings.Compare(a.Arch, b.Arch); c != 0 {
			return c
		}
		return a.Nr - b.Nr
	})
	var b strings.Builder
	for i := 0; i < len(list); {
		j := i
		for j+1 < len(list) && list[j+1].Arch == list[i].Arch && list[j+1].Nr == list[j].Nr+1 {
			j++
		}
		switch {
		case i == 0:
			b.WriteString(list[i].Arch + " ")
		case list[i].Arch != list[i-1].Arch:
			b.WriteString("; " + list[i].Arch + " ")
		default:
			b.WriteString(", ")
		}
		if j > i {
			fmt.Fprintf(&b, "%d-%d", list[i].Nr, list[j].Nr)
		} else {
			fmt.Fprintf(&b, "%d", list[i].Nr)
		}
		i = j + 1
	}
	return b.String()
}
