package main

import (
	"fmt"
	"os"
	"sort"

	mobyseccomp "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	seccomp "github.com/seccomp/libseccomp-golang"

	"github.com/seccomp-gen/seccomp-gen/emit"
	"github.com/seccomp-gen/seccomp-gen/emit/cbpf"
	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// Classic BPF opcodes constAllow understands (linux/filter.h,
// linux/bpf_common.h).
const (
	bpfLD  = 0x00
	bpfALU = 0x04
	bpfJMP = 0x05
	bpfRET = 0x06

	bpfW   = 0x00
	bpfABS = 0x20
	bpfK   = 0x00
	bpfAND = 0x50

	bpfJA   = 0x00
	bpfJEQ  = 0x10
	bpfJGT  = 0x20
	bpfJGE  = 0x30
	bpfJSET = 0x40
)

// constAllow is the kernel's seccomp_is_const_allow (kernel/seccomp.c): the
// emulation seccomp_cache_prepare runs for every syscall number of the native
// and compat arch at filter load time. A syscall whose answer is ALLOW without
// loading anything but nr and arch goes into the action cache and never runs
// the filter again.
func constAllow(prog cbpf.Program, arch uint32, nr uint32) bool {
	var reg uint32
	for pc := 0; pc < len(prog); pc++ {
		in := prog[pc]
		switch in.Code {
		case bpfLD | bpfW | bpfABS:
			switch in.K {
			case 0:
				reg = nr
			case 4:
				reg = arch
			default:
				return false
			}
		case bpfRET | bpfK:
			return in.K == cbpf.RetAllow
		case bpfJMP | bpfJA:
			pc += int(in.K)
		case bpfJMP | bpfJEQ | bpfK, bpfJMP | bpfJGE | bpfK, bpfJMP | bpfJGT | bpfK, bpfJMP | bpfJSET | bpfK:
			var t bool
			switch in.Code & 0xf0 {
			case bpfJEQ:
				t = reg == in.K
			case bpfJGE:
				t = reg >= in.K
			case bpfJGT:
				t = reg > in.K
			case bpfJSET:
				t = reg&in.K != 0
			}
			if t {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		case bpfALU | bpfAND | bpfK:
			reg &= in.K
		default:
			return false
		}
	}
	return false
}

// filterStats is the cost of one filter for the x86_64 ABI.
type filterStats struct {
	Insns          int
	Allowed        int // x86_64 syscall numbers the filter allows (args all 0)
	ArgFree        int // of those, allowed without reading any argument
	Cacheable      int // of the allowed ones, how many the kernel's action cache serves
	ArgFreeNoCache []string
	MeanSteps      float64
	AllMax         int // max steps over every known x86_64 number, denied ones included
	MaxSteps       int
	MaxStepsName   string
	ArgFreeMax     int // max steps over the allowed syscalls that read no argument
	AllowedNames   []string
}

// analyze runs prog in emit/cbpf's interpreter for every x86_64 syscall
// number libseccomp knows.
func analyze(prog cbpf.Program) (filterStats, error) {
	st := filterStats{Insns: len(prog)}
	maxNr, err := scmp.MaxNr("x86_64")
	if err != nil {
		return st, err
	}
	total := 0
	for nr := 0; nr <= maxNr; nr++ {
		name, ok := scmp.Name("x86_64", nr)
		if !ok {
			continue
		}
		r, err := prog.Run(cbpf.Data{Nr: int32(nr), Arch: cbpf.AuditArchX86_64})
		if err != nil {
			return st, err
		}
		if r.Steps > st.AllMax {
			st.AllMax = r.Steps
		}
		if r.Action != policy.ActAllow {
			continue
		}
		st.Allowed++
		st.AllowedNames = append(st.AllowedNames, name)
		total += r.Steps
		if r.Steps > st.MaxSteps {
			st.MaxSteps, st.MaxStepsName = r.Steps, name
		}
		c := constAllow(prog, cbpf.AuditArchX86_64, uint32(nr))
		if c {
			st.Cacheable++
		}
		if !r.ReadArgs {
			st.ArgFree++
			if r.Steps > st.ArgFreeMax {
				st.ArgFreeMax = r.Steps
			}
			if !c {
				st.ArgFreeNoCache = append(st.ArgFreeNoCache, name)
			}
		}
	}
	if st.Allowed > 0 {
		st.MeanSteps = float64(total) / float64(st.Allowed)
	}
	sort.Strings(st.AllowedNames)
	return st, nil
}

// dockerCaps is Docker's default capability set (moby oci/caps/defaults.go).
var dockerCaps = emit.DockerCaps

// dockerDefaultFilter resolves moby's default profile for a container with
// Docker's default capabilities on this host (moby's own GetDefaultProfile)
// and compiles it with libseccomp the way runc does (without runc's ENOSYS
// stub). It returns the raw sock_filter bytes.
// dockerDefaultAllowed is how many x86_64 syscalls Docker's default profile
// allows (the yardstick of profile sizes).
func dockerDefaultAllowed() (int, error) {
	data, err := dockerDefaultFilter()
	if err != nil {
		return 0, err
	}
	prog, err := cbpf.Parse(data)
	if err != nil {
		return 0, err
	}
	st, err := analyze(prog)
	if err != nil {
		return 0, err
	}
	return st.Allowed, nil
}

func dockerDefaultFilter() ([]byte, error) {
	spec := &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{
		Bounding: dockerCaps, Effective: dockerCaps, Permitted: dockerCaps,
	}}}
	ls, err := mobyseccomp.GetDefaultProfile(spec)
	if err != nil {
		return nil, fmt.Errorf("docker default profile: %w", err)
	}
	return compileSpec(ls)
}

