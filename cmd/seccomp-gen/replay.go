package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/seccomp-gen/seccomp-gen/internal/text"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/seccomp-gen/seccomp-gen/enforce"
	"github.com/seccomp-gen/seccomp-gen/internal/limits"
	"github.com/seccomp-gen/seccomp-gen/internal/prestub"
	"github.com/seccomp-gen/seccomp-gen/internal/proctree"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/report"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/trace"
	"github.com/seccomp-gen/seccomp-gen/trace/recorder"
	"github.com/seccomp-gen/seccomp-gen/verdict"
)

type replayOptions struct {
	verdictFlags
	targetFlags
	saveTrace string
	enforce   bool
	verbose   bool
	duration  time.Duration
	timeout   time.Duration
	// sigs holds the signals caught from before the profile is read
	// (holdSignals), for a command replay starts; prepared ends
	// watchPreparation.
	sigs     chan os.Signal
	prepared func()
}

func newReplayCmd() *cobra.Command {
	o := &replayOptions{}
	cmd := &cobra.Command{
		Use:   "replay --profile PROFILE [flags] -- CMD [ARGS...]",
		Short: "Run a workload again and check that a profile covers it",
		Long: `replay runs CMD again and says whether PROFILE covers what it did, per ABI:
every syscall the profile lacks is listed with its ABI, count and the program
that issued it first. Use it in CI so that the build fails when the code starts
needing a new syscall, before production does.

Two modes:

  traced (default): CMD runs unconfined under the same in-kernel eBPF counter
    as 'seccomp-gen trace' (also --pid PID and --cgroup PATH), and the counts
    are compared with the profile afterwards. The run behaves as without a
    profile, so one replay lists every missing syscall. Needs root (or
    CAP_BPF and CAP_PERFMON). --save-trace FILE keeps the trace so that it can
    be merged into the profile: seccomp-gen generate old.trace new.trace.
    A trace that cannot be written there (a full disk) is kept in $TMPDIR
    (else the current directory) instead, as 'seccomp-gen trace' does; the report is still written and
    replay exits 1.

  --enforce: CMD runs UNDER the profile's filter, compiled with libseccomp
    and installed in a child of seccomp-gen just before it execve's CMD, so
    the run is what the profile really allows; as runc does for a container
    whose noNewPrivileges is false (Docker's default), it sets no_new_privs
    only without CAP_SYS_ADMIN (not as root). A sys_enter tracer cannot see
    syscalls that seccomp denied, so the channel here is seccomp user
    notification: the filter is compiled with every denying action turned
    into SCMP_ACT_NOTIFY, seccomp-gen takes the listener fd (pidfd_getfd) and, for each denied syscall, records its ABI, number and
    program and answers what the profile says under runc, Docker's runtime
    (its errno, EPERM or ENOSYS; ENOSYS from runc's stub for numbers above
    the highest syscall the profile names). crun has no stub and answers
    those with the default action: the report says so for each of them.
    For kill and trap actions, and for ABIs the profile does not
    list, the report says "would have killed" and the syscall gets EPERM so
    that the run goes on and every denial is reported. Needs no eBPF and
    no root: only ptrace rights over its own child (any user, unless Yama's
    ptrace_scope is 2 or more). Every descendant (threads, children, double-forked
    daemons) inherits the filter; replay waits until the last of them has
    exited (Ctrl-C or SIGTERM then ends it). Standard input and error are
    passed through. If seccomp-gen dies (SIGKILL) while CMD runs, CMD keeps
    running under the filter and still gets the profile's answers (not the
    kernel's ENOSYS for a filter whose supervisor is gone): a helper process
    of replay's takes over answering, reports nothing, and exits with the
    last process under the filter. A denied syscall never runs.
    One difference cannot be helped: the kernel allows one seccomp
    listener per filter chain, and the run's filter has one, so a workload
    that loads a filter of its own with SECCOMP_FILTER_FLAG_NEW_LISTENER (a
    sandbox, a container engine inside) gets EBUSY where runc and crun let
    it have one. replay sees such calls, names them and fails the run
    (exit 4, the JUnit test case "run"): from there on it is not the run a
    container would see.

PROFILE may be any format generate writes: Docker JSON, an OCI linux.seccomp
object or a whole config.json, a Security Profiles Operator CRD (YAML), or,
in traced mode only, a raw filter ('generate --format bpf', run in an
interpreter as the kernel would); --enforce needs the profile itself.
` + conditionalHelp + `

The report goes to -o FILE, or to stdout ('-', the default); then CMD's own
stdout goes to stderr so that the two never mix (as with 'seccomp-gen trace').
It is written too when CMD could not be started (not found, not
executable: exit 4). A report that cannot be written to -o FILE (its
directory removed while CMD ran) is kept in $TMPDIR instead, as a trace is,
and replay exits 1. A run that failed (exit 4; exit 1 for lost events, a
verdict that depends on argument values the recorder did not keep, or a
trace that could not be saved) fails in the report too: the JUnit test case
"run" fails, and JSON has "passed": false and "run_error" ("ok" says only
whether the profile covers what ran).
Every output path is checked before CMD starts, and none may be one of the
inputs (the profile, a --baseline file).

Stopping a command: --timeout DURATION kills CMD's whole process tree
(SIGKILL) when it has run that long, in both modes; the report says so. Ctrl-C
(and Ctrl-\, SIGQUIT) reaches CMD too (SIGTERM is forwarded to it) and replay
waits for it to exit;
a second Ctrl-C or SIGTERM kills its whole process tree. Either way the
report covers the run up to the kill, and CMD counts as killed (status 137):
exit 4, or 3 when the profile does not cover what ran. A signal that comes
after CMD exited, while processes of its tree still run (a daemon it left),
cuts the run short too: traced, SIGTERM reaches them and replay waits for
them as for CMD; with --enforce they are left running under the filter,
answered by replay's helper. The report says how many still ran and the run
fails as above (exit 4, or 3), whatever CMD's own status. A signal that comes
before CMD started means it is not run: the report says so (not_run in
JSON) and replay exits 128+N. With --pid or --cgroup, Ctrl-C ends the
replay and the target keeps running.

An empty recording (the recorder saw no syscall at all: a --pid target that
stayed idle, a cgroup nothing ran in) is an error (exit 2), never a pass.

` + verdictExitHelp + `
  4  the profile covers the run, but the command itself failed (non-zero
     exit, killed by a signal or --timeout, or not found), or, with
     --enforce, asked for a seccomp listener of its own; 3 wins when both
     happen.`,
		Example: `  # CI: fail when the test suite needs a syscall the profile lacks
  seccomp-gen replay -p profiles/app.json --save-trace new.trace -- go test ./...

  # run under the profile's filter and list what it denied
  seccomp-gen replay --enforce -p app.json --report junit -o replay.xml -- ./app --selftest`,
		Args: func(cmd *cobra.Command, args []string) error {
			o.command = args
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			// Caught before validate, which checks the output paths
			// (a few ms): a signal then ended seccomp-gen with no
			// report, not 128+N, and left its probe files there. It
			// waits here and is acted on once the outputs are known
			// to be writable (watchPreparation, or the policy of a
			// --pid or --cgroup replay).
			o.sigs = heldSignals(cmd.Context())
			defer stopSignals(o.sigs)
			if err := o.validate(cmd); err != nil {
				return o.notRunReport(err, true)
			}
			// (--pid, --cgroup and --container too: a signal while a
			// slow profile loads was held until the recording started,
			// which it then ended at once, an empty recording, exit 2.)
			o.prepared = o.watchPreparation()
			return o.notRunReport(o.run(), false)
		},
	}
	o.addFlags(cmd)
	f := cmd.Flags()
	f.SetInterspersed(false) // everything after CMD belongs to CMD
	f.StringVar(&o.saveTrace, "save-trace", "", "write the fresh trace (YAML) to `FILE` (traced mode)")
	f.BoolVar(&o.enforce, "enforce", false, "run CMD under the profile's filter and report what it denied")
	f.IntVar(&o.pid, "pid", 0, "replay a running process `PID` (and its descendants) instead of CMD, until they have all exited")
	f.StringVar(&o.cgroup, "cgroup", "", "replay every task of a cgroup v2 directory `PATH` until it is empty (one empty at the start is waited for until a task enters it)")
	o.addContainerFlags(f, "replay")
	f.DurationVar(&o.duration, "duration", 0, "end the traced replay after `DURATION` (for --pid, --cgroup or a long-running CMD; the verdict covers that window, and a CMD still running keeps running, untraced; --timeout kills it instead)")
	f.DurationVar(&o.timeout, "timeout", 0, "kill CMD's whole process tree after `DURATION` (both modes) and report what it did until then")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "say on stderr when the recorder is attached (traced mode)")
	singleValued(f)
	return cmd
}

