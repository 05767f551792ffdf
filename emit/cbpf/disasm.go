package cbpf

import (
	"fmt"
	"io"
	"strings"

	"github.com/seccomp-gen/seccomp-gen/internal/text"
	"github.com/seccomp-gen/seccomp-gen/scmp"
)

// what the accumulator holds, tracked for comments.
type aSrc int

const (
	srcUnknown aSrc = iota
	srcNr
	srcArch
	srcIPLo
	srcIPHi
	srcArgLo // + 2*i
)

type state struct {
	set  bool
	a    aSrc
	arg  int    // for srcArgLo/Hi: argument index; hi when argHi
	hi   bool   // high half of an arg
	arch string // the ABI known on this path ("" unknown)
}

func merge(x, y state) state {
	if !x.set {
		return y
	}
	if !y.set {
		return x
	}
	if x.a != y.a || x.arg != y.arg || x.hi != y.hi {
		x.a = srcUnknown
	}
	if x.arch != y.arch {
		x.arch = ""
	}
	return x
}

// Disassemble writes the program readably: one instruction per line with
// its index, mnemonic and operands, absolute jump targets, and comments
// naming seccomp_data fields, AUDIT_ARCH constants, syscall names (from
// libseccomp's table of the ABI known on that path) and return actions.
func Disassemble(w io.Writer, p Program) error {
	states := make([]state, len(p)+1)
	if len(p) > 0 {
		states[0] = state{set: true}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "; %s (%d bytes)\n", text.Count(len(p), "instruction", "instructions"), len(p)*InstructionSize)
	for pc, in := range p {
		st := states[pc]
		text, comment := render(pc, in, st)
		if comment != "" {
			fmt.Fprintf(&b, "%04d: %-34s ; %s\n", pc, text, comment)
		} else {
			fmt.Fprintf(&b, "%04d: %s\n", pc, text)
		}
		// propagate
		next := st
		switch {
		case in.Code == clsLD|szW|modeABS:
			next.a, next.arg, next.hi = fieldOf(in.K)
		case in.class() == clsLD || in.class() == clsALU || in.Code == clsMISC|miscTXA:
			next.a = srcUnknown
		}
		flow := func(t int, s state) {
			if t < len(states) {
				states[t] = merge(states[t], s)
			}
		}
		switch {
		case in.class() == clsRET:
		case in.Code == clsJMP|jmpJA:
			flow(pc+1+int(in.K), next)
		case in.class() == clsJMP:
			tst, fst := next, next
			if next.a == srcArch && in.Code == clsJMP|jmpJEQ|srcK {
				if arch, _ := archOfAudit(in.K); arch != "" {
					tst.arch = arch
				}
			}
			flow(pc+1+int(in.Jt), tst)
			flow(pc+1+int(in.Jf), fst)
		default:
			flow(pc+1, next)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func fieldOf(k uint32) (aSrc, int, bool) {
	switch {
	case k == offNr:
		return srcNr, 0, false
	case k == offArch:
		return srcArch, 0, false
	case k == offIP:
		return srcIPLo, 0, false
	case k == offIP+4:
		return srcIPHi, 0, false
	case k >= offArgs && k < SeccompDataSize:
		i := int(k-offArgs) / 8
		return srcArgLo, i, (k-offArgs)%8 == 4
	}
	return srcUnknown, 0, false
}

func fieldName(k uint32) string {
	src, arg, hi := fieldOf(k)
	switch src {
	case srcNr:
		return "nr"
	case srcArch:
		return "arch"
	case srcIPLo:
		return "instruction_pointer (low)"
	case srcIPHi:
		return "instruction_pointer (high)"
	case srcArgLo:
		if hi {
			return fmt.Sprintf("args[%d] (high)", arg)
		}
		return fmt.Sprintf("args[%d] (low)", arg)
	}
	return "?"
}

var aluNames = map[int]string{aluADD: "add", aluSUB: "sub", aluMUL: "mul", aluDIV: "div", aluOR: "or",
	aluAND: "and", aluLSH: "lsh", aluRSH: "rsh", aluNEG: "neg", aluMOD: "mod", aluXOR: "xor"}
var jmpNames = map[int]string{jmpJEQ: "jeq", jmpJGT: "jgt", jmpJGE: "jge", jmpJSET: "jset"}

func render(pc int, in Instruction, st state) (string, string) {
	switch in.Code {
	case clsLD | szW | modeABS:
		return fmt.Sprintf("ld   [%d]", in.K), "A = seccomp_data." + fieldName(in.K)
	case clsLD | szW | modeLEN:
		return "ld   #len", "A = sizeof(seccomp_data)"
	case clsLDX | szW | modeLEN:
		return "ldx  #len", "X = sizeof(seccomp_data)"
	case clsLD | modeIMM:
		return fmt.Sprintf("ld   #%#x", in.K), ""
	case clsLDX | modeIMM:
		return fmt.Sprintf("ldx  #%#x", in.K), ""
	case clsLD | modeMEM:
		return fmt.Sprintf("ld   M[%d]", in.K), ""
	case clsLDX | modeMEM:
		return fmt.Sprintf("ldx  M[%d]", in.K), ""
	case clsST:
		return fmt.Sprintf("st   M[%d]", in.K), ""
	case clsSTX:
		return fmt.Sprintf("stx  M[%d]", in.K), ""
	case clsMISC | miscTAX:
		return "tax", ""
	case clsMISC | miscTXA:
		return "txa", ""
	case clsRET | retA:
		return "ret  A", ""
	case clsRET | retK:
		act, data := ActionOf(in.K)
		c := string(act)
		switch act {
		case "SCMP_ACT_ERRNO":
			c = fmt.Sprintf("%s(%d)%s", act, data, errnoName(data))
		case "SCMP_ACT_TRACE", "SCMP_ACT_TRAP":
			if data != 0 {
				c = fmt.Sprintf("%s(%d)", act, data)
			}
		}
		return fmt.Sprintf("ret  #%#08x", in.K), c
	case clsJMP | jmpJA:
		return fmt.Sprintf("ja   %04d", pc+1+int(in.K)), ""
	}
	switch in.class() {
	case clsALU:
		name := aluNames[int(in.Code&0xf0)]
		if name == "" {
			name = "alu?"
		}
		if int(in.Code&0xf0) == aluNEG {
			return "neg", ""
		}
		if in.Code&srcX != 0 {
			return fmt.Sprintf("%-4s x", name), ""
		}
		return fmt.Sprintf("%-4s #%#x", name, in.K), ""
	case clsJMP:
		name := jmpNames[int(in.Code&0xf0)]
		if name == "" {
			name = "jmp?"
		}
		jt, jf := pc+1+int(in.Jt), pc+1+int(in.Jf)
		if in.Code&srcX != 0 {
			return fmt.Sprintf("%-4s x, %04d, %04d", name, jt, jf), ""
		}
		return fmt.Sprintf("%-4s #%#x, %04d, %04d", name, in.K, jt, jf), constComment(in, st)
	}
	return fmt.Sprintf(".word %#04x %d %d %#x", in.Code, in.Jt, in.Jf, in.K), "unknown opcode"
}

func constComment(in Instruction, st state) string {
	switch st.a {
	case srcArch:
		if _, c := archOfAudit(in.K); c != "" {
			return c
		}
	case srcNr:
		if int(in.Code&0xf0) == jmpJSET {
			if in.K == X32SyscallBit {
				return "__X32_SYSCALL_BIT"
			}
			return ""
		}
		if in.K == 0xffffffff {
			return "nr -1 (no syscall: a tracer skipped it)"
		}
		arch := st.arch
		if arch == "x86_64" && in.K&X32SyscallBit != 0 {
			arch = "x32"
		}
		if arch == "" {
			return ""
		}
		if int(in.Code&0xf0) != jmpJEQ {
			if in.K == X32SyscallBit {
				return "x32 numbers (__X32_SYSCALL_BIT)"
			}
			op := ">="
			if int(in.Code&0xf0) == jmpJGT {
				op = ">"
				if m, err := scmp.MaxNr(arch); err == nil && uint32(m) == in.K {
					return fmt.Sprintf("beyond the %s table (max %d)", arch, m)
				}
			}
			if n, ok := scmp.Name(arch, int(in.K)); ok {
				return fmt.Sprintf("nr %s %s (%s)", op, n, arch)
			}
			return ""
		}
		if n, ok := scmp.Name(arch, int(in.K)); ok {
			return fmt.Sprintf("%s (%s)", n, arch)
		}
		return fmt.Sprintf("unknown syscall %d (%s)", in.K, arch)
	}
	return ""
}

func errnoName(e uint16) string {
	switch e {
	case 1:
		return " EPERM"
	case 38:
		return " ENOSYS"
	case 13:
		return " EACCES"
	case 22:
		return " EINVAL"
	}
	return ""
}
