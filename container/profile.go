package container

import (
	"fmt"
	"sort"

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
	// allows unconditionally stays allowed.
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
	if o.Input != nil {
		bl = append(bl, inputBaseline(o.Input, o.InputName))
	}
	native, err := scmp.Native()
	if err != nil {
		return nil, nil, err
	}
	res, err := reduce.Reduce([]reduce.Input{{Path: "container " + containerID(f), File: f}},
		reduce.Options{Native: native, Baselines: bl}, scmp.Tables{})
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
	return data, res, nil
}

func containerID(f *trace.File) string {
	if f.Target.Container != nil {
		return f.Target.Container.ID
	}
	return "?"
}

// inputBaseline turns what a profile allows unconditionally into a
// baseline, per ABI it covers. Rules with argument conditions are not
// carried over: their syscalls are allowed only if recorded.
func inputBaseline(p *policy.Policy, name string) *profiles.Baseline {
	set := map[string]bool{}
	for _, r := range p.Rules {
		if r.Action != policy.ActAllow || len(r.Args) > 0 {
			continue
		}
		for _, n := range r.Names {
			set[n] = true
		}
	}
	if p.DefaultAction == policy.ActAllow {
		// An allow-everything profile extends to itself; nothing to add
		// beyond the recorded names.
		set = map[string]bool{}
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	b := &profiles.Baseline{Name: "if:" + name, Description: "the profile extended", Syscalls: map[string][]string{}, Source: name}
	for _, a := range p.Arches {
		b.Syscalls[a] = names
	}
	if len(p.Arches) > 0 {
		b.Measured = p.Arches[0]
	}
	return b
}

// ReadInput reads a profile to extend, in any format seccomp-gen reads.
func ReadInput(path string) (*policy.Policy, error) {
	p, _, err := emit.Read(path)
	if err != nil {
		return nil, fmt.Errorf("if:%s: %w", path, err)
	}
	return p, nil
}