func (o *replayOptions) validate(cmd *cobra.Command) error {
	if err := o.verdictFlags.validate(); err != nil {
		return err
	}
	if cmd.Flags().Changed("save-trace") && o.saveTrace == "" {
		// --save-trace= would otherwise be taken as not given: the trace
		// the user asked to keep would be lost.
		return usageErrf("--save-trace: empty file name")
	}
	if err := o.checkFlags(); err != nil {
		return err
	}
	if o.given() != 1 {
		return usageErrf("give exactly one of -- CMD, --pid, --cgroup or --container (see '%s --help')", cmd.CommandPath())
	}
	if o.pid < 0 {
		return usageErrf("--pid %d: not a process id", o.pid)
	}
	if err := o.checkCgroup(); err != nil {
		return err
	}
	if o.enforce && len(o.command) == 0 {
		return usageErrf("--enforce needs a command to start (-- CMD): a running process cannot be put under a filter")
	}
	if o.duration < 0 {
		return usageErrf("--duration %s: must not be negative (0, the default, is no limit)", o.duration)
	}
	if o.timeout < 0 {
		return usageErrf("--timeout %s: must not be negative (0, the default, is no limit)", o.timeout)
	}
	if o.timeout != 0 && len(o.command) == 0 {
		return usageErrf("--timeout kills a command replay starts (-- CMD); end a --pid or --cgroup replay with --duration")
	}
	if o.enforce && o.duration != 0 {
		return usageErrf("--duration ends a traced replay; with --enforce the run ends when CMD and its descendants exit")
	}
	if o.enforce && len(o.baselines) > 0 {
		return usageErrf("--baseline checks a traced run; with --enforce the run itself shows what the filter denies")
	}
	if o.enforce && o.saveTrace != "" {
		return usageErrf("--save-trace records the traced mode; it cannot be combined with --enforce")
	}
	// Before anything runs: a report or trace that cannot be written
	// would lose the run.
	// Never write over the program replay runs (--save-trace ./server --
	// ./server) either.
	return o.checkOutputsErr()
}

