package main

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func newRootCmd() *cobra.Command { return newRootCmdFor(nil) }

// commands are seccomp-gen's commands, with the names and aliases they
// answer to (TestCommandsTable holds them to the commands' own).
var commands = []struct {
	names []string
	build func() *cobra.Command
	tree  bool // it reads the whole command tree
}{
	{[]string{"trace"}, newTraceCmd, false},
	{[]string{"generate"}, newGenerateCmd, false},
	{[]string{"disasm", "inspect"}, newDisasmCmd, false},
	{[]string{"replay"}, newReplayCmd, false},
	{[]string{"check"}, newCheckCmd, false},
	{[]string{"diff"}, newDiffCmd, false},
	{[]string{"lint"}, newLintCmd, false},
	{[]string{"version"}, newVersionCmd, false},
	{[]string{"doctor"}, newDoctorCmd, false},
	{[]string{"__man"}, newManCmd, true}, // hidden, only with -tags man: make man
	{[]string{"hook"}, newHookCmd, false},
	{[]string{"hook-recorder"}, newHookRecorderCmd, false}, // hidden: the detached recorder of hook
	{[]string{"runtime"}, newRuntimeCmd, false},
}

// newRootCmdFor is the root command for the command line args: when its
// first word names a command, only that one is built (help and completion
// are not, since the first word is neither); else, and for nil, every
// command. Building them all (their flags and help texts, cobra's
// completion command's) was part of every start: trace -- /bin/true's
// main -> record was 3.06 ms median instead of 4.33 on the loaded 2-core
// PVM machine of issue 13 (paired difference -0.89 ms median, -1.58 mean,
// se 0.49; 81 interleaved rounds).
func newRootCmdFor(args []string) *cobra.Command {
	var only *cobra.Command
	if len(args) > 0 {
		for _, c := range commands {
			if slices.Contains(c.names, args[0]) && !c.tree {
				only = c.build()
				break
			}
		}
	}
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
	root.SetFlagErrorFunc(flagUsage)
	if only != nil {
		root.AddCommand(only)
		// Nothing here asks for help or completion: cobra would build
		// its completion command anyway (ExecuteC).
		root.CompletionOptions.DisableDefaultCmd = true
	} else {
		for _, b := range commands {
			if c := b.build(); c != nil {
				root.AddCommand(c)
			}
		}
		strictHelpAndCompletion(root)
		// seccomp-gen --version, as most tools answer it: the first line
		// of 'seccomp-gen version'. Only here: a command's own flags
		// come after its name, and trace's start builds nothing more.
		root.Version = toolVersion()
		root.Flags().Bool("version", false, "print seccomp-gen's version and exit ('seccomp-gen version' prints Go's, libseccomp's and the eBPF recorder's too)")
		root.SetVersionTemplate("seccomp-gen {{.Version}}\n")
	}
	for _, c := range root.Commands() {
		quietZeroDurations(c)
	}
	return root
}

// quietZeroDurations keeps "(default 0s)" out of the help of duration flags
// whose zero means "none" (--duration, --timeout): pflag prints a default it
// does not take for a zero value, and "0" it does.
func quietZeroDurations(c *cobra.Command) {
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Value.Type() == "duration" && f.DefValue == "0s" {
			f.DefValue = "0"
		}
	})
}

// strictHelpAndCompletion makes cobra's help and completion commands fail
// on a topic or shell they do not know (exit 2), where cobra prints help and
// exits 0: `seccomp-gen completion bsah > file` would otherwise write the
// help text into file and succeed.
func strictHelpAndCompletion(root *cobra.Command) {
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		switch c.Name() {
		case "help":
			show := c.Run
			c.Run = nil
			c.RunE = func(c *cobra.Command, args []string) error {
				if cmd, _, err := c.Root().Find(args); cmd == nil || err != nil {
					return usageErrf("unknown help topic %q (see '%s --help')", strings.Join(args, " "), c.Root().CommandPath())
				}
				show(c, args)
				return nil
			}
		case "completion":
			// Every shell's script goes to standard output.
			for _, s := range c.Commands() {
				script := s.RunE
				s.RunE = func(cmd *cobra.Command, args []string) error {
					if err := needStdout("completion " + cmd.Name()); err != nil {
						return err
					}
					return script(cmd, args)
				}
			}
			var shells []string
			for _, s := range c.Commands() {
				shells = append(shells, s.Name())
			}
			c.Use = "completion SHELL"
			c.Args = argsUsage(func(cmd *cobra.Command, args []string) error {
				if len(args) > 0 {
					return fmt.Errorf("unknown shell %q (known: %s)", args[0], strings.Join(shells, ", "))
				}
				return nil
			})
			c.RunE = func(cmd *cobra.Command, args []string) error {
				return usageErrf("name a shell: %s (see '%s --help')", orList(shells), cmd.CommandPath())
			}
		}
	}
}

// atLeast and exactly check a command's argument count and name what is
// missing from the command's usage line (cobra says "requires at least 1
// arg(s), only received 0"); argsUsage adds the usage line.
func atLeast(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return missingArgs(cmd, len(args))
		}
		return nil
	}
}

