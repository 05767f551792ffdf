package main

import (
	"fmt"
	"io"
	"log/syslog"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/seccomp-gen/seccomp-gen/container"
)

func newHookCmd() *cobra.Command {
	o := container.HookOptions{}
	cmd := &cobra.Command{
		Use:   "hook [flags]",
		Short: "OCI runtime hook: record a container from its entrypoint's execve (prestart or createRuntime)",
		Long: `hook is an OCI runtime hook for the prestart or createRuntime stage (runc, crun,
podman and CRI-O through hooks.d, Docker through 'seccomp-gen runtime'). It reads
the container's state from standard input, starts a detached recorder on the
container's init process and returns as soon as the recorder is attached.
Counting starts at the entrypoint's execve: the runtime's own set-up is not
recorded. When the container's processes are gone the recorder writes a
Docker-format profile (the recorded syscalls plus the measured baseline of the
runtime that ran it, runc or crun) and, with --trace, the trace.

The annotation io.containers.trace-syscall says where, as for
oci-seccomp-bpf-hook:
  of:PATH           write the profile to PATH
  if:PATH;of:PATH   extend the profile at PATH: everything it allows
                    stays allowed, what it allows unconditionally with
                    no argument rule of this run; its conditional
                    entries (includes/excludes caps) are resolved for
                    the container's bounding capabilities, read from
                    the bundle's config.json; when the run used every
                    syscall a deny list at PATH denies, the result
                    would deny nothing: no profile is written (the
                    recorder's log says so)
Without of:, --output-dir DIR writes DIR/<container ID>.json; a restart of
the same container (same ID) extends the profile its earlier runs left there.

Whoever can set annotations chooses those paths, and the hook runs as
root: of: and if: (and the trace next to of:) must resolve, every symbolic
link followed, into a directory named by --allow-path or --output-dir, or
the container does not start. Without either, the annotation may name no
file. Name directories only the administrator can write to (not /tmp:
there any annotation could replace other users' files); --allow-path /
brings back the old "anywhere" for hosts where everyone who can set
annotations is root already.

Errors (bad annotation, unwritable output, recorder cannot attach) are written
to standard error, which the runtime logs, and fail the container's start;
nothing stays attached. Messages of the detached recorder go to --log (default
syslog): a recording that cannot become a profile (a syscall in the deny
ceiling, see 'seccomp-gen generate --help') still leaves its trace (--trace)
for 'seccomp-gen generate --allow'.`,
		Example: `  # /usr/share/containers/oci/hooks.d/seccomp-gen.json (see README; its args
  # hold --allow-path /var/lib/seccomp-gen), then:
  podman run --annotation io.containers.trace-syscall=of:/var/lib/seccomp-gen/app.json alpine ls`,
		Args: argsUsage(noArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			err := runHook(o)
			if err != nil && o.Log != "" {
				// crun keeps a hook's stderr only where the annotation
				// run.oci.hooks.stderr says: --log gets it too.
				if lf, lerr := os.OpenFile(o.Log, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644); lerr == nil {
					fmt.Fprintf(lf, "%s seccomp-gen %v\n", time.Now().UTC().Format(time.RFC3339), err)
					lf.Close()
				}
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.OutputDir, "output-dir", "", "write DIR/<container ID>.json when the annotation has no of:; of: and if: may also name files in `DIR`")
	f.StringArrayVar(&o.AllowPaths, "allow-path", nil, "the annotation's of: and if: may name files in `DIR` or below (absolute; repeatable)")
	f.BoolVar(&o.Trace, "trace", false, "also write the trace next to the profile (PROFILE without .json + .trace.yaml)")
	f.BoolVar(&o.Exec, "exec", false, "also record processes that enter the container later by exec, each from its execve (watches the container's cgroup: every syscall on the machine pays a cgroup check meanwhile)")
	f.StringVar(&o.Runtime, "runtime", "", "the OCI `RUNTIME` running the hook, for its baseline: runc or crun (default: detected)")
	f.StringVar(&o.Log, "log", "", "append the detached recorder's messages to `FILE` (default: syslog)")
	f.DurationVar(&o.Timeout, "timeout", 30*time.Second, "fail when the recorder is not attached within this `DURATION`")
	f.BoolVar(&o.AllowUnknownSyscalls, "allow-unknown-syscalls", false, "read an if: profile that names syscalls the installed libseccomp knows on none of its ABIs (Docker's newer default names mseal, listmount, ...) as runc and crun do: drop those names (the recorder's log says which); otherwise the container does not start")
	return cmd
}

func runHook(o container.HookOptions) error {
	switch o.Runtime {
	case "", "runc", "crun":
	default:
		// Any other name would silently pick both baselines.
		return usageErrf("hook: --runtime %q: unknown (known: runc, crun; default: detected)", o.Runtime)
	}
	if o.Timeout <= 0 {
		return usageErrf("hook: --timeout %s: must be positive", o.Timeout)
	}
	for _, d := range o.AllowPaths {
		if !filepath.IsAbs(d) {
			return usageErrf("hook: --allow-path %q: not an absolute path", d)
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return exitWith(exitFailure, fmt.Errorf("hook: %w", err))
	}
	o.Recorder = []string{exe, "hook-recorder"}
	if err := stdinReadable("-"); err != nil {
		return exitWith(exitFailure, fmt.Errorf("hook: container state: %w (the runtime passes the OCI state JSON there)", err))
	}
	if err := container.Hook(os.Stdin, o); err != nil {
		return exitWith(exitFailure, fmt.Errorf("hook: %w", err))
	}
	return nil
}

// newHookRecorderCmd is the detached half of hook, re-executed by it.
func newHookRecorderCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "hook-recorder",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ready := os.NewFile(3, "ready")
			var logw io.Writer = os.Stderr
			if st, err := os.Stderr.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				// /dev/null: no --log; try syslog.
				if w, err := syslog.New(syslog.LOG_DAEMON|syslog.LOG_INFO, "seccomp-gen"); err == nil {
					defer w.Close()
					logw = w
				}
			}
			if code := container.RunRecorder(os.Stdin, ready, logw); code != 0 {
				return exitWith(code, nil)
			}
			return nil
		},
	}
}

func newRuntimeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "runtime [--output-dir DIR] [--allow-path DIR]... [--runc PATH] [--log FILE] [--no-trace] [--allow-unknown-syscalls] RUNC-ARGS...",
		Short: "A runc wrapper for Docker: records every container it creates through the hook",
		Long: `runtime takes runc's own command line unchanged, after its own flags. On create
(and run) it adds 'seccomp-gen hook' to the bundle's config.json at
createRuntime; then it executes runc with the same arguments. Register it in
/etc/docker/daemon.json:

  {"runtimes": {"seccomp-gen": {"path": "/usr/local/bin/seccomp-gen",
                                "runtimeArgs": ["runtime"]}}}

and run 'docker run --runtime seccomp-gen IMAGE ...'. Each container's profile
goes to the annotation's of: path when the engine passes one, else to
--output-dir/<container ID>.json (default ` + container.DefaultOutputDir + `), with the
trace next to it (unless --no-trace); each restart of the container extends
that profile. The annotation's of: and if: must resolve into --output-dir or
an --allow-path directory (see 'seccomp-gen hook --help'), else the container
does not start.

Its own flags, before runc's arguments ('--' ends them):
  --output-dir DIR  where profiles go when the annotation has no of: path
  --allow-path DIR  the annotation's of: and if: may name files in DIR too
                    (absolute; repeatable)
  --runc PATH       the runc to execute (a name without / is looked up in
                    PATH; default: runc in PATH)
  --log FILE        the hook's and its recorder's messages (default: syslog)
  --no-trace        write the profile only, not the trace
  --allow-unknown-syscalls
                    read an if: profile naming syscalls this libseccomp
                    does not know (Docker's newer default) as runc does:
                    drop those names (see 'seccomp-gen hook --help')
Everything else goes to runc unchanged; 'seccomp-gen runtime --help' alone
prints this text (runc's own help: 'seccomp-gen runtime -- --help').`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
				return cmd.Help()
			}
			o, rest, err := container.ParseWrapperArgs(args)
			// The engine reads why create failed in runc's --log file,
			// not on stderr: the error goes there too.
			failed := func(err error) error {
				_ = container.LogRuncError(rest, "seccomp-gen: "+err.Error())
				return err
			}
			if err != nil {
				return failed(usageErr(err))
			}
			exe, err := os.Executable()
			if err != nil {
				return failed(exitWith(exitFailure, fmt.Errorf("runtime: %w", err)))
			}
			o.Hook = exe
			runc, argv, err := container.Wrap(o, rest)
			if err != nil {
				return failed(exitWith(exitFailure, err))
			}
			err = syscall.Exec(runc, argv, os.Environ())
			return failed(exitWith(exitFailure, fmt.Errorf("runtime: exec %s: %w", runc, err)))
		},
	}
}