// checkOutputsErr is validate's check of the output paths.
func (o *replayOptions) checkOutputsErr() error {
	return checkOutputs("replay", append(o.inputFiles(), commandFile(o.command)...), "-o", o.output, "--save-trace", o.saveTrace)
}

func (o *replayOptions) inputs() []string {
	switch {
	case o.pid != 0:
		return []string{"pid", strconv.Itoa(o.pid)}
	case o.cgroup != "":
		return []string{"cgroup", o.cgroup}
	case o.container != "":
		return []string{"container", o.container}
	}
	return o.command
}

func (o *replayOptions) run() error {
	p, err := o.loadProfile()
	if err != nil {
		return err
	}
	// A profile for another machine cannot say anything about a run here.
	if native, err := scmp.Native(); err == nil && !p.Covers(native) {
		return usageErrf("%s: the profile covers %s, not this machine's ABI %s: replay it on such a machine, or use 'seccomp-gen check' with its traces",
			inputName(o.profile), strings.Join(p.Arches(), ", "), native)
	}
	if o.enforce {
		pol := verdict.PolicyOf(p)
		if pol == nil {
			return usageErrf("%s: a raw filter cannot be replayed with --enforce (it needs the profile to answer denials): give the profile it was generated from, or replay without --enforce", o.profile)
		}
		return o.runEnforced(pol)
	}
	return o.runTraced(p)
}

