package main

import (
	"github.com/spf13/cobra"
)

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "seccomp-gen",
		Short: "Turn real syscall traces into least-privilege seccomp profiles",
		Long: `seccomp-gen records which syscalls a workload really makes (an eBPF counter on
the sys_enter tracepoint, aggregated in the kernel), reduces one or many traces
into a least-privilege profile, writes it for Docker, OCI runtimes (runc,
crun), Kubernetes (Security Profiles Operator) or as a compiled BPF filter, and
replays later runs against the profile so CI fails when a new syscall appears.

Typical loop:
  seccomp-gen trace -o app.trace.yaml -- ./app --selftest
  seccomp-gen generate -o app.json app.trace.yaml
  seccomp-gen replay --profile app.json -- ./app --selftest`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErrf("%s: %v (see '%s --help')", c.CommandPath(), err, c.CommandPath())
	})
	for _, c := range []*cobra.Command{
		newTraceCmd(),
		newGenerateCmd(),
		newDisasmCmd(),
		newReplayCmd(),
		newCheckCmd(),
		newDiffCmd(),
		newLintCmd(),
		newVersionCmd(),
		newDoctorCmd(),
		newManCmd(), // hidden, only with -tags man: make man
		newHookCmd(),
		newHookRecorderCmd(), // hidden: the detached recorder of hook
		newRuntimeCmd(),
	} {
		if c != nil {
			root.AddCommand(c)
		}
	}
	return root
}

// argsUsage wraps a cobra positional-args validator so that its errors are
// usage errors.
func argsUsage(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := v(cmd, args); err != nil {
			return usageErrf("%s: %v (see '%s --help')", cmd.CommandPath(), err, cmd.CommandPath())
		}
		return nil
	}
}
