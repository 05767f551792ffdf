package cbpf

import (
	"bytes"
	"fmt"
	"slices"
	"sort"

	"github.com/seccomp-gen/seccomp-gen/policy"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// Filter is a compiled filter seen as a profile: its answers come from
// running the program in the interpreter, as the kernel would run it. It
// has the methods of verdict.Answerer, so check, replay and diff take a raw
// filter ('generate --format bpf') wherever they take a profile.
type Filter struct {
	Prog   Program
	arches []string
}

// NewFilter checks p and finds the ABIs it covers by running it: an ABI is
// covered unless the program kills every syscall libseccomp knows there
// without looking at the arguments (what libseccomp's filters do for ABIs
// they do not list, and what a profile that covers an ABI only to kill all of
// it amounts to).
func NewFilter(p Program) (*Filter, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	f := &Filter{Prog: p}
	for _, arch := range scmp.ArchNames() {
		names, err := scmp.Names(arch)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			nr, err := scmp.Number(arch, n)
			if err != nil {
				continue
			}
			v := f.answer(arch, nr, [6]uint64{})
			if v.Conditional || !killing(v.Action) {
				f.arches = append(f.arches, arch)
				break
			}
		}
	}
	return f, nil
}

func killing(a policy.Action) bool {
	return a == policy.ActKill || a == policy.ActKillThread || a == policy.ActKillProcess
}

// Arches lists the ABIs the filter covers, in scmp.ArchNames order.
func (f *Filter) Arches() []string { return append([]string(nil), f.arches...) }

// Covers reports whether the filter covers arch.
func (f *Filter) Covers(arch string) bool { return slices.Contains(f.arches, arch) }

// Number returns the number of syscall name on arch in libseccomp's table
// (x32 numbers with bit 30 set), the number Answer takes.
func (f *Filter) Number(arch, name string) (int, error) { return scmp.Number(arch, name) }

// Answer runs the filter for syscall nr of arch (x32 numbers with bit 30
// set, as seccomp_data.nr carries them) with argument values args.
// Conditional is set when the run read an argument (or the instruction
// pointer): the answer may depend on it.
func (f *Filter) Answer(arch string, nr int, args [6]uint64) policy.Verdict {
	return f.answer(arch, nr, args)
}

func (f *Filter) answer(arch string, nr int, args [6]uint64) policy.Verdict {
	audit, ok := AuditArch(arch)
	if !ok {
		return policy.Verdict{Action: policy.ActKillProcess}
	}
	r, err := f.Prog.run(Data{Nr: int32(nr), Arch: audit, Args: args}.Bytes())
	if err != nil {
		// Check passed, so the run cannot fail; the kernel kills
		// for anything a filter gets wrong.
		return policy.Verdict{Action: policy.ActKillProcess}
	}
	v := policy.Verdict{Action: r.Action, Conditional: r.ReadArgs}
	if r.Action == policy.ActErrno || r.Action == policy.ActTrace {
		v.Errno = uint(r.Data)
	}
	return v
}

// Probes returns argument vectors worth running nr with when its answer
// depends on arguments: the constants the filter compares argument words
// with (each 32-bit half, their neighbours, and each bit of the masks it
// applies) on each argument it loads. A raw filter carries no conditions,
// so these are the filter's own constants; a diff against a profile adds
// the profile's.
func (f *Filter) Probes(arch string, nr int) [][6]uint64 {
	if !f.answer(arch, nr, [6]uint64{}).Conditional {
		return nil
	}
	lo, hi := f.argConstants()
	set := map[[6]uint64]bool{{}: true}
	for i := 0; i < 6; i++ {
		var lows []uint64
		for c := range lo[i] {
			lows = append(lows, uint64(c), uint64(c-1), uint64(c+1))
		}
		lows = append(lows, 0, 0xffffffff)
		highs := []uint64{0, 0xffffffff}
		for c := range hi[i] {
			highs = append(highs, uint64(c), uint64(c-1), uint64(c+1))
		}
		if len(lows)*len(highs) > 4096 {
			highs = highs[:2]
		}
		for _, h := range highs {
			for _, l := range lows {
				var p [6]uint64
				p[i] = h<<32 | l
				set[p] = true
			}
		}
	}
	out := make([][6]uint64, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		for k := 0; k < 6; k++ {
			if out[i][k] != out[j][k] {
				return out[i][k] < out[j][k]
			}
		}
		return false
	})
	return out
}

// argConstants collects, per argument index, the constants the program
// compares (or masks) the low and high word of that argument with. It reads
// the program straight through, taking A to hold the word loaded last, which
// is how libseccomp lays out argument comparisons.
func (f *Filter) argConstants() (lo, hi [6]map[uint32]bool) {
	for i := range lo {
		lo[i], hi[i] = map[uint32]bool{}, map[uint32]bool{}
	}
	cur := -1 // offset of the argument word in A, -1 for none
	for _, in := range f.Prog {
		switch {
		case in.Code == clsLD|szW|modeABS:
			cur = -1
			if in.K >= offArgs && in.K < SeccompDataSize {
				cur = int(in.K)
			}
			continue
		case cur < 0:
			continue
		}
		i := (cur - offArgs) / 8
		m := lo[i]
		if (cur-offArgs)%8 == 4 {
			m = hi[i]
		}
		switch {
		case in.class() == clsJMP && in.Code != clsJMP|jmpJA && in.Code&srcX == 0:
			m[in.K] = true
		case in.Code == clsALU|aluAND|srcK:
			m[in.K] = true
			for b := 0; b < 32; b++ {
				if in.K&(1<<b) != 0 {
					m[1<<b] = true
				}
			}
		case in.class() == clsALU || in.class() == clsLD || in.class() == clsLDX || in.class() == clsMISC:
			cur = -1
		}
	}
	return lo, hi
}

// LooksRaw reports whether data is a raw filter: a non-empty multiple of 8
// bytes, at most MaxInstructions of them, whose instructions all have a
// 16-bit code below 0x100 (the kernel refuses any other) and that passes
// Check. Every such file holds a NUL byte in each instruction, so no text
// file (JSON, YAML, with or without a byte-order mark) is one.
func LooksRaw(data []byte) bool {
	_, err := ParseRaw(data)
	return err == nil
}

// ParseRaw is Parse with LooksRaw's stricter opcode test.
func ParseRaw(data []byte) (Program, error) {
	if len(data) > MaxInstructions*InstructionSize {
		return nil, fmt.Errorf("%w: %d bytes is more than %d instructions", ErrBadProgram, len(data), MaxInstructions)
	}
	for o := 1; o < len(data); o += InstructionSize {
		if data[o] != 0 {
			return nil, fmt.Errorf("%w: instruction %d: opcode %#04x is not one the kernel accepts", ErrBadProgram, o/InstructionSize, uint16(data[o])<<8|uint16(data[o-1]))
		}
	}
	return Parse(data)
}

// Binary reports whether data holds a NUL byte. Every instruction of a
// valid filter does (its 16-bit code is below 0x100); no JSON or YAML
// profile does. (Invalid UTF-8 alone does not make data binary: Go's JSON
// decoder, and so runc, reads such a profile.)
func Binary(data []byte) bool {
	return bytes.IndexByte(data, 0) >= 0
}
