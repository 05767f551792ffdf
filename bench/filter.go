package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"sort"

	mobyseccomp "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	seccomp "github.com/seccomp/libseccomp-golang"

	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// Classic BPF opcodes used by seccomp filters (linux/filter.h, linux/bpf_common.h).
const (
	bpfLD   = 0x00
	bpfLDX  = 0x01
	bpfST   = 0x02
	bpfSTX  = 0x03
	bpfALU  = 0x04
	bpfJMP  = 0x05
	bpfRET  = 0x06
	bpfMISC = 0x07

	bpfW   = 0x00
	bpfIMM = 0x00
	bpfABS = 0x20
	bpfMEM = 0x60
	bpfLEN = 0x80

	bpfK = 0x00
	bpfX = 0x08
	bpfA = 0x10

	bpfADD = 0x00
	bpfSUB = 0x10
	bpfMUL = 0x20
	bpfDIV = 0x30
	bpfOR  = 0x40
	bpfAND = 0x50
	bpfLSH = 0x60
	bpfRSH = 0x70
	bpfNEG = 0x80
	bpfMOD = 0x90
	bpfXOR = 0xa0

	bpfJA   = 0x00
	bpfJEQ  = 0x10
	bpfJGT  = 0x20
	bpfJGE  = 0x30
	bpfJSET = 0x40

	bpfTAX = 0x00
	bpfTXA = 0x80

	seccompRetAllow      = 0x7fff0000
	seccompRetActionFull = 0xffff0000

	auditArchX86_64 = 0xc000003e
	auditArchI386   = 0x40000003
	// The size of struct seccomp_data: nr, arch, instruction_pointer, args[6].
	seccompDataLen = 64
)

type insn struct {
	Code   uint16
	Jt, Jf uint8
	K      uint32
}

// parseFilter decodes raw struct sock_filter bytes (native little endian).
func parseFilter(b []byte) ([]insn, error) {
	if len(b) == 0 || len(b)%8 != 0 {
		return nil, fmt.Errorf("filter: %d bytes is not a whole number of 8-byte instructions", len(b))
	}
	out := make([]insn, len(b)/8)
	for i := range out {
		o := b[i*8:]
		out[i] = insn{binary.LittleEndian.Uint16(o), o[2], o[3], binary.LittleEndian.Uint32(o[4:])}
	}
	return out, nil
}

// seccompData is the input of a seccomp filter.
type seccompData struct {
	Nr   int32
	Arch uint32
	IP   uint64
	Args [6]uint64
}

func (d *seccompData) word(off uint32) (uint32, bool) {
	var b [seccompDataLen]byte
	binary.LittleEndian.PutUint32(b[0:], uint32(d.Nr))
	binary.LittleEndian.PutUint32(b[4:], d.Arch)
	binary.LittleEndian.PutUint64(b[8:], d.IP)
	for i, a := range d.Args {
		binary.LittleEndian.PutUint64(b[16+8*i:], a)
	}
	if off%4 != 0 || off+4 > seccompDataLen {
		return 0, false
	}
	return binary.LittleEndian.Uint32(b[off:]), true
}

// runResult is what one interpreted run of a filter gave.
type runResult struct {
	Ret      uint32
	Steps    int  // instructions executed, the RET included
	ReadArgs bool // whether a word past nr/arch was loaded
}

