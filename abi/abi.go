// Package abi is the one table of the system-call ABIs seccomp-gen knows:
// the name a trace file and a profile use for each, libseccomp's SCMP_ARCH_
// name, the AUDIT_ARCH value the kernel puts in seccomp_data.arch, the
// machine whose kernel runs it, where its numbers start and how wide the
// arguments a filter compares are. Every other package (the trace file, the
// recorder, libseccomp's tables in scmp, the filter compiler and
// interpreter, the reducer, the verdicts, lint and doctor) asks this table
// instead of keeping its own copy.
//
// It is pure Go and has no dependencies: facts, not syscall tables (those
// come from libseccomp, through package scmp).
package abi

import (
	"slices"
	"strings"
)

// ABI is one system-call ABI.
type ABI struct {
	// Name is the trace and profile name: x86_64, x86, x32, aarch64, arm.
	Name string
	// SCMP is the Docker/OCI (libseccomp) name: SCMP_ARCH_X86_64.
	SCMP string
	// Audit is the AUDIT_ARCH_* value of seccomp_data.arch (linux/audit.h);
	// x32 shares x86_64's and sets X32SyscallBit in the number instead.
	Audit uint32
	// AuditName is the constant's name, for disassembly.
	AuditName string
	// Machine is the native ABI of the kernel that runs this one (x86_64
	// for x86 and x32, aarch64 for arm).
	Machine string
	// Base is the first syscall number (x32: X32SyscallBit).
	Base uint32
	// Private is the start of a second range of numbers (ARM's private
	// syscalls at ARMPrivateBase), 0 if none.
	Private uint32
	// ArgBits is the width of the argument values the kernel hands a
	// filter: 32 on x86 and arm (zero-extended), 64 on x86_64, x32 and
	// aarch64.
	ArgBits int
	// CmpBits is the width of the argument comparisons libseccomp 2.5.4
	// generates: 32 on x86, arm and also x32 (whose arguments are 64 bits
	// wide: its filter ignores their high halves).
	CmpBits int
}

// Facts shared by several ABIs.
const (
	// X32SyscallBit (__X32_SYSCALL_BIT) marks an x32 syscall number on
	// an x86_64 kernel.
	X32SyscallBit uint32 = 0x40000000
	// ARMPrivateBase (__ARM_NR_BASE) is where ARM's private syscalls start.
	ARMPrivateBase uint32 = 0xf0000
)

// The AUDIT_ARCH_* values (linux/audit.h: ELF machine and class bits).
const (
	AuditX86_64  uint32 = 0xc000003e
	AuditI386    uint32 = 0x40000003
	AuditAArch64 uint32 = 0xc00000b7
	AuditARM     uint32 = 0x40000028
)

// The trace names of the ABIs.
const (
	X86_64  = "x86_64"
	X86     = "x86"
	X32     = "x32"
	AArch64 = "aarch64"
	ARM     = "arm"
)

var table = []ABI{
	{Name: X86_64, SCMP: "SCMP_ARCH_X86_64", Audit: AuditX86_64, AuditName: "AUDIT_ARCH_X86_64", Machine: X86_64, ArgBits: 64, CmpBits: 64},
	{Name: X86, SCMP: "SCMP_ARCH_X86", Audit: AuditI386, AuditName: "AUDIT_ARCH_I386", Machine: X86_64, ArgBits: 32, CmpBits: 32},
	{Name: X32, SCMP: "SCMP_ARCH_X32", Audit: AuditX86_64, AuditName: "AUDIT_ARCH_X86_64", Machine: X86_64, Base: X32SyscallBit, ArgBits: 64, CmpBits: 32},
	{Name: AArch64, SCMP: "SCMP_ARCH_AARCH64", Audit: AuditAArch64, AuditName: "AUDIT_ARCH_AARCH64", Machine: AArch64, ArgBits: 64, CmpBits: 64},
	{Name: ARM, SCMP: "SCMP_ARCH_ARM", Audit: AuditARM, AuditName: "AUDIT_ARCH_ARM", Machine: AArch64, Private: ARMPrivateBase, ArgBits: 32, CmpBits: 32},
}