// workloadStdout is where CMD's standard output goes: stderr when the
// report goes to stdout, so that the two never mix.
func (o *replayOptions) workloadStdout() *os.File {
	if o.output == "-" {
		return stdoutViaStderr()
	}
	return os.Stdout
}

// enforceOpenFiles is how many more files replay --enforce needs to be able
// to open (limits.NeedOpenFiles, which counts those open already): its
// pipes, the shim's pidfd and the listener (ulimit -n 18 sufficed with
// stdin, stdout and stderr open, measured: 15 more; 32 was the whole limit
// asked for before the open ones were counted, and refused 32-40 that
// worked).
const enforceOpenFiles = 20

// enforceTasks is how many more threads replay --enforce wants RLIMIT_NPROC
// to allow: the shim, the command and the Go runtime's (it failed with 5
// more, measured).
const enforceTasks = 12

func (o *replayOptions) runTraced(p verdict.Answerer) error {
	o.endPreparation()
	if err := o.resolveContainer(&o.targetFlags, os.Stderr); err != nil {
		return err
	}
	filtered := o.filteredTarget("replay", os.Stderr)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if len(o.command) > 0 {
		// Orphans of the command's tree (double-forked daemons) are
		// reparented to replay, not to init, so that --timeout and a
		// second signal reach them too.
		if restore, err := proctree.Subreaper(); err == nil {
			defer restore()
		}
	}
	st := &interrupts{name: "replay", forwardTERM: true, timeout: o.timeout, stop: cancel, sigs: o.sigs}
	defer st.catch(ctx)()
	defer survivePipe()()
	// The links close and the next run's recorder helper starts while
	// the run is judged and the report written (Options.ReleaseLater, as
	// in trace); Release waits for that before replay exits, on every
	// path.
	rec, err := recorder.Record(ctx, o.withContainer(recorder.Options{
		ReleaseLater: true,
		Command:      o.command,
		PID:          o.pid,
		Cgroup:       o.cgroup,
		Duration:     o.duration,
		Stdin:        os.Stdin,
		Stdout:       o.workloadStdout(),
		Stderr:       os.Stderr,
		Namer:        scmp.Tables{},
		OnPhase:      st.phases(timingHook(os.Stderr, nil)),
		OnStart: func(s recorder.Started) {
			if len(o.command) > 0 {
				st.commandStarted()
			}
			if o.verbose {
				switch {
				case o.cgroup != "":
					fmt.Fprintf(os.Stderr, "seccomp-gen: replay: recording cgroup %s\n", o.cgroup)
				case o.pid != 0:
					fmt.Fprintf(os.Stderr, "seccomp-gen: replay: recording pid %d and %s already below it\n", s.PID, text.Count(s.Descendants, "process", "processes"))
				default:
					fmt.Fprintf(os.Stderr, "seccomp-gen: replay: recording pid %d\n", s.PID)
				}
			}
			emptyNotice(os.Stderr, "replay", o.cgroup, s)
		},
	}))
	defer rec.Release()
	cancel() // stops st
	st.wait()
	caught, _, _ := st.result()
	if sig, why, ok := interruptedBeforeStart(o.command, caught, rec, err); ok {
		// Ctrl-C or SIGTERM before the command ran: nothing to judge.
		// The report says so, as for a command that could not start,
		// so that CI has a report to read; the status is the signal's.
		why := fmt.Errorf("%w: it was not run, and nothing was checked", why)
		if werr := o.writeVerdict(report.NotStarted("replay", inputName(o.profile), o.inputs(), 128+int(sig), why.Error())); werr != nil {
			return werr
		}
		return exitWith(128+int(sig), fmt.Errorf("replay: %w", why))
	}
	var ce *recorder.CommandError
	if errors.As(err, &ce) {
		// Not found or not executable: the report says so (exit 4).
		return o.notStarted("replay", ce.Status, err)
	}
	if err != nil {
		if code, said := exitStatus(err); code == exitFailure && said != nil {
			// The machine's doing (privileges, kernel features), as in
			// trace (traceErr).
			return exitWith(exitFailure, fmt.Errorf("%w (run 'seccomp-gen doctor' to see what this machine lacks)", said))
		}
		return err // exitStatus: a missing target is 2
	}
	strandedWarning(os.Stderr, "replay", rec)
	o.annotate(rec.File, rec.Reason)
	// A trace that cannot be saved (a full disk) is kept in $TMPDIR as
	// trace does; the report is still written, and replay exits 1.
	var saveErr error
	if o.saveTrace != "" {
		var buf bytes.Buffer
		if err := trace.Encode(&buf, rec.File); err != nil {
			return exitWith(exitFailure, fmt.Errorf("replay: save trace %s: %w", o.saveTrace, err))
		}
		saveErr = writeTraceKeeping("replay: save trace", o.saveTrace, buf.Bytes())
	}
	if len(rec.File.Syscalls) == 0 {
		// Nothing to judge is not a pass (an idle --pid target, an empty
		// cgroup, a command that was never traced).
		return usageErrf("replay: the recorder saw no syscall of %s: nothing to check the profile against (an empty recording is never a pass)", report.InputsText("replay", o.inputs()))
	}
	bt, err := o.baselineTrace(p)
	if err != nil {
		return err
	}
	if len(o.command) > 0 {
		absCommandExe(rec.File, o.command[0])
	}
	rec.File.FirstAsExecutable() // FIRST names the executable where known (the saved trace keeps the comm)
	files := []*trace.File{rec.File}
	if bt != nil {
		files = append(files, bt)
	}
	cov, err := verdict.CheckCoverageOf(p, files...)
	if err != nil {
		return exitWith(exitFailure, err)
	}
	v := report.FromCoverage("replay", inputName(o.profile), o.inputs(), verdict.PolicyOf(p), cov)
	if len(o.command) > 0 && rec.Exited {
		v.SetExit(rec.ExitStatus, statusSignal(rec.ExitStatus))
	}
	if o.pid != 0 && rec.Descendants > 0 {
		v.Notes = append(v.Notes, fmt.Sprintf("%s already running below pid %d when the recorder attached %s recorded too",
			text.Count(rec.Descendants, "process", "processes"), o.pid, text.Word(rec.Descendants, "was", "were")))
	}
	if rec.Reason == "duration" {
		v.Notes = append(v.Notes, fmt.Sprintf("--duration %s passed: the verdict covers that window", o.duration))
	}
	_, killed, timedOut := st.result()
	left := st.leftRunning()
	cut := o.noteStop(v, killed, timedOut, left > 0, left)
	if rec.Reason == "interrupted" && !timedOut && killed == 0 && left == 0 {
		v.Notes = append(v.Notes, "interrupted: the verdict covers the run up to the interruption")
	}
	var fails []error
	if saveErr != nil {
		// The report says where the trace went too: a report kept as a
		// CI artifact may be read without the job's stderr.
		v.Notes = append(v.Notes, "--save-trace "+strings.TrimPrefix(saveErr.Error(), "replay: save trace "))
		fails = append(fails, saveErr)
	}
	if filtered != 0 {
		v.Notes = append(v.Notes, fmt.Sprintf("pid %d runs under a seccomp filter: the syscalls it denied were not seen", filtered))
		if v.OK && !o.allowIncomplete {
			// Under the profile itself every call that ran is allowed by
			// construction: a pass would say nothing.
			fails = append(fails, fmt.Errorf("replay: incomplete, pid %d runs under a seccomp filter whose denials the recorder cannot see: the verdict could miss syscalls (replay it without a profile, or --allow-incomplete to accept it)", filtered))
		}
	}
	if rec.File.Lost > 0 && !o.allowIncomplete && v.OK {
		// What is missing is certain; a pass is not.
		fails = append(fails, fmt.Errorf("replay: incomplete, the recorder lost %s: the verdict could miss syscalls (--allow-incomplete to accept it)", text.Count(rec.File.Lost, "event", "events")))
	}
	if err := uncheckedError("replay", cov); err != nil && !o.allowIncomplete && v.OK {
		fails = append(fails, err)
	}
	return o.finish(v, cut, fails...)
}