func scmpAction(a specs.LinuxSeccompAction, errno *uint, deflt uint) (seccomp.ScmpAction, error) {
	switch a {
	case specs.ActAllow:
		return seccomp.ActAllow, nil
	case specs.ActErrno:
		e := deflt
		if errno != nil {
			e = *errno
		}
		return seccomp.ActErrno.SetReturnCode(int16(e)), nil
	case specs.ActKill, specs.ActKillThread:
		return seccomp.ActKillThread, nil
	case specs.ActKillProcess:
		return seccomp.ActKillProcess, nil
	case specs.ActTrap:
		return seccomp.ActTrap, nil
	case specs.ActLog:
		return seccomp.ActLog, nil
	}
	return seccomp.ActInvalid, fmt.Errorf("action %s: not supported by the benchmark", a)
}

var scmpOps = map[specs.LinuxSeccompOperator]seccomp.ScmpCompareOp{
	specs.OpNotEqual: seccomp.CompareNotEqual, specs.OpLessThan: seccomp.CompareLess,
	specs.OpLessEqual: seccomp.CompareLessOrEqual, specs.OpEqualTo: seccomp.CompareEqual,
	specs.OpGreaterEqual: seccomp.CompareGreaterEqual, specs.OpGreaterThan: seccomp.CompareGreater,
	specs.OpMaskedEqual: seccomp.CompareMaskedEqual,
}

// compileSpec compiles an OCI seccomp object with libseccomp, following
// runc's libcontainer/seccomp: syscalls libseccomp does not know are
// skipped, and argument conditions on the same index become separate rules.
func compileSpec(ls *specs.LinuxSeccomp) ([]byte, error) {
	deflt := uint(1)
	if ls.DefaultErrnoRet != nil {
		deflt = *ls.DefaultErrnoRet
	}
	defAct, err := scmpAction(ls.DefaultAction, ls.DefaultErrnoRet, 1)
	if err != nil {
		return nil, err
	}
	f, err := seccomp.NewFilter(defAct)
	if err != nil {
		return nil, fmt.Errorf("libseccomp: %w", err)
	}
	defer f.Release()
	for _, a := range ls.Architectures {
		arch, err := seccomp.GetArchFromString(string(a))
		if err != nil {
			continue
		}
		if err := f.AddArch(arch); err != nil {
			return nil, fmt.Errorf("libseccomp: arch %s: %w", a, err)
		}
	}
	for _, sc := range ls.Syscalls {
		act, err := scmpAction(sc.Action, sc.ErrnoRet, deflt)
		if err != nil {
			return nil, err
		}
		if act == defAct {
			continue
		}
		var conds []seccomp.ScmpCondition
		sameIndex := false
		seen := map[uint]bool{}
		for _, a := range sc.Args {
			op, ok := scmpOps[a.Op]
			if !ok {
				return nil, fmt.Errorf("operator %s: not supported", a.Op)
			}
			c, err := seccomp.MakeCondition(a.Index, op, a.Value, a.ValueTwo)
			if err != nil {
				return nil, fmt.Errorf("libseccomp: condition: %w", err)
			}
			conds = append(conds, c)
			sameIndex = sameIndex || seen[a.Index]
			seen[a.Index] = true
		}
		for _, name := range sc.Names {
			nr, err := seccomp.GetSyscallFromName(name)
			if err != nil {
				continue // unknown to this libseccomp, as runc does
			}
			switch {
			case len(conds) == 0:
				err = f.AddRule(nr, act)
			case sameIndex:
				for _, c := range conds {
					if err = f.AddRuleConditional(nr, act, []seccomp.ScmpCondition{c}); err != nil {
						break
					}
				}
			default:
				err = f.AddRuleConditional(nr, act, conds)
			}
			if err != nil {
				return nil, fmt.Errorf("libseccomp: rule %s: %w", name, err)
			}
		}
	}
	// ExportBPFMem needs libseccomp >= 2.6; Debian 12 has 2.5.4.
	tmp, err := os.CreateTemp("", "bench-filter-*.bpf")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err := f.ExportBPF(tmp); err != nil {
		return nil, fmt.Errorf("libseccomp: export: %w", err)
	}
	return os.ReadFile(tmp.Name())
}
