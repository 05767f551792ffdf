package cbpf

import (
	"encoding/binary"
	"fmt"

	"github.com/seccomp-gen/seccomp-gen/policy"
)

// SeccompDataSize is sizeof(struct seccomp_data).
const SeccompDataSize = 64

// Data is struct seccomp_data: what the kernel hands a filter.
type Data struct {
	Nr   int32
	Arch uint32
	IP   uint64
	Args [6]uint64
}

// Bytes lays Data out as the kernel does (native, little endian).
func (d Data) Bytes() []byte {
	b := make([]byte, SeccompDataSize)
	binary.LittleEndian.PutUint32(b[0:], uint32(d.Nr))
	binary.LittleEndian.PutUint32(b[4:], d.Arch)
	binary.LittleEndian.PutUint64(b[8:], d.IP)
	for i, a := range d.Args {
		binary.LittleEndian.PutUint64(b[16+8*i:], a)
	}
	return b
}

// Result is a filter's answer for one syscall.
type Result struct {
	Ret    uint32        // the raw SECCOMP_RET_* value
	Action policy.Action // its action
	Data   uint16        // its data (errno for SCMP_ACT_ERRNO)
	Steps  int           // instructions executed, the return included
	// ReadArgs says the run loaded a word other than nr and arch (the
	// instruction pointer or an argument): the answer may depend on it, so
	// the kernel's action cache cannot serve this syscall.
	ReadArgs bool
}

func (r Result) String() string {
	switch r.Action {
	case policy.ActErrno, policy.ActTrace, policy.ActTrap:
		return fmt.Sprintf("%s(%d)", r.Action, r.Data)
	}
	return string(r.Action)
}

// Run interprets the program for d in userspace with the kernel's seccomp
// semantics (32-bit words, native byte order, the A and X registers and 16
// scratch words) and returns the filter's answer. A program that fails
// Check is an error.
func (p Program) Run(d Data) (Result, error) {
	if err := p.Check(); err != nil {
		return Result{}, err
	}
	return p.run(d.Bytes())
}

func (p Program) run(data []byte) (Result, error) {
	var a, x uint32
	var mem [16]uint32
	steps := 0
	readArgs := false
	done := func(r uint32) (Result, error) {
		act, dat := ActionOf(r)
		return Result{Ret: r, Action: act, Data: dat, Steps: steps, ReadArgs: readArgs}, nil
	}
	for pc := 0; pc < len(p); pc++ {
		in := p[pc]
		steps++
		switch in.Code {
		case clsLD | szW | modeABS:
			a = binary.LittleEndian.Uint32(data[in.K:])
			readArgs = readArgs || in.K >= 8 // past nr (0) and arch (4)
			continue
		case clsLD | szW | modeLEN:
			a = SeccompDataSize
			continue
		case clsLDX | szW | modeLEN:
			x = SeccompDataSize
			continue
		case clsLD | modeIMM:
			a = in.K
			continue
		case clsLDX | modeIMM:
			x = in.K
			continue
		case clsLD | modeMEM:
			a = mem[in.K]
			continue
		case clsLDX | modeMEM:
			x = mem[in.K]
			continue
		case clsST:
			mem[in.K] = a
			continue
		case clsSTX:
			mem[in.K] = x
			continue
		case clsMISC | miscTAX:
			x = a
			continue
		case clsMISC | miscTXA:
			a = x
			continue
		case clsRET | retK:
			return done(in.K)
		case clsRET | retA:
			return done(a)
		case clsJMP | jmpJA:
			pc += int(in.K)
			continue
		}
		operand := in.K
		if in.Code&srcX != 0 {
			operand = x
		}
		switch in.class() {
		case clsALU:
			switch int(in.Code & 0xf0) {
			case aluADD:
				a += operand
			case aluSUB:
				a -= operand
			case aluMUL:
				a *= operand
			case aluDIV:
				if operand == 0 {
					return done(0) // the kernel returns 0 (kill) on division by zero
				}
				a /= operand
			case aluOR:
				a |= operand
			case aluAND:
				a &= operand
			case aluLSH:
				a <<= operand & 31
			case aluRSH:
				a >>= operand & 31
			case aluNEG:
				a = -a
			case aluXOR:
				a ^= operand
			}
		case clsJMP:
			var cond bool
			switch int(in.Code & 0xf0) {
			case jmpJEQ:
				cond = a == operand
			case jmpJGT:
				cond = a > operand
			case jmpJGE:
				cond = a >= operand
			case jmpJSET:
				cond = a&operand != 0
			}
			if cond {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		}
	}
	return Result{}, fmt.Errorf("%w: fell off the end", ErrBadProgram)
}