// absCommandExe names the command's own executable by its absolute path
// when the recorder kept the relative name it was exec'd by (./app: the
// process exited before the recorder could identify it through
// /proc/PID/exe): the file's absolute path with symlinks resolved when the
// base names agree (what the recorder records when it does identify it,
// and what replay --enforce shows), else the absolute name it was started
// by (a symlink: replay --enforce names it so too). The command was
// started in replay's working directory; name is CMD as given (a relative
// PATH entry gives DIR/name).
func absCommandExe(f *trace.File, name string) {
	for i, e := range f.Executables {
		p := e.Path
		if filepath.IsAbs(p) || !(p == name || !strings.Contains(name, "/") && filepath.Base(p) == name) {
			continue
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			continue
		}
		if real, err := filepath.EvalSymlinks(abs); err == nil && filepath.Base(real) == filepath.Base(p) {
			abs = real
		}
		f.Executables[i].Path = abs
	}
}

// statusSignal is the signal a shell's status (rec.ExitStatus) says killed
// the command: N for 128+N, else 0. The recorder reports only that status,
// so a command that exits 143 itself counts as killed by SIGTERM here (as
// in the trace file's exit_code); replay --enforce sees the wait status
// itself (enforce.Result.Signal) and tells the two apart.
func statusSignal(status int) syscall.Signal {
	if status > 128 && status <= 128+64 {
		return syscall.Signal(status - 128)
	}
	return 0
}

