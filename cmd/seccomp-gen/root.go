package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// Exit statuses shared by every command. Commands that run a workload exit
// with the workload's own status when it fails (see trace and replay).
const (
	exitOK       = 0
	exitFailure  = 1 // a runtime error: the kernel refused, a file could not be written
	exitUsage    = 2 // bad flags, bad input files
	exitNotFound = 127
)

// exitError carries an exit status through cobra. A nil err exits silently.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageErr marks err as a usage error (exit status 2).
func usageErr(err error) error { return &exitError{code: exitUsage, err: err} }

// usageErrf formats a usage error.
func usageErrf(format string, a ...any) error { return usageErr(fmt.Errorf(format, a...)) }

// exitWith returns an error that makes seccomp-gen exit with code, printing
// err if it is not nil.
func exitWith(code int, err error) error { return &exitError{code: code, err: err} }

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
	root.AddCommand(
		newTraceCmd(),
		newGenerateCmd(),
		newDisasmCmd(),
		newReplayCmd(),
		newCheckCmd(),
		newDiffCmd(),
		newLintCmd(),
		newVersionCmd(),
		newDoctorCmd(),
		newManCmd(), // hidden: make man
		newHookCmd(),
		newHookRecorderCmd(), // hidden: the detached recorder of hook
		newRuntimeCmd(),
	)
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
