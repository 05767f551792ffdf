package main

import (
	"github.com/spf13/cobra"

	"github.com/seccomp-gen/seccomp-gen/enforce"
)

// newExecCmd is the hidden `seccomp-gen __exec -- CMD...`, the child side of
// `replay --enforce`: enforce.Run re-executes seccomp-gen with it, and
// enforce.Shim loads the filter and execve's CMD (see package enforce).
func newExecCmd() *cobra.Command {
	return &cobra.Command{
		Use:    enforce.ShimCommand + " -- CMD [ARGS...]",
		Hidden: true,
		Args:   cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			code, err := enforce.Shim(args)
			return exitWith(code, err)
		},
	}
}
