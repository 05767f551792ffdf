package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(owner of this command): replace this placeholder.
func newDisasmCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "disasm",
		Short: "not built yet",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("disasm: not built yet")
		},
	}
}
