package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/seccomp-gen/seccomp-gen/enforce"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/reduce"
	"github.com/seccomp-gen/seccomp-gen/report"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

type replayOptions struct {
	verdictFlags
	targetFlags
	saveTrace string
	enforce   bool
	verbose   bool
	duration  time.Duration
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

  --enforce: CMD runs UNDER the profile's filter, compiled with libseccomp
    and installed with no_new_privs in a child of seccomp-gen just before it
    execve's CMD, so the run is what the profile really allows. A sys_enter
    tracer cannot see syscalls that seccomp denied, so the channel here is
    seccomp user notification: the filter is compiled with every denying
    action turned into SCMP_ACT_NOTIFY, seccomp-gen takes the listener fd
    (pidfd_getfd) and, for each denied syscall, records its ABI, number and
    program and answers exactly what the profile says (its errno, EPERM or
    ENOSYS). For kill and trap actions, and for ABIs the profile does not
    list, the report says "would have killed" and the syscall gets EPERM so
    that the run goes on and every denial is reported. Needs no eBPF and
    no root: only ptrace rights over its own child (any user, unless Yama's
    ptrace_scope is 2 or more). Every descendant (threads, children, double-forked
    daemons) inherits the filter; replay waits until the last of them has
    exited (Ctrl-C or SIGTERM then ends it). Standard input, output and error
    are passed through: with a complete profile the workload's output is
    unchanged.

PROFILE may be any format generate writes: Docker JSON, an OCI linux.seccomp
object or a whole config.json, or a Security Profiles Operator CRD (YAML).

The report goes to stdout after CMD's own output; with --report json or
junit, write it to a file with -o FILE so that the two stay apart.

` + verdictExitHelp + `
  4  the profile covers the run, but the command itself failed (non-zero
     exit, killed by a signal, or not found); 3 wins when both happen.`,
		Example: `  # CI: fail when the test suite needs a syscall the profile lacks
  seccomp-gen replay -p profiles/app.json --save-trace new.trace -- go test ./...

  # run under the profile's filter and list what it denied
  seccomp-gen replay --enforce -p app.json --report junit -o replay.xml -- ./app --selftest`,
		Args: func(cmd *cobra.Command, args []string) error {
			o.command = args
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.validate(cmd); err != nil {
				return err
			}
			return o.run()
		},
	}
	o.addFlags(cmd)
	f := cmd.Flags()
	f.SetInterspersed(false) // everything after CMD belongs to CMD
	f.StringVar(&o.saveTrace, "save-trace", "", "write the fresh trace (YAML) to `FILE` (traced mode)")
	f.BoolVar(&o.enforce, "enforce", false, "run CMD under the profile's filter and report what it denied")
	f.IntVar(&o.pid, "pid", 0, "replay a running process `PID` (and its descendants) instead of CMD, until it exits")
	f.StringVar(&o.cgroup, "cgroup", "", "replay every task of a cgroup v2 directory `PATH` until it is empty")
	o.addContainerFlags(f, "replay")
	f.DurationVar(&o.duration, "duration", 0, "end the traced replay after `DURATION` (for --pid, --cgroup or a long-running CMD; the verdict covers that window)")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "say on stderr when the recorder is attached (traced mode)")
	return cmd
}

func (o *replayOptions) validate(cmd *cobra.Command) error {
	if err := o.verdictFlags.validate(); err != nil {
		return err
	}
	if err := o.checkContainer(); err != nil {
		return err
	}
	if o.given() != 1 {
		return usageErrf("give exactly one of -- CMD, --pid or --cgroup (see '%s --help')", cmd.CommandPath())
	}
	if o.pid < 0 {
		return usageErrf("--pid %d: not a process id", o.pid)
	}
	if o.enforce && len(o.command) == 0 {
		return usageErrf("--enforce needs a command to start (-- CMD): a running process cannot be put under a filter")
	}
	if o.duration < 0 {
		return usageErrf("--duration %s: negative", o.duration)
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
	return nil
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
			o.profile, strings.Join(p.Arches(), ", "), native)
	}
	if o.enforce {
		pol := reduce.PolicyOf(p)
		if pol == nil {
			return usageErrf("%s: a raw filter cannot be replayed with --enforce (it needs the profile to answer denials): give the profile it was generated from, or replay without --enforce", o.profile)
		}
		return o.runEnforced(pol)
	}
	return o.runTraced(p)
}

func (o *replayOptions) runTraced(p reduce.Answerer) error {
	if err := o.resolveContainer(&o.targetFlags, os.Stderr); err != nil {
		return err
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	rec, err := trace.Record(ctx, o.withContainer(trace.Options{
		Command:  o.command,
		PID:      o.pid,
		Cgroup:   o.cgroup,
		Duration: o.duration,
		Stdin:    os.Stdin,
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
		Namer:    scmp.Tables{},
		OnStart: func(s trace.Started) {
			if !o.verbose {
				return
			}
			if o.cgroup != "" {
				fmt.Fprintf(os.Stderr, "seccomp-gen: replay: recording cgroup %s\n", o.cgroup)
			} else {
				fmt.Fprintf(os.Stderr, "seccomp-gen: replay: recording pid %d\n", s.PID)
			}
		},
	}))
	if err != nil {
		switch {
		case errors.Is(err, trace.ErrCommandNotFound), errors.Is(err, trace.ErrCommandNotRun):
			return exitWith(exitCommandFailed, err)
		case errors.Is(err, trace.ErrNoProcess), errors.Is(err, trace.ErrNotCgroup2), errors.Is(err, trace.ErrOptions):
			return usageErr(err)
		}
		return exitWith(exitFailure, err)
	}
	o.annotate(rec.File)
	if o.saveTrace != "" {
		if err := trace.WriteFile(o.saveTrace, rec.File); err != nil {
			return exitWith(exitFailure, fmt.Errorf("save trace: %w", err))
		}
	}
	bt, err := o.baselineTrace(p)
	if err != nil {
		return err
	}
	files := []*trace.File{rec.File}
	if bt != nil {
		files = append(files, bt)
	}
	cov, err := reduce.CheckCoverageOf(p, files...)
	var v *report.Verdict
	if errors.Is(err, reduce.ErrNoSyscalls) {
		// Nothing was traced (a process that exited at once): nothing
		// can be missing, but say so.
		v = report.FromCoverage("replay", o.profile, o.inputs(), reduce.PolicyOf(p), &reduce.Coverage{})
		v.Notes = append(v.Notes, "the recorder saw no syscalls")
	} else if err != nil {
		return exitWith(exitFailure, err)
	} else {
		v = report.FromCoverage("replay", o.profile, o.inputs(), reduce.PolicyOf(p), cov)
	}
	if len(o.command) > 0 && rec.Exited {
		code := rec.ExitStatus
		v.ExitCode = &code
	}
	if rec.Reason == "duration" {
		v.Notes = append(v.Notes, fmt.Sprintf("--duration %s passed: the verdict covers that window", o.duration))
	}
	if rec.Reason == "interrupted" {
		v.Notes = append(v.Notes, "interrupted: the verdict covers the run up to the interruption")
	}
	if rec.File.Lost > 0 && !o.allowIncomplete && v.OK {
		// What is missing is certain; a pass is not.
		if err := o.emit(v); err != nil {
			return err
		}
		return exitWith(exitFailure, fmt.Errorf("replay: incomplete, the recorder lost %d events: the verdict could miss syscalls (--allow-incomplete to accept it)", rec.File.Lost))
	}
	return o.finish(v)
}

func (o *replayOptions) runEnforced(p *policy.Policy) error {
	// Ctrl-C reaches the workload from the terminal (same process group)
	// and SIGTERM is forwarded to it; seccomp-gen waits for it and still
	// reports. (Catching, not ignoring: an ignored signal would stay
	// ignored in the workload across execve.)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	res, err := enforce.Run(p, o.command, enforce.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Signals: sigs})
	if err != nil {
		var se *enforce.SetupError
		if errors.As(err, &se) {
			// The child stopped before execve and said why on stderr:
			// CMD not found (127), or the filter could not be set up.
			if se.Code == enforce.ExitSetup {
				return exitWith(exitFailure, nil)
			}
			return exitWith(exitCommandFailed, nil)
		}
		return exitWith(exitFailure, err)
	}
	cov := &reduce.Coverage{Entries: res.Denied}
	v := report.FromCoverage("replay --enforce", o.profile, o.inputs(), p, cov)
	code := res.ExitCode
	v.ExitCode = &code
	return o.finish(v)
}

// finish writes the report and picks the exit status: not covered (3) wins
// over a failed command (4).
func (o *replayOptions) finish(v *report.Verdict) error {
	err := o.emit(v)
	if err != nil {
		return err
	}
	if v.ExitCode != nil && *v.ExitCode != 0 {
		return exitWith(exitCommandFailed, nil)
	}
	return nil
}
