package main

import (
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/seccomp-gen/seccomp-gen/internal/text"

	"github.com/spf13/cobra"

	"github.com/seccomp-gen/seccomp-gen/report"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/trace"
	"github.com/seccomp-gen/seccomp-gen/verdict"
)

type checkOptions struct {
	verdictFlags
	traces []string
}

func newCheckCmd() *cobra.Command {
	o := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "check --profile PROFILE TRACE...",
		Short: "Check saved traces against a profile, offline",
		Long: `check gives the same verdict as replay, offline, from saved trace files: for
every (ABI, syscall) the traces hold, is it allowed by PROFILE? Counts add up
across traces (a trace named twice, or a copy of one: the same run, same start
time and counts, is counted once, with a warning; two identical traces whose
start is to the second only, written by an older seccomp-gen, may be replicas
and are both counted, with a warning); FIRST is the program that issued the syscall first (in the
first trace by path that has it); with several traces, TRACES names those
that need the syscall (for a denied argument value, those that recorded it):
the first 3 and how many more (--report json lists all). A TRACE or PROFILE
of '-' is read from standard input (one of them only).

PROFILE may be any format generate writes: Docker JSON, an OCI linux.seccomp
object or a whole config.json, a Security Profiles Operator CRD (YAML), or a
raw filter ('generate --format bpf', run in an interpreter as the kernel
would, for every ABI it covers). ` + conditionalHelp + `

A syscall is missing when the profile denies it (a rule or the default
action), when its ABI is not one the profile lists (runtimes kill such
tasks), or when libseccomp cannot name its number (no rule can allow it) and
the profile's default action does not let it run.
A trace line whose name is not its number's (brk with 101, ptrace's number)
is an error, as in generate.

` + verdictExitHelp,
		Example: `  seccomp-gen check -p app.json run1.trace.yaml run2.trace.yaml
  seccomp-gen check -p config.json --report junit -o check.xml ci.trace.yaml`,
		Args: argsUsage(atLeast(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.traces = args
			if err := o.validate(); err != nil {
				return err
			}
			if err := checkOutputs("check", append(o.inputFiles(), o.traces...), "-o", o.output); err != nil {
				return err
			}
			defer surviveStderrPipe(o.output)()
			return o.run()
		},
	}
	o.addFlags(cmd)
	// check has no target of its own: its flag says what it does with
	// traces (replay's text names --pid and the exit of a run).
	cmd.Flags().Lookup("allow-incomplete").Usage = "check traces that are incomplete (the recorder lost events, or a container ran under a seccomp filter whose denials it could not see), which are otherwise refused (exit 2), and give a verdict that depends on argument values the traces do not all hold, which is otherwise an error (exit 1; replay --enforce checks every call)"
	singleValued(cmd.Flags())
	return cmd
}

