package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(owner of this command): replace this placeholder.
func newCheckCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "not built yet",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("check: not built yet")
		},
	}
}