// All returns every ABI, native ones before the compat ABIs of their
// machine.
func All() []ABI { return slices.Clone(table) }

// Names returns the trace names of every ABI, in the order of All.
func Names() []string {
	out := make([]string, len(table))
	for i, a := range table {
		out[i] = a.Name
	}
	return out
}

// Lookup finds an ABI by its trace name or, ignoring case, its SCMP_ARCH_
// name.
func Lookup(name string) (ABI, bool) {
	for _, a := range table {
		if a.Name == name || strings.EqualFold(a.SCMP, name) {
			return a, true
		}
	}
	return ABI{}, false
}

// Known reports whether name is the trace name of an ABI.
func Known(name string) bool {
	for _, a := range table {
		if a.Name == name {
			return true
		}
	}
	return false
}

// Family returns the ABIs a kernel of machine runs, its native ABI first
// (x86_64: x86_64, x86, x32); nil for a machine seccomp-gen does not know.
// A compat ABI's family is its machine's ("x86" gives the x86_64 family).
// "arm64" is read as aarch64 (uname and Go spell it so).
func Family(machine string) []string {
	if machine == "arm64" {
		machine = AArch64
	}
	m, ok := Lookup(machine)
	if !ok {
		return nil
	}
	var out []string
	for _, a := range table {
		if a.Machine == m.Machine {
			out = append(out, a.Name)
		}
	}
	return out
}

// Primary returns the native ABI of the machine that runs name (x86_64 for
// x86 and x32), the one container runtimes themselves use; "" for an
// unknown name.
func Primary(name string) string {
	a, ok := Lookup(name)
	if !ok {
		return ""
	}
	return a.Machine
}

// CmpBits returns the width of libseccomp's argument comparisons on name's
// ABI (64 for an unknown name).
func CmpBits(name string) int {
	if a, ok := Lookup(name); ok {
		return a.CmpBits
	}
	return 64
}

// ForAudit returns the ABI of a syscall as seccomp_data shows it: the
// AUDIT_ARCH value and the number (on AUDIT_ARCH_X86_64 the x32 bit tells
// x32 from x86_64).
func ForAudit(audit, nr uint32) (ABI, bool) {
	for _, a := range table {
		if a.Audit != audit {
			continue
		}
		if a.Audit == AuditX86_64 && (nr&X32SyscallBit != 0) != (a.Base == X32SyscallBit) {
			continue
		}
		return a, true
	}
	return ABI{}, false
}

// IsX32Nr reports whether nr, a syscall number seccomp sees with
// AUDIT_ARCH_X86_64, is x32's as the filters runc loads decide it: bit 30
// set (runc's ENOSYS stub, and generate's compiled filters, test that bit
// first), but for -1 (0xffffffff), the number a tracer skips a syscall
// with, which libseccomp tests against the native ABI's rules. A program's
// syscall(-1) therefore meets x86_64's rules and gets the profile's
// default action, and so does syscall(0x80000005) (runc's stub: beyond the
// table, ENOSYS). libseccomp alone (crun: no stub) sends every number at
// or above the bit but -1 to x32's rules.
func IsX32Nr(nr uint32) bool {
	return nr&X32SyscallBit != 0 && nr != 0xffffffff
}

// NoSyscall reports whether nr (as a trace holds it: 32 bits, signed,
// x32's with their bit) is beyond every syscall table arch has, so that a
// kernel answers it ENOSYS whatever its version: a program's probe such as
// syscall(-1) or syscall(5000). Tables stop well below 1024 (the recorder's
// slots); arm's private calls sit at ARMPrivateBase.
func NoSyscall(arch string, nr int) bool {
	n := int64(nr)
	switch arch {
	case "x32":
		n -= int64(X32SyscallBit)
	case "arm":
		if n >= int64(ARMPrivateBase) && n < int64(ARMPrivateBase)+0x800 {
			return false
		}
	}
	return n < 0 || n >= 1024
}
