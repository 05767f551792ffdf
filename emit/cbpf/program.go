package cbpf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/seccomp-gen/seccomp-gen/abi"
	"github.com/seccomp-gen/seccomp-gen/policy"
)

// Instruction is one classic BPF instruction, laid out as the kernel's
// struct sock_filter.
type Instruction struct {
	Code uint16
	Jt   uint8
	Jf   uint8
	K    uint32
}

// Program is a classic BPF seccomp filter.
type Program []Instruction

// MaxInstructions is the kernel's limit (BPF_MAXINSNS).
const MaxInstructions = 4096

// InstructionSize is sizeof(struct sock_filter).
const InstructionSize = 8

// ErrBadProgram is wrapped by errors about malformed raw filters.
var ErrBadProgram = errors.New("bad BPF program")

// tooLongError is a program of this many instructions, more than
// MaxInstructions: ErrBadProgram and policy.ErrFilterTooLarge.
type tooLongError int

func (n tooLongError) Error() string {
	return fmt.Sprintf("%v: %d instructions (the kernel accepts at most %d)", ErrBadProgram, int(n), MaxInstructions)
}

func (n tooLongError) Unwrap() []error { return []error{ErrBadProgram, policy.ErrFilterTooLarge} }

// Bytes returns the program as raw struct sock_filter bytes in native
// (little-endian: every arch seccomp-gen targets) byte order.
func (p Program) Bytes() []byte {
	out := make([]byte, 0, len(p)*InstructionSize)
	for _, in := range p {
		out = binary.LittleEndian.AppendUint16(out, in.Code)
		out = append(out, in.Jt, in.Jf)
		out = binary.LittleEndian.AppendUint32(out, in.K)
	}
	return out
}

// Parse reads raw struct sock_filter bytes and checks the program the way
// the kernel's seccomp loader would (Check).
func Parse(b []byte) (Program, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrBadProgram)
	}
	if len(b)%InstructionSize != 0 {
		return nil, fmt.Errorf("%w: %d bytes is not a multiple of %d (struct sock_filter)", ErrBadProgram, len(b), InstructionSize)
	}
	p := make(Program, len(b)/InstructionSize)
	for i := range p {
		o := i * InstructionSize
		p[i] = Instruction{
			Code: binary.LittleEndian.Uint16(b[o:]),
			Jt:   b[o+2],
			Jf:   b[o+3],
			K:    binary.LittleEndian.Uint32(b[o+4:]),
		}
	}
	if err := p.Check(); err != nil {
		return nil, err
	}
	return p, nil
}

// ReadFile reads a raw filter file ("-" is standard input). It reads at
// most one byte more than MaxInstructions instructions, so a huge file or
// an endless device is refused by Parse rather than read into memory.
func ReadFile(path string) (Program, error) {
	r := io.Reader(os.Stdin)
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("filter: %w", err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, MaxInstructions*InstructionSize+1))
	if err != nil {
		return nil, fmt.Errorf("filter: %w", err)
	}
	if len(b) > MaxInstructions*InstructionSize {
		return nil, fmt.Errorf("%s: %w: more than %d instructions", path, ErrBadProgram, MaxInstructions)
	}
	p, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// Classic BPF opcode fields.
const (
	clsLD   = 0x00
	clsLDX  = 0x01
	clsST   = 0x02
	clsSTX  = 0x03
	clsALU  = 0x04
	clsJMP  = 0x05
	clsRET  = 0x06
	clsMISC = 0x07

	szW = 0x00

	modeIMM = 0x00
	modeABS = 0x20
	modeMEM = 0x60
	modeLEN = 0x80

	aluADD = 0x00
	aluSUB = 0x10
	aluMUL = 0x20
	aluDIV = 0x30
	aluOR  = 0x40
	aluAND = 0x50
	aluLSH = 0x60
	aluRSH = 0x70
	aluNEG = 0x80
	aluMOD = 0x90
	aluXOR = 0xa0

	jmpJA   = 0x00
	jmpJEQ  = 0x10
	jmpJGT  = 0x20
	jmpJGE  = 0x30
	jmpJSET = 0x40

	srcK = 0x00
	srcX = 0x08

	retK = 0x00
	retA = 0x10

	miscTAX = 0x00
	miscTXA = 0x80
)