// interpret interprets a seccomp filter the way the kernel does and counts the
// instructions it executes.
func interpret(prog []insn, d *seccompData) (runResult, error) {
	var a, x uint32
	var mem [16]uint32
	var res runResult
	for pc := 0; pc < len(prog); pc++ {
		in := prog[pc]
		res.Steps++
		switch in.Code & 0x07 {
		case bpfLD:
			switch in.Code & 0xe0 {
			case bpfABS:
				if in.K >= 8 {
					res.ReadArgs = true
				}
				v, ok := d.word(in.K)
				if !ok {
					return res, fmt.Errorf("filter: pc %d: bad load offset %d", pc, in.K)
				}
				a = v
			case bpfIMM:
				a = in.K
			case bpfMEM:
				a = mem[in.K&15]
			case bpfLEN:
				a = seccompDataLen
			default:
				return res, fmt.Errorf("filter: pc %d: unsupported load %#x", pc, in.Code)
			}
		case bpfLDX:
			switch in.Code & 0xe0 {
			case bpfIMM:
				x = in.K
			case bpfMEM:
				x = mem[in.K&15]
			case bpfLEN:
				x = seccompDataLen
			default:
				return res, fmt.Errorf("filter: pc %d: unsupported ldx %#x", pc, in.Code)
			}
		case bpfST:
			mem[in.K&15] = a
		case bpfSTX:
			mem[in.K&15] = x
		case bpfALU:
			v := in.K
			if in.Code&bpfX != 0 {
				v = x
			}
			switch in.Code & 0xf0 {
			case bpfADD:
				a += v
			case bpfSUB:
				a -= v
			case bpfMUL:
				a *= v
			case bpfDIV:
				if v == 0 {
					return res, nil // the kernel returns 0 (kill)
				}
				a /= v
			case bpfMOD:
				if v == 0 {
					return res, nil
				}
				a %= v
			case bpfOR:
				a |= v
			case bpfAND:
				a &= v
			case bpfXOR:
				a ^= v
			case bpfLSH:
				a <<= v
			case bpfRSH:
				a >>= v
			case bpfNEG:
				a = -a
			}
		case bpfJMP:
			if in.Code&0xf0 == bpfJA {
				pc += int(in.K)
				continue
			}
			v := in.K
			if in.Code&bpfX != 0 {
				v = x
			}
			var t bool
			switch in.Code & 0xf0 {
			case bpfJEQ:
				t = a == v
			case bpfJGT:
				t = a > v
			case bpfJGE:
				t = a >= v
			case bpfJSET:
				t = a&v != 0
			default:
				return res, fmt.Errorf("filter: pc %d: unsupported jump %#x", pc, in.Code)
			}
			if t {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		case bpfRET:
			switch in.Code & 0x18 {
			case bpfK:
				res.Ret = in.K
			case bpfA:
				res.Ret = a
			}
			return res, nil
		case bpfMISC:
			if in.Code&0xf8 == bpfTXA {
				a = x
			} else {
				x = a
			}
		}
	}
	return res, fmt.Errorf("filter: ran off the end")
}

// constAllow is the kernel's seccomp_is_const_allow (kernel/seccomp.c): the
// emulation seccomp_cache_prepare runs for every syscall number of the native
// and compat arch at filter load time. A syscall whose answer is ALLOW without
// loading anything but nr and arch goes into the action cache and never runs
// the filter again.
func constAllow(prog []insn, arch uint32, nr uint32) bool {
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
			return in.K == seccompRetAllow
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
	AllowedNames   []string
}

// analyze interprets prog for every x86_64 syscall number libseccomp knows.
func analyze(prog []insn) (filterStats, error) {
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
		d := seccompData{Nr: int32(nr), Arch: auditArchX86_64}
		r, err := interpret(prog, &d)
		if err != nil {
			return st, err
		}
		if r.Steps > st.AllMax {
			st.AllMax = r.Steps
		}
		if r.Ret&seccompRetActionFull != seccompRetAllow {
			continue
		}
		st.Allowed++
		st.AllowedNames = append(st.AllowedNames, name)
		total += r.Steps
		if r.Steps > st.MaxSteps {
			st.MaxSteps, st.MaxStepsName = r.Steps, name
		}
		c := constAllow(prog, auditArchX86_64, uint32(nr))
		if c {
			st.Cacheable++
		}
		if !r.ReadArgs {
			st.ArgFree++
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
var dockerCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// dockerDefaultFilter resolves moby's default profile for a container with
// Docker's default capabilities on this host (moby's own GetDefaultProfile)
// and compiles it with libseccomp the way runc does (without runc's ENOSYS
// stub). It returns the raw sock_filter bytes.
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
