//go:build !man

package main

import "github.com/spf13/cobra"

// newManCmd: without -tags man there is no __man command (see man.go).
func newManCmd() *cobra.Command { return nil }