// Instruction builders for the stub.
func ldAbs(off uint32) Instruction { return Instruction{Code: clsLD | szW | modeABS, K: off} }
func jeq(k uint32, jt, jf uint8) Instruction {
	return Instruction{Code: clsJMP | jmpJEQ | srcK, Jt: jt, Jf: jf, K: k}
}
func jgt(k uint32, jt, jf uint8) Instruction {
	return Instruction{Code: clsJMP | jmpJGT | srcK, Jt: jt, Jf: jf, K: k}
}
func jge(k uint32, jt, jf uint8) Instruction {
	return Instruction{Code: clsJMP | jmpJGE | srcK, Jt: jt, Jf: jf, K: k}
}
func jset(k uint32, jt, jf uint8) Instruction {
	return Instruction{Code: clsJMP | jmpJSET | srcK, Jt: jt, Jf: jf, K: k}
}
func ja(k uint32) Instruction     { return Instruction{Code: clsJMP | jmpJA, K: k} }
func ret(k uint32) Instruction    { return Instruction{Code: clsRET | retK, K: k} }
func scratch(k uint32) bool       { return k < 16 }
func dataOffOK(k uint32) bool     { return k < SeccompDataSize && k%4 == 0 }
func (in Instruction) class() int { return int(in.Code & 0x07) }

// Check validates the program as the kernel does for seccomp filters:
// length, known opcodes, seccomp_data loads that are aligned 32-bit words
// inside the struct, scratch memory indexes, jumps that stay inside the
// program, a final return, and scratch words stored before they are loaded
// (checkMemory). The opcodes are those of the kernel's seccomp_check_filter,
// which is narrower than classic BPF: no BPF_MOD, no neg with BPF_X, and
// nothing at or above 0x100 (the kernel looks the 16-bit code up in a table
// of 256).
func (p Program) Check() error {
	if len(p) == 0 {
		return fmt.Errorf("%w: empty", ErrBadProgram)
	}
	if len(p) > MaxInstructions {
		return tooLongError(len(p))
	}
	for pc, in := range p {
		bad := func(why string) error {
			return fmt.Errorf("%w: instruction %d (code %#04x k %#x): %s", ErrBadProgram, pc, in.Code, in.K, why)
		}
		if in.Code >= 0x100 {
			return bad("opcode not allowed in seccomp filters")
		}
		switch in.Code {
		case clsLD | szW | modeABS:
			if !dataOffOK(in.K) {
				return bad("load outside seccomp_data or unaligned")
			}
		case clsLD | szW | modeLEN, clsLDX | szW | modeLEN, clsLD | modeIMM, clsLDX | modeIMM,
			clsMISC | miscTAX, clsMISC | miscTXA, clsRET | retK, clsRET | retA:
		case clsLD | modeMEM, clsLDX | modeMEM, clsST, clsSTX:
			if !scratch(in.K) {
				return bad("scratch memory index out of range 0..15")
			}
		case clsJMP | jmpJA:
			if uint64(pc)+1+uint64(in.K) >= uint64(len(p)) {
				return bad("jump out of the program")
			}
		default:
			switch in.class() {
			case clsALU:
				op := int(in.Code & 0xf0)
				switch op {
				case aluADD, aluSUB, aluMUL, aluDIV, aluOR, aluAND, aluLSH, aluRSH, aluXOR:
					if op == aluDIV && in.Code&srcX == 0 && in.K == 0 {
						return bad("division by zero")
					}
					if (op == aluLSH || op == aluRSH) && in.Code&srcX == 0 && in.K >= 32 {
						return bad("shift by 32 or more")
					}
				case aluNEG:
					if in.Code&srcX != 0 {
						return bad("neg takes no operand (BPF_X)")
					}
				case aluMOD:
					// Classic BPF has it; seccomp_check_filter
					// leaves it out.
					return bad("mod is not allowed in seccomp filters")
				default:
					return bad("unknown ALU operation")
				}
			case clsJMP:
				switch int(in.Code & 0xf0) {
				case jmpJEQ, jmpJGT, jmpJGE, jmpJSET:
				default:
					return bad("unknown jump")
				}
				if pc+1+int(in.Jt) >= len(p) || pc+1+int(in.Jf) >= len(p) {
					return bad("jump out of the program")
				}
			default:
				return bad("opcode not allowed in seccomp filters")
			}
		}
	}
	if last := p[len(p)-1]; last.class() != clsRET {
		return fmt.Errorf("%w: the last instruction is not a return", ErrBadProgram)
	}
	return p.checkMemory()
}