func (o *checkOptions) run() error {
	p, err := o.loadProfile()
	if err != nil {
		return err
	}
	var files []*trace.File
	var paths []string
	var seen inputFiles
	var named, same, alike warnings
	var known runs
	for _, path := range o.traces {
		name := inputName(path)
		if what := seen.repeated(path); what != "" {
			named.add(os.Stderr, "check", fmt.Sprintf("%s is %s; counted once", name, what))
			continue
		}
		f, err := trace.ReadFile(path)
		if err != nil {
			return usageErr(fmt.Errorf("trace %w", err))
		}
		// A copy of a trace is the same run, as in generate: counted once
		// (a replica that cannot be told from one is counted too).
		prev, sure := known.seen(name, f)
		if prev != "" && sure {
			same.add(os.Stderr, "check", fmt.Sprintf("%s holds the same run as %s; counted once", name, prev))
			continue
		}
		if prev != "" {
			alike.add(os.Stderr, "check", alikeMsg(name, prev))
		}
		if len(f.Syscalls) == 0 {
			return usageErrf("trace %s: no syscall recorded: an empty recording is never a pass", name)
		}
		f.FirstAsExecutable() // FIRST names the executable where known
		// Name and number must agree, by the rule generate uses; a number
		// libseccomp cannot name stays unnamed and is reported as not
		// coverable.
		if _, err := f.ResolveNames(scmp.Tables{}); err != nil {
			return usageErr(fmt.Errorf("trace %s: %w", name, err))
		}
		if f.Lost > 0 && !o.allowIncomplete {
			return usageErrf("trace %s: incomplete, the recorder lost %s: a verdict could miss syscalls (--allow-incomplete to check anyway)", name, text.Count(f.Lost, "event", "events"))
		}
		if f.Filtered() && !o.allowIncomplete {
			// As replay refuses a pass for such a target.
			return usageErrf("trace %s: incomplete, its %s ran under a seccomp filter whose denials the recorder could not see (%s): a verdict could miss syscalls (record it without a profile, or --allow-incomplete to check anyway)", name, filteredWhat(f), filteredKey(f))
		}
		files = append(files, f)
		paths = append(paths, name)
	}
	named.more(os.Stderr, "check", "file named again", "files named again", "each counted once")
	same.more(os.Stderr, "check", "trace holds the same run as another one", "traces hold the same run as another one", "each counted once")
	alike.more(os.Stderr, "check", alikeOne, alikeMany, alikeWhat)
	if err := sameABI(p, paths, files); err != nil {
		return usageErr(err)
	}
	bt, err := o.baselineTrace(p)
	if err != nil {
		return err
	}
	warnUnsealed(os.Stderr, "check", paths, files)
	// Merged in path order: FIRST (from the first trace that has the
	// syscall) must not depend on the order the traces were named in.
	names := paths
	order := make([]int, len(files))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(names[a], names[b]) })
	sorted := make([]*trace.File, 0, len(files)+1)
	sortedNames := make([]string, 0, len(files)+1)
	for _, i := range order {
		sorted = append(sorted, files[i])
		sortedNames = append(sortedNames, names[i])
	}
	if bt != nil {
		sorted = append(sorted, bt)
		sortedNames = append(sortedNames, "baseline")
	}
	cov, err := verdict.CheckCoverageOf(p, sorted...)
	if err != nil {
		return err // exitStatus: ErrNoSyscalls is a usage error
	}
	cov.SetTraces(sortedNames, sorted)
	v := report.FromCoverage("check", inputName(o.profile), paths, verdict.PolicyOf(p), cov)
	if err := uncheckedError("check", cov); err != nil && !o.allowIncomplete && v.OK {
		// Not a pass (the report says so too), and not a miss.
		v.FailRun(strings.TrimPrefix(err.Error(), "check: "))
		if werr := o.emit(v); werr != nil {
			return werr
		}
		return exitWith(exitFailure, err)
	}
	return o.emit(v)
}

// emit writes the verdict and turns it into the exit status.
func (o *verdictFlags) emit(v *report.Verdict) error {
	return o.writeReport(func(w io.Writer) error { return report.Write(w, report.Format(o.report), v) }, !v.OK)
}

// sameABI refuses traces none of whose syscalls is on an ABI the profile
// covers: checking an i386 trace against an x86_64 profile is a mix-up, not a
// coverage question.
func sameABI(p verdict.Answerer, paths []string, files []*trace.File) error {
	seen := map[string]bool{}
	for _, f := range files {
		for _, s := range f.Syscalls {
			if p.Covers(s.Arch) {
				return nil
			}
			seen[s.Arch] = true
		}
	}
	if len(seen) == 0 {
		return nil // empty traces: CheckCoverage says so
	}
	arches := slices.Sorted(maps.Keys(seen))
	return fmt.Errorf("%s: no syscall on an ABI the profile covers (traces: %s; profile: %s)",
		firstPaths(paths), strings.Join(arches, ", "), strings.Join(p.Arches(), ", "))
}

// firstPaths names the first few of paths and counts the rest, for a
// message about them all: thousands of traces made a line of 33 kB.
func firstPaths(paths []string) string {
	if len(paths) <= maxWarnings+1 {
		return strings.Join(paths, ", ")
	}
	return strings.Join(paths[:maxWarnings], ", ") + " and " + text.Count(len(paths)-maxWarnings, "more trace", "more traces")
}
