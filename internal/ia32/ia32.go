// Package ia32 finds out whether the running kernel runs 32-bit x86
// programs: IA32 emulation can be built in (CONFIG_IA32_EMULATION) and still
// be off, by the command line (ia32_emulation=0) or by the kernel itself
// (a PVM guest, for one, refuses 32-bit programs and int 0x80 while its
// kallsyms still lists __ia32_sys_*). Only running one tells.
package ia32

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// ErrOff is the answer of a kernel that refuses to execute a 32-bit program.
var ErrOff = errors.New("the kernel refuses to execute 32-bit x86 programs (exec format error)")

// ErrInt80 is the answer of a kernel that executes a 32-bit program but
// kills it at its int 0x80.
var ErrInt80 = errors.New("a 32-bit program runs, but its int 0x80 is refused")

// Refused reports whether err, from Runs, says the kernel refuses 32-bit
// programs (ErrOff or ErrInt80), rather than that the probe could not be
// run here at all (memfd execution forbidden, say): then nothing is known.
func Refused(err error) bool {
	return errors.Is(err, ErrOff) || errors.Is(err, ErrInt80)
}

// probeStatus is what the probe program exits with, through int 0x80.
const probeStatus = 42

// program is a minimal static i386 ELF executable whose one instruction
// sequence is exit_group(42) through int 0x80.
func program() []byte {
	const base = 0x08048000
	code := []byte{
		0xb8, 0xfc, 0x00, 0x00, 0x00, // mov eax, 252 (exit_group)
		0xbb, probeStatus, 0x00, 0x00, 0x00, // mov ebx, 42
		0xcd, 0x80, // int 0x80
	}
	const ehsize, phsize = 52, 32
	b := make([]byte, ehsize+phsize, ehsize+phsize+len(code))
	copy(b, []byte{0x7f, 'E', 'L', 'F', 1 /* 32-bit */, 1 /* little-endian */, 1 /* version */})
	le := binary.LittleEndian
	le.PutUint16(b[16:], 2)                  // e_type: ET_EXEC
	le.PutUint16(b[18:], 3)                  // e_machine: EM_386
	le.PutUint32(b[20:], 1)                  // e_version
	le.PutUint32(b[24:], base+ehsize+phsize) // e_entry
	le.PutUint32(b[28:], ehsize)             // e_phoff
	le.PutUint16(b[40:], ehsize)             // e_ehsize
	le.PutUint16(b[42:], phsize)             // e_phentsize
	le.PutUint16(b[44:], 1)                  // e_phnum
	ph := b[ehsize:]
	size := uint32(ehsize + phsize + len(code))
	le.PutUint32(ph[0:], 1)     // p_type: PT_LOAD
	le.PutUint32(ph[8:], base)  // p_vaddr
	le.PutUint32(ph[12:], base) // p_paddr
	le.PutUint32(ph[16:], size) // p_filesz
	le.PutUint32(ph[20:], size) // p_memsz
	le.PutUint32(ph[24:], 5)    // p_flags: R+X
	le.PutUint32(ph[28:], 0x1000)
	return append(b, code...)
}

// Runs executes a tiny 32-bit program that exits through int 0x80 and
// returns nil when it did: 32-bit programs and int 0x80 run here. ErrOff
// (wrapped) when the kernel refuses to execute it, another error when it
// ran but did not exit as it should (int 0x80 refused: a SIGSEGV), or when
// this is not an x86_64 machine (errors.ErrUnsupported).
func Runs() error {
	if runtime.GOARCH != "amd64" {
		return errors.ErrUnsupported
	}
	fd, err := unix.MemfdCreate("seccomp-gen-ia32-probe", unix.MFD_CLOEXEC)
	if err != nil {
		return fmt.Errorf("memfd: %w", err)
	}
	f := os.NewFile(uintptr(fd), "seccomp-gen-ia32-probe")
	defer f.Close()
	if _, err := f.Write(program()); err != nil {
		return fmt.Errorf("memfd: %w", err)
	}
	cmd := exec.Command(fmt.Sprintf("/proc/self/fd/%d", fd))
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return fmt.Errorf("the 32-bit probe exited 0, want %d", probeStatus)
	case errors.Is(err, syscall.ENOEXEC):
		return fmt.Errorf("%w", ErrOff)
	case errors.As(err, &ee):
		if ee.ExitCode() == probeStatus {
			return nil
		}
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return fmt.Errorf("%w (%v)", ErrInt80, ws.Signal())
		}
		return fmt.Errorf("the 32-bit probe: %w", err)
	default:
		return fmt.Errorf("the 32-bit probe: %w", err)
	}
}