// noteStop says in the report how the run was cut short, if it was, and
// returns why in a few words ("" when it was not: replay killed no process
// of the command's tree, and no signal came while processes of it ran).
// afterExit: the first signal came after the command itself had exited,
// while left processes of its tree (daemons it left) still ran. That cut
// the run short as much as a signal while the command ran, whose status
// then says so; here the command's own status (0) did not, and the run
// passed with what those processes did next never seen (SIGTERM, passed
// on, ended them; --enforce left them running, answered by its helper).
func (o *replayOptions) noteStop(v *report.Verdict, killed int, timedOut, afterExit bool, left int) (cut string) {
	switch {
	case timedOut:
		v.TimedOut = true
		v.Notes = append(v.Notes, fmt.Sprintf("timed out after %s: killed the command's process tree (%s); the verdict covers the run up to then",
			o.timeout, text.Count(killed, "process", "processes")))
		return fmt.Sprintf("timed out after %s: replay killed the command's process tree", o.timeout)
	case killed > 0:
		v.Notes = append(v.Notes, fmt.Sprintf("interrupted twice: killed the command's process tree (%s); the verdict covers the run up to then",
			text.Count(killed, "process", "processes")))
		return "interrupted twice: replay killed the command's process tree"
	case afterExit:
		what := "processes under its filter"
		if left > 0 {
			what = text.Count(left, "process", "processes") + " of its tree"
		}
		v.Notes = append(v.Notes, fmt.Sprintf("interrupted after the command exited, while %s still ran: the verdict covers the run up to then", what))
		return fmt.Sprintf("interrupted after the command exited, while %s still ran", what)
	}
	return ""
}