// checkMemory is the kernel's check_load_and_stores, on a program whose
// jumps are known to stay inside it: a load from a scratch word must follow
// a store to it on every path, else the kernel refuses the filter (EINVAL)
// rather than run it on uninitialised memory. It follows the kernel
// step by step, including its approximations (a jump leaves every word
// valid for the instruction after it, which only its own jumps reach; a
// return does not reset anything), so that it refuses what the kernel
// refuses and nothing else.
func (p Program) checkMemory() error {
	masks := make([]uint16, len(p))
	for i := range masks {
		masks[i] = 0xffff
	}
	var valid uint16 // one bit per scratch word
	for pc, in := range p {
		valid &= masks[pc]
		switch {
		case in.Code == clsST || in.Code == clsSTX:
			valid |= 1 << in.K
		case in.Code == clsLD|modeMEM || in.Code == clsLDX|modeMEM:
			if valid&(1<<in.K) == 0 {
				return fmt.Errorf("%w: instruction %d (code %#04x k %#x): M[%d] is loaded before it is stored on some path", ErrBadProgram, pc, in.Code, in.K, in.K)
			}
		case in.Code == clsJMP|jmpJA:
			masks[pc+1+int(in.K)] &= valid
			valid = 0xffff
		case in.class() == clsJMP:
			masks[pc+1+int(in.Jt)] &= valid
			masks[pc+1+int(in.Jf)] &= valid
			valid = 0xffff
		}
	}
	return nil
}

// Seccomp return values (SECCOMP_RET_*): the action in the high 16 bits,
// data (errno) in the low 16.
const (
	RetKillProcess uint32 = 0x80000000
	RetKillThread  uint32 = 0x00000000
	RetTrap        uint32 = 0x00030000
	RetErrno       uint32 = 0x00050000
	RetUserNotif   uint32 = 0x7fc00000
	RetTrace       uint32 = 0x7ff00000
	RetLog         uint32 = 0x7ffc0000
	RetAllow       uint32 = 0x7fff0000

	RetActionMask uint32 = 0xffff0000
	RetDataMask   uint32 = 0x0000ffff
)

// ActionOf splits a seccomp return value into the policy action and its
// data (the errno for SCMP_ACT_ERRNO). Unknown actions behave like kill
// process in the kernel and are reported as such.
func ActionOf(r uint32) (policy.Action, uint16) {
	data := uint16(r & RetDataMask)
	switch r & RetActionMask {
	case RetKillProcess:
		return policy.ActKillProcess, 0
	case RetKillThread:
		return policy.ActKillThread, 0
	case RetTrap:
		return policy.ActTrap, data
	case RetErrno:
		return policy.ActErrno, data
	case RetUserNotif:
		return policy.ActNotify, 0
	case RetTrace:
		return policy.ActTrace, data
	case RetLog:
		return policy.ActLog, 0
	case RetAllow:
		return policy.ActAllow, 0
	}
	return policy.ActKillProcess, 0
}

// RetValue is the inverse of ActionOf.
func RetValue(a policy.Action, data uint16) (uint32, error) {
	switch a {
	case policy.ActKillProcess:
		return RetKillProcess, nil
	case policy.ActKill, policy.ActKillThread:
		return RetKillThread, nil
	case policy.ActTrap:
		return RetTrap, nil
	case policy.ActErrno:
		return RetErrno | uint32(data), nil
	case policy.ActNotify:
		return RetUserNotif, nil
	case policy.ActTrace:
		return RetTrace | uint32(data), nil
	case policy.ActLog:
		return RetLog, nil
	case policy.ActAllow:
		return RetAllow, nil
	}
	return 0, fmt.Errorf("action %q: unknown", a)
}

// AUDIT_ARCH_* values of struct seccomp_data.arch (linux/audit.h). These
// are ELF machine constants, not syscall tables; x32 shares x86_64's value
// and sets X32SyscallBit in the syscall number instead.
// They come from the one ABI table (package abi).
const (
	AuditArchX86_64  = abi.AuditX86_64
	AuditArchI386    = abi.AuditI386
	AuditArchAArch64 = abi.AuditAArch64
	AuditArchARM     = abi.AuditARM

	X32SyscallBit = abi.X32SyscallBit
)

// AuditArch returns the AUDIT_ARCH value for a trace arch name.
func AuditArch(arch string) (uint32, bool) {
	a, ok := abi.Lookup(arch)
	return a.Audit, ok
}

// archOfAudit names an AUDIT_ARCH value (x86_64 for AUDIT_ARCH_X86_64).
func archOfAudit(v uint32) (arch, constant string) {
	a, ok := abi.ForAudit(v, 0)
	if !ok {
		return "", ""
	}
	return a.Name, a.AuditName
}
