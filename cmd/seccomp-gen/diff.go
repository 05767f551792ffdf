package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(owner of this command): replace this placeholder.
func newDiffCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "diff",
		Short: "not built yet",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("diff: not built yet")
		},
	}
}
