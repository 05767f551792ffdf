//go:build man

package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// newManCmd is hidden: `make man` runs `seccomp-gen __man DIR` to write a
// man page (section 1) for every command, from the same help text as
// --help. It is built only with -tags man (make man does): cobra/doc links
// blackfriday, whose package initializer took 0.3-0.5 ms of every start of
// the binary, a traced command's included (issue 13). SOURCE_DATE_EPOCH (the last commit's time, set by make) dates the
// pages so that the same commit gives the same pages.
func newManCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "__man DIR",
		Short:  "Write man pages for every command to DIR",
		Hidden: true,
		Args:   argsUsage(exactly(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return exitWith(exitFailure, fmt.Errorf("man: %w", err))
			}
			date := time.Now()
			if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
				sec, err := strconv.ParseInt(s, 10, 64)
				if err != nil {
					return usageErrf("man: SOURCE_DATE_EPOCH=%q: not a number of seconds", s)
				}
				date = time.Unix(sec, 0).UTC()
			}
			root := cmd.Root()
			root.DisableAutoGenTag = true
			manReady(root)
			// No Title: cobra titles each page by its command
			// (SECCOMP-GEN-TRACE), as man(1) lists it; one title for
			// all made every page SECCOMP-GEN(1).
			header := &doc.GenManHeader{
				Section: "1",
				Source:  "seccomp-gen " + toolVersion(),
				Manual:  "seccomp-gen manual",
				Date:    &date,
			}
			if err := doc.GenManTree(root, header, dir); err != nil {
				return exitWith(exitFailure, fmt.Errorf("man: %w", err))
			}
			return nil
		},
	}
}