func (o *replayOptions) runEnforced(p *policy.Policy) error {
	// enforce.Run starts the command its own way: the child forked at the
	// start for a recorder's stub (internal/prestub) goes now, before it
	// counts in the command's process tree.
	prestub.Discard()
	if err := errors.Join(limits.NeedOpenFiles(enforceOpenFiles), limits.NeedTasks(enforceTasks)); err != nil {
		return exitWith(exitFailure, fmt.Errorf("replay: %w", err))
	}
	// The Ctrl-C policy of trace and replay (interrupts), applied by
	// enforce.Run: SIGTERM is forwarded, a second signal kills the tree,
	// and the report is still written.
	o.endPreparation()
	fwd, hush, release := forwardSignals("replay", o.sigs)
	defer release()
	defer survivePipe()()
	io := enforce.IO{Stdin: os.Stdin, Stdout: o.workloadStdout(), Stderr: os.Stderr, Signals: fwd}
	if o.timeout > 0 {
		kill := make(chan struct{})
		t := time.AfterFunc(o.timeout, func() { close(kill) })
		defer t.Stop()
		io.Kill = kill
	}
	res, err := enforce.Run(p, o.command, io)
	hush() // nothing more on stderr about waiting for the command
	if err != nil {
		var se *enforce.SetupError
		if errors.As(err, &se) {
			// The shim stopped before CMD ran and said why: CMD not
			// found (127) or found but not executable (126: a
			// directory, a noexec mount, no program), as in traced
			// mode; else the filter could not be set up.
			if se.Code == enforce.ExitNotFound || se.Code == enforce.ExitNotExec {
				return o.notStarted("replay --enforce", se.Code, se)
			}
			if se.Reason == "" && se.Code > 128 && se.Code < 128+65 && se.Code != 128+int(syscall.SIGKILL) {
				// Ctrl-C (or Ctrl-\, or a forwarded SIGTERM) reached
				// the shim before its execve of CMD: CMD was not
				// run, as in traced mode, and the status is the
				// signal's.
				return o.interruptedBeforeStart("replay --enforce", syscall.Signal(se.Code-128))
			}
			if se.Reason == "" && se.Code > 128 && se.Code < 128+65 {
				// Killed before its execve (--timeout, a second
				// Ctrl-C): not run; CMD counts as killed.
				why := fmt.Errorf("%s: %w: killed by %s before it started", o.command[0], recorder.ErrCommandNotRun, unix.SignalName(syscall.Signal(se.Code-128)))
				return o.notStarted("replay --enforce", se.Code, why)
			}
			return exitWith(exitFailure, fmt.Errorf("replay: %w", se))
		}
		return exitWith(exitFailure, err)
	}
	verdict.MarkFallbacks(p, res.Denied)
	verdict.MarkNoSyscalls(res.Denied)
	cov := &verdict.Coverage{Entries: res.Denied, Notes: res.Notes}
	v := report.FromCoverage("replay --enforce", inputName(o.profile), o.inputs(), p, cov)
	v.SetExit(res.ExitCode, res.Signal)
	if res.NotStarted != "" {
		v.Notes = append(v.Notes, "the command did not start: "+res.NotStarted)
	}
	cut := o.noteStop(v, res.Killed, res.Stopped == enforce.StoppedKill, res.Stopped == enforce.StoppedAfterExit, res.Left)
	if d := res.Differs(); d != "" {
		// Not what the workload would do in a container: no pass.
		v.Notes = append(v.Notes, d)
		if cut != "" {
			d = cut + "; " + d
		}
		cut = d
	}
	return o.finish(v, cut)
}

// finish writes the report and picks the exit status: not covered (3) wins
// over a failed command (4). A run that replay cut short (cut: --timeout,
// a second signal) counts as a failed command even when CMD itself had
// exited 0 and only its daemons were killed: the verdict covers part of
// the run, which is not a pass. The report says so too (RunError), so that
// a CI system reading only the report never sees a pass.
//
// fails are runtime errors found before the report was written (events
// the recorder lost, a trace that could not be saved): the report says
// so, and replay exits 1 with them.
func (o *replayOptions) finish(v *report.Verdict, cut string, fails ...error) error {
	failed := cut != ""
	switch {
	case failed:
		v.FailRun(cut)
	case v.Ended() != "":
		v.FailRun(v.Ended())
		failed = true
	}
	for _, f := range fails {
		v.FailRun(strings.TrimPrefix(f.Error(), "replay: "))
	}
	err := o.emit(v)
	if len(fails) > 0 {
		var ex *exitError
		if errors.As(err, &ex) && ex.err != nil {
			fails = append(fails, ex.err) // the report could not be written either
		}
		joined := fails[0]
		for _, f := range fails[1:] {
			joined = fmt.Errorf("%w; %w", joined, f)
		}
		return exitWith(exitFailure, joined)
	}
	if err != nil {
		return err
	}
	if failed {
		return exitWith(exitCommandFailed, nil)
	}
	return nil
}

