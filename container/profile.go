package container

import (
	"errors"
	"fmt"

	"github.com/seccomp-gen/seccomp-gen/internal/atomicfile"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/profiles"
	"github.com/seccomp-gen/seccomp-gen/reduce"
	"github.com/seccomp-gen/seccomp-gen/scmp"
	"github.com/seccomp-gen/seccomp-gen/trace"
)

// ProfileOptions say how a container's trace becomes a profile.
type ProfileOptions struct {
	// Runtime is the OCI runtime that ran the container ("runc" or
	// "crun"): its measured baseline is added. Empty or unknown adds the
	// default baselines (both).
	Runtime string
	// Input is a profile to extend (the annotation's if:): everything it
	// allows stays allowed, what it allows unconditionally without
	// argument rules (reduce.Options.Extend).
	Input *policy.Policy
	// InputName names Input in the report.
	InputName string
	// Format is the output format (default: docker).
	Format emit.Format
}

// Baselines returns the baselines for a runtime: its own when it is one
// seccomp-gen measured, else the defaults.
func Baselines(runtime string) []string {
	switch runtime {
	case "runc", "crun":
		return []string{runtime}
	}
	return profiles.DefaultBaselines
}

// Profile reduces one container trace into a profile and encodes it.
func Profile(f *trace.File, o ProfileOptions) ([]byte, *reduce.Result, error) {
	bl, err := profiles.Resolve(Baselines(o.Runtime), nil)
	if err != nil {
		return nil, nil, err
	}
	native, err := scmp.Native()
	if err != nil {
		return nil, nil, err
	}
	res, err := reduce.Reduce([]reduce.Input{{Path: "container " + containerID(f), File: f}},
		reduce.Options{Native: native, Baselines: bl, Extend: o.Input, ExtendName: o.InputName}, scmp.Tables{})
	if err != nil {
		return nil, nil, err
	}
	format := o.Format
	if format == "" {
		format = emit.FormatDocker
	}
	data, err := emit.Write(res.Policy, format, emit.Options{Name: "seccomp-gen-" + containerID(f)})
	if err != nil {
		return nil, nil, err
	}
	// What the hook writes, check, replay, lint and a later if: read:
	// never a file they refuse.
	if _, _, err := emit.Parse("profile", data); err != nil {
		if deniesNothing(res.Policy) {
			return nil, nil, fmt.Errorf("the container used every syscall that if:%s denies, so the profile would allow every syscall (seccomp-gen reads no such profile); nothing written: run the container with no seccomp profile, or extend a profile that denies what it must not do", o.InputName)
		}
		return nil, nil, fmt.Errorf("the profile does not read back (nothing written): %w", err)
	}
	return data, res, nil
}

// deniesNothing says whether p lets every syscall run: a default that
// allows or logs, and no rule that does otherwise.
func deniesNothing(p *policy.Policy) bool {
	permissive := func(a policy.Action) bool { return a == policy.ActAllow || a == policy.ActLog }
	if !permissive(p.DefaultAction) {
		return false
	}
	for _, r := range p.Rules {
		if !permissive(r.Action) {
			return false
		}
	}
	return true
}

func containerID(f *trace.File) string {
	if f.Target.Container != nil {
		return f.Target.Container.ID
	}
	return "?"
}

// ReadInput reads a profile to extend, in any format seccomp-gen reads,
// from path, which must resolve into one of dirs (resolved,
// atomicfile.ResolveDirs) and be a regular file (atomicfile.ReadWithin).
// The conditional entries (includes/excludes) of a Docker or
// containers-common profile are resolved for caps, the container's
// bounding capability set (BundleCaps); nil means Docker's default set.
// allowUnknown drops names the installed libseccomp cannot resolve on any
// of the profile's ABIs, as runc and crun do, and says which to warn (nil:
// nowhere); otherwise they are an error.
func ReadInput(path string, caps []string, dirs []string, allowUnknown bool, warn func(error)) (*policy.Policy, error) {
	data, err := atomicfile.ReadWithin(path, dirs, emit.MaxProfileSize)
	if errors.Is(err, atomicfile.ErrTooLarge) {
		return nil, fmt.Errorf("if:%s: larger than %d MiB, the most a profile may have; not read", path, emit.MaxProfileSize>>20)
	}
	if err != nil {
		return nil, fmt.Errorf("if:%s: %w", path, unwrapPath(err))
	}
	p, _, err := emit.ParseWith(path, data, emit.ReadOptions{Host: capsHost(caps), AllowUnknownSyscalls: allowUnknown, Warn: warn})
	var unknown *emit.UnknownSyscallsError
	if errors.As(err, &unknown) {
		return nil, fmt.Errorf("if:%s: %w (--allow-unknown-syscalls in the hook's args, or the runtime wrapper's runtimeArgs, drops them too)", path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("if:%s: %w", path, err)
	}
	return p, nil
}
