package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/policy"
)

// profileReadFlags is the flag group of every command that reads a profile
// (check, replay, diff, disasm/inspect, lint), so that they all read it the
// same way and give the same answer about it.
type profileReadFlags struct {
	// allowUnknownSyscalls downgrades names libseccomp cannot resolve on
	// any of the profile's ABIs from an error to a warning.
	allowUnknownSyscalls bool
	// caps is --caps: the capability set conditional entries of Docker
	// and containers-common profiles are resolved for.
	caps    capsValue
	cmdName string
	stderr  io.Writer
}

func (f *profileReadFlags) addProfileReadFlags(cmd *cobra.Command) {
	f.cmdName = cmd.Name()
	cmd.Flags().BoolVar(&f.allowUnknownSyscalls, "allow-unknown-syscalls", false,
		"accept syscall names the installed libseccomp knows on none of the profile's ABIs (a profile for a newer libseccomp): warn on stderr and drop them, as runc and crun do; otherwise they are an error")
	f.caps = capsValue{name: "docker"}
	cmd.Flags().Var(&f.caps, "caps",
		"the container's capabilities, for the conditional entries (includes/excludes caps) of Docker and podman profiles: 'docker' (Docker's default set), 'podman' (podman's: no CAP_AUDIT_WRITE, CAP_MKNOD, CAP_NET_RAW), 'none', or a comma list such as CAP_SYS_ADMIN,CAP_SYS_PTRACE")
}

// conditionalHelp is the paragraph of every command that reads profiles
// about conditional entries.
const conditionalHelp = `Docker JSON includes Docker's (moby's) and podman's (containers-common's)
default profiles: their conditional entries (includes/excludes) are resolved
as docker and podman resolve them when a container starts, for this
machine's architecture, the capabilities --caps names (Docker's default set
unless told) and, for minKernel, this machine's kernel (docker's reading;
podman ignores minKernel). containers-common's errno names are read as
podman reads them.`

// capsValue is --caps, read by emit.ParseCaps when set.
type capsValue struct {
	name string
	host *emit.Host // nil: the default (Docker's set)
}

func (c *capsValue) String() string { return c.name }
func (c *capsValue) Type() string   { return "CAPS" }
func (c *capsValue) Set(s string) error {
	h, err := emit.ParseCaps(s)
	if err != nil {
		return err
	}
	c.name, c.host = s, h
	return nil
}

func (f *profileReadFlags) readOptions() emit.ReadOptions {
	return emit.ReadOptions{
		AllowUnknownSyscalls: f.allowUnknownSyscalls,
		Host:                 f.caps.host,
		Warn: func(err error) {
			w := f.stderr
			if w == nil {
				w = os.Stderr
			}
			fmt.Fprintf(w, "%s: warning: %v; dropped them (--allow-unknown-syscalls)\n", f.cmdName, err)
		},
	}
}

// readProfile reads the profile at path strictly: a file that is not a
// profile is a usage error, never an empty policy that passes or fails
// everything. emit validates what it reads (policy.Validate): a third
// pass here was ~1 ms of every replay's start.
func (f *profileReadFlags) readProfile(path string) (*policy.Policy, error) {
	p, _, err := emit.ReadWith(path, f.readOptions())
	if err != nil {
		return nil, usageErr(unknownSyscallsHint(err))
	}
	return p, nil
}

// parseProfile is readProfile for data already read; name is used in errors.
func (f *profileReadFlags) parseProfile(name string, data []byte) (*policy.Policy, emit.Format, error) {
	p, format, err := emit.ParseWith(name, data, f.readOptions())
	return p, format, unknownSyscallsHint(err)
}

// unknownSyscallsHint adds the way out to an *emit.UnknownSyscallsError.
func unknownSyscallsHint(err error) error {
	var ue *emit.UnknownSyscallsError
	if errors.As(err, &ue) {
		return fmt.Errorf("%w (--allow-unknown-syscalls: warn and drop them instead)", err)
	}
	return err
}