// watchPreparation is the Ctrl-C policy while replay prepares to start a
// command (it reads and compiles the profile: tens of ms, or as long as a
// FIFO or standard input takes): a signal then means the command is not
// run; replay writes the report that says so and exits 128+N at once,
// even when the read is stuck. endPreparation hands the signals over to
// the policy of the run (interrupts.catch, forwardSignals).
func (o *replayOptions) watchPreparation() (end func()) {
	done, ack := make(chan struct{}), make(chan struct{})
	go func() {
		select {
		case sig := <-o.sigs:
			tool := "replay"
			if o.enforce {
				tool = "replay --enforce"
			}
			code, err := exitStatus(o.interruptedBeforeStart(tool, sig.(syscall.Signal)))
			if err != nil {
				fmt.Fprintf(os.Stderr, "seccomp-gen: %v\n", err)
			}
			os.Exit(code)
		case <-done:
			close(ack)
		}
	}()
	return func() {
		close(done)
		<-ack // never, once a signal came: the goroutine exits
	}
}

// endPreparation ends watchPreparation, if it runs.
func (o *replayOptions) endPreparation() {
	if o.prepared != nil {
		o.prepared()
		o.prepared = nil
	}
}

// interruptedBeforeStart writes the report of a command that a signal
// stopped before it started (not_run) and exits 128+N, as the traced mode
// does for ErrInterrupted.
func (o *replayOptions) interruptedBeforeStart(tool string, sig syscall.Signal) error {
	why := fmt.Errorf("%s: interrupted before the recording started: nothing was checked", strings.Join(o.inputs(), " "))
	if len(o.command) > 0 {
		why = fmt.Errorf("%s: %w: it was not run, and nothing was checked", o.command[0], recorder.ErrInterrupted)
	}
	if err := o.writeVerdict(report.NotStarted(tool, inputName(o.profile), o.inputs(), 128+int(sig), why.Error())); err != nil {
		return err
	}
	return exitWith(128+int(sig), fmt.Errorf("replay: %w", why))
}

// notStarted writes the report of a command that could not be started
// (why says so, status is the shell's 127 or 126), so that CI keeps an
// artifact that says what happened, and exits 4 with why.
func (o *replayOptions) notStarted(tool string, status int, why error) error {
	v := report.NotStarted(tool, inputName(o.profile), o.inputs(), status, why.Error())
	if err := o.writeVerdict(v); err != nil {
		return err
	}
	return exitWith(exitCommandFailed, fmt.Errorf("replay: %w", why))
}

// notRunReport: replay failed (err) before it wrote a report, the profile
// unreadable, the recorder refused, a container not found, a flag refused.
// A report file (-o FILE) left from an earlier run would still say what
// that run said, a pass maybe, to a CI system that reads only the report:
// it is replaced by a report of a run that did not happen (not_run, the
// run test case failing with err), so that the report says "not a pass"
// whenever replay does not exit 0. Standard output gets none (nothing
// stale is there; the error is on stderr). validateFailed: err came from
// validate, where the output path may not have been checked yet; the
// report is written only where checkOutputs accepts the paths.
func (o *replayOptions) notRunReport(err error, validateFailed bool) error {
	if err == nil || o.output == "-" || isStdout(o.output) {
		return err
	}
	if validateFailed && (o.validateReport() != nil || o.checkOutputsErr() != nil) {
		return err
	}
	code, why := exitStatus(err)
	if why == nil || !o.written.CompareAndSwap(false, true) {
		return err // (or a report was written: the run's, or a signal's)
	}
	tool := "replay"
	if o.enforce {
		tool = "replay --enforce"
	}
	msg := strings.TrimPrefix(why.Error(), "replay: ")
	if werr := o.writeVerdict(report.NotStarted(tool, inputName(o.profile), o.inputs(), code, msg)); werr != nil {
		_, wmsg := exitStatus(werr)
		if wmsg != nil {
			return exitWith(code, fmt.Errorf("%w; %w", why, wmsg))
		}
	}
	return err
}

// writeVerdict writes the report of v, whatever it says.
func (o *replayOptions) writeVerdict(v *report.Verdict) error {
	return o.writeReport(func(w io.Writer) error { return report.Write(w, report.Format(o.report), v) }, false)
}
