package main

import (
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/seccomp-gen/seccomp-gen/profiles"
	"github.com/seccomp-gen/seccomp-gen/reduce"
	"github.com/seccomp-gen/seccomp-gen/report"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/trace"
	"github.com/seccomp-gen/seccomp-gen/verdict"
)

const verdictExitHelp = `Exit status:
  0  the profile covers everything
  1  runtime error (the kernel refused, a file could not be written), or
     an incomplete verdict (unless --allow-incomplete)
  2  usage error: bad flags, a profile or trace that cannot be read
  3  the profile does NOT cover the run (the report lists what is missing)`

// verdictFlags are the flags replay and check share.
type verdictFlags struct {
	profileReadFlags
	reportFlags
	profile string
	// baselines are runtime baselines whose syscalls the profile must
	// allow too (the runtime issues them under the filter before CMD).
	baselines []string
	// allowIncomplete accepts runs whose recorder lost events, and
	// verdicts that depend on argument values the run did not record.
	allowIncomplete bool
	// resolved are the baselines, read by validate: a baseline name
	// that does not exist, or a file that cannot be read, is an error
	// before replay runs the command, not after it.
	resolved []*profiles.Baseline
}

func (o *verdictFlags) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&o.profile, "profile", "p", "", "`PROFILE` to check against (Docker JSON, OCI object or config.json, SPO CRD, raw BPF filter)")
	o.addReportFlags(cmd, reportFormats()...)
	o.keep = true
	cmd.Flags().BoolVar(&o.allowIncomplete, "allow-incomplete", false, "give a verdict even when the recorder lost events (lost > 0), when a --pid, --cgroup or --container target runs under a seccomp filter (whose denials it cannot see), or when the profile allows a syscall only for some argument values and the run's values of that argument were not all recorded (the recorder keeps those of a few syscalls only: clone, socket, ioctl, fcntl, ...); otherwise that is an error (exit 1), and replay --enforce checks every call")
	cmd.Flags().StringArrayVar(&o.baselines, "baseline", nil, "also require the syscalls of baseline `NAME|FILE` ("+
		strings.Join(profiles.BaselineNames(), ", ")+" or a file; repeatable): the profile must let that runtime start the workload")
	o.addProfileReadFlags(cmd)
}

// baselineTrace returns the syscalls of the --baseline baselines on every
// ABI p covers, as a pseudo-trace whose FIRST is "baseline:NAME".
func (o *verdictFlags) baselineTrace(p verdict.Answerer) (*trace.File, error) {
	if len(o.baselines) == 0 {
		return nil, nil
	}
	bs := o.resolved
	// The values the runtimes pass to recorded arguments (runc's prctl
	// options, fcntl commands, ...), as generate allows them: without
	// them a profile whose rule on such an argument came from the same
	// baselines would get an incomplete verdict (values unknown).
	args := profiles.MergedArgs(bs)
	f := &trace.File{}
	for _, b := range bs {
		for _, arch := range p.Arches() {
			for _, n := range b.Syscalls[arch] {
				nr, err := scmp.Number(arch, n)
				if err != nil {
					continue // not a syscall on this ABI
				}
				f.Syscalls = append(f.Syscalls, trace.Syscall{Arch: arch, Nr: nr, Name: n, First: "baseline:" + b.Name, Args: baselineValues(n, args[n])})
			}
		}
	}
	return f, nil
}

// baselineValues is what the baselines pass to syscall name's recorded
// arguments, as a trace holds it (sorted by index, each list sorted): the
// baselines' values (m: index -> values), and for an argument whose rule a
// baseline does not lift (reduce.ArgSpec.BaselineSafe: mmap's prot, the
// runtimes map no W+X memory) the values that rule always allows, as
// generate assumes.
func baselineValues(name string, m map[int][]uint64) []trace.ArgValues {
	for _, spec := range reduce.ArgSpecs() {
		if spec.Syscall != name || !spec.BaselineSafe {
			continue
		}
		if _, ok := m[spec.Index]; !ok {
			m = maps.Clone(m)
			if m == nil {
				m = map[int][]uint64{}
			}
			m[spec.Index] = spec.Always
		}
	}
	if len(m) == 0 {
		return nil
	}
	out := make([]trace.ArgValues, 0, len(m))
	for i, vals := range m {
		v := slices.Clone(vals)
		slices.Sort(v)
		out = append(out, trace.ArgValues{Index: i, Values: slices.Compact(v)})
	}
	slices.SortFunc(out, func(a, b trace.ArgValues) int { return a.Index - b.Index })
	return out
}

func (o *verdictFlags) validate() error {
	if o.profile == "" {
		return usageErrf("--profile is required")
	}
	if len(o.baselines) > 0 {
		bs, err := profiles.Resolve(o.baselines, profiles.ReadFile)
		if err != nil {
			return usageErr(err)
		}
		o.resolved = bs
	}
	return o.validateReport()
}

// reportFormats are the formats of verdicts and diffs (package report).
func reportFormats() []string {
	out := make([]string, len(report.Formats))
	for i, f := range report.Formats {
		out[i] = string(f)
	}
	return out
}

// loadProfile reads the profile strictly: a file that is not a profile is a
// usage error, never an empty policy that passes or fails everything. A raw
// filter is a profile too (readAnswerer).
func (o *verdictFlags) loadProfile() (verdict.Answerer, error) {
	return o.readAnswerer(o.profile)
}