func exactly(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) > n:
			return fmt.Errorf("unexpected argument %q", args[n])
		case len(args) < n:
			return missingArgs(cmd, len(args))
		}
		return nil
	}
}

// missingArgs names the positional arguments of cmd's usage line from the
// (have+1)th on: "missing TRACE... (at least one)", "missing B".
func missingArgs(cmd *cobra.Command, have int) error {
	var pos []string
	words := strings.Fields(cmd.Use)
	for i, w := range words[1:] {
		if strings.HasPrefix(w, "-") || strings.HasPrefix(w, "[") || strings.ToUpper(w) != w ||
			strings.HasPrefix(words[i], "-") { // a flag's value: --profile PROFILE
			continue
		}
		pos = append(pos, w)
	}
	if have >= len(pos) {
		return errors.New("an argument is missing")
	}
	missing := strings.Join(pos[have:], " ")
	if strings.HasSuffix(missing, "...") {
		return fmt.Errorf("missing %s (at least one)", missing)
	}
	return fmt.Errorf("missing %s", missing)
}

// argsUsage wraps a cobra positional-args validator so that its errors are
// usage errors.
func argsUsage(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := v(cmd, args); err != nil {
			return usageErrf("%v; usage: %s (see '%s --help')", err, cmd.UseLine(), cmd.CommandPath())
		}
		return nil
	}
}

// noArgs is cobra.NoArgs in words that fit a command without subcommands
// (cobra's speak of an "unknown command").
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unexpected argument %q", args[0])
	}
	return nil
}

// flagUsage is the error of a bad flag or argument: a usage error that
// points at the command's help. run names the command.
func flagUsage(cmd *cobra.Command, err error) error {
	return usageErrf("%v (see '%s --help')", plainFlagErr(err), cmd.CommandPath())
}

// plainFlagErr says what is wrong with a flag's value without the parser's
// internals: pflag's `invalid argument "x" for "--min-count" flag:
// strconv.ParseUint: parsing "x": invalid syntax` becomes
// `--min-count "x": not a whole number`.
func plainFlagErr(err error) error {
	var ive *pflag.InvalidValueError
	if !errors.As(err, &ive) {
		return err
	}
	f := ive.GetFlag()
	name := "--" + f.Name
	cause := errors.Unwrap(ive)
	if cause == nil {
		return err
	}
	why := cause.Error()
	var ne *strconv.NumError
	switch typ := f.Value.Type(); {
	case errors.As(cause, &ne) && errors.Is(ne.Err, strconv.ErrRange):
		why = "out of range"
	case errors.As(cause, &ne) && typ == "bool":
		why = "not true or false"
	case errors.As(cause, &ne) && strings.HasPrefix(typ, "uint"):
		why = "not a whole number (0, 1, 2, ...)"
	case errors.As(cause, &ne) && strings.HasPrefix(typ, "int"):
		why = "not a whole number"
	case errors.As(cause, &ne):
		why = "not a number"
	case typ == "duration" && strings.HasPrefix(why, "time: "):
		// time.ParseDuration's errors are not typed.
		why = "not a duration (such as 500ms, 30s, 10m, 1h)"
	}
	return fmt.Errorf("%s %q: %s", name, ive.GetValue(), why)
}

// rootUsage makes an error cobra returns for the root command itself (an
// unknown command) a usage error: cobra returns it before any flag or
// argument validator runs.
func rootUsage(root, cmd *cobra.Command, err error) error {
	var ex *exitError
	if err == nil || cmd != root || errors.As(err, &ex) {
		return err
	}
	return usageErrf("%s (see '%s --help')", unknownCommandLine(err.Error(), root.CommandPath()), root.CommandPath())
}

// unknownCommandLine puts cobra's unknown-command error on one line: `unknown
// command "trcae" for "seccomp-gen"`, a blank line, "Did you mean this?"
// and one suggestion a line becomes `unknown command "trcae" (did you
// mean "trace"?)`.
func unknownCommandLine(msg, root string) string {
	head, rest, _ := strings.Cut(msg, "\n")
	head = strings.TrimSuffix(head, fmt.Sprintf(" for %q", root))
	var sugg []string
	for _, l := range strings.Split(rest, "\n") {
		if l = strings.TrimSpace(l); l != "" && l != "Did you mean this?" {
			sugg = append(sugg, strconv.Quote(l))
		}
	}
	if len(sugg) == 0 {
		return head
	}
	return fmt.Sprintf("%s (did you mean %s?)", head, strings.Join(sugg, " or "))
}

// errorLine is the message run prints after "seccomp-gen: ": err's, led by
// the command that failed ("generate: ..."), unless it already names it.
func errorLine(cmd *cobra.Command, err error) string {
	msg := err.Error()
	if cmd == nil || !cmd.HasParent() {
		return msg
	}
	path := strings.TrimPrefix(cmd.CommandPath(), cmd.Root().CommandPath()+" ")
	if strings.HasPrefix(msg, path+": ") {
		return msg
	}
	return path + ": " + msg
}
