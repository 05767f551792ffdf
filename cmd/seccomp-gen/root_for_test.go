package main

import (
	"slices"
	"testing"

	"github.com/spf13/cobra"
)

// TestCommandsTable: each entry of the commands table names its command
// by the command's own name and aliases, which is how run finds the one
// command to build.
func TestCommandsTable(t *testing.T) {
	for _, c := range commands {
		cmd := c.build()
		if cmd == nil {
			continue // not in this build
		}
		if want := append([]string{cmd.Name()}, cmd.Aliases...); !slices.Equal(c.names, want) {
			t.Errorf("the table names %q, the command %q", c.names, want)
		}
	}
}

// TestRootCmdFor: a command line whose first word names a command gets a
// root with that command alone, the same as in the full root (usage,
// help, flags); any other first word gets every command, help and
// completion.
func TestRootCmdFor(t *testing.T) {
	full := newRootCmd()
	for _, c := range commands {
		for _, name := range c.names {
			root := newRootCmdFor([]string{name, "--help"})
			if c.tree || c.build() == nil {
				if len(root.Commands()) != len(full.Commands()) {
					t.Errorf("%s: %d commands, want all %d", name, len(root.Commands()), len(full.Commands()))
				}
				continue
			}
			if n := len(root.Commands()); n != 1 {
				t.Errorf("%s: %d commands, want 1", name, n)
			}
			got, _, err := root.Find([]string{name})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			want, _, err := full.Find([]string{name})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if got.CommandPath() != want.CommandPath() || got.UsageString() != want.UsageString() || got.Long != want.Long {
				t.Errorf("%s: differs from the full root's:\n%s\nwant\n%s", name, got.UsageString(), want.UsageString())
			}
			if !root.CompletionOptions.DisableDefaultCmd {
				t.Errorf("%s: cobra would still build its completion command", name)
			}
		}
	}
	for _, args := range [][]string{nil, {}, {"help", "trace"}, {"completion", "bash"}, {cobra.ShellCompRequestCmd, "tr"}, {"--help"}, {"bogus"}, {"-v"}} {
		root := newRootCmdFor(args)
		names := map[string]bool{}
		for _, c := range root.Commands() {
			names[c.Name()] = true
		}
		if len(root.Commands()) != len(full.Commands()) || !names["help"] || !names["completion"] || !names["trace"] {
			t.Errorf("%q: commands %v, want all %d with help and completion", args, names, len(full.Commands()))
		}
	}
}
